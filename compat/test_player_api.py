"""The calls the official Kaltura web player makes before it plays, sent exactly as its
OVP provider sends them (JSON bodies, 1-based multirequest items, `{N:result:…}`
references in nested values, an empty envelope KS for anonymous viewers), and the media
URL it then builds.

An entry published in a category open to anyone plays anonymously through a widget
session; a private one plays with its owner's KS; for a viewer who may not see it, the
playback context holds the block action the player shows as its access-control message.
"""

import html
import re
import time

import pytest
import requests

from KalturaClient.Plugins.Core import KalturaCategory, KalturaCategoryEntry, KalturaPrivacyType

PLAYER_FIELDS = (
    "id,referenceId,name,description,thumbnailUrl,dataUrl,duration,msDuration,flavorParamsIds,"
    "mediaType,type,tags,dvrStatus,externalSourceType,status,createdAt,updatedAt,endDate,plays,"
    "views,downloadUrl,creatorId,userId,rootEntryId,capabilities,adminTags"
)


def player_items(entry_id, first, ks_ref=None):
    """The player's baseEntry.list, getPlaybackContext and metadata list, numbered from
    `first`; `ks_ref` is the widget session's KS reference when anonymous."""
    ref = f"{{{first}:result:objects:0:id}}"
    items = [
        {"service": "baseEntry", "action": "list",
         "filter": {"redirectFromEntryId": entry_id},
         "responseProfile": {"type": 1, "fields": PLAYER_FIELDS}},
        {"service": "baseEntry", "action": "getPlaybackContext", "entryId": ref,
         "contextDataParams": {"objectType": "KalturaContextDataParams", "flavorTags": "all"}},
        {"service": "metadata_metadata", "action": "list",
         "filter": {"objectType": "KalturaMetadataFilter", "objectIdEqual": ref,
                    "metadataObjectTypeEqual": "1"}},
    ]
    if ks_ref:
        for item in items:
            item["ks"] = ks_ref
    return {str(first + i): item for i, item in enumerate(items)}


def load_media(api, entry_id, ks=None):
    """The player's `loadMedia` multirequest: with a KS, or anonymous through a widget
    session. Returns the results by position: entry list, context, metadata."""
    if ks:
        body = player_items(entry_id, 1)
    else:
        body = {"1": {"service": "session", "action": "startWidgetSession",
                      "widgetId": f"_{api.partner.id}"}}
        body.update(player_items(entry_id, 2, ks_ref="{1:result:ks}"))
    body.update({"apiVersion": "3.3.0", "format": 1, "ks": ks or "",
                 "clientTag": "html5:v3.17.95", "partnerId": api.partner.id})
    reply = requests.post(f"{api.url}/api_v3/service/multirequest", json=body, timeout=30,
                          headers={"Origin": "http://page.example"})
    assert reply.status_code == 200, reply.text
    assert reply.headers.get("Access-Control-Allow-Origin") == "*"
    results = reply.json()
    return results if ks else results[1:]


@pytest.fixture
def ready_entry(api, media_sample):
    owner = api.uid("owner")
    client = api.user(owner)
    entry = api.ingest(client, media_sample, name="Lecture 1")
    return owner, entry


@pytest.fixture
def public_category(api, admin):
    category = KalturaCategory(name=api.token("open"), privacy=KalturaPrivacyType.ALL)
    return admin.category.add(category)


def test_the_preflight_of_a_json_post_is_allowed_from_any_page(api):
    reply = requests.options(
        f"{api.url}/api_v3/service/multirequest",
        headers={"Origin": "http://page.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
        timeout=30,
    )

    assert 200 <= reply.status_code < 300
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]


def test_user_get_with_the_ks_alone_names_the_session_user(api):
    user = api.uid("viewer")
    ks = api.user_ks(user)

    reply = requests.post(f"{api.url}/api_v3/service/user/action/get",
                          json={"ks": ks, "format": 1}, timeout=30)

    assert reply.status_code == 200
    assert reply.json()["id"] == user


