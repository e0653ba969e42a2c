"""LTI 1.1 launches into an LMS app, played by a real tool consumer: `lti.ToolConsumer`
from PyPI signs each launch with OAuth 1.0a, as Canvas, Moodle and Blackboard do.

A launch creates the user, the course's Media Gallery and InContext categories, and the
user's course membership from their LTI role, then lands on the page inside the LMS. A
refused launch (wrong signature, replayed nonce, stale timestamp, unknown key, no course)
gets an error page and creates nothing.
"""

import html
import re
import time
import uuid

import pytest
import requests
from lti import ToolConsumer

from KalturaClient.Plugins.Core import (
    KalturaCategoryEntryFilter,
    KalturaCategoryFilter,
    KalturaCategoryEntry,
    KalturaMediaEntry,
    KalturaMediaType,
)

INSTRUCTOR = "urn:lti:role:ims/lis/Instructor"
LEARNER = "urn:lti:role:ims/lis/Learner"


@pytest.fixture(scope="module")
def lms(server, partner):
    """An LMS app of the module's partner, as `quad app create` prints it."""
    slug = f"lms-{uuid.uuid4().hex[:8]}"
    return server.command(
        "app", "create", "--partner", str(partner.id), "--kind", "kaf", "--name", "Canvas",
        "--slug", slug, "--public-url", server.url,
    )


def course_id():
    return f"C-{uuid.uuid4().hex[:8]}"


def launch_params(user_id, roles, context, **extra):
    params = {
        "lti_message_type": "basic-lti-launch-request",
        "lti_version": "LTI-1p0",
        "resource_link_id": f"link-{uuid.uuid4().hex[:6]}",
        "user_id": user_id,
        "roles": roles,
        "context_id": context,
        "context_title": f"Course {context}",
        "lis_person_contact_email_primary": f"{user_id}@lms.example",
        "tool_consumer_instance_guid": "canvas.example",
    }
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def signed(lms, params, target="myMedia", secret=None, key=None, **oauth):
    consumer = ToolConsumer(
        consumer_key=key or lms["lti11"]["consumerKey"],
        consumer_secret=secret or lms["lti11"]["sharedSecret"],
        launch_url=lms["lti11"]["launchUrls"][target],
        params=params,
    )
    prepared = consumer.generate_launch_request(**oauth)
    # The library signs by appending the oauth_ fields to a body it had already measured;
    # with current `requests` the stale Content-Length would cut them off on the wire.
    prepared.headers["Content-Length"] = str(len(prepared.body))
    return prepared


def send(prepared):
    return requests.Session().send(prepared, allow_redirects=False, timeout=30)


def category(admin, full_name):
    found = admin.category.list(KalturaCategoryFilter(fullNameEqual=full_name)).objects
    return found[0] if found else None


def test_an_instructor_launch_creates_the_course_galleries_and_lands_in_my_media(server, api, admin, lms):
    context = course_id()
    user = api.uid("prof")

    reply = send(signed(lms, launch_params(user, INSTRUCTOR, context)))

    assert reply.status_code == 303, reply.text
    location = reply.headers["location"]
    assert location.startswith(f"/{lms['slug']}/lti/pages/my-media?t=")
    page = requests.get(server.url + location, timeout=30)
    assert page.status_code == 200
    assert "<h1>My Media</h1>" in page.text
    gallery = category(admin, f"{lms['slug']}>site>channels>{context}")
    assert gallery is not None, "the course's Media Gallery exists"
    assert category(admin, f"{lms['slug']}>site>channels>{context}>InContext") is not None
    member = admin.categoryUser.get(gallery.id, user)
    assert member.permissionLevel.getValue() == 0, "an instructor manages the course gallery"
    assert admin.user.get(user).email == f"{user}@lms.example"


