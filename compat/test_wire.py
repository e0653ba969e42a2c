"""The HTTP wire format, driven with raw requests (reference §1, §2, §3.3, §5)."""

import json

import pytest
import requests
from lxml import etree

from KalturaClient.Plugins.Core import *  # noqa: F401,F403


@pytest.fixture
def ks(api):
    return api.admin_ks()


@pytest.fixture
def path_ks(api):
    # KS v2 is URL-safe base64, so it can travel as a /ks/<KS> path pair.
    return api.ks_v2(api.ADMIN_USER, KalturaSessionType.ADMIN, "disableentitlement")


@pytest.fixture
def entry(api, admin):
    return api.add_entry(admin, "wire entry")


def json_error(resp):
    assert resp.status_code == 200
    body = resp.json()
    assert isinstance(body, dict), body
    assert body.get("objectType") == "KalturaAPIException", body
    return body


# --- JSON (format=1) shapes ----------------------------------------------------------------


def test_json_format_returns_a_bare_object_with_object_type_and_native_scalars(api, ks, entry):
    resp = api.post_json("media", "get", {"ks": ks, "entryId": entry.id})

    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert body["objectType"] == "KalturaMediaEntry"
    assert body["id"] == entry.id
    assert body["name"] == "wire entry"
    assert body["partnerId"] == api.partner.id
    assert body["mediaType"] == KalturaMediaType.VIDEO
    assert str(body["status"]) == KalturaEntryStatus.NO_CONTENT
    # Null properties are left out of JSON objects.
    assert "description" not in body


def test_json_list_response_has_objects_array_and_integer_total(api, ks, entry):
    resp = api.post_json("media", "list", {
        "ks": ks, "filter": {"objectType": "KalturaMediaEntryFilter", "idEqual": entry.id},
    })

    body = resp.json()
    assert body["objectType"] == "KalturaMediaListResponse"
    assert body["totalCount"] == 1
    assert [o["id"] for o in body["objects"]] == [entry.id]
    assert body["objects"][0]["objectType"] == "KalturaMediaEntry"


def test_json_error_is_an_api_exception_object_with_named_args(api, ks):
    resp = api.post_json("media", "get", {"ks": ks, "entryId": "0_nosuch00"})

    body = json_error(resp)
    assert body["code"] == "ENTRY_ID_NOT_FOUND"
    assert body["message"] == 'Entry id "0_nosuch00" not found'
    assert body["args"] == {"ENTRY_ID": "0_nosuch00"}


def test_json_error_without_args_has_an_empty_args_list(api):
    resp = api.post_json("media", "list", {})

    body = json_error(resp)
    assert body["code"] == "MISSING_KS"
    assert body["message"] == "Missing KS, session not established"
    assert body["args"] == []


def test_json_integer_result_is_a_bare_number(api, ks, entry):
    resp = api.post_json("media", "count", {
        "ks": ks, "filter": {"objectType": "KalturaMediaEntryFilter", "idEqual": entry.id},
    })

    assert resp.json() == 1


def test_json_string_result_is_a_bare_string(api):
    resp = api.post_json("session", "start", {
        "secret": api.partner.admin_secret, "partnerId": api.partner.id, "type": 2,
        "userId": "wire",
    })

    value = resp.json()
    assert isinstance(value, str) and value
    assert api.admin().session.get(value).userId == "wire"


def test_json_void_result_is_null(api, ks, admin):
    doomed = api.add_entry(admin)

    resp = api.post_json("media", "delete", {"ks": ks, "entryId": doomed.id})

    assert resp.status_code == 200
    assert resp.json() is None


# --- XML (format=2, the default) -----------------------------------------------------------


def test_xml_is_the_default_with_an_xml_root_and_a_result_child(api, ks, entry):
    resp = api.post_json("media", "get", {"ks": ks, "entryId": entry.id}, fmt=None)

    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/xml")
    root = etree.fromstring(resp.content)
    assert root.tag == "xml"
    result = root.find("result")
    assert result is not None
    assert result.findtext("objectType") == "KalturaMediaEntry"
    assert result.findtext("id") == entry.id
    assert result.findtext("mediaType") == "1"


