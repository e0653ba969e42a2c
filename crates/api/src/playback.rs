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
        origin: "api",
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

/// Streams an entry's source file, honouring a `Range` header; `None` when the entry has
/// no file. The caller has decided that the viewer may see the entry.
pub async fn serve_source(
    api: &Api,
    entry: &quad_store::entries::Entry,
    range: Option<&str>,
) -> Option<Response> {
    let key = entry.source_key.as_deref()?;
    let (file, size) = api.media.open_object(key).await.ok().flatten()?;
    let file_name = entry.source_file_name.as_deref().unwrap_or("source.mp4");
    Some(serve(file, size, range, content_type(file_name)).await)
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
    let head = |r: &ByteRange| {
        format!(
            "\r\n--{boundary}\r\nContent-Type: {mime}\r\nContent-Range: bytes {}-{}/{size}\r\n\r\n",
            r.start, r.end
        )
    };
    let tail = format!("\r\n--{boundary}--\r\n");
    let length: u64 = ranges
        .iter()
        .map(|r| head(r).len() as u64 + r.len())
        .sum::<u64>()
        + tail.len() as u64;
    let mut pieces: Vec<Piece> = Vec::with_capacity(ranges.len() * 2 + 1);
    for r in &ranges {
        pieces.push(Piece::Text(head(r)));
        pieces.push(Piece::Bytes(*r));
    }
    pieces.push(Piece::Text(tail));
    let body = stream::unfold((file, pieces.into_iter(), None), next_chunk).boxed();
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

/// A part of a multipart answer: header text, or a range of the file.
enum Piece {
    Text(String),
    Bytes(ByteRange),
}

/// What remains of the range being sent: the next offset and the bytes left.
type Cursor = Option<(u64, u64)>;

const CHUNK: u64 = 64 * 1024;

/// Yields the answer in pieces of at most 64 KiB, so memory stays flat whatever the ranges.
async fn next_chunk(
    (mut file, mut pieces, cursor): (tokio::fs::File, std::vec::IntoIter<Piece>, Cursor),
) -> Option<(
    std::io::Result<Vec<u8>>,
    (tokio::fs::File, std::vec::IntoIter<Piece>, Cursor),
)> {
    let (offset, left) = match cursor {
        Some(c) => c,
        None => match pieces.next()? {
            Piece::Text(text) => return Some((Ok(text.into_bytes()), (file, pieces, None))),
            Piece::Bytes(r) => (r.start, r.len()),
        },
    };
    let n = left.min(CHUNK);
    let mut chunk = vec![0u8; n as usize];
    let read = match file.seek(SeekFrom::Start(offset)).await {
        Ok(_) => file.read_exact(&mut chunk).await.map(|_| chunk),
        Err(e) => Err(e),
    };
    let rest = (left > n).then_some((offset + n, left - n));
    match read {
        Ok(bytes) => Some((Ok(bytes), (file, pieces, rest))),
        // After a read error the answer ends: the client sees a short body.
        Err(e) => Some((Err(e), (file, Vec::new().into_iter(), None))),
    }
}
