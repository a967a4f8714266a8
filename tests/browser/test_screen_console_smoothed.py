"""Issue 13 (the evening, smoothed) in real headless Chromium: items 5, 6, 8, 9 and 10.

What it checks: ranking and final lists of 10, 15 and 20 projects at 1920×1080 keep every project name at
28 px or more (getComputedStyle of the rendered name), with and without the overtime banners
(并列 alert, 并列已由加时赛决出, tie notes, track tags, long names), and nothing overflows; the console's
holding view and hidden marks on the big screen; the console after lock (no overtime badge, the whole
running order, the reveal complete, no timer); two consoles (two browser contexts) pressing 100 ms apart:
the second is asked first; the timer past zero shows 超时 +0:23 on console and screen, pause disabled when
nothing runs.

Screenshots go to artifacts/smoothed/ for people to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_screen import FITS_JS, is_red
from tests.conftest import LiveServer
from tests.helpers import act, create_contest, submit_ok

pytestmark = pytest.mark.browser

EXPERT = {"need": 25, "design": 30, "impact": 25, "team": 20}
# names of real length (up to 26 characters, with a 赛道 tag) and one longer than any real one
EXTREME = "“老有所依·幸福食堂”社区长者助餐与居家养老服务综合体建设示范项目（第二期）"
LONG_NAMES = [EXTREME, "“小小河长”青少年护河志愿服务与生态文明教育实践计划",
              "困境儿童“四点半课堂”暨家庭教育指导服务项目", "邻里守望·独居老人智慧关爱", "社区花园",
              "“残健同行”融合就业支持与社区康复服务", "新市民子女城市融入“向日葵”成长营", "垃圾分类“绿色账户”"]
TRACKS = ["新锐", "魅力"]
MIN_NAME_PX = 28.0

# every rendered project name on the stage: its font size and whether it is clipped
NAME_SIZES_JS = """() => [...document.querySelectorAll('#leaderboard .lb-row .name, #final .final-row .name')].map(el => ({
  text: el.textContent.trim().slice(0, 12), px: parseFloat(getComputedStyle(el).fontSize),
  clipped: el.scrollWidth > el.clientWidth + 2 || el.scrollHeight > el.clientHeight + 2,
  box: [el.clientWidth, el.scrollWidth, el.clientHeight, el.scrollHeight, el.parentElement.clientHeight,
        el.parentElement.scrollHeight, el.style.lineHeight, el.style.maxHeight]}))"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(str(tmp_path_factory.mktemp("smoothed") / "smoothed.db"), demo=False) as s:
        yield s


@pytest.fixture(scope="module")
def api(server):
    with server.api() as client:
        yield client


@pytest.fixture(scope="module")
def shots(artifacts) -> Path:
    folder = artifacts / "smoothed"
    folder.mkdir(exist_ok=True)
    return folder