def test_xml_error_holds_code_message_object_type_and_args(api, ks):
    resp = api.post_json("media", "get", {"ks": ks, "entryId": "0_nosuch00"}, fmt=2)

    assert resp.status_code == 200
    error = etree.fromstring(resp.content).find("result/error")
    assert error is not None
    assert error.findtext("code") == "ENTRY_ID_NOT_FOUND"
    assert error.findtext("message") == 'Entry id "0_nosuch00" not found'
    assert error.findtext("objectType") == "KalturaAPIException"
    args = [(i.findtext("name"), i.findtext("value")) for i in error.findall("args/item")]
    assert args == [("ENTRY_ID", "0_nosuch00")]


# --- body encodings, query string and path pairs -------------------------------------------


def test_form_encoded_colon_keys_build_nested_objects(api, ks, entry):
    resp = requests.post(api.api_url("media", "list"), data={
        "ks": ks, "format": "1",
        "filter:objectType": "KalturaMediaEntryFilter",
        "filter:idEqual": entry.id,
    }, timeout=30)

    body = resp.json()
    assert body["totalCount"] == 1
    assert body["objects"][0]["id"] == entry.id


def test_form_encoded_bracket_keys_build_nested_filter_and_pager(api, ks, admin):
    first = api.add_entry(admin, "bracket a")
    second = api.add_entry(admin, "bracket b")

    resp = requests.post(api.api_url("media", "list"), data={
        "ks": ks, "format": "1",
        "filter[objectType]": "KalturaMediaEntryFilter",
        "filter[idIn]": f"{first.id},{second.id}",
        "filter[orderBy]": "+name",
        "pager[objectType]": "KalturaFilterPager",
        "pager[pageSize]": "1",
        "pager[pageIndex]": "2",
    }, timeout=30)

    body = resp.json()
    assert body["totalCount"] == 2
    assert [o["id"] for o in body["objects"]] == [second.id]


def test_query_string_on_index_php_names_service_and_action(api, ks, entry):
    resp = requests.get(f"{api.url}/api_v3/index.php", params={
        "service": "media", "action": "get", "entryId": entry.id, "ks": ks, "format": "1",
    }, timeout=30)

    assert resp.json()["id"] == entry.id


def test_query_string_params_work_with_get_on_the_service_path(api, ks, entry):
    resp = requests.get(api.api_url("media", "get"),
                        params={"entryId": entry.id, "ks": ks, "format": "1"}, timeout=30)

    assert resp.json()["id"] == entry.id


def test_path_pairs_carry_params_including_colon_nested_keys(api, path_ks, entry):
    url = (f"{api.api_url('media', 'list')}/ks/{path_ks}/format/1"
           f"/filter:objectType/KalturaMediaEntryFilter/filter:idEqual/{entry.id}")

    body = requests.get(url, timeout=30).json()

    assert body["objectType"] == "KalturaMediaListResponse"
    assert [o["id"] for o in body["objects"]] == [entry.id]


def test_query_string_wins_over_the_body(api, ks, entry):
    resp = requests.post(api.api_url("media", "get"), params={"entryId": entry.id},
                         json={"ks": ks, "format": 1, "entryId": "0_nosuch00"}, timeout=30)

    assert resp.json()["id"] == entry.id


def test_path_pairs_win_over_the_query_string(api, path_ks, entry):
    url = f"{api.api_url('media', 'get')}/entryId/{entry.id}/ks/{path_ks}"

    resp = requests.get(url, params={"entryId": "0_nosuch00", "format": "1"}, timeout=30)

    assert resp.json()["id"] == entry.id


def test_multipart_json_field_carries_the_params(api, ks, entry):
    fields = {"json": (None, json.dumps({"ks": ks, "entryId": entry.id, "format": "1"}),
                       "application/json")}

    resp = requests.post(api.api_url("media", "get"), files=fields, timeout=30)

    assert resp.json()["id"] == entry.id


