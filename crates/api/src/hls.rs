//! HLS for entries packaged as such (`playManifest/…/format/applehttp/…`): the master
//! playlist, made on each request, names one variant; its media playlist is the stored one
//! with the segment file's URL put in; the segments are byte ranges of that one file. Each
//! of the three URLs carries the viewer's KS and is checked like any media URL.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use quad_store::entries::Entry;

use crate::call::Api;
use crate::ranges::serve;

/// The largest media playlist read back: hours of six-second segments fit well within it.
const MAX_PLAYLIST_BYTES: u64 = 4 * 1024 * 1024;

/// What part of an entry's HLS a URL asks for, from its `hls` path pair.
pub enum Part {
    Master,
    Playlist,
    Segments,
}

impl Part {
    pub fn of(value: Option<&str>) -> Option<Part> {
        match value {
            None => Some(Part::Master),
            Some("index") => Some(Part::Playlist),
            Some("segments") => Some(Part::Segments),
            Some(_) => None,
        }
    }
}

/// Where the viewer's KS goes in the URLs handed out: back in the path when it came there,
/// else in the query.
pub struct Ks<'a> {
    pub in_path: Option<&'a str>,
    pub in_query: Option<&'a str>,
}

impl Ks<'_> {
    fn url(&self, base: &str, tail: &str) -> String {
        match (self.in_path, self.in_query) {
            (Some(ks), _) => format!("{base}/ks/{ks}{tail}"),
            (None, Some(ks)) => {
                let ks: String = form_urlencoded::byte_serialize(ks.as_bytes()).collect();
                format!("{base}{tail}?ks={ks}")
            }
            (None, None) => format!("{base}{tail}"),
        }
    }
}

/// Answers one part of the entry's HLS, the segments honouring the request's `Range`; the
/// reason why not when the entry has none. The caller has decided that the viewer may see
/// the entry.
pub async fn answer(
    api: &Api,
    entry: &Entry,
    part: Part,
    ks: Ks<'_>,
    base_url: &str,
    range: Option<&str>,
) -> Result<Response, &'static str> {
    let Some(key) = entry.hls_key.as_deref() else {
        return Err(NO_HLS);
    };
    let (pid, id) = (entry.partner_id, &entry.id);
    let base = format!("{base_url}/p/{pid}/sp/{pid}00/playManifest/entryId/{id}/format/applehttp");
    let Ok(Some(segments)) = api.media.open_object(&format!("{key}.m4s")).await else {
        return Err(NO_HLS);
    };

    Ok(match part {
        Part::Master => {
            let seconds = entry.duration_ms.unwrap_or(0).max(1) as f64 / 1000.0;
            let bandwidth = (segments.size as f64 * 8.0 / seconds).ceil() as u64;
            let resolution = match (entry.width, entry.height) {
                (Some(w), Some(h)) => format!(",RESOLUTION={w}x{h}"),
                _ => String::new(),
            };
            let playlist = ks.url(&format!("{base}/hls/index"), "/a.m3u8");
            let text = format!(
                "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\
                 #EXT-X-STREAM-INF:BANDWIDTH={bandwidth}{resolution}\n{playlist}\n"
            );
            playlist_response(text)
        }
        Part::Playlist => match media_playlist(api, key).await {
            Some(stored) => {
                let file = ks.url(&format!("{base}/hls/segments"), "/a.m4s");
                let named = quad_media::flavor::HLS_SEGMENT_FILE;
                let text = stored
                    .replace(&format!("URI=\"{named}\""), &format!("URI=\"{file}\""))
                    .lines()
                    .map(|line| if line == named { file.as_str() } else { line })
                    .collect::<Vec<_>>()
                    .join("\n");
                playlist_response(text + "\n")
            }
            None => return Err(NO_HLS),
        },
        Part::Segments => serve(segments, range, "video/mp4").await,
    })
}

const NO_HLS: &str = "ENTRY_HAS_NO_HLS";

async fn media_playlist(api: &Api, key: &str) -> Option<String> {
    let object = api
        .media
        .open_object(&format!("{key}.m3u8"))
        .await
        .ok()
        .flatten()
        .filter(|o| o.size <= MAX_PLAYLIST_BYTES)?;
    let chunks: Vec<bytes::Bytes> = object
        .read(0..object.size)
        .await
        .ok()?
        .try_collect()
        .await
        .ok()?;
    String::from_utf8(chunks.concat()).ok()
}

fn playlist_response(text: String) -> Response {
    let mut response = (StatusCode::OK, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.apple.mpegurl"),
    );
    response
}