def test_a_student_launch_makes_a_contributor_who_sees_the_course_gallery(server, api, admin, lms):
    context = course_id()
    owner = api.uid("prof")
    student = api.uid("student")
    send(signed(lms, launch_params(owner, INSTRUCTOR, context)))
    gallery = category(admin, f"{lms['slug']}>site>channels>{context}")
    entry = admin.media.add(KalturaMediaEntry(name="Week 1", mediaType=KalturaMediaType.VIDEO, userId=owner))
    admin.categoryEntry.add(KalturaCategoryEntry(entryId=entry.id, categoryId=gallery.id))

    reply = send(signed(lms, launch_params(student, LEARNER, context), target="courseGallery"))

    assert reply.status_code == 303, reply.text
    page = requests.get(server.url + reply.headers["location"], timeout=30)
    assert page.status_code == 200
    assert f'data-category-id="{gallery.id}"' in page.text
    assert f'data-entry-id="{entry.id}"' in page.text
    assert f"Course {context}" in page.text, "the gallery is named by the course title"
    assert admin.categoryUser.get(gallery.id, student).permissionLevel.getValue() == 2


def test_the_same_person_sees_the_same_my_media_through_the_lms_as_through_the_api(server, api, admin, lms):
    # The LMS sends an opaque user_id; the institution's id is in lis_person_sourcedid.
    server.command("app", "set", lms["slug"], "hosted.ltiUserIdAttribute", "lis_person_sourcedid")
    person = api.uid("netid")
    entry = admin.media.add(KalturaMediaEntry(name="Mine", mediaType=KalturaMediaType.VIDEO, userId=person))
    try:
        params = launch_params("opaque-4711", LEARNER, course_id(), lis_person_sourcedid=person)
        reply = send(signed(lms, params))
        page = requests.get(server.url + reply.headers["location"], timeout=30)
    finally:
        server.command("app", "set", lms["slug"], "hosted.ltiUserIdAttribute", "user_id")

    assert f'data-entry-id="{entry.id}"' in page.text
    assert person in page.text


def assert_refused_and_nothing_created(reply, admin, user, context, lms, reason):
    assert reply.status_code == 401, reply.text
    assert reason in reply.text
    assert admin.user.list().totalCount >= 0
    users = [u.id for u in admin.user.list().objects]
    assert user not in users, "a refused launch creates no user"
    assert category(admin, f"{lms['slug']}>site>channels>{context}") is None, "and no course"


def test_a_launch_signed_with_another_secret_is_refused(api, admin, lms):
    user, context = api.uid("u"), course_id()
    reply = send(signed(lms, launch_params(user, LEARNER, context), secret="not-the-secret"))
    assert_refused_and_nothing_created(reply, admin, user, context, lms, "signature does not match")


def test_a_replayed_launch_is_refused(api, admin, lms):
    user, context = api.uid("u"), course_id()
    prepared = signed(lms, launch_params(user, LEARNER, context))
    first = send(prepared)
    assert first.status_code == 303

    again = send(prepared)

    assert again.status_code == 401
    assert "nonce was used before" in again.text


def test_a_launch_with_a_stale_timestamp_is_refused(api, admin, lms):
    user, context = api.uid("u"), course_id()
    stale = str(int(time.time()) - 3600)
    reply = send(signed(lms, launch_params(user, LEARNER, context), timestamp=stale))
    assert_refused_and_nothing_created(reply, admin, user, context, lms, "timestamp is outside")


def test_a_launch_with_an_unknown_consumer_key_is_refused(api, admin, lms):
    user, context = api.uid("u"), course_id()
    reply = send(signed(lms, launch_params(user, LEARNER, context), key="someone-else"))
    assert_refused_and_nothing_created(reply, admin, user, context, lms, "no consumer key")


def test_a_launch_without_a_course_is_refused(api, admin, lms):
    user = api.uid("u")
    params = launch_params(user, LEARNER, None)
    reply = send(signed(lms, params))
    assert reply.status_code == 401
    assert "missing context_id" in reply.text
    assert user not in [u.id for u in admin.user.list().objects]


def test_a_page_token_from_another_launch_cannot_be_forged(server, lms):
    page = requests.get(
        f"{server.url}/{lms['slug']}/lti/pages/my-media", params={"t": "forged"}, timeout=30
    )
    assert page.status_code == 403
    assert re.search(r"expired|Open it again", page.text)


