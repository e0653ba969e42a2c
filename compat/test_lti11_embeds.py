"""Embeds in LMS course pages, launched by a real tool consumer (`lti.ToolConsumer`): the
owner's first launch publishes the entry to the course's InContext category, a student's
plays it, and when the owner has made it private the app's `autoRepublish` rule decides
whether a student's launch re-publishes it (Yes), shows that it is not available (No), or
re-publishes it unless the owner withdrew it after the embed (RespectPrivate).
"""

import concurrent.futures
import html
import re
import time
import uuid

import pytest
import requests

from KalturaClient.Plugins.Core import (
    KalturaCategoryEntryFilter,
    KalturaCategoryFilter,
    KalturaMediaEntry,
    KalturaMediaType,
)
from test_lti11 import INSTRUCTOR, LEARNER, course_id, launch_params, send, signed


@pytest.fixture(scope="module")
def lms(server, partner):
    slug = f"embed-{uuid.uuid4().hex[:8]}"
    return server.command(
        "app", "create", "--partner", str(partner.id), "--kind", "kaf", "--name", "Moodle",
        "--slug", slug, "--public-url", server.url,
    )


def embed_launch(lms, entry_id, user, roles, context, link):
    url = f"{lms['baseUrl']}/lti/embed/{entry_id}"
    params = launch_params(user, roles, context, resource_link_id=link)
    lms_with_embed = {**lms, "lti11": {**lms["lti11"], "launchUrls": {"embed": url}}}
    return send(signed(lms_with_embed, params, target="embed"))


def in_context(admin, lms, context):
    name = f"{lms['slug']}>site>channels>{context}>InContext"
    return admin.category.list(KalturaCategoryFilter(fullNameEqual=name)).objects[0]


def publications(admin, category_id, entry_id):
    found = admin.categoryEntry.list(
        KalturaCategoryEntryFilter(categoryIdEqual=category_id, entryIdEqual=entry_id)
    )
    return found.objects


@pytest.fixture
def embedded(server, api, admin, lms):
    """An entry its owner embedded in a new course: the owner's launch of the embed."""
    context, link = course_id(), f"link-{uuid.uuid4().hex[:6]}"
    owner = api.uid("prof")
    entry = admin.media.add(KalturaMediaEntry(name="Lecture", mediaType=KalturaMediaType.VIDEO, userId=owner))
    reply = embed_launch(lms, entry.id, owner, INSTRUCTOR, context, link)
    assert reply.status_code == 303, reply.text
    return {"context": context, "link": link, "owner": owner, "entry": entry}


def set_rule(server, lms, value):
    server.command("app", "set", lms["slug"], "browseandembed.autoRepublish", value)


def make_private(api, e, admin, lms):
    owner = api.client(api.user_ks(e["owner"]))
    category = in_context(admin, lms, e["context"])
    owner.categoryEntry.delete(e["entry"].id, category.id)
    assert publications(admin, category.id, e["entry"].id) == []


def test_the_owners_embed_lands_in_the_courses_in_context(server, admin, lms, embedded):
    category = in_context(admin, lms, embedded["context"])
    found = publications(admin, category.id, embedded["entry"].id)
    assert len(found) == 1
    assert found[0].status.getValue() == 2, "active at once"


def test_a_student_opening_the_embed_gets_the_player(server, api, lms, embedded):
    student = api.uid("student")
    reply = embed_launch(lms, embedded["entry"].id, student, LEARNER, embedded["context"], embedded["link"])

    assert reply.status_code == 303, reply.text
    assert "/lti/pages/player/" in reply.headers["location"]
    page = requests.get(server.url + reply.headers["location"], timeout=30)
    assert page.status_code == 200
    assert f'data-entry-id="{embedded["entry"].id}"' in page.text


def test_yes_republishes_an_entry_the_owner_made_private(server, api, admin, lms, embedded):
    set_rule(server, lms, "Yes")
    make_private(api, embedded, admin, lms)
    student = api.uid("student")

    reply = embed_launch(lms, embedded["entry"].id, student, LEARNER, embedded["context"], embedded["link"])

    assert reply.status_code == 303, reply.text
    found = publications(admin, in_context(admin, lms, embedded["context"]).id, embedded["entry"].id)
    assert len(found) == 1, "re-added to InContext"
    assert found[0].creatorUserId == student, "on behalf of the student who opened it"


