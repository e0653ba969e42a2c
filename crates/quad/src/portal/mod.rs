//! The video portal: server-rendered pages under each portal app's base URL (`/{slug}/…`).
//! Every page works without JavaScript; forms carry a CSRF token; the pages ask the domain
//! what the viewer may do and make their changes through the API's services, so that the
//! rules and transactions are the API's own.

mod admin;
mod admin_lms;
mod categories;
pub(crate) mod error;
mod library;
mod login;
mod media;
pub(crate) mod upload;
pub(crate) mod views;
mod visit;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::Response;
use axum::routing::{get, post};
use quad_api::Api;

/// Every portal route. The first path segment is the app's slug; the API's own paths
/// (`/api_v3`, `/p`, `/healthz`) are matched before it.
pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/{slug}", get(home))
        .route("/{slug}/", get(home))
        .route("/{slug}/login", get(login::show).post(login::submit))
        .route("/{slug}/logout", post(login::logout))
        .route("/{slug}/my-media", get(library::my_media))
        .route(
            "/{slug}/upload",
            get(library::upload_form)
                .post(library::upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/{slug}/media/{id}", get(media::show))
        .route("/{slug}/media/{id}/source", get(media::source))
        .route("/{slug}/media/{id}/poster", get(media::poster))
        .route("/{slug}/media/{id}/edit", post(media::edit))
        .route(
            "/{slug}/media/{id}/collaborators",
            post(media::collaborators),
        )
        .route("/{slug}/media/{id}/publish", post(media::publish))
        .route("/{slug}/media/{id}/unpublish", post(media::unpublish))
        .route("/{slug}/media/{id}/delete", post(media::delete))
        .route("/{slug}/media/{id}/event", post(media::event))
        .route("/{slug}/galleries", get(categories::galleries))
        .route(
            "/{slug}/channels",
            get(categories::channels).post(categories::create_channel),
        )
        .route("/{slug}/category/{id}", get(categories::show))
        .route(
            "/{slug}/moderation",
            get(categories::moderation).post(categories::decide),
        )
        .route("/{slug}/admin", get(admin::overview))
        .route(
            "/{slug}/admin/apps/{app}",
            get(admin::app_settings).post(admin::save_app_settings),
        )
        .route(
            "/{slug}/admin/apps/{app}/lms",
            get(admin_lms::page).post(admin_lms::change),
        )
        .route(
            "/{slug}/admin/users",
            get(admin::users).post(admin::change_user),
        )
        .route("/{slug}/admin/identity", get(admin::identity))
        .route("/{slug}/admin/categories", get(admin::categories))
        .with_state(api)
}

/// The portal's front door: My Media for someone logged in, else the login page.
async fn home(visit: visit::Visit) -> error::PortalResult<Response> {
    let to = match visit.viewer {
        Some(_) => visit.path("my-media"),
        None => visit.path("login"),
    };
    Ok(login::redirect(&to))
}
