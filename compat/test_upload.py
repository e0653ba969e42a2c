"""uploadToken service, media.addContent and downloading the source (reference §4.3)."""

import os

import requests

from KalturaClient.Plugins.Core import *  # noqa: F401,F403

NOT_OWNER = 'Invalid KS "", Error "-4,INVALID_TYPE"'


def payload(size):
    return os.urandom(size)


def token_resource(token_id):
    resource = KalturaUploadedFileTokenResource()
    resource.token = token_id
    return resource


def download_url(api, entry_id):
    pid = api.partner.id
    return (
        f"http://{api.server.host}/p/{pid}/sp/{pid}00/playManifest/entryId/{entry_id}"
        f"/format/download/protocol/http/flavorParamIds/0"
    )


def url_safe_ks(api, user_id, session_type, privileges=""):
    # KS v2 uses the URL-safe base64 alphabet, so it can sit in a /ks/<KS> path pair.
    return api.ks_v2(user_id, session_type, privileges)


# --- tokens -----------------------------------------------------------------------------


def test_upload_token_add_returns_a_pending_token_of_the_session_user(api):
    user_id = api.uid("uploader")
    client = api.user(user_id)

    token = api.new_token(client, "lecture.mp4", file_size=1234)

    assert isinstance(token, KalturaUploadToken)
    assert token.id
    assert token.partnerId == api.partner.id
    assert token.userId == user_id
    assert token.fileName == "lecture.mp4"
    assert token.fileSize == 1234.0
    assert token.status.getValue() == KalturaUploadTokenStatus.PENDING


def test_upload_in_one_go_makes_the_token_full_upload_with_its_size(api, admin):
    data = payload(3000)
    token = api.new_token(admin)

    uploaded = api.upload_chunk(admin, token.id, data)

    assert uploaded.id == token.id
    assert uploaded.status.getValue() == KalturaUploadTokenStatus.FULL_UPLOAD
    assert uploaded.uploadedFileSize == float(len(data))


def test_upload_in_chunks_with_resume_at_goes_partial_then_full(api, admin):
    data = payload(9000)
    first, second, last = data[:4000], data[4000:7000], data[7000:]
    token = api.new_token(admin)

    after_first = api.upload_chunk(admin, token.id, first, resume=False, final=False)
    after_second = api.upload_chunk(admin, token.id, second, resume=True, final=False,
                                    resume_at=4000)
    after_last = api.upload_chunk(admin, token.id, last, resume=True, final=True,
                                  resume_at=7000)

    assert after_first.status.getValue() == KalturaUploadTokenStatus.PARTIAL_UPLOAD
    assert after_first.uploadedFileSize == 4000.0
    assert after_second.status.getValue() == KalturaUploadTokenStatus.PARTIAL_UPLOAD
    assert after_second.uploadedFileSize == 7000.0
    assert after_last.status.getValue() == KalturaUploadTokenStatus.FULL_UPLOAD
    assert after_last.uploadedFileSize == 9000.0


def test_chunked_upload_content_is_the_chunks_in_order(api, admin):
    data = payload(6000)
    token = api.new_token(admin)
    api.upload_chunk(admin, token.id, data[:2500], resume=False, final=False)
    api.upload_chunk(admin, token.id, data[2500:], resume=True, final=True, resume_at=2500)
    entry = api.add_entry(admin)

    ready = admin.media.addContent(entry.id, token_resource(token.id))
    resp = requests.get(ready.downloadUrl, params={"ks": api.admin_ks()}, timeout=30)

    assert resp.status_code == 200
    assert resp.content == data


def test_upload_resumed_at_the_wrong_offset_is_refused_and_changes_nothing(api, admin):
    data = payload(5000)
    token = api.new_token(admin)
    api.upload_chunk(admin, token.id, data[:2000], resume=False, final=False)

    # The notes name no code for a gap; UPLOAD_TOKEN_CANNOT_RESUME is the error for a bad resume.
    with api.error("UPLOAD_TOKEN_CANNOT_RESUME"):
        api.upload_chunk(admin, token.id, data[2000:], resume=True, final=True, resume_at=3000)

    unchanged = admin.uploadToken.get(token.id)
    assert unchanged.status.getValue() == KalturaUploadTokenStatus.PARTIAL_UPLOAD
    assert unchanged.uploadedFileSize == 2000.0
    finished = api.upload_chunk(admin, token.id, data[2000:], resume=True, final=True,
                                resume_at=2000)
    assert finished.uploadedFileSize == 5000.0


