"""Issue 13 (the evening, smoothed), judges' phones and QR cards, in real headless Chromium.

What it covers: the QR cards encode the address phones reach (``serve --public-url``), a zbarimg decode of
one card's code as Chromium drew it, and the loud warning on the cards page and the console when that
address is loopback; a real double tap on 提交评分 (two touches ~100 ms apart at one point) submits
nothing; at 360×640 nothing sits under the sticky submit bar and the language switch is small beside the
judge's name; the organizer's 请尽快提交 nudge reaches only that judge's phone, which shows a banner (and
vibrates) until they submit.  Screenshots of the changed states go to artifacts/evening_smoothed/.

What it does not cover: the outlier rule and the nudge API's refusals (tests/test_evening_smoothed.py).
"""

from __future__ import annotations

import shutil
import subprocess
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import sign_in
from tests.browser.test_judge_app import AUDIT_JS, EXPERT, Organizer, open_judge, view

pytestmark = pytest.mark.browser

PHONE_360 = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True,
             "device_scale_factor": 2}


@pytest.fixture
def org(live_server):
    organizer = Organizer(live_server)
    yield organizer
    organizer.http.close()


def shots(artifacts):
    folder = artifacts / "evening_smoothed"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def signed_in(browser: Browser, server) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, server)
    return page


def box(page: Page, selector: str) -> dict:
    return page.evaluate("(s) => { const r = document.querySelector(s).getBoundingClientRect(); "
                         "return {x: r.x, y: r.y, w: r.width, h: r.height, bottom: r.bottom, right: r.right}; }",
                         selector)


# ------------------------------------------------------------------ item 1: QR cards

def zbar_decode(png: str) -> list[str]:
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.fail("zbarimg is not installed: run scripts/test (it installs zbar-tools) or apt-get install zbar-tools")
    out = subprocess.run([zbarimg, "--quiet", "--raw", png], capture_output=True, text=True, timeout=30)
    return [line for line in out.stdout.splitlines() if line]


def test_cards_encode_the_public_url_and_warn_loudly_when_it_is_loopback(browser, live_server, org, artifacts):
    folder = shots(artifacts)
    page = signed_in(browser, live_server)
    e1 = org.judges["E1"]

    # opened on 127.0.0.1 with no public address: every card says it is unreachable, and so does the console
    page.goto(f"{live_server.url}/console/c1/cards")
    warning = page.locator("#unreachable")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("评委的手机无法访问")
    expect(warning).to_contain_text("--host 0.0.0.0")
    expect(warning).to_contain_text("--public-url")
    card = page.locator(f".qr-card[data-judge={e1['id']}]")
    expect(card.locator(".qr-url")).to_have_text(f"{live_server.url}/j/{e1['token']}")
    page.screenshot(path=str(folder / "cards-loopback-warning.png"))
    card.locator(".qr-code").screenshot(path=str(folder / "card-qr-loopback.png"))
    assert zbar_decode(str(folder / "card-qr-loopback.png")) == [f"{live_server.url}/j/{e1['token']}"]
    page.goto(f"{live_server.url}/console/c1")
    expect(page.locator("#unreachable-alert")).to_be_visible()
    expect(page.locator("#unreachable-alert")).to_contain_text("--public-url")
    page.screenshot(path=str(folder / "console-loopback-warning.png"))

    # serve --public-url http://192.168.31.20:8000: the cards encode it whatever address the console is on
    live_server.app.state.public_url = "http://192.168.31.20:8000"
    page.goto(f"{live_server.url}/console/c1/cards")
    expect(page.locator("#unreachable")).to_have_count(0)
    expect(page.locator("#link-base")).to_have_text("http://192.168.31.20:8000")
    urls = page.locator(".qr-card:not(.screen-card) .qr-url").all_text_contents()
    assert len(urls) == len(org.judges)
    assert all(u.startswith("http://192.168.31.20:8000/j/") for u in urls)
    expect(card.locator(".qr-url")).to_have_text(f"http://192.168.31.20:8000/j/{e1['token']}")
    expect(page.locator(".screen-card .qr-url")).to_have_text(
        f"http://192.168.31.20:8000/s/{org.state['setup']['screen_link'].split('/')[-1]}")
    card.locator(".qr-code").screenshot(path=str(folder / "card-qr-public-url.png"))
    assert zbar_decode(str(folder / "card-qr-public-url.png")) == [f"http://192.168.31.20:8000/j/{e1['token']}"]
    page.screenshot(path=str(folder / "cards-public-url.png"))
    page.goto(f"{live_server.url}/console/c1")
    expect(page.locator("#conn")).to_contain_text("已连接")
    expect(page.locator("#unreachable-alert")).to_have_count(0)
    page.context.close()


