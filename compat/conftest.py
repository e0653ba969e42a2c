"""Fixtures of the Kaltura API compatibility suite.

One Quad server runs for the whole pytest session, on a free loopback port and a
temporary data folder. Each test module gets a partner of its own (made with
`quad partner create`), so modules never see each other's objects. Tests talk to the
server through the official `KalturaApiClient`, and through `requests` where the client
cannot say what a test needs.
"""

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from lxml import etree

from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import (
    KalturaCategory,
    KalturaCategoryEntry,
    KalturaMediaEntry,
    KalturaMediaType,
    KalturaSessionType,
    KalturaUploadedFileTokenResource,
    KalturaUploadToken,
)

REPO_ROOT = Path(__file__).resolve().parent.parent

# Kept small so the oversized-body tests do not have to send megabytes.
MAX_REQUEST_BYTES = 65536

STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 15.0

# Variables the server reads by itself; the fixture passes explicit flags instead, so a
# developer's own settings cannot leak into the run.
_SERVER_ENV_OVERRIDES = ("QUAD_LISTEN", "QUAD_DATA", "QUAD_DATABASE_URL", "QUAD_STORAGE_URL")


def quad_bin():
    raw = os.environ.get("QUAD_BIN", "target/debug/quad")
    if "/" not in raw:
        return shutil.which(raw) or raw
    path = Path(raw)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return str(path)


def database_url():
    return os.environ.get("QUAD_COMPAT_DATABASE_URL") or None


