"""The official Kaltura web player against Quad, in headless Chromium: npm
`@playkit-js/kaltura-player-js` 3.17.95, its prebuilt bundle `kaltura-ovp-player.js`
(fetched by scripts/browser), set up on a plain HTML page served from another origin, as
any site embeds it. The entries are uploaded with the official Python client.

The player plays past its first second anonymously (through a widget session) when the
entry is published in a category open to anyone, and with its owner's KS when it is
private; for a viewer who may not see it, it shows its access-control message.
"""

import json
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from KalturaClient.Plugins.Core import KalturaCategory, KalturaCategoryEntry, KalturaPrivacyType

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "e2e" / "vendor" / "kaltura-player-3.17.95" / "kaltura-ovp-player.js"
PLAY = ROOT / "e2e" / "player" / "play.mjs"
SCREENSHOTS = ROOT / "e2e" / "output" / "screenshots"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A web site of its own origin that embeds the player: (folder, base URL)."""
    if not BUNDLE.exists():
        pytest.fail(f"{BUNDLE} is missing: scripts/browser fetches it")
    folder = tmp_path_factory.mktemp("site")
    (folder / "kaltura-ovp-player.js").write_bytes(BUNDLE.read_bytes())
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def embed(site, api, name, entry_id, ks=None):
    """Writes a page that sets the player up as Kaltura's embed code does and plays."""
    folder, base = site
    provider = {"partnerId": api.partner.id,
                "env": {"serviceUrl": f"{api.url}/api_v3", "cdnUrl": api.url}}
    if ks:
        provider["ks"] = ks
    config = {"targetId": "player", "provider": provider,
              "playback": {"autoplay": False, "muted": True}}
    (folder / f"{name}.html").write_text(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{name}</title></head>
<body>
<div id="player" style="width: 640px; height: 360px"></div>
<script src="kaltura-ovp-player.js"></script>
<script>
  window.player = KalturaPlayer.setup({json.dumps(config)});
  window.player.addEventListener(window.player.Event.ERROR, (event) => {{
    window.playerError = {{code: event.payload.code, category: event.payload.category}};
  }});
  window.player.loadMedia({{entryId: {json.dumps(entry_id)}}})
    .then(() => window.player.play())
    .catch((e) => {{ window.playerError = window.playerError || {{code: e.code, message: String(e)}}; }});
</script>
</body></html>
""")
    return f"{base}/{name}.html"


def play(url, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["node", str(PLAY), url, str(SCREENSHOTS / f"player-{name}.png")],
        capture_output=True, text=True, timeout=90,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def lecture(api, media_sample):
    owner = api.uid("owner")
    entry = api.ingest(api.user(owner), media_sample, name="Lecture 1")
    return owner, entry


def test_the_player_plays_an_entry_published_for_anyone_without_a_ks(api, admin, site, lecture):
    _, entry = lecture
    category = admin.category.add(KalturaCategory(name=api.token("open"),
                                                  privacy=KalturaPrivacyType.ALL))
    admin.categoryEntry.add(KalturaCategoryEntry(entryId=entry.id, categoryId=category.id))

    result = play(embed(site, api, "anonymous", entry.id), "anonymous")

    assert result["played"], result
    assert result["currentTime"] > 1
    assert any("startWidgetSession" in r or "multirequest" in r for r in result["requests"])
    assert all(api.url in r or "127.0.0.1" in r for r in result["requests"]), "no outside host"


def test_the_player_plays_a_private_entry_with_its_owners_ks(api, site, lecture):
    owner, entry = lecture

    result = play(embed(site, api, "owner", entry.id, ks=api.user_ks(owner)), "owner")

    assert result["played"], result


def test_the_player_shows_its_access_message_to_a_viewer_who_may_not_see_the_entry(
    api, site, lecture
):
    _, entry = lecture
    # A portal hands out sessions in its privacy context, where a private entry is hidden.
    stranger = api.user_ks(api.uid("stranger"), privileges=f"privacycontext:{api.token('portal')}")

    result = play(embed(site, api, "refused", entry.id, ks=stranger), "refused")

    assert not result["played"]
    assert result["error"] and "timeout" not in result["error"], result
    assert "Blocked by Conditional Access" in result["overlay"], "the player's access message"
    assert not any("playManifest" in r for r in result["requests"]), "no media requested"


def test_a_phone_video_plays_in_the_player_once_converted_with_poster_and_seekbar(api, site,
                                                                                  tmp_path):
    # What a new user tries first: a phone's HEVC clip, uploaded with the official client.
    from test_processing import ingest_as, make_hevc, wait_for_status
    owner = api.uid("owner")
    client, entry = ingest_as(api, owner, make_hevc(tmp_path / "IMG_0005.MOV"), "IMG_0005.MOV")
    assert wait_for_status(client, entry.id, {"2", "-1"}).status.value == "2"
    pid = api.partner.id
    sprite = (f"{api.url}/p/{pid}/sp/{pid}00/thumbnail/entry_id/{entry.id}/version/0/"
              f"ks/{api.ks_v2(owner, 0)}/width/164/vid_slices/100")
    from test_player_api import wait_for_image
    assert wait_for_image(sprite).status_code == 200

    result = play(embed(site, api, "phone", entry.id, ks=api.user_ks(owner)), "phone")

    assert result["played"], result
    requests_made = result["requests"]
    assert any(f"flavorIds/{entry.id}_web" in r for r in requests_made), requests_made
    assert any("/vid_slices/100" in r for r in requests_made), "the seekbar sprite was loaded"