# ------------------------------------------------------------------ item 2: a double tap on 提交评分

def fill_expert(page: Page) -> None:
    inputs = page.locator("input[data-i]")
    for i, v in enumerate(EXPERT.values()):
        inputs.nth(i).fill(str(v))


def test_a_double_tap_on_submit_opens_the_confirmation_and_submits_nothing(browser, live_server, org, artifacts):
    org.act("start")
    pid = org.act("present")["current"]["id"]
    org.act("open_scoring")
    context, page, errors = open_judge(browser, live_server, org.judges["E1"], PHONE_360)
    view(page, "score")
    fill_expert(page)
    page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")  # the bar sticks at the bottom
    b = box(page, "#submit-btn")
    x, y = b["x"] + b["w"] / 2, b["y"] + b["h"] / 2
    page.touchscreen.tap(x, y)
    page.wait_for_timeout(100)
    page.touchscreen.tap(x, y)                       # the finger's second tap lands where 确认提交 opened
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    c = box(page, "#confirm-btn")
    assert c["x"] <= x <= c["right"] and c["y"] <= y <= c["bottom"], "the second tap must land on 确认提交"
    page.wait_for_timeout(700)                       # long after: still asking, nothing sent
    expect(dialog).to_be_visible()
    assert org.submissions("E1", pid) == []
    page.screenshot(path=str(shots(artifacts) / "double-tap-still-asks.png"))

    # a deliberate tap a moment later submits once
    page.touchscreen.tap(x, y)
    expect(dialog).to_have_count(0)
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    assert len(org.submissions("E1", pid)) == 1
    assert errors == []
    context.close()


# ------------------------------------------------------------------ item 3: 360 px

def test_at_360_nothing_sits_under_the_submit_bar_and_the_language_switch_is_small(browser, live_server, org,
                                                                                 artifacts):
    org.act("start")
    org.act("present")
    org.act("open_scoring")
    context, page, errors = open_judge(browser, live_server, org.judges["E1"], PHONE_360)
    view(page, "score")
    last = "input[data-i='3']"

    # scrolled to the end: the last criterion is above the bar
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(100)
    assert box(page, last)["bottom"] <= box(page, ".submit-bar")["y"]
    page.screenshot(path=str(shots(artifacts) / "phone-360-scrolled-to-end.png"))

    # moving down with the keyboard's 下一项 (Enter) while the last criterion is on screen but behind the bar:
    # it comes out from under the bar
    page.evaluate("""(sel) => {
      const el = document.querySelector(sel);
      const top = el.getBoundingClientRect().bottom + window.scrollY;
      window.scrollTo(0, top - window.innerHeight + 20);   // its bottom 20 px above the viewport's bottom
    }""", last)
    page.wait_for_timeout(100)
    covered = box(page, last)
    assert covered["bottom"] <= 640 and covered["bottom"] > box(page, ".submit-bar")["y"], "set-up: behind the bar"
    page.locator("button[data-act=plus][data-i='2']").focus()
    page.keyboard.press("Tab")                      # to the last criterion's − button
    expect(page.locator("button[data-act=minus][data-i='3']")).to_be_focused()
    page.wait_for_timeout(300)
    assert box(page, "button[data-act=minus][data-i='3']")["bottom"] <= box(page, ".submit-bar")["y"] + 0.5
    page.keyboard.press("Tab")
    expect(page.locator(last)).to_be_focused()
    page.wait_for_timeout(300)
    assert box(page, last)["bottom"] <= box(page, ".submit-bar")["y"] + 0.5
    page.screenshot(path=str(shots(artifacts) / "phone-360-last-criterion-focused.png"))

    # the language switch beside the name is small: smaller text, narrower than the name, still a 44 px target
    page.evaluate("() => window.scrollTo(0, 0)")
    name, lang = box(page, "#who-name"), box(page, "#lang")
    fonts = page.evaluate("() => [getComputedStyle(document.querySelector('#who-name')).fontSize, "
                          "getComputedStyle(document.querySelector('#lang')).fontSize]")
    assert float(fonts[1][:-2]) < float(fonts[0][:-2])
    assert lang["w"] < name["w"], (lang, name)
    assert lang["h"] >= 44
    expect(page.locator("#lang")).to_have_attribute("aria-label", "EN: Switch to English")
    assert page.evaluate(AUDIT_JS) == []
    page.screenshot(path=str(shots(artifacts) / "phone-360-header.png"), clip={"x": 0, "y": 0, "width": 360,
                                                                              "height": 140})
    page.locator("#lang").click()
    expect(page.locator("#lang")).to_have_text("中文")
    assert box(page, "#lang")["w"] < box(page, "#who-name")["w"]
    assert errors == []
    context.close()


