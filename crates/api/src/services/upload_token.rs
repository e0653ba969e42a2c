//! `uploadToken`: uploads in one request or in resumable chunks.

use quad_store::uploads::{self, UploadToken, UploadTokenFilter};

use super::{commit, read, write};
use crate::call::{Call, internal};
use crate::error::{ApiError, ApiResult};
use crate::objects;
use crate::params::{Field, Fields};
use crate::types::{self, Page};
use crate::wire::{Out, list_response};

pub const ACTIONS: &[&str] = &["add", "upload", "get", "list", "delete"];

/// Where a token's bytes are kept; an entry made from the token keeps them there.
pub fn object_key(token_id: &str) -> String {
    format!("uploads/{token_id}")
}

pub async fn handle(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    match call.action.as_str() {
        "add" => add(call, params).await,
        "upload" => upload(call, params).await,
        "get" => get(call, params).await,
        "delete" => delete(call, params).await,
        _ => list(call, params).await,
    }
}

/// A token of the partner that the session may use: its own, or any for admins.
async fn load(conn: &mut quad_store::Conn, call: &Call<'_>, id: &str) -> ApiResult<UploadToken> {
    let token = uploads::get(conn, call.partner_id()?, id)
        .await
        .map_err(internal)?;
    let session = call.session();
    token
        .filter(|t| session.acts_for(&t.user_id))
        .ok_or_else(ApiError::upload_token_not_found)
}

async fn add(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let f = types::object(params, "uploadToken", "KalturaUploadToken")?;
    let (file_name, file_size, auto_finalize) = match &f {
        Some(f) => (
            f.string("fileName").value(),
            f.float("fileSize")?.value().filter(|s| *s > 0.0),
            f.bool("autoFinalize").value().unwrap_or(false),
        ),
        None => (None, None, false),
    };
    let token = UploadToken {
        id: format!("0_{}", quad_store::random_token(32)),
        partner_id: call.partner_id()?,
        user_id: call.user_id().unwrap_or("").to_owned(),
        status: uploads::STATUS_PENDING,
        file_name,
        file_size,
        uploaded_size: 0,
        auto_finalize,
        attached_object_type: None,
        attached_object_id: None,
        created_at: call.now,
        updated_at: call.now,
    };
    let mut tx = write(call).await?;
    uploads::insert(&mut tx, &token).await.map_err(internal)?;
    commit(tx).await?;
    Ok(objects::upload_token(&token, call.base_url))
}

async fn upload(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required("uploadTokenId")?;
    let file = call.file("fileData").ok_or_else(ApiError::upload_error)?;
    if file.size > call.api.config.max_upload_bytes {
        return Err(ApiError::upload_too_large(call.api.config.max_upload_bytes));
    }
    let resume = params.bool("resume").value().unwrap_or(false);
    let final_chunk = params.bool("finalChunk").value().unwrap_or(true);
    let resume_at = match params.float("resumeAt")? {
        Field::Set(v) => v as i64,
        _ => -1,
    };

    let mut tx = write(call).await?;
    let mut token = load(&mut tx, call, &id).await?;
    if !matches!(
        token.status,
        uploads::STATUS_PENDING | uploads::STATUS_PARTIAL
    ) {
        return Err(ApiError::upload_token_invalid_status_for_upload());
    }
    let keep = if !resume {
        0
    } else if resume_at < 0 || resume_at == token.uploaded_size {
        token.uploaded_size
    } else {
        return Err(ApiError::upload_token_cannot_resume(
            token.uploaded_size,
            resume_at,
        ));
    };
    let new_size = keep + file.size as i64;
    let complete =
        final_chunk || token.auto_finalize && token.file_size.is_some_and(|s| new_size as f64 >= s);
    if let Some(expected) = token.file_size.filter(|_| complete)
        && (new_size as f64 - expected).abs() >= 1.0
    {
        return Err(ApiError::upload_size_mismatch(expected, new_size));
    }

    let key = object_key(&token.id);
    call.api
        .media
        .append(&key, keep as u64, &file.temp)
        .await
        .map_err(internal)?;
    token.uploaded_size = new_size;
    token.status = if complete {
        uploads::STATUS_FULL
    } else {
        uploads::STATUS_PARTIAL
    };
    token.updated_at = call.now;
    uploads::update(&mut tx, &token).await.map_err(internal)?;
    commit(tx).await?;
    Ok(objects::upload_token(&token, call.base_url))
}

async fn get(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required("uploadTokenId")?;
    let mut conn = read(call).await?;
    Ok(objects::upload_token(
        &load(&mut conn, call, &id).await?,
        call.base_url,
    ))
}

async fn delete(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required("uploadTokenId")?;
    let mut tx = write(call).await?;
    let mut token = load(&mut tx, call, &id).await?;
    let attached = token.attached_object_id.is_some();
    token.status = uploads::STATUS_DELETED;
    uploads::update(&mut tx, &token).await.map_err(internal)?;
    commit(tx).await?;
    if !attached {
        // The bytes go once the token is gone; a failure here only leaves an orphan file.
        if let Err(e) = call.api.media.delete(&object_key(&token.id)).await {
            tracing::warn!(error = %e, "could not delete the bytes of a deleted upload token");
        }
    }
    Ok(Out::Void)
}

async fn list(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let mut filter = match types::object(params, "filter", "KalturaUploadTokenFilter")? {
        Some(f) => UploadTokenFilter {
            id_equal: f.string("idEqual").value(),
            id_in: f.list("idIn"),
            user_id_equal: f.string("userIdEqual").value(),
            status_equal: f.int("statusEqual")?.value(),
            status_in: f.int_list("statusIn")?,
            file_name_equal: f.string("fileNameEqual").value(),
        },
        None => UploadTokenFilter::default(),
    };
    if !call.is_admin() {
        filter.user_id_equal = Some(call.user_id().unwrap_or("").to_owned());
    }
    let page = Page::from_params(params, 30)?;
    let mut conn = read(call).await?;
    let (tokens, total) = uploads::list(
        &mut conn,
        call.partner_id()?,
        &filter,
        page.limit,
        page.offset,
    )
    .await
    .map_err(internal)?;
    let objects = tokens
        .iter()
        .map(|t| objects::upload_token(t, call.base_url))
        .collect();
    Ok(list_response(
        "KalturaUploadTokenListResponse",
        objects,
        total,
    ))
}
