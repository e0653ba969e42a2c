//! The admin page of an LMS app's connection: the URLs to give the LMS, the LTI 1.3
//! platforms registered with it, its signing key, and its courses.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::Response;
use quad_domain::app::AppKind;
use quad_store::apps::App;
use quad_store::lti13::Platform;
use quad_store::portal;

use super::admin::{SavedQuery, field, form_fields, target_app};
use super::error::{PortalError, PortalResult};
use super::login::redirect;
use super::views::Chrome;
use super::visit::Visit;
use crate::platforms::{self, NewPlatform};

#[derive(Template)]
#[template(path = "admin_lms.html")]
struct LmsPage {
    chrome: Chrome,
    app: App,
    platforms: Vec<Platform>,
    courses: Vec<(String, String, i64)>,
    notice: String,
}

async fn lms_app(visit: &Visit, slug: &str) -> PortalResult<App> {
    let target = target_app(visit, slug).await?;
    if target.kind != AppKind::Kaf.as_str() {
        return Err(PortalError::NotFound);
    }
    Ok(target)
}

/// `GET admin/apps/{app}/lms`.
pub async fn page(
    visit: Visit,
    Path((_, slug)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> PortalResult<Response> {
    visit.admin()?;
    let target = lms_app(&visit, &slug).await?;
    let registered = platforms::list(&visit.api.store, target.id)
        .await
        .map_err(PortalError::BadRequest)?;
    let courses = {
        let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
        portal::courses_of(&mut conn, target.id)
            .await
            .map_err(PortalError::store)?
    };
    let notice = match q.saved.as_deref() {
        Some("add-platform") => "The platform is registered; its launches are accepted now.",
        Some("remove-platform") => "The platform is removed; its launches are refused now.",
        Some("rotate-key") => "Quad signs with the new key from now on.",
        Some("add-course") => "The course and its Media Gallery are ready.",
        _ => "",
    };
    let page = LmsPage {
        chrome: Chrome::new(&visit, &format!("LMS connection of {}", target.name)),
        app: target,
        platforms: registered,
        courses,
        notice: notice.to_owned(),
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}

/// `POST admin/apps/{app}/lms`: one of the page's forms, named by `action`.
pub async fn change(
    visit: Visit,
    Path((_, slug)): Path<(String, String)>,
    body: String,
) -> PortalResult<Response> {
    let fields = form_fields(&body);
    visit.check_csrf(field(&fields, "csrf"))?;
    visit.admin()?;
    let target = lms_app(&visit, &slug).await?;
    let store = &visit.api.store;

    let action = field(&fields, "action");
    let done = match action {
        "add-platform" => {
            let new = NewPlatform {
                issuer: field(&fields, "issuer").to_owned(),
                client_id: field(&fields, "client_id").to_owned(),
                deployment_ids: field(&fields, "deployment_ids")
                    .lines()
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(str::to_owned)
                    .collect(),
                jwks_url: field(&fields, "jwks_url").to_owned(),
                auth_url: field(&fields, "auth_url").to_owned(),
                token_url: field(&fields, "token_url").to_owned(),
                jwks: None,
            };
            platforms::add(store, &target.slug, &new).await.map(drop)
        }
        "remove-platform" => {
            let id = field(&fields, "platform")
                .parse()
                .map_err(|_| PortalError::BadRequest("Name the platform to remove.".into()))?;
            platforms::remove(store, &target.slug, id).await.map(drop)
        }
        "rotate-key" => platforms::rotate_key(store, &target.slug).await.map(drop),
        "add-course" => crate::lms::courses::add(
            store,
            &target.slug,
            field(&fields, "context"),
            field(&fields, "title"),
        )
        .await
        .map(drop),
        _ => Err("Choose one of the page's forms.".to_owned()),
    };
    done.map_err(PortalError::BadRequest)?;

    Ok(redirect(&visit.path(&format!(
        "admin/apps/{}/lms?saved={action}",
        target.slug
    ))))
}
