//! Media URLs in Kaltura's forms: `/p/{partnerId}/sp/{partnerId}00/playManifest/entryId/{id}/
//! format/{url|download}/…`, serving an entry's web flavor or source with byte ranges, and
//! `…/thumbnail/entry_id/{id}/…`, serving its poster or (with `vid_slices`) its seekbar
//! sprite, each to whoever may see the entry. The KS comes as a `/ks/{ks}` path pair or a
//! `ks` query parameter; without one, only what is published for anyone is served.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::call::{Api, Call, establish};
use crate::hls;
use crate::http::{ApiOutcome, base_url};
use crate::params::Param;
use crate::ranges::serve;
use crate::services;

pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route(
            "/p/{partner}/sp/{sub_partner}/playManifest/{*rest}",
            get(play_manifest).options(preflight),
        )
        .route(
            "/p/{partner}/sp/{sub_partner}/thumbnail/{*rest}",
            get(thumbnail).options(preflight),
        )
        .with_state(api)
}

fn refused_as(call: &'static str, status: StatusCode, reason: &'static str) -> Response {
    let mut response = (status, reason).into_response();
    response.extensions_mut().insert(ApiOutcome {
        call: call.into(),
        refused: Some(reason),
    });
    response
}

fn refused(status: StatusCode, reason: &'static str) -> Response {
    refused_as("playManifest", status, reason)
}

/// The `/key/value` pairs of a media URL's path after its kind.
fn path_pairs(rest: &str) -> Vec<(&str, &str)> {
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    segments
        .chunks(2)
        .filter(|p| p.len() == 2)
        .map(|p| (p[0], p[1]))
        .collect()
}

fn pair<'a>(pairs: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| *v)
}

/// The viewer of a media URL: its partner and KS (from the path or the query, or none) as
/// call params, and the base URL it was asked at.
fn viewer(partner: i64, ks: Option<String>, request: &Request) -> (Param, String) {
    let mut params = Param::default();
    params.set_flat("partnerId", &partner.to_string());
    let query_ks = request.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "ks")
            .map(|(_, v)| v.into_owned())
    });
    if let Some(ks) = ks.or(query_ks) {
        params.set_flat("ks", &ks);
    }
    (params, base_url(request.headers()))
}

/// The entry a page of Quad's own shows to a viewer with this KS (or none), if they may see
/// it; the same check as for media URLs.
pub async fn entry_for_viewer(
    api: &Api,
    partner: i64,
    ks: Option<&str>,
    entry_id: &str,
    base: &str,
) -> Option<quad_store::entries::Entry> {
    let mut params = Param::default();
    params.set_flat("partnerId", &partner.to_string());
    if let Some(ks) = ks.filter(|k| !k.is_empty()) {
        params.set_flat("ks", ks);
    }
    viewed_entry(api, &params, entry_id, base).await.ok()
}

/// The entry a media URL names, if its viewer may see it.
async fn viewed_entry(
    api: &Api,
    params: &Param,
    entry_id: &str,
    base: &str,
) -> Result<quad_store::entries::Entry, &'static str> {
    let now = quad_store::now();
    let Ok((partner_row, established)) = establish(&api.store, params, false, now).await else {
        return Err("INVALID_KS");
    };
    let call = Call {
        api,
        service: "playmanifest".into(),
        action: "serve".into(),
        partner: partner_row,
        ks: established,
        base_url: base,
        files: Vec::new(),
        now,
        origin: "api",
    };
    services::playable_entry(&call, entry_id)
        .await
        .map_err(|_| "ENTRY_ID_NOT_FOUND")
}

