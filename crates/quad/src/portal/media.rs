//! The entry page: the player, details, editing for the owner and co-editors, collaborators
//! for the owner, publishing and unpublishing, and "Published in".

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::header::RANGE;
use axum::response::{IntoResponse, Response};
use quad_domain::display;
use quad_domain::entry::{self as rules, EntryPeople};
use quad_domain::publishing::{self, PublishRequest};
use quad_domain::{EntitlementContext, UserId};
use quad_store::entries::{Collaborators, Entry};
use quad_store::publications;
use serde::Deserialize;

use super::categories::{self as places, Place};
use super::error::{PortalError, PortalResult};
use super::login::redirect;
use super::views::{self, Chrome};
use super::visit::{Viewer, Visit};

fn people(entry: &Entry, c: &Collaborators) -> EntryPeople {
    let ids = |list: &[String]| list.iter().filter_map(|u| UserId::parse(u)).collect();
    EntryPeople {
        owner: UserId::parse(&entry.owner_id),
        editors: ids(&c.editors),
        publishers: ids(&c.publishers),
        viewers: ids(&c.viewers),
    }
}

#[derive(Template)]
#[template(path = "entry.html")]
struct EntryPage {
    chrome: Chrome,
    entry: Entry,
    media_type: &'static str,
    duration: String,
    created: String,
    has_source: bool,
    notice: Option<String>,
    may_edit: bool,
    may_change_collaborators: bool,
    editors: String,
    publishers: String,
    viewers: String,
    may_publish: bool,
    targets: Vec<Place>,
    show_published_in: bool,
    published_in: Vec<views::PublishedView>,
    published_here: bool,
    cross_app: bool,
}

