"""Media kept in an S3-compatible bucket (`--storage-url s3://BUCKET/PREFIX`), against a real
S3 server: moto's, started here on a loopback port. A Quad server of its own (SQLite, its
own data folder) keeps its media there; the official client uploads, and the media URLs
serve the bytes back from the bucket, whole and in ranges.
"""

import subprocess
import sys
import time
import uuid

import boto3
import pytest
import requests

from conftest import Api, QuadServer, free_port, quad_bin, server_of_its_own

ACCESS = {"AWS_ACCESS_KEY_ID": "quad-test", "AWS_SECRET_ACCESS_KEY": "quad-test-secret",
          "AWS_REGION": "us-east-1"}


def _wait_until_answers(url, proc, what):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer within 30 s")


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    port = free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                             str(port)], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answers(endpoint, proc, "the S3 server")
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def bucket(s3_endpoint):
    s3 = boto3.resource("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                        aws_access_key_id=ACCESS["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=ACCESS["AWS_SECRET_ACCESS_KEY"])
    created = s3.create_bucket(Bucket=f"quad-media-{uuid.uuid4().hex[:8]}")
    return created


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory, s3_endpoint, bucket):
    with server_of_its_own(tmp_path_factory.mktemp("quad-s3-data"),
                           tmp_path_factory.mktemp("quad-s3-logs"),
                           extra_args=["--storage-url", f"s3://{bucket.name}/media"],
                           extra_env={**ACCESS, "AWS_ENDPOINT_URL": s3_endpoint}) as quad:
        yield quad


@pytest.fixture(scope="module")
def s3_api(s3_server, tmp_path_factory):
    partner = s3_server.create_partner(f"compat-s3-{uuid.uuid4().hex[:6]}")
    return Api(s3_server, partner, tmp_path_factory.mktemp("s3-api"))


def keys(bucket):
    return {o.key: o.size for o in bucket.objects.all()}


def manifest_url(api, entry_id, ks):
    pid = api.partner.id
    return (f"{api.url}/p/{pid}/sp/{pid}00/playManifest/entryId/{entry_id}/format/url/"
            f"protocol/http/ks/{ks}/a.mp4")


def wait_for(check, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.25)


def test_an_uploaded_source_is_kept_in_the_bucket_under_the_prefix(s3_api, s3_server, bucket,
                                                                   media_sample):
    owner = s3_api.uid("owner")

    entry = s3_api.ingest(s3_api.user(owner), media_sample)

    stored = keys(bucket)
    sources = [k for k in stored if k.startswith("media/uploads/")]
    assert any(stored[k] == len(media_sample) for k in sources), stored
    staged = s3_server.data_dir / "media-work" / "uploads"
    assert not staged.exists() or not any(staged.iterdir()), "no copy left in the work folder"
    assert entry.status.value == "2"


def test_the_source_is_served_from_the_bucket_whole_and_in_ranges(s3_api, media_sample):
    owner = s3_api.uid("owner")
    entry = s3_api.ingest(s3_api.user(owner), media_sample)
    url = manifest_url(s3_api, entry.id, s3_api.ks_v2(owner, 0))
    size = len(media_sample)

    whole = requests.get(url, timeout=30)
    first = requests.get(url, headers={"Range": "bytes=0-99"}, timeout=30)
    suffix = requests.get(url, headers={"Range": "bytes=-10"}, timeout=30)
    several = requests.get(url, headers={"Range": "bytes=0-4,10-14"}, timeout=30)
    past_end = requests.get(url, headers={"Range": f"bytes={size + 5}-"}, timeout=30)

    assert whole.status_code == 200 and whole.content == media_sample
    assert first.status_code == 206 and first.content == media_sample[:100]
    assert first.headers["Content-Range"] == f"bytes 0-99/{size}"
    assert suffix.status_code == 206 and suffix.content == media_sample[-10:]
    assert several.status_code == 206
    assert several.headers["Content-Type"].startswith("multipart/byteranges; boundary=")
    assert media_sample[0:5] in several.content and media_sample[10:15] in several.content
    assert int(several.headers["Content-Length"]) == len(several.content)
    assert past_end.status_code == 416