/// `GET /p/{pid}/sp/{pid}00/thumbnail/entry_id/{id}/…`: the entry's poster, or its seekbar
/// sprite when the path has `vid_slices`. Either is made in the background after upload,
/// so a new entry has none for a moment. With `width` and/or `height` the poster is scaled
/// to fit them (up to 4096 pixels a side), made on first request and kept.
async fn thumbnail(
    State(api): State<Arc<Api>>,
    Path((partner, _sub_partner, rest)): Path<(i64, String, String)>,
    request: Request,
) -> Response {
    let pairs = path_pairs(&rest);
    let Some(entry_id) = pair(&pairs, "entry_id") else {
        return refused_as("thumbnail", StatusCode::NOT_FOUND, "ENTRY_ID_NOT_FOUND");
    };
    let ks = pair(&pairs, "ks").map(str::to_owned);
    let (params, base) = viewer(partner, ks, &request);
    let entry = match viewed_entry(&api, &params, entry_id, &base).await {
        Ok(entry) => entry,
        Err("INVALID_KS") => return refused_as("thumbnail", StatusCode::FORBIDDEN, "INVALID_KS"),
        Err(reason) => return refused_as("thumbnail", StatusCode::NOT_FOUND, reason),
    };
    let Some(source) = entry.source_key.as_deref() else {
        return refused_as("thumbnail", StatusCode::NOT_FOUND, "ENTRY_HAS_NO_CONTENT");
    };
    let side = |name: &str| {
        pair(&pairs, name)
            .and_then(|v| v.parse::<u32>().ok())
            .map_or(0, |v| v.min(quad_media::images::MAX_SIDE))
    };
    let key = if pair(&pairs, "vid_slices").is_some() {
        quad_media::images::sprite_key(source)
    } else {
        match (side("width"), side("height")) {
            (0, 0) => quad_media::images::poster_key(source),
            (w, h) => match scaled_poster(&api, source, w, h).await {
                Some(key) => key,
                None => {
                    return refused_as("thumbnail", StatusCode::NOT_FOUND, "THUMBNAIL_NOT_READY");
                }
            },
        }
    };
    let Ok(Some(object)) = api.media.open_object(&key).await else {
        return refused_as("thumbnail", StatusCode::NOT_FOUND, "THUMBNAIL_NOT_READY");
    };

    let mut response = cors(serve(object, None, "image/jpeg").await);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    response.extensions_mut().insert(ApiOutcome {
        call: "thumbnail".into(),
        refused: None,
    });
    response
}

async fn play_manifest(
    State(api): State<Arc<Api>>,
    Path((partner, _sub_partner, rest)): Path<(i64, String, String)>,
    request: Request,
) -> Response {
    let pairs = path_pairs(&rest);
    let Some(entry_id) = pair(&pairs, "entryId") else {
        return refused(StatusCode::NOT_FOUND, "ENTRY_ID_NOT_FOUND");
    };
    let format = pair(&pairs, "format");
    let download = format == Some("download");
    let ks = pair(&pairs, "ks").map(str::to_owned);
    let (params, base) = viewer(partner, ks, &request);
    let entry = match viewed_entry(&api, &params, entry_id, &base).await {
        Ok(entry) => entry,
        Err("INVALID_KS") => return refused(StatusCode::FORBIDDEN, "INVALID_KS"),
        Err(reason) => return refused(StatusCode::NOT_FOUND, reason),
    };
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if format == Some("applehttp") {
        let Some(part) = hls::Part::of(pair(&pairs, "hls")) else {
            return cors(refused(StatusCode::NOT_FOUND, "ENTRY_HAS_NO_HLS"));
        };
        let ks = hls::Ks {
            in_path: pair(&pairs, "ks"),
            in_query: params.get("ks").and_then(Param::text),
        };
        return match hls::answer(&api, &entry, part, ks, &base, range.as_deref()).await {
            Ok(response) => media_outcome(response),
            Err(reason) => cors(refused(StatusCode::NOT_FOUND, reason)),
        };
    }
    // The source is asked for by its flavor id, or by flavor params 0 as download URLs do.
    let wants_source = pair(&pairs, "flavorIds")
        .or_else(|| pair(&pairs, "flavorId"))
        .is_some_and(|id| id.ends_with("_src"))
        || pair(&pairs, "flavorParamIds") == Some("0");
    let Some(file) = media_file(&entry, wants_source) else {
        return refused(StatusCode::NOT_FOUND, "ENTRY_HAS_NO_CONTENT");
    };
    let Ok(Some(object)) = api.media.open_object(&file.key).await else {
        return refused(StatusCode::NOT_FOUND, "ENTRY_HAS_NO_CONTENT");
    };

    let mut response = serve(object, range.as_deref(), file.mime).await;
    let file_name = file.name;
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
    media_outcome(response)
}

