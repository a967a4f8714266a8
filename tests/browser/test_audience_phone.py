"""The audience's phone page on its own (issue 12), in real headless Chromium: strict mode asks for a ballot code
once and says clearly when a code is already used on another phone; the page has no serious or critical axe
finding and fits a 360×640 phone (no sideways scrolling, the stars big enough to tap); English after one press;
an unknown link is the Chinese error page."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import new_page
from tests.browser.test_audience_evening import PHONE, act, audience_contest, phone, saved, server, tap_stars  # noqa: F401 (server: the fixture)
from tests.browser.test_pages_a11y import run_axe

pytestmark = pytest.mark.browser


def test_strict_mode_asks_for_a_code_once_and_refuses_a_used_one(browser: Browser, server):
    c = audience_contest(server, "选票码之夜")
    with server.api() as http:
        assert http.post(f"/api/contests/{c['cid']}/audience", json={"action": "strict_on"}).status_code == 200
        r = http.post(f"/api/contests/{c['cid']}/audience/codes", json={"count": 2})
        assert r.status_code in (200, 201), r.text
        codes = [x["code"] for x in http.get(f"/api/contests/{c['cid']}/audience/codes").json()["codes"]]
    act(server, c["cid"], "start", "present")
    a, b = phone(browser, server, c["path"]), phone(browser, server, c["path"])
    for p in (a, b):
        expect(p.locator("#code-form")).to_be_visible()
        expect(p.locator('#stars button[data-stars="1"]')).to_be_disabled()
    a.fill("#code-input", codes[0].lower())
    a.locator("#code-ok").tap()
    expect(a.locator("#code-form")).to_be_hidden()
    tap_stars(a, 8)
    saved(a, 8)
    a.reload()
    expect(a.locator("#app")).to_have_attribute("data-view", "live")
    expect(a.locator("#code-form")).to_be_hidden()   # asked once
    saved(a, 8)

    b.fill("#code-input", codes[0])
    b.locator("#code-ok").tap()
    expect(b.locator("#code-error")).to_be_visible()
    expect(b.locator("#code-error")).to_contain_text("选票码已在另一部手机上使用")
    expect(b.locator("#code-form")).to_be_visible()
    b.fill("#code-input", "ZZZZZZZZ")
    b.locator("#code-ok").tap()
    expect(b.locator("#code-error")).to_contain_text("没有这个选票码")
    b.fill("#code-input", codes[1])
    b.locator("#code-ok").tap()
    expect(b.locator("#code-form")).to_be_hidden()
    tap_stars(b, 3)
    saved(b, 3)
    with server.api() as http:
        aud = http.get(f"/api/contests/{c['cid']}").json()["audience"]
    assert aud["window"]["count"] == 2 and aud["codes"] == {"issued": 2, "used": 2}
    for p in (a, b):
        p.context.close()


def test_phone_page_is_accessible_fits_360_and_switches_to_english(browser: Browser, server, artifacts):
    c = audience_contest(server, "无障碍之夜")
    act(server, c["cid"], "start", "present")
    with server.api() as http:
        assert http.post(f"/api/contests/{c['cid']}/audience", json={"action": "popularity_open"}).status_code == 200
    p = phone(browser, server, c["path"])
    expect(p.locator("#popularity")).to_have_attribute("data-state", "open")
    tap_stars(p, 10)
    saved(p, 10)
    bad = run_axe(p)
    assert bad == [], json.dumps(bad, ensure_ascii=False, indent=1)
    size = p.evaluate("""() => ({scroll: document.scrollingElement.scrollWidth, width: innerWidth,
        stars: [...document.querySelectorAll('#stars button')].map(b => b.getBoundingClientRect()).map(r => [r.width, r.height, r.right])})""")
    assert size["scroll"] <= size["width"] == 360, size
    assert len(size["stars"]) == 10 and all(w >= 48 and h >= 48 and right <= 360 for w, h, right in size["stars"]), size
    p.screenshot(path=str(artifacts / "audience_phone_360.png"), full_page=True)
    p.locator("[data-lang-switch]").tap()
    expect(p.locator("#score-mine")).to_contain_text("Voted — you can change it")
    assert "已投票" not in p.locator("#score-mine").inner_text()
    expect(p.locator("#popularity .state")).to_contain_text("Voting open")
    bad = run_axe(p)
    assert bad == [], json.dumps(bad, ensure_ascii=False, indent=1)
    p.context.close()


def test_unknown_audience_link_shows_the_chinese_error_page(browser: Browser, server):
    p = new_page(browser, server, signed_in=False, **PHONE)
    r = p.goto(server.url + "/a/not-a-link")
    assert r.status == 404
    expect(p.locator("h1")).to_contain_text("观众链接无效")
    p.context.close()


def test_console_generates_codes_switches_strict_mode_and_prints_tickets(browser: Browser, server, artifacts):
    c = audience_contest(server, "印票之夜")
    console = new_page(browser, server, signed_in=True)
    console.goto(f"{server.url}/console/{c['cid']}")
    expect(console.locator("#audience")).to_be_visible()
    expect(console.locator("#aud-print")).to_be_hidden()
    console.fill("#aud-n", "30")
    console.locator("#aud-gen").click()
    expect(console.locator("#aud-print")).to_be_visible()
    expect(console.locator("#aud-codes")).to_have_text("0 / 30")
    on, off = console.locator('[data-aud-action="strict_on"]'), console.locator('[data-aud-action="strict_off"]')
    expect(on).to_be_enabled()
    expect(off).to_be_disabled()
    on.click()
    expect(console.locator("#aud-strict")).to_contain_text("开启")
    expect(off).to_be_enabled()
    expect(on).to_be_disabled()
    with console.context.expect_page() as popup:
        console.locator("#aud-print a").first.click()
    tickets = popup.value
    expect(tickets.locator(".ticket")).to_have_count(30)
    expect(tickets.locator(".sheet.ticket-sheet")).to_have_count(2)
    pdf = console.request.get(f"{server.url}/api/contests/{c['cid']}/audience/codes.pdf?unused=1")
    assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"
    console.fill("#aud-n", "0")
    console.locator("#aud-gen").click()
    expect(console.locator(".toast.bad")).to_contain_text("1–5000")
    console.context.close()


def test_a_vote_before_the_credential_arrives_makes_one_device(browser: Browser, server):
    """A new phone that taps a star before the server has answered its first credential request asks once:
    two requests at once would make it two devices, and so two ballots."""
    c = audience_contest(server, "抢先投票之夜")
    act(server, c["cid"], "start", "present")
    p = new_page(browser, server, signed_in=False, **PHONE)
    held, released = [], []
    p.route("**/api/a/*/device", lambda route: route.continue_() if released else held.append(route))
    p.goto(server.url + c["path"])
    expect(p.locator('#stars button[data-stars="6"]')).to_be_enabled()   # drawn from the snapshot the page came with
    tap_stars(p, 6)
    expect(p.locator("#score-mine")).to_have_attribute("data-state", "pending")
    p.wait_for_timeout(500)
    asked = len(held)
    released.append(True)
    for route in held:
        route.continue_()
    saved(p, 6)
    assert asked == 1
    with server.api() as http:
        assert http.get(f"/api/contests/{c['cid']}").json()["audience"]["window"]["count"] == 1
    p.context.close()
