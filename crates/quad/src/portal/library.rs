//! My Media and uploading: the viewer's own entries, the same set in every app of the
//! partner, and adding new ones through the API's upload flow.

use askama::Template;
use axum::extract::{Multipart, Query};
use axum::response::Response;
use quad_domain::my_media::{MyMediaQuery, Ownership, PublishState, Sort};
use quad_store::my_media;
use serde::Deserialize;

use super::error::{PortalError, PortalResult};
use super::login::redirect;
use super::upload;
use super::views::{self, Chrome, EntryCard};
use super::visit::Visit;

const PAGE_SIZE: i64 = 24;

#[derive(Debug, Default, Deserialize)]
pub struct MyMediaParams {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    media_type: String,
    #[serde(default)]
    ownership: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    sort: String,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "my_media.html")]
struct MyMediaPage {
    chrome: Chrome,
    params: MyMediaParams,
    cards: Vec<EntryCard>,
    total: i64,
    page: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
}

fn query_of(params: &MyMediaParams, viewer: &super::visit::Viewer) -> PortalResult<MyMediaQuery> {
    let bad = |what: &str| PortalError::BadRequest(format!("Unknown {what} filter."));
    let mut q = MyMediaQuery::new(viewer.user.clone()).with_keywords(&params.q);
    q.media_type = match params.media_type.as_str() {
        "" | "all" => None,
        "video" => Some(1),
        "image" => Some(2),
        "audio" => Some(5),
        _ => return Err(bad("media type")),
    };
    q.ownership = Ownership::parse(&params.ownership).ok_or_else(|| bad("ownership"))?;
    q.publish_state = match params.state.as_str() {
        "" | "all" => None,
        other => Some(PublishState::parse(other).ok_or_else(|| bad("publish state"))?),
    };
    q.sort = Sort::parse(&params.sort).ok_or_else(|| bad("sort"))?;
    q.page = params.page.unwrap_or(1).max(1);
    q.page_size = PAGE_SIZE;
    Ok(q)
}

fn page_link(visit: &Visit, params: &MyMediaParams, page: i64) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &params.q)
        .append_pair("type", &params.media_type)
        .append_pair("ownership", &params.ownership)
        .append_pair("state", &params.state)
        .append_pair("sort", &params.sort)
        .append_pair("page", &page.to_string())
        .finish();
    format!("{}?{query}", visit.path("my-media"))
}

/// `GET my-media`: the viewer's entries with filters, sort and paging.
pub async fn my_media(visit: Visit, Query(params): Query<MyMediaParams>) -> PortalResult<Response> {
    let viewer = visit.library_user()?;
    let q = query_of(&params, viewer)?;

    let mut conn = visit.api.store.read().await.map_err(PortalError::store)?;
    let (found, total) = my_media::list(&mut conn, visit.partner.id, &q)
        .await
        .map_err(PortalError::store)?;
    let roots = views::roots(&visit, &mut conn).await?;
    let cards = views::cards(&mut conn, &roots, &format!("/{}", visit.slug()), &found).await?;
    drop(conn);

    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = MyMediaPage {
        chrome: Chrome::new(&visit, "My Media"),
        previous: (q.page > 1).then(|| page_link(&visit, &params, q.page - 1)),
        next: (q.page < pages).then(|| page_link(&visit, &params, q.page + 1)),
        params,
        cards,
        total,
        page: q.page,
        pages,
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    chrome: Chrome,
    max_bytes: u64,
}

/// `GET upload`: the upload form.
pub async fn upload_form(visit: Visit) -> PortalResult<Response> {
    let viewer = visit.library_user()?;
    if !viewer.role.may_upload() {
        return Err(PortalError::Forbidden(
            "Your role does not allow uploads.".to_owned(),
        ));
    }
    let page = UploadPage {
        chrome: Chrome::new(&visit, "Upload media"),
        max_bytes: visit.api.config.max_upload_bytes,
    };
    Ok(visit.page(page.render().map_err(|_| PortalError::Internal)?))
}

/// `POST upload`: uploads a file through the upload token flow, creates its entry, and
/// shows the entry. An entry whose file could not be attached is removed again.
pub async fn upload(visit: Visit, multipart: Multipart) -> PortalResult<Response> {
    let viewer = visit.library_user()?.clone();
    let form = upload::read_form(&visit.api, multipart, |form| {
        visit.check_csrf(form.field("csrf"))
    })
    .await?;

    let entry_id = upload::create_entry(&visit.caller(&viewer), form).await?;

    Ok(redirect(&visit.path(&format!("media/{entry_id}"))))
}
