//! Galleries and channels: browsing them as entitlement allows, creating channels, and the
//! moderation queue of the categories a viewer moderates.

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::response::Response;
use std::collections::HashMap;

use quad_domain::category::{AppearInList, ContributionPolicy};
use quad_domain::channel::{self, ChannelType};
use quad_domain::entitlement::{self, CategoryAccess, ListScope};
use quad_domain::membership::{MemberStatus, Membership, PermissionLevel, UpdateMethod};
use quad_domain::publishing::{CategoryPolicy, PublicationStatus};
use quad_domain::{EntitlementContext, UserId};
use quad_store::Conn;
use quad_store::categories::{self, Category, CategoryFilter};
use quad_store::entries::{self, EntryFilter};
use quad_store::members::{self, Member};
use quad_store::publications::{self, PublicationFilter};
use serde::Deserialize;

use super::error::{PortalError, PortalResult};
use super::login::redirect;
use super::views::{self, Chrome, EntryCard};
use super::visit::{Viewer, Visit};

/// A gallery or channel as pages list it.
pub struct Place {
    pub id: i64,
    pub name: String,
    /// The path below `site`, e.g. `galleries › Biology`.
    pub path: String,
    pub description: String,
    pub entries: i64,
}

impl Place {
    fn of(c: &Category) -> Place {
        let path: Vec<&str> = c.full_name.split('>').skip(2).collect();
        Place {
            id: c.id,
            name: c.name.clone(),
            path: path.join(" › "),
            description: c.description.clone().unwrap_or_default(),
            entries: c.entries_count,
        }
    }
}

pub fn policy(c: &Category) -> CategoryPolicy {
    CategoryPolicy {
        moderated: c.moderation,
        contribution: ContributionPolicy::from_code(c.contribution_policy)
            .unwrap_or(ContributionPolicy::MembersWithContributionPermission),
    }
}

/// One user's memberships, to decide on many categories at once.
pub struct Memberships(HashMap<i64, Membership>);

impl Memberships {
    pub async fn of(conn: &mut Conn, partner_id: i64, user: &UserId) -> PortalResult<Memberships> {
        let rows = members::of_user(conn, partner_id, user.as_str())
            .await
            .map_err(PortalError::store)?;
        Ok(Memberships(
            rows.into_iter()
                .filter_map(|(category, level, status)| {
                    let membership = Membership::from_codes(level, status)?;
                    (membership.status != MemberStatus::Deleted).then_some((category, membership))
                })
                .collect(),
        ))
    }

    /// The active level on a category, from the members it uses.
    pub fn level(&self, c: &Category) -> Option<PermissionLevel> {
        Membership::active_level(self.0.get(&c.inherited_parent_id).copied())
    }

    /// Whether the domain's entitlement rule lets the user see the category.
    fn may_see(&self, ctx: &EntitlementContext, c: &Category) -> bool {
        let contexts: Vec<String> = c
            .privacy_contexts
            .split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect();
        let access = CategoryAccess {
            contexts: &contexts,
            appear_in_list: AppearInList::from_code(c.appear_in_list)
                .unwrap_or(AppearInList::CategoryMembersOnly),
            viewer_is_member: self.0.contains_key(&c.inherited_parent_id),
        };
        entitlement::may_see_category(ctx, &access)
    }
}

fn context(visit: &Visit, viewer: &Viewer) -> EntitlementContext {
    EntitlementContext::for_session(&viewer.session, visit.partner.entitlement_default)
}

/// `<root>>site>{name}`, the container of this portal's galleries or channels.
async fn container(visit: &Visit, conn: &mut Conn, name: &str) -> PortalResult<Category> {
    let root = categories::get(conn, visit.partner.id, visit.app.root_category_id)
        .await
        .map_err(PortalError::store)?
        .ok_or(PortalError::NotFound)?;
    let full_name = format!("{}>site>{name}", root.full_name);
    categories::get_by_full_name(conn, visit.partner.id, &full_name)
        .await
        .map_err(PortalError::store)?
        .ok_or(PortalError::NotFound)
}

/// The categories below `<root>>site>{name}` that the viewer may see.
async fn section(
    visit: &Visit,
    conn: &mut Conn,
    ctx: &EntitlementContext,
    memberships: &Memberships,
    name: &str,
) -> PortalResult<Vec<Category>> {
    let container = container(visit, conn, name).await?;
    let below = categories::below(conn, &container)
        .await
        .map_err(PortalError::store)?;
    Ok(below
        .into_iter()
        .filter(|c| memberships.may_see(ctx, c))
        .collect())
}

