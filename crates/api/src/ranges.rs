//! Answers a request for a stored object: the whole of it, one byte range, or several
//! ranges as `multipart/byteranges`, streamed a chunk at a time whatever the sizes.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use quad_media::StoredObject;
use quad_media::{ByteRange, RangeError, parse_range};

/// Serves `object` as `mime`, honouring the request's `Range` header when it has one.
pub async fn serve(object: StoredObject, range: Option<&str>, mime: &'static str) -> Response {
    let size = object.size;
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

    match ranges.as_deref() {
        None => match object.read(0..size).await {
            Ok(bytes) => (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, mime.to_owned()),
                    (header::ACCEPT_RANGES, "bytes".into()),
                    (header::CONTENT_LENGTH, size.to_string()),
                ],
                Body::from_stream(bytes),
            )
                .into_response(),
            Err(e) => unreadable(e),
        },
        Some([only]) => match object.read(only.start..only.end + 1).await {
            Ok(bytes) => (
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
                Body::from_stream(bytes),
            )
                .into_response(),
            Err(e) => unreadable(e),
        },
        Some(several) => multipart(object, several, mime),
    }
}

fn unreadable(e: std::io::Error) -> Response {
    tracing::error!(error = %e, "a stored object could not be read");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// Several ranges in one answer. Each range is opened only when the client has read the
/// ones before it, so an answer that is never read costs nothing.
fn multipart(object: StoredObject, ranges: &[ByteRange], mime: &'static str) -> Response {
    let size = object.size;
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

    let mut pieces = Vec::with_capacity(ranges.len() * 2 + 1);
    for r in ranges {
        pieces.push(Piece::Text(head(r)));
        pieces.push(Piece::Bytes(*r));
    }
    pieces.push(Piece::Text(tail));
    let body = stream::iter(pieces)
        .then(move |piece| {
            let object = object.clone();
            async move {
                match piece {
                    Piece::Text(text) => stream::once(async { Ok(Bytes::from(text)) }).boxed(),
                    Piece::Bytes(r) => match object.read(r.start..r.end + 1).await {
                        Ok(bytes) => bytes,
                        // After a read error the answer ends: the client sees a short body.
                        Err(e) => stream::once(async { Err(e) }).boxed(),
                    },
                }
            }
        })
        .flatten();

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

/// A part of a multipart answer: header text, or a range of the object.
enum Piece {
    Text(String),
    Bytes(ByteRange),
}
