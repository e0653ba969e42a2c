//! Display publish: where an entry is published, seen from one app: its own publications
//! and, when the app shows external publishing, those in the other apps it names, each line
//! saying who added it and why.

use crate::entry::EntryPeople;
use crate::roles::AppRole;
use crate::user::UserId;

/// One publication, as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationFact {
    pub category_id: i64,
    /// Ancestor ids from the root down, the category's own id last.
    pub category_ids: Vec<i64>,
    /// Ancestor names from the root down.
    pub category_names: Vec<String>,
    /// 1 pending, 2 active, 4 rejected.
    pub status: i64,
    pub added_by: Option<String>,
    /// `manual`, `embed`, `watch`, `schedule`, `template` or `api`.
    pub reason: String,
}

/// An app whose publications a viewer may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRoot {
    pub name: String,
    pub root_category_id: i64,
    /// Whether course galleries live under `<root>>site>channels>` (an LMS app).
    pub is_lms: bool,
}

/// The apps one app shows publications of: itself, then the external applications of its
/// `categories` module when `showExternalPublish` is on.
pub fn visible_roots(own: AppRoot, show_external: bool, external: Vec<AppRoot>) -> Vec<AppRoot> {
    let mut roots = vec![own];
    if show_external {
        roots.extend(external);
    }
    roots
}

/// A line of "Published in".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedLine {
    pub category_id: i64,
    /// The category path below the app's root, with course galleries by course title.
    pub path: String,
    pub status: i64,
    /// For example "added by ann when a student watched it in BIO-101".
    pub why: String,
}

/// The lines of one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedGroup {
    pub app_name: String,
    pub lines: Vec<PublishedLine>,
}

/// Whether a viewer is shown an entry's "Published in": the people whose My Media holds it
/// (owner and collaborators) and the app's administrators.
pub fn shows_published_in(viewer: &UserId, people: &EntryPeople, role: AppRole) -> bool {
    people.is_involved(viewer) || role.is_admin()
}

/// Why a publication exists, in words.
pub fn reason_text(reason: &str, added_by: Option<&str>, course: Option<&str>) -> String {
    let who = added_by
        .map(|u| format!("added by {u}"))
        .unwrap_or_else(|| "added".to_owned());
    let place = course.map(|c| format!(" in {c}")).unwrap_or_default();
    match reason {
        "embed" => format!("{who} when it was embedded{place}"),
        "watch" => format!("{who} when a student watched it{place}"),
        "schedule" | "template" => format!("{who} by a scheduled recording"),
        "manual" => format!("{who} from the portal"),
        "gallery" => format!("{who} from the course's Media Gallery{place}"),
        _ => format!("{who} through the API"),
    }
}

/// Groups an entry's publications by the apps a viewer may be shown, in the order of
/// `roots`. Course galleries (`<lms root>>site>channels><context id>` and their `InContext`)
/// show the course title that `course_title` gives for the context id, where it knows one.
pub fn published_in(
    publications: &[PublicationFact],
    roots: &[AppRoot],
    course_title: impl Fn(&str) -> Option<String>,
) -> Vec<PublishedGroup> {
    let mut groups = Vec::new();
    for root in roots {
        let mut lines = Vec::new();
        for p in publications {
            let Some(at) = p
                .category_ids
                .iter()
                .position(|id| *id == root.root_category_id)
            else {
                continue;
            };
            let mut names: Vec<String> = p.category_names.iter().skip(at + 1).cloned().collect();
            let mut course = None;
            if root.is_lms && names.len() >= 3 && names[0] == "site" && names[1] == "channels" {
                if let Some(title) = course_title(&names[2]) {
                    names[2] = title.clone();
                    course = Some(title);
                } else {
                    course = Some(names[2].clone());
                }
            }
            let why = reason_text(&p.reason, p.added_by.as_deref(), course.as_deref());
            lines.push(PublishedLine {
                category_id: p.category_id,
                path: names.join(" › "),
                status: p.status,
                why,
            });
        }
        groups.push(PublishedGroup {
            app_name: root.name.clone(),
            lines,
        });
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(ids: &[i64], names: &[&str], reason: &str, by: &str) -> PublicationFact {
        PublicationFact {
            category_id: *ids.last().expect("ids"),
            category_ids: ids.to_vec(),
            category_names: names.iter().map(|n| n.to_string()).collect(),
            status: 2,
            added_by: Some(by.to_owned()),
            reason: reason.to_owned(),
        }
    }

    fn roots() -> (AppRoot, AppRoot) {
        let portal = AppRoot {
            name: "Video Portal".into(),
            root_category_id: 1,
            is_lms: false,
        };
        let canvas = AppRoot {
            name: "Canvas".into(),
            root_category_id: 10,
            is_lms: true,
        };
        (portal, canvas)
    }

    #[test]
    fn external_apps_show_only_when_the_app_shows_external_publishing() {
        let (portal, canvas) = roots();
        assert_eq!(
            visible_roots(portal.clone(), false, vec![canvas.clone()]).len(),
            1
        );
        assert_eq!(visible_roots(portal, true, vec![canvas]).len(), 2);
    }

    #[test]
    fn course_galleries_show_the_course_title_and_why_the_entry_is_there() {
        let (portal, canvas) = roots();
        let pubs = vec![
            fact(
                &[1, 2, 3, 4],
                &["portal", "site", "galleries", "Biology"],
                "manual",
                "ann",
            ),
            fact(
                &[10, 11, 12, 13, 14],
                &["canvas", "site", "channels", "c-101", "InContext"],
                "watch",
                "stu",
            ),
            fact(&[20, 21], &["other", "x"], "api", "bob"),
        ];
        let titles = |ctx: &str| (ctx == "c-101").then(|| "BIO-101".to_owned());

        let groups = published_in(&pubs, &[portal, canvas], titles);

        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].lines.len(), 1);
        assert_eq!(groups[0].lines[0].path, "site › galleries › Biology");
        assert_eq!(groups[0].lines[0].why, "added by ann from the portal");
        assert_eq!(groups[1].app_name, "Canvas");
        assert_eq!(
            groups[1].lines[0].path,
            "site › channels › BIO-101 › InContext"
        );
        assert_eq!(
            groups[1].lines[0].why,
            "added by stu when a student watched it in BIO-101"
        );
    }

    #[test]
    fn published_in_is_shown_to_owner_collaborators_and_admins_only() {
        let id = |u: &str| UserId::parse(u).expect("valid");
        let people = EntryPeople {
            owner: Some(id("ann")),
            editors: vec![],
            publishers: vec![],
            viewers: vec![id("cal")],
        };
        assert!(shows_published_in(
            &id("ann"),
            &people,
            AppRole::PrivateOnly
        ));
        assert!(shows_published_in(
            &id("cal"),
            &people,
            AppRole::PrivateOnly
        ));
        assert!(shows_published_in(&id("dee"), &people, AppRole::Admin));
        assert!(!shows_published_in(
            &id("dee"),
            &people,
            AppRole::PrivateOnly
        ));
    }

    #[test]
    fn an_entry_added_from_a_course_gallery_says_so() {
        assert_eq!(
            reason_text("gallery", Some("sam"), Some("Biology 101")),
            "added by sam from the course's Media Gallery in Biology 101"
        );
    }
}
