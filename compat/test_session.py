"""session service and KS handling (reference §3)."""

import time

from KalturaClient import KalturaClient
from KalturaClient.Plugins.Core import *  # noqa: F401,F403  (the client's own idiom)


def test_session_start_with_admin_secret_gives_an_admin_ks_described_by_session_get(api):
    started_at = int(time.time())
    ks = api.start_session("alice", KalturaSessionType.ADMIN, "disableentitlement", expiry=3600)

    info = api.client(ks).session.get()

    assert isinstance(info, KalturaSessionInfo)
    assert info.ks == ks
    assert info.partnerId == api.partner.id
    assert info.userId == "alice"
    assert info.sessionType.getValue() == KalturaSessionType.ADMIN
    assert "disableentitlement" in info.privileges.split(",")
    assert started_at - 2 <= info.expiry - 3600 <= int(time.time()) + 2


def test_session_start_with_user_secret_gives_a_user_ks(api):
    ks = api.start_session("bob", KalturaSessionType.USER, secret=api.partner.secret)

    info = api.admin().session.get(ks)

    assert info.sessionType.getValue() == KalturaSessionType.USER
    assert info.userId == "bob"
    assert info.partnerId == api.partner.id


def test_session_start_of_admin_type_with_user_secret_is_refused_with_start_session_error(api):
    client = api.client()

    with api.error("START_SESSION_ERROR",
                   f"Error while starting session for partner [{api.partner.id}]"):
        client.session.start(api.partner.secret, "bob", KalturaSessionType.ADMIN, api.partner.id)


def test_session_start_with_a_wrong_secret_is_refused_with_start_session_error(api):
    client = api.client()

    with api.error("START_SESSION_ERROR",
                   f"Error while starting session for partner [{api.partner.id}]"):
        client.session.start("not-the-secret", "bob", KalturaSessionType.USER, api.partner.id)


def test_session_start_ignores_a_garbage_ks_sent_with_it(api):
    client = api.client("this-is-not-a-ks")

    ks = client.session.start(api.partner.admin_secret, "carol", KalturaSessionType.ADMIN,
                              api.partner.id)

    assert api.admin().session.get(ks).userId == "carol"


def test_session_start_caps_expiry_at_one_day_by_default(api):
    ks = api.start_session("dave", KalturaSessionType.USER, expiry=30 * 86400)

    info = api.admin().session.get(ks)

    assert info.expiry <= int(time.time()) + 86400 + 2


def test_client_generated_ks_v1_is_accepted_and_its_absolute_expiry_reported(api):
    ks = api.ks_v1("erin", KalturaSessionType.ADMIN, "disableentitlement", expiry=7200)
    _, fields = api.decode_ks_v1(ks)

    info = api.client(ks).session.get()

    assert info.userId == "erin"
    assert info.sessionType.getValue() == KalturaSessionType.ADMIN
    assert info.expiry == int(fields[2])


def test_client_generated_ks_v1_privileges_are_reported_verbatim(api):
    privileges = "privacycontext:MediaSpace,enableentitlement,sview:*"
    ks = api.ks_v1("frank", KalturaSessionType.USER, privileges)

    info = api.admin().session.get(ks)

    assert info.privileges == privileges
    assert info.sessionType.getValue() == KalturaSessionType.USER


def test_client_generated_ks_v2_is_accepted_with_type_user_and_expiry(api):
    before = int(time.time())
    ks = api.ks_v2("grace", KalturaSessionType.ADMIN, "disableentitlement", expiry=5000)

    info = api.client(ks).session.get()

    assert info.userId == "grace"
    assert info.partnerId == api.partner.id
    assert info.sessionType.getValue() == KalturaSessionType.ADMIN
    assert before + 5000 - 2 <= info.expiry <= int(time.time()) + 5000 + 2