def test_json_numbers_are_accepted_where_the_python_client_sends_strings(api, ks, admin):
    first, second = api.add_entry(admin, "num a"), api.add_entry(admin, "num b")

    resp = api.post_json("media", "list", {
        "ks": ks,
        "filter": {"objectType": "KalturaMediaEntryFilter", "idIn": f"{first.id},{second.id}",
                   "orderBy": "+name"},
        "pager": {"objectType": "KalturaFilterPager", "pageSize": 1, "pageIndex": 1},
    })

    body = resp.json()
    assert body["totalCount"] == 2
    assert [o["id"] for o in body["objects"]] == [first.id]


# --- explicit nulls and empty arrays ---------------------------------------------------------


def test_null_suffix_in_json_clears_a_field(api, ks, admin):
    target = api.add_entry(admin, description="to clear")

    resp = api.post_json("media", "update", {
        "ks": ks, "entryId": target.id,
        "mediaEntry": {"objectType": "KalturaMediaEntry", "description__null": ""},
    })

    assert "description" not in resp.json()
    assert admin.media.get(target.id).description in (NotImplemented, "", None)


def test_null_suffix_in_form_encoding_clears_a_field(api, ks, admin):
    target = api.add_entry(admin, tags="to clear")

    requests.post(api.api_url("media", "update"), data={
        "ks": ks, "format": "1", "entryId": target.id,
        "mediaEntry:objectType": "KalturaMediaEntry", "mediaEntry:tags__null": "",
    }, timeout=30)

    assert admin.media.get(target.id).tags in (NotImplemented, "", None)


def test_dash_key_stands_for_an_empty_array_in_json(api, ks):
    resp = api.post_json("media", "add", {
        "ks": ks,
        "entry": {"objectType": "KalturaMediaEntry", "mediaType": "1", "name": "empty array",
                  "operationAttributes": {"-": ""}},
    })

    body = resp.json()
    assert body["objectType"] == "KalturaMediaEntry"
    assert body["name"] == "empty array"
    assert body.get("operationAttributes", []) == []


def test_dash_key_stands_for_an_empty_array_in_form_encoding(api, ks):
    resp = requests.post(api.api_url("media", "add"), data={
        "ks": ks, "format": "1",
        "entry:objectType": "KalturaMediaEntry", "entry:mediaType": "1",
        "entry:name": "empty form array", "entry:operationAttributes:-": "",
    }, timeout=30)

    body = resp.json()
    assert body["objectType"] == "KalturaMediaEntry"
    assert body["name"] == "empty form array"


# --- dispatch -----------------------------------------------------------------------------------


def test_service_and_action_names_are_case_insensitive(api, ks, entry):
    upper = api.post_json("MEDIA", "GET", {"ks": ks, "entryId": entry.id})
    mixed = api.post_json("BaseEntry", "GetByIds", {"ks": ks, "entryIds": entry.id})

    assert upper.json()["id"] == entry.id
    assert [o["id"] for o in mixed.json()] == [entry.id]


def test_unknown_service_is_service_does_not_exists(api, ks):
    body = json_error(api.post_json("nosuchservice", "list", {"ks": ks}))

    assert body["code"] == "SERVICE_DOES_NOT_EXISTS"
    assert body["message"] == 'Service "nosuchservice" does not exists'


def test_unknown_action_is_action_does_not_exists(api, ks):
    body = json_error(api.post_json("media", "nosuchaction", {"ks": ks}))

    assert body["code"] == "ACTION_DOES_NOT_EXISTS"
    assert body["message"] == 'Action "nosuchaction" does not exists for service "media"'


def test_request_without_a_service_is_service_not_specified(api):
    resp = requests.get(f"{api.url}/api_v3/index.php", params={"format": "1"}, timeout=30)

    assert json_error(resp)["code"] == "SERVICE_NOT_SPECIFIED"


def test_missing_mandatory_parameter_is_named_in_the_error(api, ks):
    body = json_error(api.post_json("media", "get", {"ks": ks}))

    assert body["code"] == "MISSING_MANDATORY_PARAMETER"
    assert body["message"] == 'Missing parameter "entryId"'


