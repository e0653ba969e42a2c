//! What the Kaltura web player asks of the API before it plays: the entry by
//! `redirectFromEntryId`, the entry's playback context (its sources and flavors, or the
//! access-control block that the player shows instead), and its custom metadata (none).

use quad_store::entries::{self, Entry};

use super::entry::{self, OUT_CLASS};
use super::read;
use crate::call::Call;
use crate::error::{ApiError, ApiResult};
use crate::params::Fields;
use crate::wire::{Obj, Out, list_response};

/// Delivery profile of the one way Quad delivers: the source file over HTTP.
const DELIVERY_PROFILE_ID: i64 = 1;

/// Whether the entry may be played by this session: (the entry, whether it may see it).
/// `None` when no entry has this id.
async fn entry_for_player(call: &Call<'_>, id: &str) -> ApiResult<Option<(Entry, bool)>> {
    let mut conn = read(call).await?;
    let Some((found, collaborators)) = entry::load(&mut conn, call.partner_id()?, id).await? else {
        return Ok(None);
    };
    let people = entry::people(&found, &collaborators);
    let visible = entry::may_see(&mut conn, call, &found, &people).await?;
    Ok(Some((found, visible)))
}

/// `baseEntry.list` with `filter.redirectFromEntryId`: that entry (Quad has no live entries
/// to redirect from). An entry the session may not see is answered by its id alone, so that
/// the player asks for its playback context and shows the access-control message rather
/// than "not found"; no other field of it is shown.
pub(super) async fn redirect_list(call: &Call<'_>, id: &str) -> ApiResult<Out> {
    let Some((found, visible)) = entry_for_player(call, id).await? else {
        return Err(ApiError::invalid_entry_id(id));
    };
    let object = if visible {
        let mut conn = read(call).await?;
        entry::render_one(&mut conn, call, &found).await?
    } else {
        let mut stub = Obj::new(OUT_CLASS);
        stub.set("id", found.id.as_str())
            .set("type", found.entry_type)
            .set("status", found.status);
        Out::Object(stub)
    };
    let class = if call.service == "media" {
        "KalturaMediaListResponse"
    } else {
        "KalturaBaseEntryListResponse"
    };
    Ok(list_response(class, vec![object], 1))
}

/// The file extension of the entry's source, which the player puts in its playback URL.
fn extension(e: &Entry) -> String {
    e.source_file_name
        .as_deref()
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|ext| !ext.is_empty() && ext.len() <= 5)
        .unwrap_or_else(|| "mp4".to_owned())
}

/// The source file as the flavor browsers play, for an entry without a web flavor.
fn source_flavor(e: &Entry) -> Out {
    let mut o = flavor(e, &source_flavor_id(e), e.size_bytes.unwrap_or(0));
    o.set("flavorParamsId", 0)
        .set("fileExt", extension(e))
        .set("isOriginal", true)
        .set("isWeb", true)
        .set("label", "Source")
        .set("tags", "source,web");
    Out::Object(o)
}

/// The copy of the source made for browsers, in H.264 and AAC.
fn web_flavor(e: &Entry, size: i64) -> Out {
    let mut o = flavor(e, &web_flavor_id(e), size);
    o.set("flavorParamsId", WEB_FLAVOR_PARAMS_ID)
        .set("fileExt", "mp4")
        .set("isOriginal", false)
        .set("isWeb", true)
        .set("label", "Web")
        .set("tags", "mbr,web");
    Out::Object(o)
}

fn flavor(e: &Entry, id: &str, bytes: i64) -> Obj {
    let kbps = match e.duration_ms {
        Some(ms) if ms > 0 => bytes * 8 / ms,
        _ => 0,
    };
    let mut o = Obj::new("KalturaFlavorAsset");
    o.set("id", id)
        .set("entryId", e.id.as_str())
        .set("partnerId", e.partner_id)
        .set("width", e.width.unwrap_or(0))
        .set("height", e.height.unwrap_or(0))
        .set("bitrate", kbps)
        .set("size", bytes / 1024)
        .set("status", 2)
        .set("language", "Undefined")
        .set("version", e.version.to_string());
    o
}

/// The flavor params id Quad gives its web flavors.
const WEB_FLAVOR_PARAMS_ID: i64 = 1;