def test_a_course_made_ahead_is_the_one_its_first_launch_finds(server, api, admin, lms):
    context = course_id()
    made = server.command("course", "add", "--app", lms["slug"], "--context", context,
                          "--title", "Genetics 201")
    gallery = category(admin, f"{lms['slug']}>site>channels>{context}")
    assert gallery is not None and gallery.id == made["galleryCategoryId"]
    assert category(admin, f"{lms['slug']}>site>channels>{context}>InContext").id == made["inContextCategoryId"]

    reply = send(signed(lms, launch_params(api.uid("prof"), INSTRUCTOR, context), target="courseGallery"))
    page = requests.get(server.url + reply.headers["location"], timeout=30)

    assert f'data-category-id="{made["galleryCategoryId"]}"' in page.text
    assert f"Course {context}" in page.text, "the launch refreshed the title"


def test_a_student_adds_their_own_entry_to_the_course_gallery(server, api, admin, lms):
    context = course_id()
    student = api.uid("student")
    send(signed(lms, launch_params(api.uid("prof"), INSTRUCTOR, context)))
    entry = admin.media.add(KalturaMediaEntry(name="My project", mediaType=KalturaMediaType.VIDEO, userId=student))
    reply = send(signed(lms, launch_params(student, LEARNER, context), target="courseGallery"))
    page = requests.get(server.url + reply.headers["location"], timeout=30)
    assert f'data-addable-entry-id="{entry.id}"' in page.text
    token = reply.headers["location"].split("t=", 1)[1]

    added = requests.post(
        f"{server.url}/{lms['slug']}/lti/pages/course/{context}/add",
        data={"t": requests.utils.unquote(token), "entry": entry.id},
        allow_redirects=False,
        timeout=30,
    )

    assert added.status_code == 303, added.text
    gallery = category(admin, f"{lms['slug']}>site>channels>{context}")
    found = admin.categoryEntry.list(
        KalturaCategoryEntryFilter(categoryIdEqual=gallery.id, entryIdEqual=entry.id)
    ).objects
    assert len(found) == 1 and found[0].creatorUserId == student
    after = requests.get(server.url + added.headers["location"], timeout=30)
    assert f'data-entry-id="{entry.id}"' in after.text


def test_nobody_adds_someone_elses_entry_to_a_course_gallery(server, api, admin, lms):
    context = course_id()
    owner, student = api.uid("prof"), api.uid("student")
    send(signed(lms, launch_params(owner, INSTRUCTOR, context)))
    entry = admin.media.add(KalturaMediaEntry(name="Not mine", mediaType=KalturaMediaType.VIDEO, userId=owner))
    reply = send(signed(lms, launch_params(student, LEARNER, context), target="courseGallery"))
    token = requests.utils.unquote(reply.headers["location"].split("t=", 1)[1])

    refused = requests.post(
        f"{server.url}/{lms['slug']}/lti/pages/course/{context}/add",
        data={"t": token, "entry": entry.id},
        allow_redirects=False,
        timeout=30,
    )

    assert refused.status_code in (403, 404), refused.text
    gallery = category(admin, f"{lms['slug']}>site>channels>{context}")
    assert admin.categoryEntry.list(
        KalturaCategoryEntryFilter(categoryIdEqual=gallery.id, entryIdEqual=entry.id)
    ).objects == []


def test_a_course_manager_moderates_what_members_add(server, api, admin, lms):
    context = course_id()
    teacher, student = api.uid("prof"), api.uid("student")
    teacher_page = send(signed(lms, launch_params(teacher, INSTRUCTOR, context), target="courseGallery"))
    teacher_token = requests.utils.unquote(teacher_page.headers["location"].split("t=", 1)[1])
    base = f"{server.url}/{lms['slug']}/lti/pages/course/{context}"
    entry = admin.media.add(KalturaMediaEntry(name="Homework", mediaType=KalturaMediaType.VIDEO, userId=student))
    reply = send(signed(lms, launch_params(student, LEARNER, context), target="courseGallery"))
    student_token = requests.utils.unquote(reply.headers["location"].split("t=", 1)[1])

    # A member may not change the gallery; its manager turns moderation on.
    refused = requests.post(f"{base}/settings", data={"t": student_token, "moderated": "1"},
                            allow_redirects=False, timeout=30)
    saved = requests.post(f"{base}/settings", data={"t": teacher_token, "moderated": "1"},
                          allow_redirects=False, timeout=30)
    added = requests.post(f"{base}/add", data={"t": student_token, "entry": entry.id},
                          allow_redirects=False, timeout=30)
    waiting = requests.get(base, params={"t": teacher_token}, timeout=30)
    approved = requests.post(f"{base}/moderate",
                             data={"t": teacher_token, "entry": entry.id, "decision": "approve"},
                             allow_redirects=False, timeout=30)

    assert refused.status_code == 403
    assert (saved.status_code, added.status_code, approved.status_code) == (303, 303, 303)
    assert f'data-pending-entry-id="{entry.id}"' in waiting.text
    gallery = category(admin, f"{lms['slug']}>site>channels>{context}")
    assert gallery.moderation.getValue() == 1, "moderated now"
    found = admin.categoryEntry.list(
        KalturaCategoryEntryFilter(categoryIdEqual=gallery.id, entryIdEqual=entry.id)
    ).objects
    assert found[0].status.getValue() == 2, "approved"


