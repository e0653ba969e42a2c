//! What the pages show, assembled from the store and the domain: the frame every page
//! shares, entry cards, and "Published in" as the domain groups it.

use std::collections::HashMap;

use quad_domain::display::{self, AppRoot, PublicationFact, PublishedGroup};
use quad_domain::my_media::{self, PublishState};
use quad_store::Conn;
use quad_store::apps::{self, App};
use quad_store::entries::{self, Entry};
use quad_store::{portal, publications};
use serde_json::Value;

use super::error::{PortalError, PortalResult};
use super::visit::Visit;

/// The frame of every page: the portal's name, who is logged in, and the CSRF token.
pub struct Chrome {
    pub title: String,
    pub app_name: String,
    pub base: String,
    pub user: Option<String>,
    pub is_admin: bool,
    pub csrf: String,
}

impl Chrome {
    pub fn new(visit: &Visit, title: &str) -> Chrome {
        Chrome {
            title: title.to_owned(),
            app_name: visit.app.name.clone(),
            base: format!("/{}", visit.slug()),
            user: visit.viewer.as_ref().map(|v| v.user.to_string()),
            is_admin: visit.viewer.as_ref().is_some_and(|v| v.role.is_admin()),
            csrf: visit.csrf.clone(),
        }
    }
}

/// The publications of an entry in one app, as "Published in" shows them.
pub struct PublishedView {
    pub app_name: String,
    pub lines: Vec<LineView>,
}

/// One line of "Published in".
pub struct LineView {
    pub category_id: i64,
    pub path: String,
    /// `published`, `pending` or `rejected`.
    pub status: &'static str,
    pub why: String,
}

fn view_of(groups: Vec<PublishedGroup>) -> Vec<PublishedView> {
    groups
        .into_iter()
        .map(|g| PublishedView {
            app_name: g.app_name,
            lines: g
                .lines
                .into_iter()
                .map(|l| LineView {
                    category_id: l.category_id,
                    path: l.path,
                    status: status_name(l.status),
                    why: l.why,
                })
                .collect(),
        })
        .collect()
}

/// An entry as a list shows it.
pub struct EntryCard {
    pub id: String,
    pub name: String,
    pub description: String,
    pub media_type: &'static str,
    pub duration: String,
    pub created: String,
    pub state: &'static str,
    /// "Converting" or "Processing failed" while the entry cannot play; else empty.
    pub processing: &'static str,
    pub thumbnail: Option<String>,
    pub published_in: Vec<PublishedView>,
}

/// What a player shows above an entry whose processing is not done or went wrong.
pub fn processing_notice(entry: &Entry) -> Option<String> {
    match (entry.status, &entry.status_reason) {
        (_, Some(reason)) => Some(reason.clone()),
        (entries::STATUS_PRECONVERT, None) => Some(
            "This video is being converted for playing in browsers. It plays here once that is \
             done."
                .to_owned(),
        ),
        (entries::STATUS_ERROR_CONVERTING, None) => {
            Some("This media could not be processed.".to_owned())
        }
        _ => None,
    }
}

pub fn media_type_name(code: Option<i64>) -> &'static str {
    match code {
        Some(1) => "Video",
        Some(2) => "Image",
        Some(5) => "Audio",
        _ => "Media",
    }
}

pub fn state_name(state: PublishState) -> &'static str {
    match state {
        PublishState::Private => "Private",
        PublishState::Published => "Published",
        PublishState::Pending => "Pending moderation",
        PublishState::Rejected => "Rejected",
    }
}

pub fn status_name(code: i64) -> &'static str {
    match code {
        1 => "pending",
        2 => "published",
        4 => "rejected",
        _ => "removed",
    }
}

pub fn duration_text(ms: Option<i64>) -> String {
    match ms {
        Some(ms) if ms > 0 => {
            let s = ms / 1000;
            format!("{}:{:02}", s / 60, s % 60)
        }
        _ => String::new(),
    }
}

