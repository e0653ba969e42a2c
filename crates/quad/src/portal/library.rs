//! My Media and uploading: the viewer's own entries, the same set in every app of the
//! partner, and adding new ones through the API's upload flow.

use askama::Template;
use axum::extract::{Multipart, Query};
use axum::response::Response;
use quad_api::call::UploadedFile;
use quad_domain::my_media::{MyMediaQuery, Ownership, PublishState, Sort};
use quad_store::my_media;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use super::error::{PortalError, PortalResult};
use super::login::redirect;
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

/// What the upload form sent.
#[derive(Default)]
struct UploadForm {
    csrf: String,
    name: String,
    description: String,
    tags: String,
    file: Option<UploadedFile>,
}

/// Reads the form, writing the file to a temporary file as it arrives. The CSRF token is
/// checked before any file byte is accepted.
async fn read_upload(visit: &Visit, mut multipart: Multipart) -> PortalResult<UploadForm> {
    let bad = |_| PortalError::BadRequest("The upload was interrupted or malformed.".to_owned());
    let mut form = UploadForm::default();
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            visit.check_csrf(&form.csrf)?;
            let file_name = field.file_name().unwrap_or("upload").to_owned();
            let temp = visit
                .api
                .media
                .temp_path(&format!("portal-{}", quad_store::random_token(16)));
            let mut out = tokio::fs::File::create(&temp)
                .await
                .map_err(|_| PortalError::Internal)?;
            let mut file = UploadedFile {
                path: vec!["fileData".to_owned()],
                file_name,
                temp,
                size: 0,
            };
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                file.size += chunk.len() as u64;
                if file.size > visit.api.config.max_upload_bytes {
                    let _ = tokio::fs::remove_file(&file.temp).await;
                    return Err(PortalError::BadRequest(format!(
                        "The file is larger than the {} bytes this server accepts.",
                        visit.api.config.max_upload_bytes
                    )));
                }
                out.write_all(&chunk)
                    .await
                    .map_err(|_| PortalError::Internal)?;
            }
            out.flush().await.map_err(|_| PortalError::Internal)?;
            form.file = Some(file);
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        match name.as_str() {
            "csrf" => form.csrf = text,
            "name" => form.name = text,
            "description" => form.description = text,
            "tags" => form.tags = text,
            _ => {}
        }
    }
    visit.check_csrf(&form.csrf)?;
    Ok(form)
}

/// `POST upload`: uploads a file through the upload token flow, creates its entry, and
/// shows the entry. An entry whose file could not be attached is removed again.
pub async fn upload(visit: Visit, multipart: Multipart) -> PortalResult<Response> {
    let viewer = visit.library_user()?.clone();
    let form = read_upload(&visit, multipart).await?;
    let Some(file) = form.file.as_ref().filter(|f| f.size > 0) else {
        return Err(PortalError::BadRequest(
            "Choose a file to upload.".to_owned(),
        ));
    };
    let result = create_entry(&visit, &viewer, &form, file).await;
    let _ = tokio::fs::remove_file(&file.temp).await;
    let entry_id = result?;
    Ok(redirect(&visit.path(&format!("media/{entry_id}"))))
}

/// The media type a file's extension suggests; video unless it names an image or audio.
fn media_type_of(file_name: &str) -> &'static str {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("jpg" | "jpeg" | "png" | "gif" | "webp") => "2",
        Some("mp3" | "wav" | "m4a" | "ogg" | "flac" | "aac") => "5",
        _ => "1",
    }
}

async fn create_entry(
    visit: &Visit,
    viewer: &super::visit::Viewer,
    form: &UploadForm,
    file: &UploadedFile,
) -> PortalResult<String> {
    let caller = visit.caller(viewer);
    let name = match form.name.trim() {
        "" => file.file_name.as_str(),
        given => given,
    };
    let token = caller
        .call(
            "uploadToken",
            "add",
            &[
                ("uploadToken:objectType", "KalturaUploadToken"),
                ("uploadToken:fileName", &file.file_name),
            ],
            &[],
        )
        .await
        .map_err(PortalError::api)?;
    let token_id = token.walk(&["id"]).map(|v| v.as_text()).unwrap_or_default();
    caller
        .call(
            "uploadToken",
            "upload",
            &[("uploadTokenId", &token_id)],
            &[file],
        )
        .await
        .map_err(PortalError::api)?;
    let entry = caller
        .call(
            "media",
            "add",
            &[
                ("entry:objectType", "KalturaMediaEntry"),
                ("entry:mediaType", media_type_of(&file.file_name)),
                ("entry:name", name),
                ("entry:description", form.description.trim()),
                ("entry:tags", form.tags.trim()),
            ],
            &[],
        )
        .await
        .map_err(PortalError::api)?;
    let entry_id = entry.walk(&["id"]).map(|v| v.as_text()).unwrap_or_default();
    let attached = caller
        .call(
            "media",
            "addContent",
            &[
                ("entryId", &entry_id),
                ("resource:objectType", "KalturaUploadedFileTokenResource"),
                ("resource:token", &token_id),
            ],
            &[],
        )
        .await;
    if let Err(e) = attached {
        let _ = caller
            .call("media", "delete", &[("entryId", &entry_id)], &[])
            .await;
        return Err(PortalError::api(e));
    }
    Ok(entry_id)
}
