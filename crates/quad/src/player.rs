//! Quad's own embeddable player: a page per entry, `/p/{partnerId}/embed/{entryId}` (with
//! `?ks=` for what is not published for anyone), for an iframe on any site. It plays the
//! entry's source with its title and poster, and reports views and plays.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use quad_api::Api;
use quad_api::http::base_url;
use quad_store::entries;
use serde::Deserialize;

use crate::lms::pages::player_event;
use crate::portal::error::PortalError;
use crate::portal::views;

pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/p/{partner}/embed/{entry}", get(page))
        .route("/p/{partner}/embed/{entry}/event", post(event))
        .with_state(api)
}

#[derive(Debug, Default, Deserialize)]
pub struct PlayerQuery {
    #[serde(default)]
    ks: String,
}

/// A page with one entry's player, for an iframe: this module's embed, and the embeds
/// inside LMS pages, which show their own title around it.
#[derive(Template)]
#[template(path = "player.html")]
pub(crate) struct PlayerPage {
    pub entry_id: String,
    pub name: String,
    pub source: String,
    pub poster: String,
    pub events: String,
    pub notice: Option<String>,
    pub with_title: bool,
}

fn not_available() -> Response {
    let page = crate::lms::pages::message_page(
        "Not available",
        "This media does not exist, or you may not watch it here.",
    );
    (StatusCode::NOT_FOUND, Html(page)).into_response()
}

/// `GET /p/{partner}/embed/{entry}`.
async fn page(
    State(api): State<Arc<Api>>,
    Path((partner, entry_id)): Path<(i64, String)>,
    Query(q): Query<PlayerQuery>,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers);
    let Some(entry) =
        quad_api::playback::entry_for_viewer(&api, partner, Some(&q.ks), &entry_id, &base).await
    else {
        return not_available();
    };

    // The KS rides in the query, which takes any KS, where a path takes URL-safe ones only.
    let ks: String = form_urlencoded::byte_serialize(q.ks.as_bytes()).collect();
    let (pid, id, version) = (entry.partner_id, &entry.id, entry.version);
    let page = PlayerPage {
        notice: views::processing_notice(&entry),
        with_title: true,
        source: format!(
            "/p/{pid}/sp/{pid}00/playManifest/entryId/{id}/protocol/http/format/url/a.mp4?ks={ks}"
        ),
        poster: format!("/p/{pid}/sp/{pid}00/thumbnail/entry_id/{id}/version/{version}?ks={ks}"),
        events: format!("/p/{pid}/embed/{id}/event?ks={ks}"),
        entry_id: entry.id.clone(),
        name: entry.name.clone(),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => PortalError::Internal.into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct EventForm {
    #[serde(default)]
    event: String,
}

/// `POST /p/{partner}/embed/{entry}/event`: the player reports a view or a play.
async fn event(
    State(api): State<Arc<Api>>,
    Path((partner, entry_id)): Path<(i64, String)>,
    Query(q): Query<PlayerQuery>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<EventForm>,
) -> Response {
    let Ok(event) = player_event(&form.event) else {
        return (StatusCode::BAD_REQUEST, "Report view or play.").into_response();
    };
    let base = base_url(&headers);
    let Some(entry) =
        quad_api::playback::entry_for_viewer(&api, partner, Some(&q.ks), &entry_id, &base).await
    else {
        return not_available();
    };

    let counted = async {
        let mut tx = api.store.write().await?;
        entries::count_player_event(&mut tx, entry.partner_id, &entry.id, event).await?;
        tx.commit().await?;
        Ok::<_, quad_store::StoreError>(())
    };
    match counted.await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => PortalError::store(e).into_response(),
    }
}
