"""Processing after upload: a source browsers cannot play (a phone's HEVC) gets a web flavor
in H.264 and AAC and plays that; one they can play is ready at once; a file that is no media
ends in error with a reason. And the faults: ffmpeg missing or failing never leaves an entry
waiting, and a server killed in the middle of a job resumes it when it starts again.
"""

import json
import os
import re
import shutil
import subprocess
import time

import pytest
import requests

from conftest import Api, QuadServer, own_database, quad_bin, server_of_its_own
from test_player_api import load_media

WAITING, READY, ERROR = "1", "2", "-1"


def make_hevc(path, seconds=2, size="320x240"):
    """A phone-style clip: HEVC video tagged hvc1 and AAC sound in a QuickTime file."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc=duration={seconds}:size={size}:rate=25", "-f", "lavfi", "-i",
         f"sine=frequency=440:duration={seconds}", "-shortest", "-c:v", "libx265",
         "-x265-params", "log-level=error", "-preset", "ultrafast", "-tag:v", "hvc1",
         "-c:a", "aac", "-f", "mov", str(path)],
        check=True,
    )
    return path.read_bytes()


@pytest.fixture(scope="module")
def hevc_sample(tmp_path_factory):
    return make_hevc(tmp_path_factory.mktemp("hevc") / "IMG_0001.MOV")


def streams(data, tmp_path):
    """ffprobe's codec names of a file's streams, by kind."""
    path = tmp_path / "probe.bin"
    path.write_bytes(data)
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
                          str(path)], check=True, capture_output=True).stdout
    return {s["codec_type"]: s["codec_name"] for s in json.loads(out)["streams"]}


def ingest_as(api, owner, data, file_name):
    client = api.user(owner)
    token = api.new_token(client, file_name=file_name)
    api.upload_chunk(client, token.id, data, name=file_name)
    entry = api.add_entry(client, name=file_name)
    from KalturaClient.Plugins.Core import KalturaUploadedFileTokenResource
    return client, client.media.addContent(entry.id,
                                           KalturaUploadedFileTokenResource(token=token.id))


def wait_for_status(client, entry_id, wanted, timeout_s=90):
    deadline = time.monotonic() + timeout_s
    while True:
        entry = client.media.get(entry_id)
        if entry.status.value in wanted or time.monotonic() > deadline:
            return entry
        time.sleep(0.25)


def player_page(api, entry_id, ks):
    return requests.get(f"{api.url}/p/{api.partner.id}/embed/{entry_id}", params={"ks": ks},
                        timeout=30)


def test_a_phone_video_in_hevc_waits_for_its_web_flavor_and_then_plays_it(
    api, hevc_sample, tmp_path
):
    owner = api.uid("owner")

    client, added = ingest_as(api, owner, hevc_sample, "IMG_0001.MOV")
    ready = wait_for_status(client, added.id, {READY, ERROR})

    assert added.status.value == WAITING
    assert ready.status.value == READY
    ks = api.ks_v2(owner, 0)
    _, context, _ = load_media(api, added.id, ks)
    source = context["sources"][0]
    assert source["flavorIds"] == f"{added.id}_web"
    flavors = context["flavorAssets"]
    assert [(f["id"], f["isWeb"]) for f in flavors] == [(f"{added.id}_web", True)], \
        "the source browsers cannot play is not offered to the player"
    played = requests.get(source["url"].replace("/format/url/", f"/ks/{ks}/format/url/"),
                          timeout=30)
    assert played.status_code == 200 and played.headers["Content-Type"] == "video/mp4"
    assert streams(played.content, tmp_path) == {"video": "h264", "audio": "aac"}
    original = requests.get(ready.downloadUrl + f"/ks/{ks}", timeout=30)
    assert original.content == hevc_sample, "the download is the file as uploaded"


def test_a_video_browsers_play_is_ready_at_once_with_its_source_as_only_flavor(
    api, media_sample
):
    owner = api.uid("owner")

    _, added = ingest_as(api, owner, media_sample, "clip.mp4")

    assert added.status.value == READY
    _, context, _ = load_media(api, added.id, api.ks_v2(owner, 0))
    assert [f["id"] for f in context["flavorAssets"]] == [f"{added.id}_src"]


def test_a_file_that_is_no_media_ends_in_error_with_a_reason_its_owner_can_read(api):
    owner = api.uid("owner")

    _, added = ingest_as(api, owner, b"these are not the frames you are looking for", "a.mp4")
    page = player_page(api, added.id, api.ks_v2(owner, 0))

    assert added.status.value == ERROR
    assert "no audio or video that Quad can read" in page.text


# --- faults ----------------------------------------------------------------------------


def tools_dir(tmp_path, ffmpeg_script=None):
    """A PATH with ffprobe and, when given, a stand-in ffmpeg; without, no ffmpeg at all."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ffprobe").symlink_to(shutil.which("ffprobe"))
    if ffmpeg_script:
        script = bin_dir / "ffmpeg"
        script.write_text(ffmpeg_script)
        script.chmod(0o755)
    return str(bin_dir)


