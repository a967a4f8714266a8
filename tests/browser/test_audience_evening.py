"""The audience takes part (issue 12), in real headless Chromium: five phones join by the audience link and vote
during a roadshow — one goes offline and back (its ballot lands once), one reloads (and sees its ballot), one votes
twice (counted once, the last choice wins: checked through the API) — while the big screen shows the join card, the
ballot count, the audience's part of the result and, during the popularity vote the console opens, the live chart;
the console shows the counts."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import new_page
from tests.browser.test_pages_a11y import run_axe
from tests.conftest import LiveServer
from tests.audience_kit import audience_rules
from tests.helpers import create_contest, spread_marks, submit_ok

pytestmark = pytest.mark.browser

RULES = audience_rules(stars=10, min_ballots=20, choices=3)  # 1-10 stars, fewer than 20 ballots: reweighted
PROJECTS = [{"id": f"P{i}", "name": f"观众项目{i}", "organization": f"服务中心{i}"} for i in range(1, 4)]
JUDGES = [{"id": "E1", "name": "专家一", "panel": "expert"}, {"id": "E2", "name": "专家二", "panel": "expert"},
          {"id": "E3", "name": "专家三", "panel": "expert"}, {"id": "U1", "name": "大众一", "panel": "public"},
          {"id": "U2", "name": "大众二", "panel": "public"}, {"id": "U3", "name": "大众三", "panel": "public"}]
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(str(tmp_path_factory.mktemp("aud") / "aud.db")) as s:
        yield s


def audience_contest(server, name: str) -> dict:
    """A new contest with the audience preset: {cid, path (the audience link's), screen, judges}."""
    with server.api() as http:
        snap = create_contest(http, {"name": name, "rules_text": RULES, "rules_name": "aud.toml",
                                     "projects": PROJECTS, "judges": JUDGES, "order": [p["id"] for p in PROJECTS]})
        cid = snap["contest"]["id"]
        full = http.get(f"/api/contests/{cid}").json()
    return {"cid": cid, "path": full["audience"]["link"]["path"], "judges": full["setup"]["judges"],
            "screen": full["setup"]["screen_link"].rsplit("/", 1)[1]}


def act(server, cid: str, *actions: str, **kw) -> dict:
    with server.api() as http:
        snap = {}
        for a in actions:
            r = http.post(f"/api/contests/{cid}/actions", json={"action": a, "confirm": True, **kw})
            assert r.status_code == 200, (a, r.text)
            snap = r.json()
        return snap


def console_audience(server, cid: str) -> dict:
    with server.api() as http:
        return http.get(f"/api/contests/{cid}").json()["audience"]


def phone(browser: Browser, server, path: str) -> Page:
    page = new_page(browser, server, signed_in=False, **PHONE)
    page.goto(server.url + path)
    expect(page.locator("#app")).to_have_attribute("data-view", "live")
    return page


def tap_stars(page: Page, n: int) -> None:
    page.locator(f'#stars button[data-stars="{n}"]').tap()


def saved(page: Page, n: int, what: str = "#score-mine") -> None:
    expect(page.locator(what)).to_have_attribute("data-state", "saved", timeout=10000)
    expect(page.locator(f'#stars button[data-stars="{n}"]')).to_have_attribute("aria-pressed", "true")


def test_five_phones_vote_through_drops_reloads_and_changes(browser: Browser, server, artifacts):
    c = audience_contest(server, "观众之夜")
    cid, path = c["cid"], c["path"]
    screen = new_page(browser, server, signed_in=False, viewport={"width": 1920, "height": 1080})
    screen.goto(f"{server.url}/s/{c['screen']}?view=screen")
    console = new_page(browser, server, signed_in=True)
    console.goto(f"{server.url}/console/{cid}")
    expect(console.locator("#audience")).to_be_visible()

    # the join card: the audience link as a QR code the server draws, and the short address
    card = screen.locator("#join-card")
    expect(card).to_be_visible()
    expect(card.locator(".jc-url")).to_contain_text(path)
    screen.wait_for_function("() => { const i = document.querySelector('#join-card img'); return i && i.complete && i.naturalWidth > 0; }")
    if shutil.which("zbarimg"):
        shot = artifacts / "audience_join_card.png"
        card.locator("img").screenshot(path=str(shot))
        out = subprocess.run(["zbarimg", "--quiet", "--raw", str(shot)], capture_output=True, text=True)
        assert out.stdout.strip().endswith(path), out

    act(server, cid, "start", "present")
    phones = [phone(browser, server, path) for _ in range(5)]
    for p in phones:
        expect(p.locator("#on-stage-name")).to_have_text("观众项目1")
        expect(p.locator("#score")).to_have_attribute("data-state", "open")
    for i, p in enumerate(phones):
        if i == 1:
            continue
        tap_stars(p, i + 3)
    for i, p in enumerate(phones):
        if i != 1:
            saved(p, i + 3)
    expect(phones[0].locator("#score-mine")).to_contain_text("已投票，可修改")

    # phone 1 is offline when it votes: the ballot is kept, then lands once when the Wi-Fi is back
    phones[1].context.set_offline(True)
    tap_stars(phones[1], 7)
    expect(phones[1].locator("#score-mine")).to_have_attribute("data-state", "pending")
    phones[1].wait_for_timeout(1200)
    phones[1].context.set_offline(False)
    saved(phones[1], 7)

    # phone 2 reloads: its ballot is still shown as its own
    phones[2].reload()
    expect(phones[2].locator("#app")).to_have_attribute("data-view", "live")
    saved(phones[2], 5)

    # phone 3 changes its mind: one ballot, the last choice
    tap_stars(phones[3], 9)
    saved(phones[3], 9)
    window = console_audience(server, cid)["window"]
    assert window["count"] == 5, window
    mine = phones[3].evaluate("""async (path) => {
        const device = localStorage.getItem(`aud:${path.split('/').pop()}:device`);
        const r = await fetch(`/api${path}/me`, {headers: {'X-Audience-Device': JSON.parse(device)}});
        return r.json(); }""", path)
    ballot = mine["ballots"][window["id"]]
    assert (ballot.get("value") or ballot)["stars"] == 9

    # the big screen and the console count the five ballots
    expect(screen.locator("#aud-count")).to_have_attribute("data-count", "5")
    expect(console.locator("#aud-window")).to_have_text("5")
    expect(console.locator("#aud-phones")).not_to_have_text("0")

    # scoring closes: the phones' stars are disabled with 投票已结束; the result shows the audience's part
    act(server, cid, "open_scoring")
    with server.api() as http:
        for k, j in enumerate(c["judges"]):
            submit_ok(http, j, "P1", spread_marks(j, 0.8, k))
    act(server, cid, "close_scoring")
    for p in phones:
        expect(p.locator("#score")).to_have_attribute("data-state", "closed")
        expect(p.locator("#score-state")).to_contain_text("投票已结束")
        expect(p.locator('#stars button[data-stars="1"]')).to_be_disabled()
    act(server, cid, "show_result")
    result = screen.locator("#aud-result")
    expect(result).to_be_visible()
    expect(result).to_have_attribute("data-fallback", "1")  # 5 ballots, the preset asks for 20
    expect(result).to_contain_text("票数不足，按规则不计入")
    expect(result).to_contain_text("5")
    expect(screen.locator("#result")).to_have_attribute("data-settled", "1", timeout=15000)
    screen.screenshot(path=str(artifacts / "audience_screen_result.png"))

    # the popularity vote, opened and closed from the console; the screen's chart grows and names the leader
    console.locator('[data-aud-action="popularity_open"]').click()
    expect(screen.locator("body")).to_have_attribute("data-view", "popularity")
    for p in phones:
        expect(p.locator("#popularity")).to_have_attribute("data-state", "open")
    picks = [["P2"], ["P2", "P3"], ["P2"], ["P3"], ["P1", "P2"]]
    for p, pick in zip(phones, picks):
        for pid in pick:
            p.locator(f'#pop-list input[data-project="{pid}"]').check()
        p.locator("#pop-vote").tap()
    for p in phones:
        expect(p.locator("#pop-mine")).to_have_attribute("data-state", "saved", timeout=10000)
    expect(screen.locator('#aud-chart .bar-row[data-project="P2"]')).to_have_attribute("data-votes", "4")
    expect(screen.locator('#aud-chart .bar-row[data-project="P3"]')).to_have_attribute("data-votes", "2")
    expect(screen.locator('#aud-chart .bar-row.leader')).to_have_attribute("data-project", "P2")
    width = screen.locator('#aud-chart .bar-row[data-project="P2"] .bar-fill').evaluate("e => e.style.width")
    assert width == "100%"  # the leader fills its track; the others in proportion
    half = screen.locator('#aud-chart .bar-row[data-project="P3"] .bar-fill').evaluate("e => e.style.width")
    assert half == "50%"
    expect(console.locator("#aud-pop-count")).to_have_text("5")
    expect(screen.locator(".pop-total .aud-total").first).to_have_text("5")  # phones that voted, not votes (8)
    screen.screenshot(path=str(artifacts / "audience_screen_chart.png"))
    for page, name in ((screen, "screen with the chart and the join card"), (console, "console with the audience")):
        bad = run_axe(page)
        assert bad == [], f"axe on the {name}: {bad}"
    phones[0].screenshot(path=str(artifacts / "audience_phone_popularity.png"), full_page=True)
    console.locator('[data-aud-action="popularity_close"]').click()
    for p in phones:
        expect(p.locator("#popularity")).to_have_attribute("data-state", "closed")
        expect(p.locator("#pop-vote")).to_be_disabled()
    assert console_audience(server, cid)["popularity"] == {"state": "closed", "count": 5}

    # the console hides the join card
    console.locator('[data-aud-action="join_hide"]').click()
    expect(screen.locator("#join-card")).to_have_count(0)
    for p in [*phones, screen, console]:
        p.context.close()