class Evening:
    """One contest driven over the API, the judges submitting as their phones would."""

    def __init__(self, api: httpx.Client, server: LiveServer, n: int, *, ties: bool, tracks: bool = False,
                 long_names: bool = False) -> None:
        self.api, self.server = api, server
        projects = []
        for i in range(1, n + 1):
            name = LONG_NAMES[(i - 1) % len(LONG_NAMES)] if long_names else f"项目{i:02d}"
            projects.append({"id": f"P{i:02d}", "name": name, "organization": f"第{i}社会工作服务中心",
                             **({"track": TRACKS[i % 2]} if tracks else {})})
        snap = create_contest(api, {
            "name": "2026 滨江区公益创投大赛决赛", "date": "2026-12-01", "venue": "滨江区社会组织服务中心 报告厅",
            "projects": projects, "order": [p["id"] for p in projects],
            "judges": [{"id": f"E{i}", "name": f"专家{i}", "panel": "expert"} for i in range(1, 4)]
            + [{"id": f"U{i}", "name": f"大众{i}", "panel": "public"} for i in range(1, 4)]})
        self.cid = snap["contest"]["id"]
        self.judges = snap["setup"]["judges"]
        self.screen_url = server.url + snap["setup"]["screen_link"]
        # levels fall with the position; with ties: P01 = P02 (across 一等奖: overtime) and P04 = P05 (inside 三等奖)
        self.levels = {p["id"]: 0.95 - 0.012 * i for i, p in enumerate(projects)}
        if ties:
            self.levels["P02"] = self.levels["P01"]
            self.levels["P05"] = self.levels["P04"]

    def act(self, *actions: str, **kw) -> dict:
        return act(self.api, *actions, cid=self.cid, **kw)

    def marks(self, judge: dict, level: float) -> dict:
        if judge["panel"] == "expert":
            return {k: round(m * level, 1) for k, m in EXPERT.items()}
        return {"overall": round(100 * level, 1)}

    def roadshow(self, pid: str, level: float, round_name: str = "final") -> None:
        self.act("present", project=pid)
        self.act("open_scoring")
        for j in self.judges:
            submit_ok(self.api, j, pid, self.marks(j, level), round_name)
        self.act("close_scoring", "show_result")

    def to_ranking(self) -> dict:
        self.act("start")
        for pid, level in self.levels.items():
            self.roadshow(pid, level)
            if pid != list(self.levels)[-1]:
                self.act("next")
        return self.act("rank")

    def overtime(self) -> dict:
        snap = self.act("start_overtime")
        for k, o in enumerate(snap["order"]):
            self.roadshow(o["id"], 0.9 - 0.05 * k, snap["round"])
            if k < len(snap["order"]) - 1:
                self.act("next")
        return self.act("rank")

    def to_lock(self) -> dict:
        snap = self.act("start_reveal")
        while snap["reveal"]["step"] < snap["reveal"]["total_tiers"]:
            snap = self.act("reveal_next")
        return self.act("lock")


def open_screen(browser: Browser, url: str) -> Page:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN", reduced_motion="reduce")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    page.goto(url)
    return page


def check_names(page: Page, view: str, n: int, name: str, shots: Path, **present: str) -> list[float]:
    expect(page.locator("body")).to_have_attribute("data-view", view)
    for selector in present.values():
        expect(page.locator(selector).first).to_be_visible()
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    page.wait_for_timeout(200)       # the .fit pass after the render
    sizes = [{**s, "text": s["text"].lstrip("新锐魅力")} for s in page.evaluate(NAME_SIZES_JS)]
    page.screenshot(path=str(shots / f"{name}.png"))
    assert len(sizes) == n, sizes
    small = [s for s in sizes if s["px"] < MIN_NAME_PX and not EXTREME.startswith(s["text"])]
    assert small == [], f"{name}: names under {MIN_NAME_PX} px: {small[:5]}"
    # a name longer than any real one (38 characters) may go smaller, shown whole, still legible
    assert all(s["px"] >= 18 for s in sizes), sizes
    assert [s for s in sizes if s["clipped"]] == [], name
    bad = page.evaluate(FITS_JS)
    assert bad == [], (name, bad)
    assert page.errors == []  # type: ignore[attr-defined]
    return [s["px"] for s in sizes]


@pytest.mark.parametrize("n", [10, 15, 20])
def test_names_stay_readable_on_the_ranking_without_banners(browser, server, api, shots, n):
    ev = Evening(api, server, n, ties=False)
    page = open_screen(browser, ev.screen_url)
    ev.to_ranking()
    px = check_names(page, "ranking", n, f"ranking-{n}-plain", shots)
    assert page.locator("#tie-alert, #tie-resolved, #tie-notes").count() == 0
    ev.to_lock()
    check_names(page, "locked", n, f"final-{n}-plain", shots)
    print(f"{n} rows, no banners: name font {min(px):.1f}-{max(px):.1f} px")
    page.context.close()


@pytest.mark.parametrize("n", [10, 15, 20])
def test_names_stay_readable_after_overtime_with_banners_tie_notes_and_tracks(browser, server, api, shots, n):
    ev = Evening(api, server, n, ties=True, tracks=True, long_names=True)
    page = open_screen(browser, ev.screen_url)
    ranking = ev.to_ranking()
    assert ranking["needs_overtime"] == [["P01", "P02"]]
    before = check_names(page, "ranking", n, f"ranking-{n}-tie-alert", shots, alert="#tie-alert")
    ev.overtime()
    after = check_names(page, "ranking", n, f"ranking-{n}-after-overtime", shots, resolved="#tie-resolved",
                        notes="#tie-notes", track=".lb-row .track")
    expect(page.locator("#tie-resolved")).to_contain_text("加时赛")
    ev.to_lock()
    check_names(page, "locked", n, f"final-{n}-after-overtime", shots, notes="#tie-notes")
    print(f"{n} rows, with banners: name font {min(before + after):.1f}-{max(before + after):.1f} px")
    page.context.close()


