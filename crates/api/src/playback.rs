//! Media URLs in Kaltura's forms: `/p/{partnerId}/sp/{partnerId}00/playManifest/entryId/{id}/
//! format/{url|download}/…`, serving an entry's source with byte ranges to whoever may see
//! the entry. The KS comes as a `/ks/{ks}` path pair or a `ks` query parameter.

use std::io::SeekFrom;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::{self, StreamExt};
use quad_media::{ByteRange, RangeError, parse_range};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::call::{Api, Call, establish};
use crate::http::{ApiOutcome, base_url};
use crate::params::Param;
use crate::services;

pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route(
            "/p/{partner}/sp/{sub_partner}/playManifest/{*rest}",
            get(play_manifest),
        )
        .with_state(api)
}

fn refused(status: StatusCode, reason: &'static str) -> Response {
    let mut response = (status, reason).into_response();
    response.extensions_mut().insert(ApiOutcome {
        call: "playManifest".into(),
        refused: Some(reason),
    });
    response
}

async fn play_manifest(
    State(api): State<Arc<Api>>,
    Path((partner, _sub_partner, rest)): Path<(i64, String, String)>,
    request: Request,
) -> Response {
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let pair = |key: &str| {
        segments
            .chunks(2)
            .find(|p| p[0].eq_ignore_ascii_case(key))
            .and_then(|p| p.get(1))
            .copied()
    };
    let Some(entry_id) = pair("entryId") else {
        return refused(StatusCode::NOT_FOUND, "ENTRY_ID_NOT_FOUND");
    };
    let download = pair("format") == Some("download");
    let query_ks = request.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "ks")
            .map(|(_, v)| v.into_owned())
    });
    let ks = pair("ks").map(str::to_owned).or(query_ks);

    let mut params = Param::default();
    params.set_flat("partnerId", &partner.to_string());
    if let Some(ks) = &ks {
        params.set_flat("ks", ks);
    }
    let now = quad_store::now();
    let Ok((partner_row, established)) = establish(&api.store, &params, false, now).await else {
        return refused(StatusCode::FORBIDDEN, "INVALID_KS");
    };
    let base = base_url(request.headers());
    let call = Call {
        api: &api,
        service: "playmanifest".into(),
        action: "serve".into(),
        partner: partner_row,
        ks: established,
        base_url: &base,
        files: Vec::new(),
        now,
    };
    let entry = match services::playable_entry(&call, entry_id).await {
        Ok(entry) => entry,
        Err(_) => return refused(StatusCode::NOT_FOUND, "ENTRY_ID_NOT_FOUND"),
    };
    let Some(key) = entry.source_key.clone() else {
        return refused(StatusCode::NOT_FOUND, "ENTRY_HAS_NO_CONTENT");
    };
    let Ok(Some((file, size))) = api.media.open_object(&key).await else {
        return refused(StatusCode::NOT_FOUND, "ENTRY_HAS_NO_CONTENT");
    };

    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let file_name = entry
        .source_file_name
        .clone()
        .unwrap_or_else(|| format!("{}.mp4", entry.id));
    let mut response = serve(file, size, range.as_deref(), content_type(&file_name)).await;
    if download {
        let disposition = format!(
            "attachment; filename=\"{}\"",
            file_name.replace(['"', '\\'], "_")
        );
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
    }
    response.extensions_mut().insert(ApiOutcome {
        call: "playManifest".into(),
        refused: None,
    });
    response
}

fn content_type(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

/// Streams the whole object, one range, or several ranges as `multipart/byteranges`.
async fn serve(
    mut file: tokio::fs::File,
    size: u64,
    range: Option<&str>,
    mime: &'static str,
) -> Response {
    let ranges = match range.map(|r| parse_range(r, size)) {
        None | Some(Err(RangeError::Ignored)) => None,
        Some(Err(RangeError::Unsatisfiable)) => {
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [
                    (header::CONTENT_RANGE, format!("bytes */{size}")),
                    (header::ACCEPT_RANGES, "bytes".into()),
                ],
            )
                .into_response();
        }
        Some(Ok(ranges)) => Some(ranges),
    };
    let Some(ranges) = ranges else {
        let body = Body::from_stream(ReaderStream::new(file));
        return (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, mime.to_owned()),
                (header::ACCEPT_RANGES, "bytes".into()),
                (header::CONTENT_LENGTH, size.to_string()),
            ],
            body,
        )
            .into_response();
    };
    if let [only] = ranges.as_slice() {
        if file.seek(SeekFrom::Start(only.start)).await.is_err() {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        let body = Body::from_stream(ReaderStream::new(file.take(only.len())));
        return (
            StatusCode::PARTIAL_CONTENT,
            [
                (header::CONTENT_TYPE, mime.to_owned()),
                (header::ACCEPT_RANGES, "bytes".into()),
                (
                    header::CONTENT_RANGE,
                    format!("bytes {}-{}/{size}", only.start, only.end),
                ),
                (header::CONTENT_LENGTH, only.len().to_string()),
            ],
            body,
        )
            .into_response();
    }
    multipart_ranges(file, size, ranges, mime)
}

fn multipart_ranges(
    file: tokio::fs::File,
    size: u64,
    ranges: Vec<ByteRange>,
    mime: &'static str,
) -> Response {
    let boundary = format!("quad{}", quad_store::random_token(16));
    let heads: Vec<String> = ranges
        .iter()
        .map(|r| format!("\r\n--{boundary}\r\nContent-Type: {mime}\r\nContent-Range: bytes {}-{}/{size}\r\n\r\n", r.start, r.end))
        .collect();
    let tail = format!("\r\n--{boundary}--\r\n");
    let length: u64 = heads.iter().map(|h| h.len() as u64).sum::<u64>()
        + ranges.iter().map(ByteRange::len).sum::<u64>()
        + tail.len() as u64;
    let parts: Vec<(String, ByteRange)> = heads.into_iter().zip(ranges).collect();
    // Each part is its header, then its bytes read straight from the file.
    let body = stream::unfold(
        (file, parts.into_iter(), Some(tail)),
        |(mut file, mut parts, tail)| async move {
            match parts.next() {
                Some((head, range)) => {
                    let mut bytes = head.into_bytes();
                    let ok = file.seek(SeekFrom::Start(range.start)).await.is_ok();
                    let mut chunk = vec![0u8; range.len() as usize];
                    let read = ok && file.read_exact(&mut chunk).await.is_ok();
                    if !read {
                        return Some((
                            Err(std::io::Error::other("range read failed")),
                            (file, parts, None),
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                    Some((Ok::<_, std::io::Error>(bytes), (file, parts, tail)))
                }
                None => tail.map(|t| (Ok(t.into_bytes()), (file, parts, None))),
            }
        },
    )
    .boxed();
    (
        StatusCode::PARTIAL_CONTENT,
        [
            (
                header::CONTENT_TYPE,
                format!("multipart/byteranges; boundary={boundary}"),
            ),
            (header::CONTENT_LENGTH, length.to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}