/// `GET media/{id}`.
pub async fn show(visit: Visit, Path((_, id)): Path<(String, String)>) -> PortalResult<Response> {
    let viewer = visit.viewer()?;
    let (entry, collaborators) = visit
        .caller(viewer)
        .visible_entry(&id)
        .await
        .map_err(PortalError::api)?;
    let people = people(&entry, &collaborators);
    let session = &viewer.session;
    let may_publish = rules::may_publish(session, &people) && viewer.role.may_publish();
    let involved = display::shows_published_in(&viewer.user, &people, viewer.role);

    let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
    let roots = views::roots(&visit, &mut conn).await?;
    let published_in = views::published_in(&mut conn, &roots, std::slice::from_ref(&entry.id))
        .await?
        .remove(&entry.id)
        .map(|(groups, _)| groups)
        .unwrap_or_default();
    let targets = if may_publish {
        publish_targets(&visit, viewer, &mut conn, &entry, &people).await?
    } else {
        Vec::new()
    };
    drop(conn);

    let published_here = published_in
        .first()
        .is_some_and(|own| !own.lines.is_empty());
    let page = EntryPage {
        chrome: Chrome::new(&visit, &entry.name),
        media_type: views::media_type_name(entry.media_type),
        duration: views::duration_text(entry.duration_ms),
        created: views::date_text(entry.created_at),
        has_source: entry.source_key.is_some(),
        notice: views::processing_notice(&entry),
        may_edit: rules::may_edit(session, &entry.id, &people),
        may_change_collaborators: rules::may_change_collaborators(session, &people),
        editors: collaborators.editors.join(", "),
        publishers: collaborators.publishers.join(", "),
        viewers: collaborators.viewers.join(", "),
        may_publish,
        targets,
        show_published_in: involved,
        published_in,
        published_here,
        cross_app: cross_app(&visit),
        entry,
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}

fn cross_app(visit: &Visit) -> bool {
    visit
        .setting("publish", "crossApplicationUnpublishing")
        .as_bool()
        .unwrap_or(false)
}

/// The galleries and channels of this portal the viewer may publish the entry to now, as
/// the domain's publishing rule decides; those it is already in are left out.
async fn publish_targets(
    visit: &Visit,
    viewer: &Viewer,
    conn: &mut quad_store::Conn,
    entry: &Entry,
    people: &EntryPeople,
) -> PortalResult<Vec<Place>> {
    let ctx = EntitlementContext::for_session(&viewer.session, visit.partner.entitlement_default);
    let memberships = places::Memberships::of(conn, visit.partner.id, &viewer.user).await?;
    let candidates = places::publishing_places(visit, conn, &ctx, &memberships).await?;
    let live = publications::of_entry(conn, &entry.id)
        .await
        .map_err(PortalError::store)?;
    let mut targets = Vec::new();
    for (place, category) in candidates {
        if live
            .iter()
            .any(|p| p.category_id == category.id && p.status != 4)
        {
            continue;
        }
        let request = PublishRequest {
            session: &viewer.session,
            enforced: ctx.enforced,
            people,
            category: places::policy(&category),
            level: memberships.level(&category),
        };
        if publishing::publish(&request).is_ok() {
            targets.push(place);
        }
    }
    Ok(targets)
}

/// `GET media/{id}/source`: the entry's file, for its player, to whoever may see it.
pub async fn source(visit: Visit, Path((_, id)): Path<(String, String)>) -> PortalResult<Response> {
    let viewer = visit.viewer()?;
    let (entry, _) = visit
        .caller(viewer)
        .visible_entry(&id)
        .await
        .map_err(PortalError::api)?;
    let range = visit.headers.get(RANGE).and_then(|v| v.to_str().ok());
    quad_api::playback::serve_source(&visit.api, &entry, range)
        .await
        .ok_or(PortalError::NotFound)
        .map(IntoResponse::into_response)
}

/// `GET media/{id}/poster`: the entry's poster, for its player, to whoever may see it.
pub async fn poster(visit: Visit, Path((_, id)): Path<(String, String)>) -> PortalResult<Response> {
    let viewer = visit.viewer()?;
    let (entry, _) = visit
        .caller(viewer)
        .visible_entry(&id)
        .await
        .map_err(PortalError::api)?;
    quad_api::playback::serve_poster(&visit.api, &entry)
        .await
        .ok_or(PortalError::NotFound)
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    /// A missing token is a wrong one, so that the CSRF check answers first.
    #[serde(default)]
    csrf: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: String,
}

fn back_to(visit: &Visit, id: &str) -> Response {
    redirect(&visit.path(&format!("media/{id}")))
}

/// `POST media/{id}/edit`: name, description and tags, for the owner and co-editors.
pub async fn edit(
    visit: Visit,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<EditForm>,
) -> PortalResult<Response> {
    visit.check_csrf(&form.csrf)?;
    let viewer = visit.viewer()?;
    if form.name.trim().is_empty() {
        return Err(PortalError::BadRequest("An entry needs a name.".to_owned()));
    }
    let fields = [
        ("entryId", id.as_str()),
        ("mediaEntry:objectType", "KalturaMediaEntry"),
        ("mediaEntry:name", form.name.trim()),
        ("mediaEntry:description", form.description.trim()),
        ("mediaEntry:tags", form.tags.trim()),
    ];
    visit
        .caller(viewer)
        .call("media", "update", &fields, &[])
        .await
        .map_err(PortalError::api)?;
    Ok(back_to(&visit, &id))
}

#[derive(Debug, Deserialize)]
pub struct CollaboratorsForm {
    /// A missing token is a wrong one, so that the CSRF check answers first.
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    editors: String,
    #[serde(default)]
    publishers: String,
    #[serde(default)]
    viewers: String,
}

/// Normalizes a typed list of user ids to the API's comma-separated form.
fn user_list(raw: &str) -> PortalResult<String> {
    let mut ids = Vec::new();
    for part in raw
        .split([',', ' ', '\n', '\r', '\t'])
        .filter(|p| !p.is_empty())
    {
        let id = UserId::parse(part)
            .ok_or_else(|| PortalError::BadRequest(format!("{part:?} is not a valid user id.")))?;
        ids.push(id.to_string());
    }
    Ok(ids.join(","))
}

/// `POST media/{id}/collaborators`: co-editors, co-publishers and co-viewers, set by the
/// owner.
pub async fn collaborators(
    visit: Visit,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<CollaboratorsForm>,
) -> PortalResult<Response> {
    visit.check_csrf(&form.csrf)?;
    let viewer = visit.viewer()?;
    let (editors, publishers, viewers) = (
        user_list(&form.editors)?,
        user_list(&form.publishers)?,
        user_list(&form.viewers)?,
    );
    let caller = visit.caller(viewer);
    let (entry, collaborators) = caller.visible_entry(&id).await.map_err(PortalError::api)?;
    if !rules::may_change_collaborators(&viewer.session, &people(&entry, &collaborators)) {
        return Err(PortalError::Forbidden(
            "Only the owner of an entry may change its collaborators.".to_owned(),
        ));
    }
    let fields = [
        ("entryId", id.as_str()),
        ("mediaEntry:objectType", "KalturaMediaEntry"),
        ("mediaEntry:entitledUsersEdit", editors.as_str()),
        ("mediaEntry:entitledUsersPublish", publishers.as_str()),
        ("mediaEntry:entitledUsersView", viewers.as_str()),
    ];
    caller
        .call("media", "update", &fields, &[])
        .await
        .map_err(PortalError::api)?;
    Ok(back_to(&visit, &id))
}

/// `POST media/{id}/publish`: the form's `category` fields, repeated.
pub async fn publish(
    visit: Visit,
    Path((_, id)): Path<(String, String)>,
    body: String,
) -> PortalResult<Response> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    visit.check_csrf(csrf)?;
    let viewer = visit.viewer()?;
    if !viewer.role.may_publish() {
        return Err(PortalError::Forbidden(
            "Your role does not allow publishing.".to_owned(),
        ));
    }
    let chosen: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "category")
        .map(|(_, v)| v.parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| PortalError::BadRequest("Unknown gallery or channel.".to_owned()))?;
    if chosen.is_empty() {
        return Err(PortalError::BadRequest(
            "Choose at least one gallery or channel.".to_owned(),
        ));
    }
    visit
        .caller(viewer)
        .publish(&id, &chosen)
        .await
        .map_err(PortalError::api)?;
    Ok(back_to(&visit, &id))
}