# ---------------------------------------------------------------- the console (items 6, 8, 9, 10)

def console_context(browser: Browser, server: LiveServer):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    ctx.set_default_timeout(8000)
    page = ctx.new_page()
    page.goto(server.url + "/console")
    page.fill("#key", server.key)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/console")
    return ctx, page


def open_console(page: Page, server: LiveServer, cid: str) -> Page:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    page.goto(f"{server.url}/console/{cid}")
    expect(page.locator("#conn")).to_have_class("conn live")
    return page


def ready(page: Page) -> None:
    expect(page.locator("body[data-busy]")).to_have_count(0)


def test_console_after_lock_shows_the_final_state(browser, server, api, shots):
    ev = Evening(api, server, 5, ties=True)
    ev.to_ranking()
    ev.overtime()
    ctx, page = console_context(browser, server)
    open_console(page, server, ev.cid)
    expect(page.locator("#phase")).to_contain_text("排名")
    ev.to_lock()
    expect(page.locator("#phase")).to_contain_text("已锁定")
    expect(page.locator("#round")).to_be_hidden()
    expect(page.locator("#order li")).to_have_count(5)        # the whole running order, not the overtime pair
    expect(page.locator("#order li.st-done")).to_have_count(5)
    expect(page.locator("#cur-name")).to_have_text("结果已锁定 Results locked")
    expect(page.locator("#cur-org")).to_contain_text("全部 4 个奖项已揭晓")
    expect(page.locator("#timer")).to_be_hidden()
    expect(page.locator("[data-action=timer_pause]")).to_be_hidden()
    page.screenshot(path=str(shots / "console-after-lock.png"), full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]
    ctx.close()


def test_two_consoles_a_press_right_after_the_other_asks_first(browser, server, api, shots):
    ev = Evening(api, server, 3, ties=False)
    ev.act("start", "present")
    ev.act("open_scoring")
    for j in ev.judges:
        submit_ok(api, j, "P01", ev.marks(j, 0.9))
    ctx_a, a = console_context(browser, server)
    ctx_b, b = console_context(browser, server)
    open_console(a, server, ev.cid)
    open_console(b, server, ev.cid)
    expect(b.locator("[data-action=close_scoring]")).to_be_enabled()
    a.click("[data-action=close_scoring]")
    expect(b.locator("[data-action=show_result]")).to_be_enabled()   # the other tab has refreshed …
    b.click("[data-action=show_result]")                             # … and its operator presses at once
    dialog = b.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("另一台控制台刚刚执行了「结束评分」")
    expect(dialog).to_contain_text("仍要继续吗")
    b.screenshot(path=str(shots / "console-recent-change.png"))
    assert api.get(f"/api/contests/{ev.cid}").json()["phase"] == "closed"   # nothing done before the answer
    b.click("#confirm-ok")
    expect(b.locator("#phase")).to_contain_text("公布结果")
    expect(a.locator("#phase")).to_contain_text("公布结果")
    assert api.get(f"/api/contests/{ev.cid}").json()["phase"] == "result"
    # the same console pressing again soon after its own change is not asked
    ready(b)
    b.click("[data-action=next]")
    expect(b.locator("#phase")).to_contain_text("等待上台")
    expect(b.locator("#confirm-dialog")).to_have_count(0)
    assert a.errors == [] and b.errors == []  # type: ignore[attr-defined]
    ctx_a.close()
    ctx_b.close()