def test_upload_again_after_full_upload_is_refused_and_keeps_the_file(api, admin):
    data = payload(1500)
    token = api.new_token(admin)
    api.upload_chunk(admin, token.id, data)

    with api.error("UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD"):
        api.upload_chunk(admin, token.id, payload(700))

    kept = admin.uploadToken.get(token.id)
    assert kept.status.getValue() == KalturaUploadTokenStatus.FULL_UPLOAD
    assert kept.uploadedFileSize == 1500.0


def test_upload_to_an_unknown_token_is_upload_token_not_found(api, admin):
    with api.error("UPLOAD_TOKEN_NOT_FOUND"):
        api.upload_chunk(admin, "0_" + "0" * 32, payload(10))


def test_upload_token_get_returns_the_token(api, admin):
    token = api.new_token(admin, "talk.mov")

    fetched = admin.uploadToken.get(token.id)

    assert fetched.id == token.id
    assert fetched.fileName == "talk.mov"
    assert fetched.status.getValue() == KalturaUploadTokenStatus.PENDING


def test_upload_token_list_filters_by_id_and_status(api, admin):
    pending = api.new_token(admin)
    full = api.new_token(admin)
    api.upload_chunk(admin, full.id, payload(100))
    by_id = KalturaUploadTokenFilter()
    by_id.idIn = f"{pending.id},{full.id}"
    by_id_full = KalturaUploadTokenFilter()
    by_id_full.idIn = f"{pending.id},{full.id}"
    by_id_full.statusEqual = KalturaUploadTokenStatus.FULL_UPLOAD

    both = admin.uploadToken.list(by_id)
    only_full = admin.uploadToken.list(by_id_full)

    assert isinstance(both, KalturaUploadTokenListResponse)
    assert both.totalCount == 2
    assert sorted(t.id for t in both.objects) == sorted([pending.id, full.id])
    assert [t.id for t in only_full.objects] == [full.id]


def test_upload_token_delete_makes_the_token_unknown(api, admin):
    token = api.new_token(admin)

    admin.uploadToken.delete(token.id)

    # After deletion the token can no longer be fetched or used.
    with api.error("UPLOAD_TOKEN_NOT_FOUND"):
        admin.uploadToken.get(token.id)


def test_user_ks_sees_only_its_own_upload_tokens(api):
    alice, bob = api.user(api.uid("alice")), api.user(api.uid("bob"))
    token = api.new_token(alice)
    flt = KalturaUploadTokenFilter()
    flt.idEqual = token.id

    with api.error("UPLOAD_TOKEN_NOT_FOUND"):
        bob.uploadToken.get(token.id)
    assert bob.uploadToken.list(flt).totalCount == 0
    assert alice.uploadToken.list(flt).totalCount == 1


# --- addContent ----------------------------------------------------------------------


def test_add_content_from_a_full_token_makes_the_entry_ready_with_its_probed_media(
    api, media_sample
):
    client = api.user(api.uid("owner"))
    token = api.new_token(client)
    api.upload_chunk(client, token.id, media_sample)
    entry = api.add_entry(client)

    ready = client.media.addContent(entry.id, token_resource(token.id))

    assert isinstance(ready, KalturaMediaEntry)
    assert ready.id == entry.id
    assert ready.status.getValue() == KalturaEntryStatus.READY
    assert ready.duration == 2
    assert 1900 <= ready.msDuration <= 2100
    assert (ready.width, ready.height) == (160, 120)
    assert client.media.get(entry.id).status.getValue() == KalturaEntryStatus.READY


def test_add_content_of_a_file_that_is_not_media_ends_in_an_error_status(api):
    client = api.user(api.uid("owner"))
    token = api.new_token(client)
    api.upload_chunk(client, token.id, b"%PDF-1.4 not a video at all " * 50)
    entry = api.add_entry(client)

    failed = client.media.addContent(entry.id, token_resource(token.id))

    assert failed.status.getValue() == KalturaEntryStatus.ERROR_CONVERTING
    assert client.media.get(entry.id).status.getValue() == KalturaEntryStatus.ERROR_CONVERTING