/// A form that carries nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct UnpublishForm {
    /// A missing token is a wrong one, so that the CSRF check answers first.
    #[serde(default)]
    csrf: String,
}

/// `POST media/{id}/unpublish`: makes the entry private in this portal, or in every app
/// when `publish.crossApplicationUnpublishing` is on.
pub async fn unpublish(
    visit: Visit,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<UnpublishForm>,
) -> PortalResult<Response> {
    visit.check_csrf(&form.csrf)?;
    let viewer = visit.viewer()?;
    let everywhere = cross_app(&visit);
    let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
    let placed = publications::placed(&mut conn, std::slice::from_ref(&id))
        .await
        .map_err(PortalError::store)?;
    drop(conn);
    let paths: Vec<Vec<i64>> = placed
        .iter()
        .map(|p| {
            p.full_ids
                .split('>')
                .filter_map(|i| i.parse().ok())
                .collect()
        })
        .collect();
    let here = publishing::unpublish_targets(&paths, visit.app.root_category_id, everywhere);
    visit
        .caller(viewer)
        .unpublish(&id, &here)
        .await
        .map_err(PortalError::api)?;
    Ok(back_to(&visit, &id))
}

/// `POST media/{id}/delete`: deletes the entry, for whoever may edit it.
pub async fn delete(
    visit: Visit,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<UnpublishForm>,
) -> PortalResult<Response> {
    visit.check_csrf(&form.csrf)?;
    let viewer = visit.viewer()?;
    visit
        .caller(viewer)
        .call("media", "delete", &[("entryId", id.as_str())], &[])
        .await
        .map_err(PortalError::api)?;
    Ok(redirect(&visit.path("my-media")))
}

#[derive(Debug, Deserialize)]
pub struct EventForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    event: String,
}

/// `POST media/{id}/event`: the entry page's player reports a view or a play.
pub async fn event(
    visit: Visit,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<EventForm>,
) -> PortalResult<Response> {
    visit.check_csrf(&form.csrf)?;
    let viewer = visit.viewer()?;
    let event = crate::lms::pages::player_event(&form.event)?;
    let (entry, _) = visit
        .caller(viewer)
        .visible_entry(&id)
        .await
        .map_err(PortalError::api)?;
    let mut tx = visit.api.store.write().await.map_err(PortalError::store)?;
    quad_store::entries::count_player_event(&mut tx, entry.partner_id, &entry.id, event)
        .await
        .map_err(PortalError::store)?;
    tx.commit().await.map_err(PortalError::store)?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