/// Allows scripts on any page to fetch media URLs, with a `Range` among their headers.
async fn preflight() -> Response {
    cors(StatusCode::NO_CONTENT.into_response())
}

/// Marks a media answer for the request log, and lets any page read it.
fn media_outcome(mut response: Response) -> Response {
    response.extensions_mut().insert(ApiOutcome {
        call: "playManifest".into(),
        refused: None,
    });
    cors(response)
}

/// Lets pages of any origin read a media answer, its range headers included: the player's
/// HLS engine fetches playlists and segments from scripts.
fn cors(response: Response) -> Response {
    let mut response = crate::http::cors(response);
    response.headers_mut().insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Content-Range, Content-Length, Accept-Ranges"),
    );
    response
}

/// Which of an entry's files a media URL serves, under what type and name.
struct MediaFile {
    key: String,
    mime: &'static str,
    name: String,
}

/// The source when it is asked for, else the file browsers play: the web flavor when the
/// entry has one.
fn media_file(entry: &quad_store::entries::Entry, wants_source: bool) -> Option<MediaFile> {
    let source = entry.source_key.clone()?;
    let name = entry
        .source_file_name
        .clone()
        .unwrap_or_else(|| format!("{}.mp4", entry.id));
    match &entry.web_flavor_key {
        Some(web) if !wants_source => Some(MediaFile {
            key: web.clone(),
            mime: if entry.width.is_some() {
                "video/mp4"
            } else {
                "audio/mp4"
            },
            name: format!(
                "{}.mp4",
                name.rsplit_once('.')
                    .map_or(name.as_str(), |(stem, _)| stem)
            ),
        }),
        _ => Some(MediaFile {
            key: source,
            mime: content_type(&name),
            name,
        }),
    }
}

/// Streams the file of an entry that browsers play, honouring a `Range` header; `None`
/// when the entry has no file. The caller has decided that the viewer may see the entry.
pub async fn serve_source(
    api: &Api,
    entry: &quad_store::entries::Entry,
    range: Option<&str>,
) -> Option<Response> {
    let file = media_file(entry, false)?;
    let object = api.media.open_object(&file.key).await.ok().flatten()?;
    Some(serve(object, range, file.mime).await)
}

/// The key of the poster scaled to `width` × `height`, made from the poster on first request
/// and kept; `None` while there is no poster or when scaling fails.
async fn scaled_poster(api: &Api, source: &str, width: u32, height: u32) -> Option<String> {
    use quad_media::images;
    let key = images::scaled_poster_key(source, width, height);
    if let Ok(Some(_)) = api.media.open_object(&key).await {
        return Some(key);
    }
    let poster = api
        .media
        .work_copy(&images::poster_key(source))
        .await
        .ok()
        .flatten()?;
    let temp = api
        .media
        .temp_path(&format!("scaled-{}.jpg", quad_store::random_token(12)));
    if let Err(e) = images::scale(poster.path(), width, height, &temp).await {
        tracing::warn!(error = %e, "scaling a poster failed");
        let _ = tokio::fs::remove_file(&temp).await;
        return None;
    }
    api.media.put_file(&key, &temp).await.ok()?;
    Some(key)
}

/// Serves an entry's poster, once the background job has made it; `None` before. The
/// caller has decided that the viewer may see the entry.
pub async fn serve_poster(api: &Api, entry: &quad_store::entries::Entry) -> Option<Response> {
    let key = quad_media::images::poster_key(entry.source_key.as_deref()?);
    let object = api.media.open_object(&key).await.ok().flatten()?;
    let mut response = serve(object, None, "image/jpeg").await;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Some(response)
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