def test_no_shows_that_the_entry_is_not_available_and_publishes_nothing(server, api, admin, lms, embedded):
    set_rule(server, lms, "No")
    try:
        make_private(api, embedded, admin, lms)
        reply = embed_launch(lms, embedded["entry"].id, api.uid("student"), LEARNER,
                             embedded["context"], embedded["link"])
    finally:
        set_rule(server, lms, "Yes")

    assert reply.status_code == 200
    assert "not available in this course" in reply.text
    category = in_context(admin, lms, embedded["context"])
    assert publications(admin, category.id, embedded["entry"].id) == []


def test_respect_private_keeps_out_what_the_owner_withdrew_after_the_embed(server, api, admin, lms, embedded):
    set_rule(server, lms, "RespectPrivate")
    try:
        make_private(api, embedded, admin, lms)
        reply = embed_launch(lms, embedded["entry"].id, api.uid("student"), LEARNER,
                             embedded["context"], embedded["link"])
    finally:
        set_rule(server, lms, "Yes")

    assert reply.status_code == 200
    assert "not available in this course" in reply.text


def test_respect_private_republishes_what_someone_else_removed(server, api, admin, lms, embedded):
    set_rule(server, lms, "RespectPrivate")
    category = in_context(admin, lms, embedded["context"])
    try:
        # An administrator, not the owner, takes it out of the course.
        admin.categoryEntry.delete(embedded["entry"].id, category.id)
        reply = embed_launch(lms, embedded["entry"].id, api.uid("student"), LEARNER,
                             embedded["context"], embedded["link"])
    finally:
        set_rule(server, lms, "Yes")

    assert reply.status_code == 303, reply.text
    assert len(publications(admin, category.id, embedded["entry"].id)) == 1


def test_concurrent_openings_of_the_same_embed_publish_once(server, api, admin, lms, embedded):
    make_private(api, embedded, admin, lms)
    students = [api.uid("student") for _ in range(6)]

    def open_as(student):
        return embed_launch(lms, embedded["entry"].id, student, LEARNER, embedded["context"],
                            embedded["link"]).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(open_as, students))

    assert codes == [303] * 6
    category = in_context(admin, lms, embedded["context"])
    assert len(publications(admin, category.id, embedded["entry"].id)) == 1
    assert admin.category.get(category.id).directEntriesCount == 1, "counted once"


def test_the_players_reports_count_views_and_plays_in_the_api(server, api, admin, lms, embedded):
    reply = embed_launch(lms, embedded["entry"].id, api.uid("student"), LEARNER,
                         embedded["context"], embedded["link"])
    path, query = (server.url + reply.headers["location"]).split("?", 1)
    before = admin.media.get(embedded["entry"].id)
    assert not isinstance(before.lastPlayedAt, int), "never played yet"

    for event in ("view", "play", "play"):
        sent = requests.post(f"{path}/event?{query}", data={"event": event}, timeout=30)
        assert sent.status_code == 204, sent.text
    refused = requests.post(f"{path}/event?{query}", data={"event": "skip"}, timeout=30)

    after = admin.media.get(embedded["entry"].id)
    assert refused.status_code == 400
    assert after.views == before.views + 1
    assert after.plays == before.plays + 2
    assert isinstance(after.lastPlayedAt, int) and after.lastPlayedAt > 0, "a play sets lastPlayedAt"


def test_the_embed_player_shows_the_entrys_poster(server, api, lms, media_sample):
    context = course_id()
    owner = api.uid("prof")
    entry = api.ingest(api.user(owner), media_sample, name="With a poster")
    reply = embed_launch(lms, entry.id, owner, INSTRUCTOR, context, "link-poster")
    player = requests.get(server.url + reply.headers["location"], timeout=30)
    poster = re.search(r'poster="([^"]+)"', player.text)
    assert poster, "the player names a poster"

    deadline = time.monotonic() + 30
    while True:
        image = requests.get(server.url + html.unescape(poster.group(1)), timeout=30)
        if image.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.25)

    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/jpeg"
