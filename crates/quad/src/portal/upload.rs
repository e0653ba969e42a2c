//! Uploading a file as a new entry through the API's upload-token flow, for the portal's
//! upload page and for the one inside the LMS: the same four calls, with the same undo.

use axum::extract::Multipart;
use quad_api::Api;
use quad_api::call::UploadedFile;
use quad_api::local::Caller;
use tokio::io::AsyncWriteExt;

use super::error::{PortalError, PortalResult};

/// What an upload form sent: its text fields and the file, already on disk.
#[derive(Default)]
pub struct UploadForm {
    fields: Vec<(String, String)>,
    file: Option<UploadedFile>,
}

impl UploadForm {
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Reads the form, writing the file to a temporary file as it arrives. `check` sees the
/// fields sent before the file, and again at the end, so that a form it refuses is turned
/// away before any file byte is kept.
pub async fn read_form(
    api: &Api,
    mut multipart: Multipart,
    check: impl Fn(&UploadForm) -> PortalResult<()>,
) -> PortalResult<UploadForm> {
    let bad = |_| PortalError::BadRequest("The upload was interrupted or malformed.".to_owned());
    let limit = api.config.max_upload_bytes;
    let mut form = UploadForm::default();
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" {
            let text = field.text().await.map_err(bad)?;
            form.fields.push((name, text));
            continue;
        }
        check(&form)?;
        let file_name = field.file_name().unwrap_or("upload").to_owned();
        let temp = api
            .media
            .temp_path(&format!("upload-{}", quad_store::random_token(16)));
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
            if file.size > limit {
                let _ = tokio::fs::remove_file(&file.temp).await;
                return Err(PortalError::BadRequest(format!(
                    "The file is larger than the {limit} bytes this server accepts."
                )));
            }
            out.write_all(&chunk)
                .await
                .map_err(|_| PortalError::Internal)?;
        }
        out.flush().await.map_err(|_| PortalError::Internal)?;
        form.file = Some(file);
    }
    check(&form)?;
    Ok(form)
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

/// Makes the form's file a new entry of the caller's and returns its id. The temporary
/// file is removed whatever happens.
pub async fn create_entry(caller: &Caller<'_>, form: UploadForm) -> PortalResult<String> {
    let Some(file) = form.file.as_ref().filter(|f| f.size > 0) else {
        if let Some(empty) = &form.file {
            let _ = tokio::fs::remove_file(&empty.temp).await;
        }
        return Err(PortalError::BadRequest(
            "Choose a file to upload.".to_owned(),
        ));
    };
    let created = add_entry(caller, &form, file).await;
    let _ = tokio::fs::remove_file(&file.temp).await;
    created
}

async fn add_entry(
    caller: &Caller<'_>,
    form: &UploadForm,
    file: &UploadedFile,
) -> PortalResult<String> {
    let name = match form.field("name").trim() {
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
                ("entry:description", form.field("description").trim()),
                ("entry:tags", form.field("tags").trim()),
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