/// The galleries and channels of this portal that a publish form may offer.
pub async fn publishing_places(
    visit: &Visit,
    conn: &mut Conn,
    ctx: &EntitlementContext,
    memberships: &Memberships,
) -> PortalResult<Vec<(Place, Category)>> {
    let mut all = section(visit, conn, ctx, memberships, "galleries").await?;
    all.extend(section(visit, conn, ctx, memberships, "channels").await?);
    Ok(all.into_iter().map(|c| (Place::of(&c), c)).collect())
}

#[derive(Template)]
#[template(path = "places.html")]
struct PlacesPage {
    chrome: Chrome,
    heading: &'static str,
    places: Vec<Place>,
    may_create: bool,
    channel_types: Vec<(&'static str, &'static str)>,
}

async fn places_page(visit: Visit, name: &'static str) -> PortalResult<Response> {
    let viewer = visit.viewer()?;
    let ctx = context(&visit, viewer);
    let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
    let memberships = Memberships::of(&mut conn, visit.partner.id, &viewer.user).await?;
    let found = section(&visit, &mut conn, &ctx, &memberships, name).await?;
    drop(conn);
    let is_channels = name == "channels";
    let page = PlacesPage {
        chrome: Chrome::new(&visit, if is_channels { "Channels" } else { "Galleries" }),
        heading: if is_channels { "Channels" } else { "Galleries" },
        places: found.iter().map(Place::of).collect(),
        may_create: is_channels && channel::may_create_channel(viewer.role),
        channel_types: ChannelType::ALL
            .iter()
            .map(|t| (t.as_str(), t.label()))
            .collect(),
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}

/// `GET galleries`.
pub async fn galleries(visit: Visit) -> PortalResult<Response> {
    places_page(visit, "galleries").await
}

/// `GET channels`, with the form to create one.
pub async fn channels(visit: Visit) -> PortalResult<Response> {
    places_page(visit, "channels").await
}

#[derive(Debug, Deserialize)]
pub struct ChannelForm {
    /// A missing token is a wrong one, so that the CSRF check answers first.
    #[serde(default)]
    csrf: String,
    name: String,
    #[serde(default)]
    description: String,
    privacy: String,
    #[serde(default)]
    moderated: Option<String>,
}

/// `POST channels`: creates a channel owned and managed by the viewer.
pub async fn create_channel(visit: Visit, Form(form): Form<ChannelForm>) -> PortalResult<Response> {
    visit.check_csrf(&form.csrf)?;
    let viewer = visit.viewer()?;
    if !channel::may_create_channel(viewer.role) {
        return Err(PortalError::Forbidden(
            "Your role does not allow creating channels.".to_owned(),
        ));
    }
    let kind = ChannelType::parse(&form.privacy)
        .ok_or_else(|| PortalError::BadRequest("Choose one of the channel types.".to_owned()))?;
    let fields = kind.fields();

    let mut tx = visit.api.store.write().await.map_err(PortalError::store)?;
    let parent = container(&visit, &mut tx, "channels").await?;
    let mut created = crate::apps::create_category(
        &mut tx,
        visit.partner.id,
        Some(&parent),
        form.name.trim(),
        "",
    )
    .await
    .map_err(PortalError::BadRequest)?;
    created.description = Some(form.description.trim().to_owned()).filter(|d| !d.is_empty());
    created.privacy = fields.privacy;
    created.appear_in_list = fields.appear_in_list;
    created.contribution_policy = fields.contribution_policy;
    created.moderation = form.moderated.is_some();
    created.owner = Some(viewer.user.to_string());
    categories::update(&mut tx, &created)
        .await
        .map_err(PortalError::store)?;
    let manager = Member {
        category_id: created.id,
        user_id: viewer.user.to_string(),
        partner_id: visit.partner.id,
        permission_level: PermissionLevel::Manager.code(),
        permission_names: PermissionLevel::Manager.permission_names().join(","),
        status: MemberStatus::Active as i64,
        update_method: UpdateMethod::Manual as i64,
        ..Member::default()
    };
    members::put(&mut tx, &manager)
        .await
        .map_err(PortalError::store)?;
    tx.commit().await.map_err(PortalError::store)?;
    Ok(redirect(&visit.path(&format!("category/{}", created.id))))
}

#[derive(Template)]
#[template(path = "category.html")]
struct CategoryPage {
    chrome: Chrome,
    place: Place,
    cards: Vec<EntryCard>,
    total: i64,
}

/// `GET category/{id}`: a gallery or channel and the entries in it the viewer may see.
pub async fn show(visit: Visit, Path((_, id)): Path<(String, i64)>) -> PortalResult<Response> {
    let viewer = visit.viewer()?;
    let ctx = context(&visit, viewer);
    let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
    let filter = CategoryFilter {
        id_equal: Some(id),
        ..CategoryFilter::default()
    };
    let (found, _) = categories::list(&mut conn, visit.partner.id, &filter, &ctx, 1, 0)
        .await
        .map_err(PortalError::store)?;
    let category = found.into_iter().next().ok_or(PortalError::NotFound)?;
    let in_category = EntryFilter {
        categories_ids_match_or: Some(vec![category.id]),
        ..EntryFilter::default()
    };
    let (listed, total) = entries::list(
        &mut conn,
        visit.partner.id,
        &in_category,
        &ListScope::Entitled,
        &ctx,
        100,
        0,
    )
    .await
    .map_err(PortalError::store)?;
    let roots = views::roots(&visit, &mut conn).await?;
    let cards = views::cards(&mut conn, &roots, &format!("/{}", visit.slug()), &listed).await?;
    drop(conn);
    let page = CategoryPage {
        chrome: Chrome::new(&visit, &category.name),
        place: Place::of(&category),
        cards,
        total,
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}

/// A publication waiting for a moderator.
pub struct Pending {
    pub entry_id: String,
    pub entry_name: String,
    pub category_id: i64,
    pub category: String,
    pub added_by: String,
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct ModerationPage {
    chrome: Chrome,
    pending: Vec<Pending>,
}

/// `GET moderation`: pending publications in this portal's categories that the viewer
/// moderates or manages.
pub async fn moderation(visit: Visit) -> PortalResult<Response> {
    let viewer = visit.viewer()?;
    let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
    let root = categories::get(&mut conn, visit.partner.id, visit.app.root_category_id)
        .await
        .map_err(PortalError::store)?
        .ok_or(PortalError::NotFound)?;
    let filter = PublicationFilter {
        category_full_ids_starts_with: Some(root.full_ids.clone()),
        status_equal: Some(PublicationStatus::Pending as i64),
        ..PublicationFilter::default()
    };
    let (waiting, _) = publications::list(&mut conn, visit.partner.id, &filter, &[], 500, 0)
        .await
        .map_err(PortalError::store)?;
    let memberships = Memberships::of(&mut conn, visit.partner.id, &viewer.user).await?;
    let mut pending = Vec::new();
    for p in waiting {
        let Some(category) = categories::get(&mut conn, visit.partner.id, p.category_id)
            .await
            .map_err(PortalError::store)?
        else {
            continue;
        };
        if !memberships
            .level(&category)
            .is_some_and(PermissionLevel::may_moderate)
        {
            continue;
        }
        let entry = entries::get(&mut conn, visit.partner.id, &p.entry_id)
            .await
            .map_err(PortalError::store)?;
        let Some(entry) = entry else { continue };
        pending.push(Pending {
            entry_id: entry.id,
            entry_name: entry.name,
            category_id: category.id,
            category: Place::of(&category).path,
            added_by: p.creator_user_id.unwrap_or_default(),
        });
    }
    drop(conn);
    let page = ModerationPage {
        chrome: Chrome::new(&visit, "Moderation"),
        pending,
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    /// A missing token is a wrong one, so that the CSRF check answers first.
    #[serde(default)]
    csrf: String,
    entry: String,
    category: String,
    decision: String,
}

/// `POST moderation`: approves or rejects one pending publication.
pub async fn decide(visit: Visit, Form(form): Form<DecisionForm>) -> PortalResult<Response> {
    visit.check_csrf(&form.csrf)?;
    let viewer = visit.viewer()?;
    let action = match form.decision.as_str() {
        "approve" => "activate",
        "reject" => "reject",
        _ => return Err(PortalError::BadRequest("Approve or reject.".to_owned())),
    };
    let fields = [
        ("entryId", form.entry.as_str()),
        ("categoryId", form.category.as_str()),
    ];
    visit
        .caller(viewer)
        .call("categoryEntry", action, &fields, &[])
        .await
        .map_err(PortalError::api)?;
    Ok(redirect(&visit.path("moderation")))
}