def test_unknown_response_format_is_refused(api, ks, entry):
    resp = api.post_json("media", "get", {"ks": ks, "entryId": entry.id}, fmt=77)

    assert resp.status_code == 200
    error = api.raw_error(resp)
    assert error is not None
    assert error.code == "UNKNOWN_RESPONSE_FORMAT"


# --- object binding ----------------------------------------------------------------------------


def test_abstract_object_type_is_object_type_abstract(api, ks, entry):
    body = json_error(api.post_json("media", "addContent", {
        "ks": ks, "entryId": entry.id, "resource": {"objectType": "KalturaResource"},
    }))

    assert body["code"] == "OBJECT_TYPE_ABSTRACT"


def test_abstract_declared_type_without_object_type_is_object_type_abstract(api, ks, entry):
    body = json_error(api.post_json("media", "addContent", {
        "ks": ks, "entryId": entry.id, "resource": {"token": "whatever"},
    }))

    assert body["code"] == "OBJECT_TYPE_ABSTRACT"


def test_unknown_object_type_is_refused_and_adds_nothing(api, ks):
    # A class name no client generates is a typo or a probe: say so rather than guess.
    resp = api.post_json("media", "add", {
        "ks": ks,
        "entry": {"objectType": "KalturaNoSuchThing", "mediaType": "1", "name": "typo-entry"},
    })

    body = resp.json()
    assert body["code"] == "INVALID_OBJECT_TYPE"
    listed = api.post_json("media", "list", {
        "ks": ks, "filter": {"objectType": "KalturaMediaEntryFilter", "nameEqual": "typo-entry"},
    }).json()
    assert listed["totalCount"] == 0


def test_known_unrelated_object_type_falls_back_to_the_declared_type(api, ks):
    resp = api.post_json("media", "add", {
        "ks": ks,
        "entry": {"objectType": "KalturaCategory", "mediaType": "1", "name": "fallback"},
    })

    body = resp.json()
    assert body["objectType"] == "KalturaMediaEntry"
    assert body["name"] == "fallback"


def test_unknown_properties_are_ignored(api, ks):
    resp = api.post_json("media", "add", {
        "ks": ks,
        "entry": {"objectType": "KalturaMediaEntry", "mediaType": "1", "name": "extra",
                  "noSuchProperty": "ignored"},
    })

    body = resp.json()
    assert body["objectType"] == "KalturaMediaEntry"
    assert "noSuchProperty" not in body


def test_readonly_property_on_add_is_property_validation_not_updatable(api, ks):
    body = json_error(api.post_json("media", "add", {
        "ks": ks,
        "entry": {"objectType": "KalturaMediaEntry", "mediaType": "1", "id": "0_forced00"},
    }))

    assert body["code"] == "PROPERTY_VALIDATION_NOT_UPDATABLE"
    assert body["message"] == 'The property "KalturaMediaEntry::id" cannot be updated'


def test_value_outside_an_enum_is_invalid_enum_value(api, ks):
    body = json_error(api.post_json("media", "add", {
        "ks": ks, "entry": {"objectType": "KalturaMediaEntry", "mediaType": "99", "name": "x"},
    }))

    assert body["code"] == "INVALID_ENUM_VALUE"


# --- KS errors -------------------------------------------------------------------------------


def test_garbage_ks_is_invalid_ks_with_invalid_str(api):
    body = json_error(api.post_json("media", "list", {"ks": "garbageKS"}))

    assert body["code"] == "INVALID_KS"
    assert body["message"] == 'Invalid KS "garbageKS", Error "-1,INVALID_STR"'
    assert {k: str(v) for k, v in body["args"].items()} == {
        "KSID": "garbageKS", "ERR_CODE": "-1", "ERR_DESC": "INVALID_STR",
    }


def test_expired_ks_is_invalid_ks(api):
    expired = api.ks_v1(api.ADMIN_USER, KalturaSessionType.ADMIN, "disableentitlement",
                        expiry=-30)

    body = json_error(api.post_json("media", "list", {"ks": expired}))

    assert body["code"] == "INVALID_KS"


