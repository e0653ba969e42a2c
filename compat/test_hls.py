"""HLS (`--hls`): each video is also packaged as HLS, offered first in the playback context
as Kaltura does, and served at `playManifest/…/format/applehttp/…` as a master playlist, a
media playlist and byte ranges of one segment file, each checked like any media URL. ffmpeg
reads the whole stream as an HLS client, and the official player plays it through its HLS
engine in Chromium.
"""

import json
import subprocess
import time
import uuid

import pytest
import requests

from conftest import Api, server_of_its_own
from test_player import embed, play, site  # noqa: F401  (site is a fixture)
from test_player_api import load_media
from test_processing import ingest_as, make_hevc, wait_for_status

READY = "2"


@pytest.fixture(scope="module")
def hls_server(tmp_path_factory):
    with server_of_its_own(tmp_path_factory.mktemp("hls-data"),
                           tmp_path_factory.mktemp("hls-logs"), extra_args=["--hls"]) as quad:
        yield quad


@pytest.fixture(scope="module")
def hls_api(hls_server, tmp_path_factory):
    partner = hls_server.create_partner(f"compat-hls-{uuid.uuid4().hex[:6]}")
    return Api(hls_server, partner, tmp_path_factory.mktemp("hls-api"))


@pytest.fixture(scope="module")
def lecture_clip(tmp_path_factory):
    """Fourteen seconds of H.264 and AAC: a few segments of about six seconds."""
    path = tmp_path_factory.mktemp("clip") / "lecture.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=14:size=320x240:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=14", "-shortest", "-c:v", "libx264",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", str(path)],
        check=True,
    )
    return path.read_bytes()


def hls_source(api, entry_id, ks=None, timeout_s=60):
    """The entry's HLS source in its playback context, once it has been packaged."""
    deadline = time.monotonic() + timeout_s
    while True:
        _, context, _ = load_media(api, entry_id, ks)
        found = [s for s in context.get("sources", []) if s["format"] == "applehttp"]
        if found or time.monotonic() > deadline:
            return context, (found[0] if found else None)
        time.sleep(0.25)


def with_ks(url, ks):
    return url.replace("/format/", f"/ks/{ks}/format/")


def walk(source, ks):
    """The master playlist's text, its variant's URL, the media playlist's lines and the
    segment file's URL, fetched with the KS."""
    master = requests.get(with_ks(source["url"], ks), timeout=30)
    variant = next(line for line in master.text.splitlines() if line.startswith("http"))
    lines = requests.get(variant, timeout=30).text.splitlines()
    segment_url = next(line for line in lines if line.startswith("http"))
    return master, variant, lines, segment_url


@pytest.fixture(scope="module")
def packaged(hls_api, lecture_clip):
    owner = hls_api.uid("owner")
    _, entry = ingest_as(hls_api, owner, lecture_clip, "lecture.mp4")
    ks = hls_api.ks_v2(owner, 0)
    context, source = hls_source(hls_api, entry.id, ks)
    assert source, context
    return owner, entry, ks, context, source


def test_hls_is_offered_before_progressive_download(packaged):
    _, entry, _, context, source = packaged

    formats = [s["format"] for s in context["sources"]]

    assert formats == ["applehttp", "url"]
    assert source["flavorIds"] == f"{entry.id}_src"
    assert source["url"].endswith("/a.m3u8")


def test_the_playlists_name_absolute_urls_that_carry_the_viewers_ks(packaged):
    _, _, ks, _, source = packaged

    master = requests.get(with_ks(source["url"], ks), timeout=30)
    variant = next(line for line in master.text.splitlines() if line.startswith("http"))
    media = requests.get(variant, timeout=30)

    assert master.status_code == 200
    assert master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert master.headers["Access-Control-Allow-Origin"] == "*"
    assert "#EXT-X-STREAM-INF:BANDWIDTH=" in master.text and "RESOLUTION=320x240" in master.text
    assert f"/ks/{ks}/" in variant
    assert media.status_code == 200 and "#EXT-X-ENDLIST" in media.text
    assert media.text.count("#EXT-X-BYTERANGE:") >= 2
    assert f'#EXT-X-MAP:URI="http' in media.text and f"/ks/{ks}/" in media.text


def test_the_segments_listed_are_served_as_byte_ranges_of_one_file(packaged):
    _, _, ks, _, source = packaged
    _, _, lines, segment_url = walk(source, ks)
    ranges = [line.split(":", 1)[1] for line in lines if line.startswith("#EXT-X-BYTERANGE:")]

    parts = []
    for spec in ranges:
        length, offset = (int(n) for n in spec.split("@"))
        reply = requests.get(segment_url, timeout=30,
                             headers={"Range": f"bytes={offset}-{offset + length - 1}"})
        assert reply.status_code == 206
        parts.append((offset, reply.content))

    whole = requests.get(segment_url, timeout=30).content
    for offset, data in parts:
        assert whole[offset:offset + len(data)] == data


def test_ffmpeg_reads_the_stream_as_an_hls_client(packaged, tmp_path):
    _, _, ks, _, source = packaged

    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format",
         with_ks(source["url"], ks)],
        capture_output=True, text=True, timeout=60,
    )

    assert out.returncode == 0, out.stderr
    probed = json.loads(out.stdout)
    assert {s["codec_name"] for s in probed["streams"]} == {"h264", "aac"}
    assert float(probed["format"]["duration"]) == pytest.approx(14, abs=0.6)


def test_without_the_ks_no_part_of_a_private_entrys_hls_is_served(packaged):
    _, _, ks, _, source = packaged
    _, variant, _, segment_url = walk(source, ks)

    for url in (source["url"], variant.replace(f"/ks/{ks}", ""),
                segment_url.replace(f"/ks/{ks}", "")):
        reply = requests.get(url, timeout=30)
        assert reply.status_code == 404, url
        assert b"ftyp" not in reply.content and b"#EXT" not in reply.content


def test_a_phone_video_is_packaged_from_its_web_flavor(hls_api, tmp_path):
    hevc = make_hevc(tmp_path / "IMG_0004.MOV")
    owner = hls_api.uid("owner")
    client, entry = ingest_as(hls_api, owner, hevc, "IMG_0004.MOV")
    wait_for_status(client, entry.id, {READY})

    _, source = hls_source(hls_api, entry.id, hls_api.ks_v2(owner, 0))

    assert source is not None
    assert source["flavorIds"] == f"{entry.id}_web"


def test_the_official_player_plays_the_hls_stream(hls_api, site, packaged):  # noqa: F811
    owner, entry, _, _, _ = packaged

    result = play(embed(site, hls_api, "hls", entry.id, ks=hls_api.user_ks(owner)), "hls")

    assert result["played"], result
    assert result["currentTime"] > 1
    assert any("format/applehttp" in r and "a.m3u8" in r for r in result["requests"]), \
        result["requests"]
    assert any("/hls/segments/" in r for r in result["requests"]), "segments came over HLS"