def test_a_large_source_is_sent_to_the_bucket_in_parts_and_read_back_intact(s3_api, bucket,
                                                                           media_sample):
    # The sample with 20 MB after it: still a video to ffprobe, and larger than one part.
    padded = media_sample + bytes(range(256)) * (20 * 4096)
    owner = s3_api.uid("owner")
    entry = s3_api.ingest(s3_api.user(owner), padded)
    url = manifest_url(s3_api, entry.id, s3_api.ks_v2(owner, 0))

    tail = requests.get(url, headers={"Range": f"bytes={len(padded) - 1000}-"}, timeout=30)
    whole = requests.get(url, timeout=60)

    assert len(padded) in keys(bucket).values()
    assert tail.status_code == 206 and tail.content == padded[-1000:]
    assert whole.content == padded


def test_a_resumed_upload_is_assembled_before_it_goes_to_the_bucket(s3_api, bucket,
                                                                    media_sample):
    owner = s3_api.uid("owner")
    client = s3_api.user(owner)
    half = len(media_sample) // 2
    token = s3_api.new_token(client, file_size=len(media_sample))
    s3_api.upload_chunk(client, token.id, media_sample[:half], final=False)
    s3_api.upload_chunk(client, token.id, media_sample[half:], resume=True, final=True,
                        resume_at=half)
    entry = s3_api.add_entry(client)
    from KalturaClient.Plugins.Core import KalturaUploadedFileTokenResource
    added = client.media.addContent(entry.id, KalturaUploadedFileTokenResource(token=token.id))

    served = requests.get(manifest_url(s3_api, added.id, s3_api.ks_v2(owner, 0)), timeout=30)

    assert served.content == media_sample
    assert f"media/uploads/{token.id}" in keys(bucket)


def test_the_poster_and_sprite_are_made_from_the_bucket_and_kept_there(s3_api, bucket,
                                                                      media_sample):
    owner = s3_api.uid("owner")
    entry = s3_api.ingest(s3_api.user(owner), media_sample)
    pid = s3_api.partner.id
    thumbnail = (f"{s3_api.url}/p/{pid}/sp/{pid}00/thumbnail/entry_id/{entry.id}/version/0/"
                 f"ks/{s3_api.ks_v2(owner, 0)}")

    wait_for(lambda: requests.get(thumbnail, timeout=30).status_code == 200)
    scaled = requests.get(f"{thumbnail}/width/80", timeout=30)

    stored = keys(bucket)
    assert any(k.endswith(".poster.jpg") for k in stored)
    assert any(k.endswith(".sprite.jpg") for k in stored)
    assert scaled.status_code == 200 and scaled.content[:2] == b"\xff\xd8"
    assert any(k.endswith(".poster.80x0.jpg") for k in stored)


def test_a_deleted_upload_token_leaves_nothing_behind(s3_api, s3_server, bucket, media_sample):
    client = s3_api.user(s3_api.uid("owner"))
    token = s3_api.new_token(client)
    s3_api.upload_chunk(client, token.id, media_sample)
    staged = s3_server.data_dir / "media-work" / "uploads" / token.id
    assert staged.exists(), "an upload not yet attached waits in the work folder"

    client.uploadToken.delete(token.id)

    assert not staged.exists()
    assert f"media/uploads/{token.id}" not in keys(bucket)


def test_the_health_check_fails_while_the_bucket_cannot_be_reached(tmp_path):
    port = free_port()  # nothing listens there
    quad = QuadServer(quad_bin(), tmp_path / "data", tmp_path,
                      extra_args=["--storage-url", "s3://absent/media"],
                      extra_env={**ACCESS, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"})
    quad.db_url = None
    quad.data_dir.mkdir()
    cmd = [quad.binary, "serve", "--listen", quad.host, "--data", str(quad.data_dir),
           *quad.extra_args]
    proc = subprocess.Popen(cmd, env=quad._env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        _wait_until_answers(quad.url + "/healthz", proc, "quad serve")
        health = requests.get(quad.url + "/healthz", timeout=30)
    finally:
        proc.terminate()
        proc.wait(timeout=15)

    assert health.status_code == 503