def test_a_published_entry_loads_anonymously_through_a_widget_session(
    api, admin, ready_entry, public_category
):
    _, entry = ready_entry
    admin.categoryEntry.add(KalturaCategoryEntry(entryId=entry.id, categoryId=public_category.id))

    listed, context, metadata = load_media(api, entry.id)

    (found,) = listed["objects"]
    assert listed["totalCount"] == 1
    assert found["id"] == entry.id
    assert (found["type"], found["mediaType"], found["status"]) == (1, 1, 2), "numbers"
    assert found["duration"] == 2
    assert "partnerData" not in found, "the response profile's fields only"
    assert context["objectType"] == "KalturaPlaybackContext"
    assert context["actions"] == [] and context["messages"] == []
    (source,) = context["sources"]
    assert source["format"] == "url" and "http" in source["protocols"].split(",")
    (flavor,) = context["flavorAssets"]
    assert source["flavorIds"] == flavor["id"]
    assert (flavor["fileExt"], flavor["width"], flavor["height"]) == ("mp4", 160, 120)
    assert metadata == {"objects": [], "totalCount": 0, "objectType": "KalturaMetadataListResponse"}


def test_the_url_the_player_builds_serves_the_source_with_byte_ranges(
    api, admin, ready_entry, public_category, media_sample
):
    _, entry = ready_entry
    admin.categoryEntry.add(KalturaCategoryEntry(entryId=entry.id, categoryId=public_category.id))
    _, context, _ = load_media(api, entry.id)
    flavor = context["flavorAssets"][0]
    pid = api.partner.id
    url = (f"{api.url}/p/{pid}/sp/{pid}00/playManifest/entryId/{entry.id}/protocol/http/format/url"
           f"/flavorIds/{flavor['id']}/a.{flavor['fileExt']}?playSessionId=a:b&clientTag=html5:v3.17.95")

    reply = requests.get(url, headers={"Range": "bytes=0-"}, timeout=30)

    assert reply.status_code == 206
    assert reply.content == media_sample
    assert reply.headers["Accept-Ranges"] == "bytes"


def test_a_private_entry_plays_with_its_owners_ks(api, ready_entry):
    owner, entry = ready_entry

    listed, context, _ = load_media(api, entry.id, ks=api.user_ks(owner))

    assert listed["objects"][0]["name"] == "Lecture 1"
    assert len(context["sources"]) == 1


def test_a_viewer_who_may_not_see_the_entry_gets_the_block_action_and_no_source(api, ready_entry):
    _, entry = ready_entry

    listed, context, _ = load_media(api, entry.id)

    assert listed["objects"] == [{"id": entry.id, "type": 1, "status": 2,
                                  "objectType": "KalturaMediaEntry"}], "the id alone, no name"
    assert [a["type"] for a in context["actions"]] == [1]
    assert context["messages"][0]["code"] == "ENTITLEMENT_RESTRICTED"
    assert "sources" not in context and "flavorAssets" not in context


def test_the_media_url_refuses_a_viewer_who_may_not_see_the_entry(api, ready_entry):
    _, entry = ready_entry
    pid = api.partner.id
    url = (f"{api.url}/p/{pid}/sp/{pid}00/playManifest/entryId/{entry.id}/protocol/http"
           f"/format/url/flavorIds/{entry.id}_src/a.mp4")

    reply = requests.get(url, timeout=30)

    assert reply.status_code in (403, 404)
    assert len(reply.content) < 100, "no media bytes"


def test_an_unknown_entry_is_an_invalid_entry_id_error(api):
    listed, context, metadata = load_media(api, "0_nosuchid")

    assert listed["code"] == "INVALID_ENTRY_ID"
    assert listed["objectType"] == "KalturaAPIException"