/// A date as `YYYY-MM-DD`, in UTC.
pub fn date_text(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    // Howard Hinnant's civil-from-days algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The apps whose publications this portal shows, and the course titles of the LMS apps
/// among them.
pub struct Roots {
    pub roots: Vec<AppRoot>,
    titles: HashMap<String, String>,
}

fn root_id(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

/// This app's root, then, when `categories.showExternalPublish` is on, each root of
/// `categories.externalApplications`.
pub async fn roots(visit: &Visit, conn: &mut Conn) -> PortalResult<Roots> {
    roots_of(conn, &visit.app, &visit.settings).await
}

/// The same for any app, portal or LMS, with its effective settings.
pub async fn roots_of(conn: &mut Conn, app: &App, settings: &Value) -> PortalResult<Roots> {
    let own = AppRoot {
        name: app.name.clone(),
        root_category_id: app.root_category_id,
        is_lms: app.kind == "kaf",
    };
    let show = settings["categories"]["showExternalPublish"]
        .as_bool()
        .unwrap_or(false);
    let configured = settings["categories"]["externalApplications"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let partner_apps = apps::list(conn, Some(app.partner_id))
        .await
        .map_err(PortalError::store)?;
    let mut external = Vec::new();
    let mut lms_apps = Vec::new();
    if own.is_lms {
        lms_apps.push(app.id);
    }
    for row in &configured {
        let Some(root) = root_id(&row["applicationRootCategory"]) else {
            continue;
        };
        let other = partner_apps.iter().find(|a| a.root_category_id == root);
        let kind = row["type"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let is_lms = other.map_or(kind.contains("kaf"), |a| a.kind == "kaf");
        if let Some(other) = other.filter(|_| is_lms && show) {
            lms_apps.push(other.id);
        }
        external.push(AppRoot {
            name: row["applicationName"].as_str().map_or_else(
                || other.map_or_else(String::new, |a| a.name.clone()),
                str::to_owned,
            ),
            root_category_id: root,
            is_lms,
        });
    }
    let titles = portal::course_titles(conn, &lms_apps)
        .await
        .map_err(PortalError::store)?
        .into_iter()
        .collect();
    Ok(Roots {
        roots: display::visible_roots(own, show, external),
        titles,
    })
}

/// "Published in" of several entries, and the publish state of each as My Media filters it.
pub async fn published_in(
    conn: &mut Conn,
    roots: &Roots,
    entry_ids: &[String],
) -> PortalResult<HashMap<String, (Vec<PublishedView>, PublishState)>> {
    let placed = publications::placed(conn, entry_ids)
        .await
        .map_err(PortalError::store)?;
    let mut facts: HashMap<&str, Vec<PublicationFact>> = HashMap::new();
    for p in &placed {
        facts
            .entry(p.entry_id.as_str())
            .or_default()
            .push(PublicationFact {
                category_id: p.category_id,
                category_ids: p
                    .full_ids
                    .split('>')
                    .filter_map(|i| i.parse().ok())
                    .collect(),
                category_names: p.full_name.split('>').map(str::to_owned).collect(),
                status: p.status,
                added_by: p.creator_user_id.clone(),
                reason: p.reason.clone(),
            });
    }
    let title = |context: &str| roots.titles.get(context).cloned();
    Ok(entry_ids
        .iter()
        .map(|id| {
            let own = facts.get(id.as_str()).map_or(&[][..], Vec::as_slice);
            let statuses: Vec<i64> = own.iter().map(|f| f.status).collect();
            let groups = display::published_in(own, &roots.roots, title);
            (
                id.clone(),
                (view_of(groups), my_media::publish_state(&statuses)),
            )
        })
        .collect())
}

/// Entry cards with their "Published in", in the order given.
pub async fn cards(
    conn: &mut Conn,
    roots: &Roots,
    base: &str,
    found: &[Entry],
) -> PortalResult<Vec<EntryCard>> {
    let ids: Vec<String> = found.iter().map(|e| e.id.clone()).collect();
    let mut published = published_in(conn, roots, &ids).await?;
    Ok(found
        .iter()
        .map(|e| {
            let (groups, state) = published
                .remove(&e.id)
                .unwrap_or_else(|| (Vec::new(), PublishState::Private));
            EntryCard {
                id: e.id.clone(),
                name: e.name.clone(),
                description: e.description.clone().unwrap_or_default(),
                media_type: media_type_name(e.media_type),
                duration: duration_text(e.duration_ms),
                created: date_text(e.created_at),
                state: state_name(state),
                processing: match e.status {
                    entries::STATUS_PRECONVERT => "Converting",
                    entries::STATUS_ERROR_CONVERTING => "Processing failed",
                    _ => "",
                },
                thumbnail: e
                    .source_key
                    .as_ref()
                    .filter(|_| e.media_type == Some(2))
                    .map(|_| format!("{base}/media/{}/source", e.id)),
                published_in: groups,
            }
        })
        .collect())
}