def test_ks_used_after_session_end_is_invalid_ks(api):
    ended = api.admin_ks()
    assert api.post_json("session", "end", {"ks": ended}).json() is None

    body = json_error(api.post_json("media", "list", {"ks": ended}))

    assert body["code"] == "INVALID_KS"


@pytest.mark.parametrize("fmt", [1, 2])
@pytest.mark.parametrize(
    "service, action, params",
    [
        ("nosuchservice", "list", {}),
        ("media", "nosuchaction", {}),
        ("media", "get", {}),
        ("media", "list", {"ks": "garbageKS"}),
    ],
    ids=["unknown-service", "unknown-action", "missing-param", "garbage-ks"],
)
def test_api_errors_are_answered_with_http_200(api, ks, service, action, params, fmt):
    body = {"ks": ks, **params}

    resp = api.post_json(service, action, body, fmt=fmt)

    assert resp.status_code == 200
    assert api.raw_error(resp) is not None


# --- malformed and oversized bodies ----------------------------------------------------------


@pytest.mark.parametrize("raw_body", [b"{not json", b"{\"entryId\": }", b"[1, 2, 3]"],
                         ids=["garbage", "broken-value", "array"])
def test_malformed_json_body_is_an_api_error_and_the_server_keeps_serving(api, ks, entry,
                                                                         raw_body):
    # The notes name no code for an unreadable body; any API error in a 200 answer will do.
    resp = requests.post(api.api_url("media", "get"), params={"format": "1", "ks": ks},
                         data=raw_body, headers={"Content-Type": "application/json"},
                         timeout=30)

    assert resp.status_code == 200
    assert api.raw_error(resp) is not None
    assert api.post_json("media", "get", {"ks": ks, "entryId": entry.id}).json()["id"] == entry.id


def test_oversized_json_body_is_refused_and_adds_nothing(api, ks, admin):
    owner = api.uid("bulky")
    huge = "x" * (2 * api.server.max_request_bytes)

    resp = requests.post(api.api_url("media", "add"), params={"format": "1"}, json={
        "ks": ks, "format": 1,
        "entry": {"objectType": "KalturaMediaEntry", "mediaType": "1", "name": "big",
                  "userId": owner, "description": huge},
    }, timeout=30)

    # Kaltura answers API errors with HTTP 200; this one is no exception.
    assert resp.status_code == 200
    error = api.raw_error(resp)
    assert error is not None and error.code == "REQUEST_BODY_TOO_LARGE"
    flt = KalturaMediaEntryFilter()
    flt.userIdEqual = owner
    assert admin.media.list(flt).totalCount == 0


def test_oversized_update_body_leaves_the_entry_unchanged(api, ks, admin):
    target = api.add_entry(admin, description="small")
    huge = "y" * (2 * api.server.max_request_bytes)

    resp = requests.post(api.api_url("media", "update"), params={"format": "1"}, json={
        "ks": ks, "entryId": target.id,
        "mediaEntry": {"objectType": "KalturaMediaEntry", "description": huge},
    }, timeout=30)

    error = api.raw_error(resp)
    assert error is not None and error.code == "REQUEST_BODY_TOO_LARGE"
    assert admin.media.get(target.id).description == "small"


def test_oversized_form_body_is_refused(api, ks):
    huge = "z" * (2 * api.server.max_request_bytes)

    resp = requests.post(api.api_url("media", "add"), params={"format": "1"}, data={
        "ks": ks, "entry:objectType": "KalturaMediaEntry", "entry:mediaType": "1",
        "entry:name": "big form", "entry:description": huge,
    }, timeout=30)

    error = api.raw_error(resp)
    assert error is not None and error.code == "REQUEST_BODY_TOO_LARGE"


def test_body_below_the_size_limit_is_accepted(api, ks):
    description = "w" * (api.server.max_request_bytes // 2)

    resp = api.post_json("media", "add", {
        "ks": ks,
        "entry": {"objectType": "KalturaMediaEntry", "mediaType": "1", "name": "fits",
                  "description": description},
    })

    body = resp.json()
    assert body["objectType"] == "KalturaMediaEntry"
    assert body["description"] == description