def wait_for_image(url, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while True:
        reply = requests.get(url, timeout=30)
        if reply.status_code == 200 or time.monotonic() > deadline:
            return reply
        time.sleep(0.25)


def jpeg_size(data):
    """(width, height) from a JPEG's start-of-frame marker."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    raise AssertionError("no frame in the JPEG")


def test_the_poster_and_the_seekbar_sprite_are_made_after_upload(api, admin, ready_entry, public_category):
    _, entry = ready_entry
    admin.categoryEntry.add(KalturaCategoryEntry(entryId=entry.id, categoryId=public_category.id))
    listed, _, _ = load_media(api, entry.id)
    thumbnail = listed["objects"][0]["thumbnailUrl"]
    pid = api.partner.id
    assert thumbnail.startswith(f"{api.url}/p/{pid}/sp/{pid}00/thumbnail/entry_id/{entry.id}/version/")

    poster = wait_for_image(f"{thumbnail}/height/360/width/640")
    sprite = wait_for_image(f"{thumbnail}/width/164/vid_slices/100")

    assert poster.status_code == 200 and poster.headers["Content-Type"] == "image/jpeg"
    assert jpeg_size(poster.content) == (480, 360), "scaled to fit 640x360, 4:3 kept"
    assert jpeg_size(requests.get(f"{thumbnail}/width/80", timeout=30).content) == (80, 60)
    assert jpeg_size(requests.get(thumbnail, timeout=30).content) == (160, 120), "as made"
    assert sprite.status_code == 200
    assert jpeg_size(sprite.content) == (164 * 100, 124), "100 frames of 164 px side by side"


def test_a_thumbnail_is_not_served_to_a_viewer_who_may_not_see_the_entry(api, ready_entry):
    owner, entry = ready_entry
    pid = api.partner.id
    url = f"{api.url}/p/{pid}/sp/{pid}00/thumbnail/entry_id/{entry.id}/version/0"
    owners = wait_for_image(f"{url}/ks/{api.ks_v2(owner, 0)}")

    anonymous = requests.get(url, timeout=30)

    assert owners.status_code == 200
    assert anonymous.status_code == 404 and len(anonymous.content) < 100


def test_quads_own_player_page_plays_a_public_entry_and_counts_its_views(
    api, admin, ready_entry, public_category, media_sample
):
    _, entry = ready_entry
    admin.categoryEntry.add(KalturaCategoryEntry(entryId=entry.id, categoryId=public_category.id))
    page_url = f"{api.url}/p/{api.partner.id}/embed/{entry.id}"

    page = requests.get(page_url, timeout=30)
    source = re.search(r'<video[^>]* src="([^"]+)"', page.text)
    poster = re.search(r'poster="([^"]+)"', page.text)
    events = re.search(r'data-events="([^"]+)"', page.text)
    played = requests.get(api.url + html.unescape(source.group(1)), headers={"Range": "bytes=0-"},
                          timeout=30)
    counted = requests.post(api.url + html.unescape(events.group(1)), data={"event": "view"},
                            timeout=30)

    assert page.status_code == 200
    assert "Lecture 1" in page.text and f'data-entry-id="{entry.id}"' in page.text
    assert played.status_code == 206 and played.content == media_sample
    assert wait_for_image(api.url + html.unescape(poster.group(1))).status_code == 200
    assert counted.status_code == 204
    assert admin.media.get(entry.id).views == 1


def test_quads_own_player_page_needs_a_ks_for_a_private_entry(api, ready_entry):
    owner, entry = ready_entry
    page_url = f"{api.url}/p/{api.partner.id}/embed/{entry.id}"

    anonymous = requests.get(page_url, timeout=30)
    with_ks = requests.get(page_url, params={"ks": api.user_ks(owner)}, timeout=30)

    assert anonymous.status_code == 404 and "Lecture 1" not in anonymous.text
    assert with_ks.status_code == 200 and "Lecture 1" in with_ks.text