def test_an_instructor_uploads_inside_the_lms_into_the_course_gallery(server, api, admin, lms, media_sample):
    context = course_id()
    user = api.uid("prof")
    reply = send(signed(lms, launch_params(user, INSTRUCTOR, context), target="courseGallery"))
    gallery_page = requests.get(server.url + reply.headers["location"], timeout=30)
    upload_link = re.search(r'href="([^"]*/lti/pages/upload\?[^"]*)"', gallery_page.text)
    assert upload_link, "the course gallery offers an upload"
    form_url = server.url + html.unescape(upload_link.group(1))
    form = requests.get(form_url, timeout=30)
    assert form.status_code == 200, form.text
    assert f"Media Gallery of Course {context}" in form.text, form.text

    done = requests.post(
        form_url, data={"name": "Lecture 1"},
        files={"file": ("lecture1.mp4", media_sample, "video/mp4")},
        allow_redirects=False, timeout=60,
    )

    assert done.status_code == 303, done.text
    assert f"/lti/pages/course/{context}?t=" in done.headers["location"]
    gallery = category(admin, f"{lms['slug']}>site>channels>{context}")
    links = admin.categoryEntry.list(KalturaCategoryEntryFilter(categoryIdEqual=gallery.id)).objects
    assert len(links) == 1
    entry = admin.media.get(links[0].entryId)
    assert entry.name == "Lecture 1" and entry.userId == user
    assert entry.duration == 2, "the file was attached and probed"


def test_a_student_whose_role_may_not_upload_is_refused_the_lms_upload(server, api, partner):
    lms = server.command(
        "app", "create", "--partner", str(partner.id), "--kind", "kaf", "--name", "Viewers",
        "--slug", f"view-{uuid.uuid4().hex[:8]}", "--public-url", server.url,
    )
    rows = '[{"ltiRole":"Learner","kmsRole":"viewerRole","kmsContextualRole":"MEMBER"}]'
    server.command("app", "set", lms["slug"], "roles.ltiRoles", rows)
    context = course_id()
    student = api.uid("student")
    reply = send(signed(lms, launch_params(student, LEARNER, context), target="courseGallery"))
    token = re.search(r"t=([^&]+)", reply.headers["location"]).group(1)

    page = requests.get(server.url + reply.headers["location"], timeout=30)
    form = requests.get(f"{server.url}/{lms['slug']}/lti/pages/upload?t={token}", timeout=30)

    assert page.status_code == 200
    assert "/lti/pages/upload" not in page.text
    assert form.status_code == 403 and "does not let you upload" in form.text


def test_an_entry_in_the_lms_my_media_opens_in_its_player(server, api, admin, lms):
    context = course_id()
    owner = api.uid("prof")
    entry = admin.media.add(KalturaMediaEntry(name="Week 2", mediaType=KalturaMediaType.VIDEO, userId=owner))
    reply = send(signed(lms, launch_params(owner, INSTRUCTOR, context)))
    page = requests.get(server.url + reply.headers["location"], timeout=30)

    link = re.search(rf'href="([^"]*/lti/pages/player/{entry.id}\?t=[^"]*)"', page.text)
    assert link, "the card links to its player"
    player = requests.get(server.url + html.unescape(link.group(1)), timeout=30)

    assert player.status_code == 200
    assert f'data-entry-id="{entry.id}"' in player.text