def test_ready_entry_has_the_download_url_of_its_source(api, admin):
    entry = api.ingest(admin, payload(100))

    assert admin.media.get(entry.id).downloadUrl == download_url(api, entry.id)


def test_add_content_with_a_partial_token_is_refused(api, admin):
    token = api.new_token(admin)
    api.upload_chunk(admin, token.id, payload(100), final=False)
    entry = api.add_entry(admin)

    with api.error("UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY"):
        admin.media.addContent(entry.id, token_resource(token.id))
    assert admin.media.get(entry.id).status.getValue() == KalturaEntryStatus.NO_CONTENT


def test_add_content_to_an_entry_that_has_content_is_refused(api, admin):
    entry = api.ingest(admin, payload(100))
    token = api.new_token(admin)
    api.upload_chunk(admin, token.id, payload(100))

    with api.error("ENTRY_ALREADY_WITH_CONTENT"):
        admin.media.addContent(entry.id, token_resource(token.id))


def test_add_content_by_a_user_who_may_not_edit_the_entry_is_refused(api):
    entry = api.add_entry(api.user(api.uid("owner")))
    stranger = api.user(api.uid("stranger"))
    token = api.new_token(stranger)
    api.upload_chunk(stranger, token.id, payload(100))

    with api.error("INVALID_KS", NOT_OWNER):
        stranger.media.addContent(entry.id, token_resource(token.id))


# --- downloading the source back ------------------------------------------------------


def test_download_with_ks_path_pair_and_range_returns_the_requested_bytes(api, admin):
    data = payload(1000)
    entry = api.ingest(admin, data)
    ks = url_safe_ks(api, "compat-admin", KalturaSessionType.ADMIN, "disableentitlement")

    resp = requests.get(f"{entry.downloadUrl}/ks/{ks}", headers={"Range": "bytes=0-9"},
                        timeout=30)

    assert resp.status_code == 206
    assert resp.headers["Content-Range"] == "bytes 0-9/1000"
    assert resp.content == data[:10]


def test_download_with_ks_query_and_a_middle_range_returns_those_bytes(api, admin):
    data = payload(1000)
    entry = api.ingest(admin, data)

    resp = requests.get(entry.downloadUrl, params={"ks": api.admin_ks()},
                        headers={"Range": "bytes=100-199"}, timeout=30)

    assert resp.status_code == 206
    assert resp.headers["Content-Range"] == "bytes 100-199/1000"
    assert resp.content == data[100:200]


def test_download_without_range_returns_the_whole_source_with_its_length(api, admin):
    data = payload(4321)
    entry = api.ingest(admin, data)

    resp = requests.get(entry.downloadUrl, params={"ks": api.admin_ks()}, timeout=30)

    assert resp.status_code == 200
    assert int(resp.headers["Content-Length"]) == 4321
    assert resp.content == data


def test_download_by_the_owner_with_a_user_ks_works(api):
    owner = api.uid("owner")
    client = api.user(owner)
    data = payload(500)
    entry = api.ingest(client, data)

    resp = requests.get(entry.downloadUrl, params={"ks": api.user_ks(owner)}, timeout=30)

    assert resp.status_code == 200
    assert resp.content == data


def test_download_by_a_user_who_may_not_see_the_entry_is_refused_without_bytes(api, admin):
    context = api.token("ctx")
    category = api.add_category(admin, privacyContext=context,
                                privacy=KalturaPrivacyType.MEMBERS_ONLY)
    data = payload(800)
    entry = api.ingest(admin, data, userId=api.uid("owner"))
    api.publish(admin, entry.id, category.id)
    stranger = api.uid("stranger")
    privileges = f"privacycontext:{context},enableentitlement"
    ks = url_safe_ks(api, stranger, KalturaSessionType.USER, privileges)
    with api.error("ENTRY_ID_NOT_FOUND"):
        api.client(ks).baseEntry.get(entry.id)

    resp = requests.get(f"{entry.downloadUrl}/ks/{ks}", timeout=30)

    assert resp.status_code in (403, 404)
    assert data[:64] not in resp.content