# ------------------------------------------------------------------ item 4: 请尽快提交

def test_a_nudge_reaches_only_that_judges_phone_and_stays_until_they_submit(browser, live_server, org, artifacts):
    folder = shots(artifacts)
    org.act("start")
    pid = org.act("present")["current"]["id"]
    org.act("open_scoring")
    context, page, errors = open_judge(browser, live_server, org.judges["E1"], PHONE_360)
    page.evaluate("() => { window.__buzz = []; navigator.vibrate = (p) => { window.__buzz.push(p); return true; }; }")
    other_ctx, other, _ = open_judge(browser, live_server, org.judges["E2"], PHONE_360)
    view(page, "score")
    view(other, "score")
    expect(page.locator("#nudge")).to_have_count(0)

    # the console's per-judge button
    console = signed_in(browser, live_server)
    console.goto(f"{live_server.url}/console/c1")
    nudge_e1 = console.locator("#nudges [data-nudge=E1]")
    expect(nudge_e1).to_be_visible()
    expect(console.locator("#nudges [data-nudge-all]")).to_contain_text("提醒全部未提交")
    nudge_e1.click()
    expect(page.locator("#nudge")).to_be_visible()
    expect(page.locator("#nudge")).to_contain_text("请尽快提交")
    assert page.evaluate("() => window.__buzz") == [[200, 100, 200]]
    assert page.evaluate(AUDIT_JS) == []            # text ≥ 16 px, contrast, targets: the banner too
    page.screenshot(path=str(folder / "phone-nudged.png"))
    expect(console.locator("#nudges [data-nudge=E1]")).to_contain_text("已提醒")
    console.screenshot(path=str(folder / "console-nudge.png"))
    other.wait_for_timeout(500)
    expect(other.locator("#nudge")).to_have_count(0)  # pushed to E1's socket only

    # a reload keeps it; submitting clears it
    page.reload()
    expect(page.locator("#nudge")).to_be_visible()
    fill_expert(page)
    page.locator("#submit-btn").click()
    page.get_by_role("button", name="确认提交").click()
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    expect(page.locator("#nudge")).to_have_count(0)
    expect(console.locator("#nudges [data-nudge=E1]")).to_have_count(0)

    # "nudge all missing" reaches E2 (and the other missing judges), not E1 who submitted
    console.locator("#nudges [data-nudge-all]").click()
    expect(other.locator("#nudge")).to_be_visible()
    page.wait_for_timeout(300)
    expect(page.locator("#nudge")).to_have_count(0)
    entries = org.http.get("/api/contests/c1/audit", params={"kind": "nudge"}).json()["entries"]
    assert [e["detail"]["judge"] for e in entries][:2] == ["E1", "E2"]
    assert all(e["action"] == "judge.nudge" and e["detail"]["project"] == pid for e in entries)
    for c in (context, other_ctx, console.context):
        c.close()