def test_the_timer_runs_over_on_console_and_screen_and_pause_follows_the_server(browser, server, api, shots):
    ev = Evening(api, server, 3, ties=False)
    ev.act("start", "present")
    ctx, page = console_context(browser, server)
    open_console(page, server, ev.cid)
    screen = open_screen(browser, ev.screen_url)
    expect(page.locator("[data-action=timer_pause]")).to_be_disabled()   # nothing runs yet
    expect(page.locator("[data-action=timer_start]")).to_be_enabled()
    svc = server.service
    real = svc.clock
    try:
        page.click("[data-action=timer_start]")
        expect(page.locator("[data-action=timer_pause]")).to_be_enabled()
        offset = 323.0                                   # five minutes and 23 seconds later
        svc.clock = lambda: real() + offset
        ev.act("autostart_on")                           # any change pushes a fresh snapshot with the overrun
        expect(page.locator("#timer")).to_have_text(re.compile(r"超时 \+0:2[3-5]"))
        expect(page.locator("#timer")).to_have_class(re.compile(r"\bover\b"))
        expect(screen.locator("#countdown")).to_have_text(re.compile(r"超时 \+0:2[3-5]"))
        expect(screen.locator("#countdown")).to_have_attribute("data-state", "over")
        screen.wait_for_timeout(400)                     # the colour transition
        assert is_red(screen.locator("#countdown").evaluate("el => getComputedStyle(el).color"))
        expect(page.locator("[data-action=timer_pause]")).to_be_enabled()   # the overrun still counts
        page.wait_for_timeout(1200)
        expect(page.locator("#timer")).to_have_text(re.compile(r"超时 \+0:2[4-7]"))   # counting up
        page.screenshot(path=str(shots / "console-timer-overrun.png"))
        screen.screenshot(path=str(shots / "screen-timer-overrun.png"))
        ready(page)
        page.click("[data-action=timer_pause]")
        expect(page.locator("[data-action=timer_pause]")).to_be_disabled()  # nothing runs: nothing to pause
        page.wait_for_timeout(300)                       # the paused snapshot's own reading is on the page
        held = page.locator("#timer").inner_text()
        page.wait_for_timeout(1200)
        assert page.locator("#timer").inner_text() == held
    finally:
        svc.clock = real
    assert page.errors == [] and screen.errors == []  # type: ignore[attr-defined]
    ctx.close()
    screen.context.close()


def test_holding_view_and_hidden_marks_from_the_console(browser, server, api, shots):
    ev = Evening(api, server, 3, ties=False)
    ev.act("start")
    ev.roadshow("P01", 0.9)
    ctx, page = console_context(browser, server)
    open_console(page, server, ev.cid)
    screen = open_screen(browser, ev.screen_url)
    expect(screen.locator("body")).to_have_attribute("data-view", "result")
    expect(screen.locator("#result .mark")).to_have_count(6)
    page.click("[data-option=hide_marks]")
    expect(page.locator("[data-option=hide_marks]")).to_have_attribute("aria-pressed", "true")
    expect(screen.locator("#result .panel[data-marks=hidden]")).to_have_count(2)
    expect(screen.locator("#result .mark")).to_have_count(0)
    expect(screen.locator("#result-total")).to_have_text(f"{api.get(f'/api/contests/{ev.cid}').json()['result']['score']:.2f}")
    screen.wait_for_timeout(300)
    assert screen.evaluate(FITS_JS) == []
    screen.screenshot(path=str(shots / "screen-result-marks-hidden.png"))
    ready(page)
    page.click("[data-option=holding]")
    expect(screen.locator("body")).to_have_attribute("data-view", "holding")
    expect(screen.locator("body")).to_have_attribute("data-phase", "result")     # the evening did not move
    expect(screen.locator("#holding .h-title")).to_have_text("2026 滨江区公益创投大赛决赛")
    expect(screen.locator("#holding .h-date")).to_have_text("2026-12-01")
    expect(screen.locator("#holding .h-venue")).to_have_text("滨江区社会组织服务中心 报告厅")
    screen.wait_for_timeout(300)
    assert screen.evaluate(FITS_JS) == []
    screen.screenshot(path=str(shots / "screen-holding-view.png"))
    expect(page.locator("#phase")).to_contain_text("公布结果")
    ready(page)
    page.click("[data-option=holding]")
    expect(screen.locator("body")).to_have_attribute("data-view", "result")
    assert page.errors == [] and screen.errors == []  # type: ignore[attr-defined]
    ctx.close()
    screen.context.close()