def test_client_generated_ks_v2_privileges_come_back_as_name_value_list(api):
    ks = api.ks_v2("heidi", KalturaSessionType.USER, "privacycontext:MediaSpace,enableentitlement")

    info = api.admin().session.get(ks)

    assert info.privileges == "privacycontext:MediaSpace,enableentitlement"


def test_client_generated_user_ks_signed_with_admin_secret_works_for_user_calls(api):
    ks = api.ks_v1("ivan", KalturaSessionType.USER)

    me = api.client(ks).user.get()

    assert me.id == "ivan"


def test_ks_signed_with_a_wrong_secret_is_invalid_str(api):
    ks = api.ks_v1("judy", KalturaSessionType.ADMIN, secret="0" * 32)

    with api.error("INVALID_KS", f'Invalid KS "{ks}", Error "-1,INVALID_STR"'):
        api.client(ks).media.list()


def test_ks_v1_with_tampered_fields_is_refused(api):
    ks = api.ks_v1("mallory", KalturaSessionType.USER)
    signature, fields = api.decode_ks_v1(ks)
    fields[3] = str(KalturaSessionType.ADMIN)
    forged = api.encode_ks_v1(signature, fields)

    with api.error("INVALID_KS", f'Invalid KS "{forged}", Error "-1,INVALID_STR"'):
        api.client(forged).user.list()


def test_ks_of_an_unknown_partner_is_refused(api):
    ks = KalturaClient.generateSession(api.partner.admin_secret, "x", KalturaSessionType.ADMIN,
                                       987654321).decode()

    with api.error("INVALID_KS"):
        api.client(ks, partner_id=False).media.list()


def test_expired_ks_is_refused_with_invalid_ks(api):
    ks = api.ks_v1("oscar", KalturaSessionType.ADMIN, "disableentitlement", expiry=-60)

    with api.error("INVALID_KS"):
        api.client(ks).media.list()


def test_session_end_invalidates_the_ks_for_later_calls(api):
    ks = api.user_ks("peggy")
    client = api.client(ks)
    client.media.list()

    client.session.end()

    with api.error("INVALID_KS"):
        client.media.list()


def test_session_end_leaves_other_sessions_of_the_same_user_working(api):
    ended = api.client(api.user_ks("quentin"))
    other = api.client(api.user_ks("quentin"))

    ended.session.end()

    assert other.user.get().id == "quentin"


def test_session_get_with_a_user_ks_is_forbidden(api):
    client = api.user("rupert")

    with api.error("SERVICE_FORBIDDEN", "The access to service [session->get] is forbidden"):
        client.session.get()


def test_admin_only_call_without_ks_or_partner_is_missing_ks(anonymous_client, api):
    with api.error("MISSING_KS", "Missing KS, session not established"):
        anonymous_client.user.list()


def test_partner_id_param_of_another_partner_is_forbidden(api, first_partner):
    client = api.admin()
    client.setPartnerId(first_partner.id)

    with api.error("SERVICE_FORBIDDEN"):
        client.media.list()


def test_first_partner_written_at_startup_can_start_an_admin_session(api, first_partner):
    client = api.client(partner_id=False)

    ks = client.session.start(first_partner.admin_secret, "owner", KalturaSessionType.ADMIN,
                              first_partner.id, 600, "disableentitlement")
    client.setKs(ks)
    info = client.session.get()

    assert info.partnerId == first_partner.id
    assert info.sessionType.getValue() == KalturaSessionType.ADMIN
    assert first_partner.id != api.partner.id


def test_start_widget_session_gives_an_anonymous_widget_ks(api):
    client = api.client(partner_id=False)

    result = client.session.startWidgetSession(f"_{api.partner.id}")

    assert isinstance(result, KalturaStartWidgetSessionResponse)
    assert result.partnerId == api.partner.id
    assert result.userId == "0"
    info = api.admin().session.get(result.ks)
    assert info.sessionType.getValue() == KalturaSessionType.USER
    assert {"widget:1", "view:*"} <= set(info.privileges.split(","))