fn source_flavor_id(e: &Entry) -> String {
    format!("{}_src", e.id)
}

fn web_flavor_id(e: &Entry) -> String {
    format!("{}_web", e.id)
}

/// `baseEntry.getPlaybackContext`: the progressive source of a playable entry, or a block
/// action with a message for one the session may not see.
pub(super) async fn playback_context(call: &Call<'_>, params: &Fields<'_>) -> ApiResult<Out> {
    let id = params.required("entryId")?;
    let Some((found, visible)) = entry_for_player(call, &id).await? else {
        return Err(ApiError::invalid_entry_id(&id));
    };

    let mut context = Obj::new("KalturaPlaybackContext");
    context
        .set("playbackCaptions", Out::Array(Vec::new()))
        .set("bumperData", Out::Array(Vec::new()));
    if !visible {
        let mut block = Obj::new("KalturaAccessControlBlockAction");
        block.set("type", 1);
        let mut message = Obj::new("KalturaAccessControlMessage");
        message
            .set("message", "You are not allowed to watch this media.")
            .set("code", "ENTITLEMENT_RESTRICTED");
        context
            .set("actions", Out::Array(vec![Out::Object(block)]))
            .set("messages", Out::Array(vec![Out::Object(message)]));
        return Ok(Out::Object(context));
    }
    let playable = found.source_key.is_some() && found.status == entries::STATUS_READY;
    let web_size = found
        .web_flavor_key
        .as_ref()
        .map(|_| found.web_flavor_bytes.unwrap_or(0));
    // The player makes a progressive source of every flavor listed, so the source is left
    // out once there is a web flavor to play instead.
    let (mut sources, flavors) = match (playable, web_size) {
        (false, _) => (Vec::new(), Vec::new()),
        (true, None) => {
            let flavor = source_flavor_id(&found);
            (
                vec![source(call, &found, "url", &flavor, &extension(&found))],
                vec![source_flavor(&found)],
            )
        }
        (true, Some(size)) => (
            vec![source(call, &found, "url", &web_flavor_id(&found), "mp4")],
            vec![web_flavor(&found, size)],
        ),
    };
    if playable && found.hls_key.is_some() {
        // The player tries HLS before progressive download.
        let flavor = match web_size {
            Some(_) => web_flavor_id(&found),
            None => source_flavor_id(&found),
        };
        sources.insert(0, source(call, &found, "applehttp", &flavor, "m3u8"));
    }
    context
        .set("sources", Out::Array(sources))
        .set("flavorAssets", Out::Array(flavors))
        .set("actions", Out::Array(Vec::new()))
        .set("messages", Out::Array(Vec::new()));
    Ok(Out::Object(context))
}

/// A playback source: `url` for progressive download, `applehttp` for HLS.
fn source(call: &Call<'_>, e: &Entry, format: &str, flavor: &str, ext: &str) -> Out {
    let (pid, id) = (e.partner_id, &e.id);
    let protocol = if call.base_url.starts_with("https") {
        "https"
    } else {
        "http"
    };
    let mut o = Obj::new("KalturaPlaybackSource");
    o.set("deliveryProfileId", DELIVERY_PROFILE_ID)
        .set("format", format)
        .set("protocols", "http,https")
        .set("flavorIds", flavor)
        .set(
            "url",
            format!(
                "{}/p/{pid}/sp/{pid}00/playManifest/entryId/{id}/protocol/{protocol}/\
                 format/{format}/flavorIds/{flavor}/a.{ext}",
                call.base_url,
            ),
        )
        .set("drm", Out::Array(Vec::new()));
    Out::Object(o)
}

/// `metadata_metadata.list`: Quad keeps no custom metadata, so every list is empty. The
/// player fails the whole load when this call fails, so it never does for a valid session.
pub(super) fn metadata_list() -> Out {
    list_response("KalturaMetadataListResponse", Vec::new(), 0)
}

/// Reads `filter.redirectFromEntryId`, if the list asks for it.
pub(super) fn redirect_from(params: &Fields<'_>) -> ApiResult<Option<String>> {
    let Some(filter) = crate::types::object(params, "filter", "KalturaBaseEntryFilter")? else {
        return Ok(None);
    };
    Ok(filter
        .string("redirectFromEntryId")
        .value()
        .filter(|id| !id.is_empty()))
}
