//! The LMS apps' side of Quad: LTI 1.1 and 1.3 launches into an app of kind `kaf`, and the pages
//! shown inside the LMS (My Media and the course's Media Gallery). Those pages run in the
//! LMS's iframe, where third-party cookies are often blocked, so the session travels in the
//! page's links as a short-lived KS (`t`), not in a cookie.

pub mod courses;
pub(crate) mod keys;
mod landing;
mod launch;
mod lti13;
pub(crate) mod pages;
mod test_lms;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use quad_api::Api;

/// The LMS routes; `test_lms` adds the demo's stand-in LMS page on every LMS app.
pub fn router(api: Arc<Api>, test_lms: bool) -> Router {
    let router = if test_lms {
        Router::new()
            .route("/{slug}/test-lms", get(test_lms::page))
            .route("/{slug}/test-lms/return", post(test_lms::returned))
    } else {
        Router::new()
    };
    router
        .route("/{slug}/lti/my-media", post(launch::my_media))
        .route(
            "/{slug}/lti13/login",
            get(lti13::login_get).post(lti13::login_post),
        )
        .route("/{slug}/lti13/launch", post(lti13::launch))
        .route("/{slug}/lti13/jwks", get(lti13::jwks))
        .route("/{slug}/lti/course-gallery", post(launch::course_gallery))
        .route("/{slug}/lti/embed/{entry}", post(launch::embed))
        .route(
            "/{slug}/lti/browse-and-embed",
            post(launch::browse_and_embed),
        )
        .route(
            "/{slug}/lti/pages/pick/{selection}",
            get(pages::pick).post(pages::choose),
        )
        .route("/{slug}/lti/pages/player/{entry}", get(pages::player))
        .route("/{slug}/lti/pages/source/{entry}", get(pages::source))
        .route("/{slug}/lti/pages/poster/{entry}", get(pages::poster))
        .route("/{slug}/lti/pages/player/{entry}/event", post(pages::event))
        .route("/{slug}/lti/pages/my-media", get(pages::my_media))
        .route(
            "/{slug}/lti/pages/upload",
            get(pages::upload_form).post(pages::upload),
        )
        .route(
            "/{slug}/lti/pages/course/{context}",
            get(pages::course_gallery),
        )
        .route(
            "/{slug}/lti/pages/course/{context}/add",
            post(pages::add_to_gallery),
        )
        .route(
            "/{slug}/lti/pages/course/{context}/moderate",
            post(pages::moderate),
        )
        .route(
            "/{slug}/lti/pages/course/{context}/settings",
            post(pages::gallery_settings),
        )
        .with_state(api)
}
