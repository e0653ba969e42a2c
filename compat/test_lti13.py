"""LTI 1.3 launches and Deep Linking into an LMS app, with `lti1p3platform` from PyPI as the
LMS: it builds the login initiation, signs the id_token (RS256, with a key id) after Quad's
OIDC redirect, and checks Quad's signed Deep Linking response against Quad's published key
set. The platform's own key set is served from a loopback HTTP server, as an LMS serves it.

Refused launches (a token signed with `alg: none` or another key, for another audience,
expired, with a reused nonce, from an unknown deployment, without a course) get an error
page, a warning in the log that says why, and create nothing.
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import html

from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request

from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import (
    KalturaCategoryEntryFilter,
    KalturaCategoryFilter,
    KalturaMediaEntry,
    KalturaMediaType,
)

ISSUER = "https://canvas.test"
CLIENT_ID = "10000000000042"
DEPLOYMENT = "1:deployment-a"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
RETURN_URL = "https://canvas.test/courses/1/deep_linking_response"
LIS = "https://purl.imsglobal.org/spec/lti/claim/lis"


def new_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


class KeySetServer:
    """The platform's key set URL: serves the current keys and counts the fetches."""

    def __init__(self):
        self.private, self.public = new_key()
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.fetches += 1
                body = json.dumps({"keys": [Registration.get_jwk(outer.public)]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def rotate(self):
        self.private, self.public = new_key()


class Platform(LTI1P3PlatformConfAbstract):
    """The LMS's view of its registration of Quad."""

    def init_platform_config(self, lms, keys, deployment=DEPLOYMENT, launch_url=None):
        self.lms = lms
        self.keys = keys
        self.deployment = deployment
        self.launch_url = launch_url or lms["lti13"]["targetLinkUris"]["myMedia"]

    def get_registration_by_params(self, **kwargs):
        lti13 = self.lms["lti13"]
        return (
            Registration()
            .set_iss(ISSUER)
            .set_client_id(CLIENT_ID)
            .set_deployment_id(self.deployment)
            .set_oidc_login_url(lti13["loginUrl"])
            .set_launch_url(self.launch_url)
            .set_deeplink_launch_url(lti13["targetLinkUris"]["browseAndEmbed"])
            .set_platform_public_key(self.keys.public)
            .set_platform_private_key(self.keys.private)
            .set_tool_key_set_url(lti13["jwksUrl"])
        )


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs.get("hint", "resource-link")

    def get_redirect(self, url):
        return url


class AuthRequest(Request):
    def build_metadata(self, request):
        return {"method": "GET", "form_data": {}, "get_data": request, "headers": {},
                "content_type": None, "path": "/authorize", "json": None}


class Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        return launch_data


@pytest.fixture(scope="module")
def keys():
    server = KeySetServer()
    yield server
    server.httpd.shutdown()


@pytest.fixture(scope="module")
def lms(server, partner, keys):
    slug = f"lti13-{uuid.uuid4().hex[:8]}"
    app = server.command(
        "app", "create", "--partner", str(partner.id), "--kind", "kaf", "--name", "Canvas",
        "--slug", slug, "--public-url", server.url,
    )
    server.command(
        "app", "lti13", "add-platform", slug, "--issuer", ISSUER, "--client-id", CLIENT_ID,
        "--deployment-id", DEPLOYMENT, "--jwks-url", keys.url,
        "--auth-url", "https://canvas.test/api/lti/authorize_redirect",
    )
    return app


def course_id():
    return f"C-{uuid.uuid4().hex[:8]}"


def authorize(lms, keys, user, target_link_uri=None):
    """Starts a login as the platform does and follows Quad's redirect to the platform's
    authorization endpoint; returns the platform configuration and the request Quad made."""
    platform = Platform(lms=lms, keys=keys, launch_url=target_link_uri)
    login = Login(None, platform)
    login.set_lti_message_hint(hint="link-1")
    reply = requests.get(login.prepare_preflight_url(user), allow_redirects=False, timeout=30)
    assert reply.status_code == 302, reply.text
    location = urlparse(reply.headers["location"])
    assert location.netloc == "canvas.test"
    return platform, dict(parse_qsl(location.query))


def id_token(lms, keys, user, roles, context, target_link_uri=None, deep_link=False,
             custom=None, lis=None):
    """A signed id_token and the state it answers, as the platform posts them."""
    platform, auth = authorize(lms, keys, user, target_link_uri)
    launch = Launch(AuthRequest(auth), platform)
    launch.set_user_data(user, roles, full_name=f"User {user}", email_address=f"{user}@canvas.test")
    launch.set_launch_context_claim(context, context_title=f"Course {context}", context_label=context)
    if deep_link:
        launch.set_dl(RETURN_URL, accept_types={"ltiResourceLink"}, extra_data={"course": context})
    else:
        launch.set_resource_link_claim(f"link-{uuid.uuid4().hex[:6]}")
    if custom:
        launch.set_custom_parameters_claim(custom)
    if lis:
        launch.set_extra_claims({LIS: lis})
    sent = launch.lti_launch()
    assert sent["launch_url"] == lms["lti13"]["launchUrl"]
    return platform, launch, sent


def post(sent):
    return requests.post(
        sent["launch_url"], data={"id_token": sent["id_token"], "state": sent["state"]},
        allow_redirects=False, timeout=30,
    )


def category(admin, full_name):
    found = admin.category.list(KalturaCategoryFilter(fullNameEqual=full_name)).objects
    return found[0] if found else None


def test_the_login_redirects_to_the_platform_with_state_and_nonce(api, lms, keys):
    user = api.uid("prof")

    _, auth = authorize(lms, keys, user)

    assert auth["scope"] == "openid"
    assert auth["response_type"] == "id_token"
    assert auth["response_mode"] == "form_post"
    assert auth["prompt"] == "none"
    assert auth["client_id"] == CLIENT_ID
    assert auth["redirect_uri"] == lms["lti13"]["launchUrl"]
    assert auth["login_hint"] == user
    assert auth["lti_message_hint"] == "link-1"
    assert len(auth["state"]) >= 32 and len(auth["nonce"]) >= 32


def test_an_instructor_launch_creates_the_course_and_lands_in_my_media(server, api, admin, lms, keys):
    context = course_id()
    user = api.uid("prof")

    reply = post(id_token(lms, keys, user, [INSTRUCTOR], context)[2])

    assert reply.status_code == 303, reply.text
    assert reply.headers["location"].startswith(f"/{lms['slug']}/lti/pages/my-media?t=")
    page = requests.get(server.url + reply.headers["location"], timeout=30)
    assert "<h1>My Media</h1>" in page.text
    gallery = category(admin, f"{lms['slug']}>site>channels>{context}")
    assert gallery is not None and gallery.name == context
    assert category(admin, f"{lms['slug']}>site>channels>{context}>InContext") is not None
    assert admin.categoryUser.get(gallery.id, user).permissionLevel.getValue() == 0
    assert admin.user.get(user).email == f"{user}@canvas.test"


def test_a_student_launch_opens_the_course_gallery(server, api, admin, lms, keys):
    context = course_id()
    student = api.uid("student")
    target = lms["lti13"]["targetLinkUris"]["courseGallery"]

    reply = post(id_token(lms, keys, student, [LEARNER], context, target_link_uri=target)[2])

    assert reply.status_code == 303, reply.text
    page = requests.get(server.url + reply.headers["location"], timeout=30)
    assert f"Course {context}" in page.text
    gallery = category(admin, f"{lms['slug']}>site>channels>{context}")
    assert admin.categoryUser.get(gallery.id, student).permissionLevel.getValue() == 2


def test_the_platform_key_set_is_fetched_once_and_cached(api, lms, keys):
    before = keys.fetches

    for _ in range(3):
        reply = post(id_token(lms, keys, api.uid("prof"), [INSTRUCTOR], course_id())[2])
        assert reply.status_code == 303, reply.text

    assert keys.fetches - before <= 1


def test_a_platform_key_rotation_is_picked_up_from_its_key_set(api, lms, keys):
    assert post(id_token(lms, keys, api.uid("prof"), [INSTRUCTOR], course_id())[2]).status_code == 303
    keys.rotate()

    reply = post(id_token(lms, keys, api.uid("prof"), [INSTRUCTOR], course_id())[2])

    assert reply.status_code == 303, reply.text


def pick(server, lms, keys, owner, context):
    """Runs a Deep Linking request to the picker; returns the platform and the picker URL."""
    platform, _, sent = id_token(lms, keys, owner, [INSTRUCTOR], context, deep_link=True)
    reply = post(sent)
    assert reply.status_code == 303, reply.text
    assert "/lti/pages/pick/" in reply.headers["location"]
    return platform, server.url + reply.headers["location"]


def choose(picker_url, entry_id):
    page = requests.get(picker_url, timeout=30)
    assert f'data-entry-id="{entry_id}"' in page.text
    doc = html.fromstring(page.text)
    form = next(f for f in doc.forms if f.xpath(f'.//*[@value="{entry_id}"]'))
    fields = {i.get("name"): i.get("value") or "" for i in form.inputs if i.get("name")}
    fields["entry"] = entry_id
    action = requests.compat.urljoin(picker_url, form.get("action"))
    answer = requests.post(action, data=fields, timeout=30)
    assert answer.status_code == 200, answer.text
    returned = html.fromstring(answer.text).forms[0]
    return returned.get("action"), {i.get("name"): i.get("value") for i in returned.inputs if i.get("name")}


def test_deep_linking_answers_with_a_signed_resource_link_and_publishes_the_owners_entry(
    server, api, admin, lms, keys
):
    context = course_id()
    owner = api.uid("prof")
    entry = admin.media.add(KalturaMediaEntry(name="Osmosis", mediaType=KalturaMediaType.VIDEO, userId=owner))
    platform, picker = pick(server, lms, keys, owner, context)

    action, fields = choose(picker, entry.id)

    assert action == RETURN_URL
    items = platform.validate_deeplinking_resp({"JWT": fields["JWT"]})
    assert len(items) == 1 and items[0]["type"] == "ltiResourceLink"
    assert items[0]["url"] == f"{lms['baseUrl']}/lti13/embed/{entry.id}"
    assert items[0]["custom"] == {"entry_id": entry.id}
    claims = jwt.decode(fields["JWT"], options={"verify_signature": False})
    assert claims["iss"] == CLIENT_ID and claims["aud"] == ISSUER
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == DEPLOYMENT
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == {"course": context}
    in_context = category(admin, f"{lms['slug']}>site>channels>{context}>InContext")
    links = admin.categoryEntry.list(KalturaCategoryEntryFilter(categoryIdEqual=in_context.id)).objects
    assert [link.entryId for link in links] == [entry.id]


def test_a_student_plays_the_deep_linked_embed_and_it_is_republished_after_going_private(
    server, api, admin, lms, keys
):
    context = course_id()
    owner = api.uid("prof")
    student = api.uid("student")
    entry = admin.media.add(KalturaMediaEntry(name="Diffusion", mediaType=KalturaMediaType.VIDEO, userId=owner))
    platform, picker = pick(server, lms, keys, owner, context)
    _, fields = choose(picker, entry.id)
    item = platform.validate_deeplinking_resp({"JWT": fields["JWT"]})[0]

    def open_embed():
        return post(id_token(lms, keys, student, [LEARNER], context,
                             target_link_uri=item["url"], custom=item["custom"])[2])

    first = open_embed()
    assert first.status_code == 303, first.text
    assert f"/lti/pages/player/{entry.id}?t=" in first.headers["location"]
    in_context = category(admin, f"{lms['slug']}>site>channels>{context}>InContext")
    admin.categoryEntry.delete(entry.id, in_context.id)

    again = open_embed()

    assert again.status_code == 303, "autoRepublish is Yes by default: the player plays"
    links = admin.categoryEntry.list(KalturaCategoryEntryFilter(categoryIdEqual=in_context.id)).objects
    assert [link.entryId for link in links] == [entry.id]


def test_the_same_person_gets_the_same_my_media_over_lti_1_1_and_1_3(server, api, admin, lms, keys):
    from test_lti11 import INSTRUCTOR as LTI11_INSTRUCTOR, launch_params, send, signed

    server.command("app", "set", lms["slug"], "hosted.ltiUserIdAttribute", "lis_person_sourcedid")
    server.command("app", "set", lms["slug"], "hosted.lti13UserIdClaim", LIS)
    server.command("app", "set", lms["slug"], "hosted.lti13UserIdClaimProperty", "person_sourcedid")
    try:
        netid = api.uid("netid")
        entry = admin.media.add(KalturaMediaEntry(name="Mine", mediaType=KalturaMediaType.VIDEO, userId=netid))
        context = course_id()

        over11 = send(signed(lms, launch_params("canvas-opaque-1", LTI11_INSTRUCTOR, context,
                                                lis_person_sourcedid=netid)))
        over13 = post(id_token(lms, keys, "canvas-opaque-2", [INSTRUCTOR], context,
                               lis={"person_sourcedid": netid})[2])

        for reply in (over11, over13):
            assert reply.status_code == 303, reply.text
            page = requests.get(server.url + reply.headers["location"], timeout=30)
            assert f'data-entry-id="{entry.id}"' in page.text
    finally:
        server.command("app", "set", lms["slug"], "hosted.ltiUserIdAttribute", "user_id")
        server.command("app", "set", lms["slug"], "hosted.lti13UserIdClaim", "sub")
        server.command("app", "set", lms["slug"], "hosted.lti13UserIdClaimProperty", "")


def test_the_tool_key_set_publishes_the_new_and_the_retired_key_after_a_rotation(server, lms):
    before = requests.get(lms["lti13"]["jwksUrl"], timeout=30).json()["keys"]

    rotated = server.command("app", "lti13", "rotate-key", lms["slug"])

    after = requests.get(lms["lti13"]["jwksUrl"], timeout=30).json()["keys"]
    assert after[0]["kid"] == rotated["kid"]
    assert {k["kid"] for k in before} <= {k["kid"] for k in after}
    assert all(k["alg"] == "RS256" and k["use"] == "sig" and k["kty"] == "RSA" for k in after)


def test_the_app_shows_its_platforms_and_lti_1_3_urls(server, lms, keys):
    shown = server.command("app", "show", lms["slug"])

    (platform,) = shown["lti13"]["platforms"]
    assert platform["issuer"] == ISSUER and platform["deploymentIds"] == [DEPLOYMENT]
    assert platform["jwksUrl"] == keys.url
    assert shown["lti13"]["loginUrl"].endswith(f"/{lms['slug']}/lti13/login")


# Refused launches. Each one must leave no trace: no user, no course.

def forged(lms, keys, user, context, change_claims=None, key=None, algorithm="RS256", kid=True,
           deployment=DEPLOYMENT):
    """A launch whose token the test signs itself, after changing what it says."""
    platform, auth = authorize(lms, keys, user)
    platform.get_registration().set_deployment_id(deployment)
    launch = Launch(AuthRequest(auth), platform)
    launch.set_user_data(user, [INSTRUCTOR])
    launch.set_launch_context_claim(context, context_title=f"Course {context}")
    launch.set_resource_link_claim("link-1")
    launch._registration = platform.get_registration()
    claims, state = launch.get_launch_data()
    claims.update({"iat": int(time.time()), "exp": int(time.time()) + 300})
    if change_claims:
        change_claims(claims)
    headers = {"kid": platform.get_registration().get_kid()} if kid else None
    token = jwt.encode(claims, key if key is not None else keys.private, algorithm=algorithm,
                       headers=headers)
    return {"launch_url": auth["redirect_uri"], "id_token": token, "state": state}


def assert_refused(server, admin, lms, reply, user, context, why):
    assert reply.status_code in (400, 401), reply.text
    assert "refused" in reply.text and why in reply.text
    assert why in server.stderr_text(), "the warning in the log says why"
    with pytest.raises(KalturaException):
        admin.user.get(user)
    assert category(admin, f"{lms['slug']}>site>channels>{context}") is None


def test_a_token_with_alg_none_is_refused(server, api, admin, lms, keys):
    user, context = api.uid("prof"), course_id()

    reply = post(forged(lms, keys, user, context, key="", algorithm="none", kid=False))

    assert_refused(server, admin, lms, reply, user, context, "not signed with RS256")


def test_a_token_signed_with_another_key_is_refused(server, api, admin, lms, keys):
    user, context = api.uid("prof"), course_id()
    other, _ = new_key()

    reply = post(forged(lms, keys, user, context, key=other))

    assert_refused(server, admin, lms, reply, user, context, "signature does not match")


def test_a_token_for_another_audience_is_refused(server, api, admin, lms, keys):
    user, context = api.uid("prof"), course_id()

    def other_client(claims):
        claims["aud"] = "someone-else"
        claims["azp"] = "someone-else"

    reply = post(forged(lms, keys, user, context, other_client))

    assert_refused(server, admin, lms, reply, user, context, "meant for another client")


def test_an_expired_token_is_refused(server, api, admin, lms, keys):
    user, context = api.uid("prof"), course_id()

    def expired(claims):
        claims["iat"] = int(time.time()) - 3600
        claims["exp"] = int(time.time()) - 600

    reply = post(forged(lms, keys, user, context, expired))

    assert_refused(server, admin, lms, reply, user, context, "expired")


def test_a_token_from_an_unknown_deployment_is_refused(server, api, admin, lms, keys):
    user, context = api.uid("prof"), course_id()

    reply = post(forged(lms, keys, user, context, deployment="1:deployment-z"))

    assert_refused(server, admin, lms, reply, user, context, "deployment this app does not know")


def test_a_launch_without_a_course_is_refused(server, api, admin, lms, keys):
    user, context = api.uid("prof"), course_id()

    def no_course(claims):
        claims.pop("https://purl.imsglobal.org/spec/lti/claim/context")

    reply = post(forged(lms, keys, user, context, no_course))

    assert_refused(server, admin, lms, reply, user, context, "missing a context id")


def test_a_reused_token_or_nonce_is_refused(server, api, admin, lms, keys):
    context = course_id()
    user = api.uid("prof")
    _, _, sent = id_token(lms, keys, user, [INSTRUCTOR], context)
    assert post(sent).status_code == 303

    replayed = post(sent)
    _, auth = authorize(lms, keys, user)
    under_new_state = post({**sent, "state": auth["state"]})

    assert replayed.status_code == 401 and "no login this app started" in replayed.text
    assert under_new_state.status_code == 401 and "nonce does not match" in under_new_state.text


def test_a_login_from_an_unknown_platform_is_refused(lms):
    reply = requests.get(
        lms["lti13"]["loginUrl"],
        params={"iss": "https://stranger.test", "login_hint": "u",
                "target_link_uri": lms["lti13"]["targetLinkUris"]["myMedia"]},
        allow_redirects=False, timeout=30,
    )

    assert reply.status_code == 401
    assert "platform this app does not know" in reply.text