@contextlib.contextmanager
def own_database():
    """A database for a server of a test's own, so that no other server's worker takes its
    jobs: a new PostgreSQL database when the suite runs on PostgreSQL, else None (SQLite in
    that server's data folder)."""
    url = database_url()
    if not url:
        yield None
        return
    name = f"quad_own_{uuid.uuid4().hex[:10]}"
    subprocess.run(["psql", url, "-qc", f"CREATE DATABASE {name}"], check=True,
                   capture_output=True)
    try:
        yield f"{url.rsplit('/', 1)[0]}/{name}"
    finally:
        subprocess.run(["psql", url, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                       capture_output=True)


@contextlib.contextmanager
def server_of_its_own(data_dir, log_dir, db_url=None, extra_args=(), extra_env=None):
    """A `quad serve` apart from the suite's, for tests that need other options: on its own
    data folder and on `db_url` (default: SQLite in that folder)."""
    quad = QuadServer(quad_bin(), data_dir, log_dir, extra_args=extra_args,
                      extra_env=extra_env)
    quad.db_url = db_url
    quad.start()
    try:
        yield quad
    finally:
        quad.stop()


@dataclass(frozen=True)
class Partner:
    id: int
    name: str
    admin_secret: str
    secret: str

    @staticmethod
    def from_json(doc):
        return Partner(
            id=int(doc["id"]),
            name=doc.get("name", ""),
            admin_secret=doc["adminSecret"],
            secret=doc["secret"],
        )


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _last_json_object(text):
    """The partner JSON printed by `quad partner create`, even if log lines surround it."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        raise ValueError(f"no JSON object in output: {text!r}")
    return json.loads(text[start : end + 1])


class QuadServer:
    """A running `quad serve` process."""

    def __init__(self, binary, data_dir, log_dir, extra_args=(), extra_env=None):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.extra_env = dict(extra_env or {})
        self.data_dir = Path(data_dir)
        self.log_dir = Path(log_dir)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.db_url = database_url()
        self.max_request_bytes = MAX_REQUEST_BYTES
        self.proc = None
        self._stdout = None
        self._stderr = None

    def _db_args(self):
        return ["--database-url", self.db_url] if self.db_url else []

    def _env(self):
        env = dict(os.environ)
        for key in _SERVER_ENV_OVERRIDES:
            env.pop(key, None)
        env.update(self.extra_env)
        return env

    def start(self):
        cmd = [
            self.binary,
            "serve",
            "--listen",
            self.host,
            "--data",
            str(self.data_dir),
            "--max-request-bytes",
            str(MAX_REQUEST_BYTES),
            *self._db_args(),
            *self.extra_args,
        ]
        self._stdout = open(self.log_dir / "server.stdout", "wb")
        self._stderr = open(self.log_dir / "server.stderr", "wb")
        self.proc = subprocess.Popen(
            cmd, stdout=self._stdout, stderr=self._stderr, stdin=subprocess.DEVNULL, env=self._env()
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        last_error = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"quad serve exited with status {self.proc.returncode} before answering "
                    f"/healthz.\ncommand: {' '.join(cmd)}\nstderr:\n{self.stderr_text()}"
                )
            try:
                resp = requests.get(self.url + "/healthz", timeout=2)
                if resp.status_code == 200:
                    return
                last_error = f"HTTP {resp.status_code}"
            except requests.RequestException as exc:
                last_error = repr(exc)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"quad serve did not answer 200 on /healthz within {STARTUP_TIMEOUT_S:.0f} s "
            f"(last: {last_error}).\nstderr:\n{self.stderr_text()}"
        )

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for handle in (self._stdout, self._stderr):
            if handle is not None:
                handle.close()

    def stderr_text(self, tail=8000):
        path = self.log_dir / "server.stderr"
        if not path.exists():
            return ""
        return path.read_bytes()[-tail:].decode("utf-8", "replace")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def first_partner(self):
        path = self.data_dir / "first-partner.json"
        deadline = time.monotonic() + 5
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not path.exists():
            if self.db_url:
                # A database that already held partners gets no first partner; stand in one.
                return self.create_partner("compat-first")
            raise AssertionError(f"quad serve did not write {path} on an empty database")
        return Partner.from_json(json.loads(path.read_text()))

    def command(self, *args):
        """Runs a `quad` command on the server's data and returns the JSON it printed."""
        cmd = [self.binary, *args, "--data", str(self.data_dir), *self._db_args()]
        done = subprocess.run(cmd, capture_output=True, text=True, env=self._env(), timeout=60)
        if done.returncode != 0:
            raise AssertionError(
                f"`{' '.join(cmd)}` failed with status {done.returncode}:\n{done.stderr}"
            )
        return _last_json_object(done.stdout)

    def create_partner(self, name):
        return Partner.from_json(self.command("partner", "create", "--name", name))


class ApiError:
    """What an API error looks like once parsed out of a raw XML or JSON response."""

    def __init__(self, code, message, args):
        self.code = code
        self.message = message
        self.args = args

    def __repr__(self):
        return f"ApiError({self.code!r}, {self.message!r}, {self.args!r})"


def parse_raw(resp):
    """Decodes a raw API response: JSON for format=1, the XML envelope otherwise.

    Returns ("json", value) or ("xml", <result element>)."""
    ctype = resp.headers.get("Content-Type", "")
    body = resp.content
    if "json" in ctype or body[:1] in (b"{", b"[", b'"') or body in (b"null", b"true", b"false"):
        return "json", json.loads(body)
    root = etree.fromstring(body)
    return "xml", root


def raw_error(resp):
    """The API error carried by a raw response, or None when it carries a result."""
    kind, value = parse_raw(resp)
    if kind == "json":
        if isinstance(value, dict) and value.get("objectType") == "KalturaAPIException":
            return ApiError(value.get("code"), value.get("message"), value.get("args"))
        return None
    result = value.find("result")
    if result is None:
        return None
    error = result.find("error")
    if error is None:
        return None
    args = {}
    for item in error.findall("args/item"):
        args[item.findtext("name")] = item.findtext("value")
    return ApiError(error.findtext("code"), error.findtext("message"), args)


class Api:
    """Helpers bound to one server and one partner."""

    ADMIN_USER = "compat-admin"

    parse_raw = staticmethod(parse_raw)
    raw_error = staticmethod(raw_error)

    def __init__(self, server, partner, tmp_dir):
        self.server = server
        self.partner = partner
        self.url = server.url
        self.tmp_dir = Path(tmp_dir)

    # --- identifiers -------------------------------------------------------------------

    @staticmethod
    def uid(prefix="x"):
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    @staticmethod
    def token(prefix="t"):
        """Letters and digits only, usable where Kaltura is picky (privacy contexts, tags)."""
        return prefix + uuid.uuid4().hex[:10]

    # --- clients and sessions -------------------------------------------------------

    def client(self, ks=None, partner_id=True):
        client = KalturaClient(KalturaConfiguration(self.url))
        if partner_id:
            client.setPartnerId(self.partner.id)
        if ks is not None:
            client.setKs(ks)
        return client

    def start_session(self, user_id="", session_type=KalturaSessionType.USER, privileges=None,
                      expiry=86400, secret=None):
        """A KS made by the server, through session.start."""
        if secret is None:
            secret = (
                self.partner.admin_secret
                if session_type == KalturaSessionType.ADMIN
                else self.partner.secret
            )
        client = self.client()
        return client.session.start(
            secret,
            user_id,
            session_type,
            self.partner.id,
            expiry,
            privileges if privileges is not None else NotImplemented,
        )

    def ks_v1(self, user_id, session_type, privileges="", expiry=86400, secret=None):
        """A KS v1 made by the client itself (KalturaClient.generateSession)."""
        ks = KalturaClient.generateSession(
            secret or self.partner.admin_secret, user_id, session_type, self.partner.id,
            expiry, privileges,
        )
        return ks.decode("ascii")

    def ks_v2(self, user_id, session_type, privileges="", expiry=86400, secret=None):
        """A KS v2 made by the client itself (KalturaClient.generateSessionV2)."""
        ks = KalturaClient.generateSessionV2(
            secret or self.partner.admin_secret, user_id, session_type, self.partner.id,
            expiry, privileges,
        )
        return ks.decode("ascii")

    def admin_ks(self, privileges="disableentitlement", user_id=ADMIN_USER):
        return self.start_session(user_id, KalturaSessionType.ADMIN, privileges)

    def user_ks(self, user_id, privileges=""):
        return self.start_session(user_id, KalturaSessionType.USER, privileges)

    def admin(self, privileges="disableentitlement", user_id=ADMIN_USER):
        """A client with an admin KS; entitlement is off unless privileges say otherwise."""
        return self.client(self.admin_ks(privileges, user_id))

    def user(self, user_id, privileges=""):
        """A client with a user (type 0) KS made by session.start."""
        return self.client(self.user_ks(user_id, privileges))

    @staticmethod
    def decode_ks_v1(ks):
        """(signature, fields) of a KS v1; fields: partner;partner;expiry;type;rand;user;privileges."""
        raw = base64.b64decode(ks).decode("utf-8")
        signature, info = raw.split("|", 1)
        return signature, info.split(";")

    @staticmethod
    def encode_ks_v1(signature, fields):
        return base64.b64encode((signature + "|" + ";".join(fields)).encode("utf-8")).decode("ascii")

    # --- errors -------------------------------------------------------------------

    @staticmethod
    @contextlib.contextmanager
    def error(code, message=None):
        """Expects the block to raise a KalturaException with this code (and message)."""
        with pytest.raises(KalturaException) as info:
            yield info
        assert info.value.code == code, (
            f"expected API error {code}, got {info.value.code}: {info.value.message}"
        )
        if message is not None:
            assert info.value.message == message

    # --- objects ------------------------------------------------------------------

    def add_entry(self, client, name=None, **fields):
        entry = KalturaMediaEntry()
        entry.name = name or self.uid("entry")
        entry.mediaType = KalturaMediaType.VIDEO
        for key, value in fields.items():
            setattr(entry, key, value)
        return client.media.add(entry)

    def add_category(self, client, name=None, parent_id=None, **fields):
        category = KalturaCategory()
        category.name = name or self.uid("cat")
        if parent_id is not None:
            category.parentId = parent_id
        for key, value in fields.items():
            setattr(category, key, value)
        return client.category.add(category)

    @staticmethod
    def publish(client, entry_id, category_id):
        link = KalturaCategoryEntry()
        link.entryId = entry_id
        link.categoryId = category_id
        return client.categoryEntry.add(link)

    def temp_file(self, data, name="clip.mp4"):
        folder = self.tmp_dir / uuid.uuid4().hex
        folder.mkdir(parents=True)
        path = folder / name
        path.write_bytes(data)
        return path

    def new_token(self, client, file_name="clip.mp4", file_size=None):
        token = KalturaUploadToken()
        token.fileName = file_name
        if file_size is not None:
            token.fileSize = file_size
        return client.uploadToken.add(token)

    def upload_chunk(self, client, token_id, data, resume=False, final=True, resume_at=-1,
                     name="clip.mp4"):
        path = self.temp_file(data, name)
        with open(path, "rb") as handle:
            return client.uploadToken.upload(token_id, handle, resume, final, resume_at)

    def ingest(self, client, data, name=None, **fields):
        """The whole upload flow: token, upload, media.add, media.addContent."""
        token = self.new_token(client)
        self.upload_chunk(client, token.id, data)
        entry = self.add_entry(client, name, **fields)
        resource = KalturaUploadedFileTokenResource()
        resource.token = token.id
        return client.media.addContent(entry.id, resource)

    # --- raw HTTP -----------------------------------------------------------------

    def api_url(self, service, action):
        return f"{self.url}/api_v3/service/{service}/action/{action}"

    def post_json(self, service, action, params=None, fmt=1, **kwargs):
        body = dict(params or {})
        if fmt is not None:
            body.setdefault("format", fmt)
        return requests.post(self.api_url(service, action), json=body, timeout=30, **kwargs)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    binary = quad_bin()
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.exit(
            f"Quad server binary {binary!r} not found or not executable; build it or set QUAD_BIN",
            returncode=2,
        )
    data_dir = tmp_path_factory.mktemp("quad-data")
    log_dir = tmp_path_factory.mktemp("quad-logs")
    quad = QuadServer(binary, data_dir, log_dir)
    quad.start()
    try:
        yield quad
    finally:
        quad.stop()


@pytest.fixture(autouse=True)
def _server_still_running(request):
    """Fails a test at once when the server has died, instead of waiting on client retries."""
    if "server" not in request.fixturenames:
        yield
        return
    quad = request.getfixturevalue("server")
    if not quad.alive():
        pytest.fail(f"quad serve is no longer running.\nstderr:\n{quad.stderr_text()}")
    yield


@pytest.fixture(scope="session")
def first_partner(server):
    return server.first_partner()


@pytest.fixture(scope="module")
def partner(server, request):
    module = request.module.__name__.rsplit(".", 1)[-1]
    return server.create_partner(f"compat-{module}-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
def api(server, partner, tmp_path_factory):
    return Api(server, partner, tmp_path_factory.mktemp("api"))


@pytest.fixture
def new_partner_api(server, tmp_path_factory):
    """Makes an Api bound to a brand-new partner, for tests that need an empty account."""

    def make(name=None):
        created = server.create_partner(name or f"compat-fresh-{uuid.uuid4().hex[:6]}")
        return Api(server, created, tmp_path_factory.mktemp("fresh"))

    return make


@pytest.fixture
def admin(api):
    """A client with an admin KS carrying `disableentitlement`, for set-up and admin checks."""
    return api.admin()


@pytest.fixture
def anonymous_client(api):
    """A client with no KS and no partner id."""
    return api.client(partner_id=False)



@pytest.fixture(scope="session")
def media_sample(tmp_path_factory):
    """The bytes of a real two-second 160x120 MP4 with sound, made with ffmpeg."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.exit("ffmpeg is needed for the media tests; scripts/setup installs it", 1)
    path = tmp_path_factory.mktemp("media") / "sample.mp4"
    subprocess.run(
        [ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=10",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-shortest",
         "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)],
        check=True,
    )
    return path.read_bytes()
