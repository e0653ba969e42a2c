"""multirequest (reference §1.4)."""

import os

import requests

from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import *  # noqa: F401,F403


def new_entry(name, **fields):
    entry = KalturaMediaEntry()
    entry.name = name
    entry.mediaType = KalturaMediaType.VIDEO
    for key, value in fields.items():
        setattr(entry, key, value)
    return entry


def test_multirequest_runs_calls_in_order_and_returns_each_result(api, admin):
    admin.startMultiRequest()
    admin.media.add(new_entry("first"))
    admin.media.add(new_entry("second"))

    results = admin.doMultiRequest()

    assert [type(r) for r in results] == [KalturaMediaEntry, KalturaMediaEntry]
    assert [r.name for r in results] == ["first", "second"]
    assert results[0].id != results[1].id
    assert admin.media.get(results[1].id).name == "second"


def test_multirequest_result_reference_feeds_a_later_call(api, admin):
    admin.startMultiRequest()
    admin.media.add(new_entry("referenced"))
    added = admin.getMultiRequestResult()
    change = KalturaMediaEntry()
    change.description = "updated in the same request"
    admin.media.update(added.id, change)
    admin.media.get(added.id)

    added_entry, updated, fetched = admin.doMultiRequest()

    assert str(added.id) == "{1:result:id}"
    assert updated.id == added_entry.id
    assert updated.description == "updated in the same request"
    assert fetched.id == added_entry.id
    assert fetched.description == "updated in the same request"


def test_multirequest_reference_inside_a_longer_string_is_substituted(api, admin):
    admin.startMultiRequest()
    first = admin.media.add(new_entry("origin"))
    admin.media.add(new_entry(f"copy of {first.id}"))

    original, copy = admin.doMultiRequest()

    assert copy.name == f"copy of {original.id}"


def test_multirequest_reference_walks_into_list_objects(api, admin):
    owner = api.uid("mrowner")
    target = api.add_entry(admin, userId=owner)
    flt = KalturaMediaEntryFilter()
    flt.userIdEqual = owner
    admin.startMultiRequest()
    found = admin.media.list(flt)
    admin.media.get(found.objects[0].id)

    listed, fetched = admin.doMultiRequest()

    assert str(found.objects[0].id) == "{1:result:objects:0:id}"
    assert isinstance(listed, KalturaMediaListResponse)
    assert listed.totalCount == 1
    assert fetched.id == target.id


def test_multirequest_one_failing_call_does_not_stop_the_others(api, admin):
    owner = api.uid("survivor")
    by_owner = KalturaMediaEntryFilter()
    by_owner.userIdEqual = owner
    admin.startMultiRequest()
    admin.media.get("0_nosuch00")
    admin.media.add(new_entry("after the failure", userId=owner))
    admin.media.count(by_owner)

    failed, added, count = admin.doMultiRequest()

    assert isinstance(failed, KalturaException)
    assert failed.code == "ENTRY_ID_NOT_FOUND"
    assert failed.message == 'Entry id "0_nosuch00" not found'
    assert isinstance(added, KalturaMediaEntry)
    assert added.userId == owner
    assert count == "1"
    assert admin.media.get(added.id).name == "after the failure"


def test_multirequest_carries_the_upload_flow_in_one_request(api, admin, media_sample):
    data = media_sample
    path = api.temp_file(data, "recording.mp4")
    admin.startMultiRequest()
    token = KalturaUploadToken()
    token.fileName = "recording.mp4"
    token = admin.uploadToken.add(token)
    with open(path, "rb") as handle:
        admin.uploadToken.upload(token.id, handle)
        entry = admin.media.add(new_entry("uploaded in one multirequest"))
        resource = KalturaUploadedFileTokenResource()
        resource.token = token.id
        admin.media.addContent(entry.id, resource)

        added_token, uploaded, created, ready = admin.doMultiRequest()

    assert isinstance(added_token, KalturaUploadToken)
    assert uploaded.id == added_token.id
    assert uploaded.status.getValue() == KalturaUploadTokenStatus.FULL_UPLOAD
    assert ready.id == created.id
    assert ready.status.getValue() == KalturaEntryStatus.READY
    body = requests.get(ready.downloadUrl, params={"ks": api.admin_ks()}, timeout=30).content
    assert body == data


def test_multirequest_ks_from_session_start_in_the_same_request_is_used(api):
    client = api.client()
    client.startMultiRequest()
    ks = client.session.start(api.partner.admin_secret, "mr-admin", KalturaSessionType.ADMIN,
                              api.partner.id, 600, "disableentitlement")
    client.setKs(ks)
    client.session.get()

    started, info = client.doMultiRequest()

    assert isinstance(started, str) and started
    assert isinstance(info, KalturaSessionInfo)
    assert info.ks == started
    assert info.userId == "mr-admin"


def test_multirequest_json_form_with_one_based_keys_returns_a_json_array(api, admin):
    entry = api.add_entry(admin, "json multirequest")
    ks = api.admin_ks()
    body = {
        "format": 1,
        "ks": ks,
        "1": {"service": "media", "action": "get", "entryId": entry.id},
        "2": {"service": "media", "action": "get", "entryId": "0_nosuch00"},
        "3": {"service": "baseentry", "action": "get", "entryId": "{1:result:id}"},
    }

    resp = requests.post(f"{api.url}/api_v3/service/multirequest", json=body, timeout=30)

    assert resp.status_code == 200
    items = resp.json()
    assert isinstance(items, list) and len(items) == 3
    assert items[0]["objectType"] == "KalturaMediaEntry"
    assert items[0]["id"] == entry.id
    assert items[1]["objectType"] == "KalturaAPIException"
    assert items[1]["code"] == "ENTRY_ID_NOT_FOUND"
    assert items[2]["id"] == entry.id
