"""static/live.js on a bad network, in Chromium, through tests/netfault.py (a proxy that silently drops).

A venue Wi-Fi does not close connections politely: packets just stop.  The pages must notice a silent
link within the heartbeat grace, abandon it at once (not wait out the browser's closing handshake),
give up a handshake that hangs, and reconnect at once when the network or the laptop comes back.
Checked on the big screen (body[data-conn]); every page uses the same live.js.  The page runs on
Playwright's clock: time flows as usual, and where live.js's own grace or timeout would be waited out
(25 s, 12 s, 10 s) the test moves the page's clock on by that much instead of sleeping through it.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.netfault import FaultyLink

pytestmark = pytest.mark.browser


@pytest.fixture
def screen(browser, live_server):
    link = FaultyLink(live_server.port)
    with live_server.api() as api:
        screen_link = api.get("/api/contests/c1").json()["setup"]["screen_link"]
    context = browser.new_context(viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
    context.clock.install()          # the page's timers and Date.now() run as usual until moved on below
    page = context.new_page()
    page.goto(link.url + screen_link)
    expect(page.locator("body")).to_have_attribute("data-conn", "live")
    yield page, link, live_server
    context.close()
    link.close()


def shows_phase(page, phase: str, timeout: float) -> None:
    expect(page.locator("body")).to_have_attribute("data-phase", phase, timeout=timeout * 1000)


def test_a_silently_dead_link_is_abandoned_within_the_heartbeat_grace(screen):
    page, link, server = screen
    link.freeze()
    with server.api() as api:
        assert api.post("/api/contests/c1/actions", json={"action": "start"}).status_code == 200
    # the frozen socket never delivers 'idle'; only a new connection can (grace 25 s + backoff)
    page.clock.fast_forward(15_000)  # 15 s of silence: within the grace the link is still trusted
    expect(page.locator("body")).to_have_attribute("data-phase", "setup")
    assert link.connections("GET /ws/s/") == 1
    page.clock.fast_forward(11_000)  # past the 25 s grace: abandoned, a new connection brings 'idle'
    shows_phase(page, "idle", timeout=10)
    assert link.connections("GET /ws/s/") >= 2
    expect(page.locator("body")).to_have_attribute("data-conn", "live")


def test_coming_back_online_reconnects_at_once_and_a_hung_handshake_is_given_up(screen):
    page, link, server = screen
    link.freeze()
    link.hang_new = True            # the network is down: new connections hang
    page.clock.fast_forward(13_000)  # longer than live.js trusts a quiet link (12 s)
    page.evaluate("window.dispatchEvent(new Event('online'))")   # the phone says it is back …
    expect(page.locator("body")).to_have_attribute("data-conn", "reconnecting", timeout=3000)
    deadline = time.monotonic() + 5  # the page has opened its socket; the proxy may count it a moment later
    while link.connections("GET /ws/s/") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert link.connections("GET /ws/s/") == 2, "… and live.js tried at once, not after the dead socket closed"
    link.hang_new = False           # … and now it really is; the attempt in flight hangs for good
    with server.api() as api:
        assert api.post("/api/contests/c1/actions", json={"action": "start"}).status_code == 200
    expect(page.locator("body")).to_have_attribute("data-conn", "reconnecting")
    page.clock.fast_forward(10_500)  # the connect timeout (10 s): the hung attempt is given up
    shows_phase(page, "idle", timeout=10)   # … and the next one (after its backoff) gets through, not minutes
    expect(page.locator("body")).to_have_attribute("data-conn", "live")