def dirs(tmp_path, name):
    """A data folder and a log folder for a server of the test's own."""
    logs = tmp_path / f"{name}-logs"
    logs.mkdir()
    return tmp_path / f"{name}-data", logs


def test_without_ffmpeg_a_source_browsers_cannot_play_stays_playable_as_uploaded(
    tmp_path, hevc_sample
):
    with own_database() as db, server_of_its_own(
        *dirs(tmp_path, "no-ffmpeg"), db, extra_env={"PATH": tools_dir(tmp_path)}
    ) as quad:
        api = Api(quad, quad.create_partner("no-ffmpeg"), tmp_path)
        owner = api.uid("owner")
        client, added = ingest_as(api, owner, hevc_sample, "IMG_0002.MOV")

        done = wait_for_status(client, added.id, {READY, ERROR})
        page = player_page(api, added.id, api.ks_v2(owner, 0))

    assert done.status.value == READY
    assert "No converter is installed" in page.text
    assert "job failed" in quad.stderr_text(), "the worker says why"


def test_when_ffmpeg_fails_the_entry_ends_in_error_with_ffmpegs_message(tmp_path, hevc_sample):
    failing = "#!/bin/sh\necho 'Conversion failed: no codec for you' >&2\nexit 1\n"
    with own_database() as db, server_of_its_own(
        *dirs(tmp_path, "bad-ffmpeg"), db, extra_args=["--job-retry-seconds", "1"],
        extra_env={"PATH": tools_dir(tmp_path, failing)},
    ) as quad:
        api = Api(quad, quad.create_partner("bad-ffmpeg"), tmp_path)
        owner = api.uid("owner")
        client, added = ingest_as(api, owner, hevc_sample, "IMG_0003.MOV")

        done = wait_for_status(client, added.id, {READY, ERROR}, timeout_s=60)
        page = player_page(api, added.id, api.ks_v2(owner, 0))

    assert done.status.value == ERROR
    assert "Conversion failed: no codec for you" in page.text
    assert len(re.findall(r"job failed", quad.stderr_text(tail=200_000))) >= 3


def test_a_job_cut_off_by_a_killed_server_resumes_when_it_starts_again(tmp_path):
    # Long enough that the conversion is still running when the server is killed.
    long_clip = make_hevc(tmp_path / "long.mov", seconds=60, size="640x360")
    with own_database() as db:
        first = QuadServer(quad_bin(), *dirs(tmp_path, "first-run"))
        first.db_url = db
        first.start()
        try:
            api = Api(first, first.create_partner("killed"), tmp_path)
            owner = api.uid("owner")
            _, added = ingest_as(api, owner, long_clip, "lecture.mov")
            deadline = time.monotonic() + 30
            while 'job started job=1 kind="web_flavor"' not in first.stderr_text():
                assert time.monotonic() < deadline, first.stderr_text()
                time.sleep(0.05)
            first.proc.kill()
            first.proc.wait()
        finally:
            first.stop()

        _, second_logs = dirs(tmp_path, "second-run")
        with server_of_its_own(first.data_dir, second_logs, db) as second:
            again = Api(second, api.partner, tmp_path)
            done = wait_for_status(again.user(owner), added.id, {READY, ERROR})

    assert added.status.value == WAITING
    assert "job done" not in first.stderr_text(), "the first run was cut off mid-job"
    assert "resuming jobs left running" in second.stderr_text()
    assert done.status.value == READY
