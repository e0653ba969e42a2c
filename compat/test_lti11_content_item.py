"""Browse-Search-Embed over LTI 1.1 Content-Item, with a real tool consumer (`lti`) as the
LMS and `oauthlib`, the library LMS integrations verify with, checking Quad's signed answer.

The LMS asks Quad to pick something to embed; Quad shows a picker of the user's My Media
and the course's gallery, and answers with a signed ContentItemSelection holding an LTI
link to the entry's embed. When the owner picks an entry it is published to the course's
InContext category.
"""

import json
import re
import uuid

import pytest
import requests
from lxml import html
from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature

from KalturaClient.Plugins.Core import (
    KalturaCategoryEntryFilter,
    KalturaCategoryFilter,
    KalturaMediaEntry,
    KalturaMediaType,
)
from test_lti11 import INSTRUCTOR, course_id, launch_params, send, signed

RETURN_URL = "https://lms.example/courses/1/content_item_return"


@pytest.fixture(scope="module")
def lms(server, partner):
    slug = f"bse-{uuid.uuid4().hex[:8]}"
    return server.command(
        "app", "create", "--partner", str(partner.id), "--kind", "kaf", "--name", "Canvas",
        "--slug", slug, "--public-url", server.url,
    )


def selection_request(lms, user, context, **extra):
    params = launch_params(
        user, INSTRUCTOR, context,
        lti_message_type="ContentItemSelectionRequest",
        accept_media_types="application/vnd.ims.lti.v1.ltilink",
        accept_presentation_document_targets="iframe,window",
        content_item_return_url=RETURN_URL,
        data="opaque-state-42",
    )
    params.update(extra)
    return send(signed(lms, params, target="browseAndEmbed"))


def form_fields(page_text, form_id=None):
    doc = html.fromstring(page_text)
    form = doc.get_element_by_id(form_id) if form_id else doc.forms[0]
    return form.get("action"), [(i.get("name"), i.get("value") or "") for i in form.inputs if i.get("name")]


@pytest.fixture
def picker(server, api, admin, lms):
    context = course_id()
    owner = api.uid("prof")
    entry = admin.media.add(KalturaMediaEntry(name="Osmosis explained", mediaType=KalturaMediaType.VIDEO, userId=owner))
    reply = selection_request(lms, owner, context)
    assert reply.status_code == 303, reply.text
    assert "/lti/pages/pick/" in reply.headers["location"]
    return {"context": context, "owner": owner, "entry": entry, "url": server.url + reply.headers["location"]}


def test_the_picker_offers_my_media_and_finds_by_keyword(picker):
    page = requests.get(picker["url"], timeout=30)
    assert page.status_code == 200
    assert f'data-entry-id="{picker["entry"].id}"' in page.text

    searched = requests.get(picker["url"] + "&q=nothing-like-this", timeout=30)
    assert f'data-entry-id="{picker["entry"].id}"' not in searched.text


def test_choosing_answers_the_lms_with_a_signed_link_to_the_embed(server, admin, lms, picker):
    page = requests.get(picker["url"], timeout=30)
    doc = html.fromstring(page.text)
    choice = doc.xpath(f'//li[@data-entry-id="{picker["entry"].id}"]//form')[0]
    fields = {i.get("name"): i.get("value") for i in choice.inputs if i.get("name")}

    answer = requests.post(server.url + choice.get("action"), data=fields, timeout=30)

    assert answer.status_code == 200, answer.text
    action, returned = form_fields(answer.text, "content-item-return")
    assert action == RETURN_URL
    sent = dict(returned)
    assert sent["lti_message_type"] == "ContentItemSelection"
    assert sent["data"] == "opaque-state-42"
    # The LMS's side: the signature checks out with the shared secret.
    params = [(k, v) for k, v in returned if k != "oauth_signature"]
    base = signature.signature_base_string(
        "POST", signature.base_string_uri(RETURN_URL), signature.normalize_parameters(params)
    )
    lms_side = Client(lms["lti11"]["consumerKey"], client_secret=lms["lti11"]["sharedSecret"])
    expected = signature.sign_hmac_sha1_with_client(base, lms_side)
    assert sent["oauth_signature"] == expected
    item = json.loads(sent["content_items"])["@graph"][0]
    assert item["@type"] == "LtiLinkItem"
    assert item["url"] == f'{lms["baseUrl"]}/lti/embed/{picker["entry"].id}'
    assert item["title"] == "Osmosis explained"
    # The owner chose it, so it is published to the course's InContext.
    name = f'{lms["slug"]}>site>channels>{picker["context"]}>InContext'
    in_context = admin.category.list(KalturaCategoryFilter(fullNameEqual=name)).objects[0]
    found = admin.categoryEntry.list(
        KalturaCategoryEntryFilter(categoryIdEqual=in_context.id, entryIdEqual=picker["entry"].id)
    ).objects
    assert len(found) == 1

    again = requests.post(server.url + choice.get("action"), data=fields, timeout=30)
    assert again.status_code == 403, "a choice is sent once"


def test_a_request_that_does_not_accept_lti_links_is_refused(api, lms):
    reply = selection_request(lms, api.uid("prof"), course_id(), accept_media_types="image/*")
    assert reply.status_code == 401
    assert re.search("LTI links", reply.text)


def test_a_basic_launch_is_not_taken_as_a_content_item_request(api, lms):
    params = launch_params(api.uid("prof"), INSTRUCTOR, course_id())
    reply = send(signed(lms, params, target="browseAndEmbed"))
    assert reply.status_code == 401
