"""Accessibility of every page, checked by axe-core (the npm package, installed by scripts/test into
.cache/npm; never fetched from a CDN) injected into real headless Chromium: no serious or critical
violation on the sign-in page, the console home, the console, setup, audit, the QR cards, a judge's phone,
the big screen and the error pages; plus the fixes axe asked for, one by one (contrast, a scrollable
running order reachable by keyboard, named table headers, cards text inside landmarks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import animations_done, demo_setup, fast_animations, new_page
from tests.conftest import ROOT, LiveServer
from tests.helpers import Evening, spread_marks

pytestmark = pytest.mark.browser

AXE = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CID = "c1"
SHOTS = ROOT / "artifacts" / "a11y"


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run scripts/test (it runs npm install axe-core@4)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(str(tmp_path_factory.mktemp("a11y") / "a11y.db")) as s:
        yield s


@pytest.fixture(scope="module")
def setup(server):
    return demo_setup(server, CID)




ALSO = ("region", "empty-table-header")  # moderate / minor in axe, but named in the issue: every page passes them too


def run_axe(page: Page) -> list[dict]:
    """axe's serious and critical violations on what the page shows now (and those of ALSO whatever their impact)."""
    page.evaluate(axe_source())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical") or v["id"] in ALSO]


def settle(page: Page, selector: str) -> None:
    page.wait_for_selector(selector)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # the live socket's first state has been drawn


def violations(page: Page, name: str) -> list[dict]:
    """A screenshot for review (artifacts/a11y/NAME.png), then axe's serious and critical findings."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    return run_axe(page)


def assert_clean(page: Page, name: str) -> None:
    bad = violations(page, name)
    assert bad == [], f"axe on {name}:\n" + json.dumps(bad, ensure_ascii=False, indent=1)


PAGES = [  # name, path (from the contest's setup), signed in?, a selector the page shows once drawn
    ("login", lambda s: "/login", False, "#key"),
    ("console_index", lambda s: "/console", True, "main"),
    ("console", lambda s: f"/console/{CID}", True, "#next-step"),
    ("setup", lambda s: f"/console/{CID}/setup", True, "main"),
    ("audit", lambda s: f"/console/{CID}/audit", True, "main"),
    ("cards", lambda s: f"/console/{CID}/cards", True, "main"),
    ("judge_phone", lambda s: s["judges"][0]["link"], False, "body"),
    ("big_screen", lambda s: s["screen_link"], False, "body"),
    ("not_found", lambda s: "/console/no-such-contest", True, "body"),
    ("bad_judge_link", lambda s: "/j/not-a-token", False, "body"),
    ("bad_screen_link", lambda s: "/s/not-a-token", False, "body"),
    ("no_such_page", lambda s: "/no-such-page", False, "body"),
]


@pytest.mark.parametrize("name,path,signed_in,ready", PAGES, ids=[p[0] for p in PAGES])
def test_no_serious_axe_violation(browser: Browser, server: LiveServer, setup, name, path, signed_in, ready):
    ctx = {"viewport": {"width": 390, "height": 844}, "is_mobile": True} if name == "judge_phone" else (
        {"viewport": {"width": 1920, "height": 1080}} if name == "big_screen" else {})
    page = new_page(browser, server, signed_in=signed_in, **ctx)
    try:
        page.goto(server.url + path(setup))
        settle(page, ready)
        assert_clean(page, name)
    finally:
        page.context.close()


def roadshows(ev: Evening, pids: list[str], level, void_first: bool = False) -> None:
    """For each project in turn: present -> open -> every judge not recused scores (``level(n)``) -> close ->
    (one mark voided, on the first when ``void_first``) -> result; ``next`` between them."""
    recused = {(r["judge"], r["project"]) for r in ev.state["setup"]["recusals"]}
    for n, pid in enumerate(pids):
        ev.act("present")
        ev.act("open_scoring")
        voters = [j for j in ev.judges if (j["id"], pid) not in recused]
        for k, j in enumerate(voters):
            ev.submit_ok(j, pid, "final", spread_marks(j, level(n), k))
        ev.act("close_scoring")
        if void_first and n == 0:
            r = ev.c.post(f"/api/contests/{ev.cid}/marks/void", json={"project": pid, "judge": voters[0]["id"],
                                                                      "reason": "测试作废 / test"})
            assert r.status_code == 200, r.text
        ev.act("show_result")
        if n < len(pids) - 1:
            ev.act("next")


def test_no_serious_axe_violation_during_the_evening(browser: Browser, tmp_path):
    """The console, big screen and a phone while roadshows run: done projects in the running order, struck
    high/low marks, a voided mark, a judge's submitted state, the result on the big screen."""
    with LiveServer(str(tmp_path / "evening.db")) as srv, srv.api() as http:
        ev = Evening(http, CID)
        state, judges = ev.state, ev.judges
        ev.act("start")
        roadshows(ev, [p["id"] for p in state["order"]][:2], lambda n: 0.7 + 0.1 * n, void_first=True)
        judge, found = judges[0], {}
        for name, path, ctx, ready in (
                ("console_result", f"/console/{CID}", {}, "#next-step"),
                ("audit_evening", f"/console/{CID}/audit", {}, "main"),
                ("big_screen_result", state["setup"]["screen_link"], {"viewport": {"width": 1920, "height": 1080}},
                 "body[data-view=result]"),
                ("judge_phone_submitted", judge["link"], {"viewport": {"width": 390, "height": 844},
                                                          "is_mobile": True}, "body")):
            page = new_page(browser, srv, signed_in=path.startswith("/console"), **ctx)
            try:
                page.goto(srv.url + path)
                if "screen" in name:
                    fast_animations(page)   # axe reads the view once its entrance has ended: played 8× faster
                settle(page, ready)
                if "screen" in name:
                    # its entrance is over: the marks pop in one by one, the struck ones take a few seconds more
                    expect(page.locator("#result[data-settled='1']")).to_have_count(1, timeout=15000)
                animations_done(page)
                found[name] = violations(page, name)
            finally:
                page.context.close()
        assert found == {name: [] for name in found}, json.dumps(found, ensure_ascii=False, indent=1)


def test_running_order_is_reachable_by_keyboard(browser: Browser, server: LiveServer):
    """The console's running order scrolls on its own: Tab reaches it (named 出场顺序) and the arrow keys scroll it."""
    page = new_page(browser, server, signed_in=True, viewport={"width": 1366, "height": 600})
    try:
        page.goto(f"{server.url}/console/{CID}")
        settle(page, "#order li")
        order = page.locator("#order")
        assert order.get_attribute("tabindex") == "0"
        assert "出场顺序" in page.evaluate("id => document.getElementById(id).textContent",
                                         order.get_attribute("aria-labelledby"))
        for _ in range(60):  # Tab through the page until the list has the focus
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement && document.activeElement.id") == "order":
                break
        else:
            pytest.fail("Tab never reached the running order")
        assert order.evaluate("e => e.scrollHeight > e.clientHeight + 20"), "15 projects: the list scrolls"
        page.keyboard.press("PageDown")
        page.wait_for_timeout(200)
        assert order.evaluate("e => e.scrollTop") > 0
    finally:
        page.context.close()


def test_import_preview_after_a_title_row_names_the_sheet_rows(browser: Browser, server: LiveServer):
    """The setup page's import preview with a title row and a blank line in the file: the skipped title is
    said, each row is numbered as in Excel and its error sits on that row; the preview passes axe too."""
    csv_text = ("2026年XX街道公益创投大赛 评委名单,,\n编号,姓名,评审团\nJ1,张三,专家\n\nJ2,李四,评审专家\n"
                "J3,王五,大众评审团\n")
    page = new_page(browser, server, signed_in=True)
    try:
        page.goto(f"{server.url}/console/{CID}/setup")
        settle(page, ".import[data-kind=judges]")
        page.set_input_files("#import-judges-file", files=[{"name": "评委名单.csv", "mimeType": "text/csv",
                                                            "buffer": csv_text.encode("utf-8")}])
        page.click(".import[data-kind=judges] [data-import=preview]")
        preview = page.locator(".import[data-kind=judges] .import-preview")
        preview.locator(".preview-table").wait_for()
        rows = preview.locator("tbody tr").evaluate_all("els => els.map(e => e.dataset.row)")
        assert rows == ["3", "5", "6"], "sheet rows: title 1, header 2, a blank line 4"
        assert "评审专家" in preview.locator("tr[data-row='5'].row-bad").inner_text()
        assert preview.locator("tr.row-bad").count() == 1
        notices = preview.locator(".preview-notices").inner_text()
        assert "第 1 行" in notices and "标题" in notices
        found = violations(page, "setup_import_preview")
        assert found == [], json.dumps(found, ensure_ascii=False, indent=1)
    finally:
        page.context.close()


# ---------------------------------------------------------------- issue 13 items 11 and 12: words for organizers

def test_setup_explains_the_draw_in_plain_chinese_and_keeps_the_technical_detail_behind_advanced(
        browser: Browser, server: LiveServer):
    seed = "2026-11-24 现场公证"
    with server.api() as http:
        r = http.post(f"/api/contests/{CID}/draw", json={"seed": seed})
        assert r.status_code == 200, r.text
    page = new_page(browser, server, signed_in=True)
    try:
        page.goto(f"{server.url}/console/{CID}/setup")
        settle(page, "#seed-box:not([hidden])")
        box = page.locator("#seed-box")
        assert box.inner_text().startswith(f"抽签：以种子「{seed}」公开、可复现地打乱出场顺序，任何人可用同一种子核对。")
        shown = page.locator("main").inner_text()  # what an organizer reads: closed <details> are not rendered
        for technical in ("random.Random", "draw_order", "SHA-256", "[[panels]]", "weight ="):
            assert technical not in shown, technical
        assert not page.locator("#f-toml").is_visible()
        page.locator("#draw-advanced > summary").click()
        assert "random.Random.shuffle" in box.inner_text() and "judging.core.model.draw_order" in box.inner_text()
        summary = page.locator("#rules-advanced > summary")
        assert summary.inner_text().startswith("高级")
        summary.click()
        assert page.locator("#f-toml").is_visible() and "[[panels]]" in page.locator("#f-toml").input_value()
        page.screenshot(path=str(SHOTS / "setup-advanced-open.png"), full_page=True)
    finally:
        page.context.close()


VISIBLE_TEXT_JS = """e => {  // the text as drawn, with what CSS adds before and after
    const pseudo = (el, which) => { const c = getComputedStyle(el, which).content;
        return c && c !== 'none' && c !== 'normal' ? c.replace(/^"|"$/g, '') : ''; };
    return pseudo(e, '::before') + e.innerText + pseudo(e, '::after');
}"""


def test_console_legend_shows_one_tick_for_submitted(browser: Browser, server: LiveServer):
    page = new_page(browser, server, signed_in=True)
    try:
        page.goto(f"{server.url}/console/{CID}")
        settle(page, "#next-step")
        chip = page.locator(".legend .chip.submitted")
        drawn = chip.evaluate(VISIBLE_TEXT_JS)
        assert drawn.count("✓") == 1 and drawn.replace(" ", "") == "✓已提交", drawn
    finally:
        page.context.close()


def test_audit_banner_is_one_sentence_with_this_contests_count_and_the_global_number(
        browser: Browser, server: LiveServer):
    """Another contest writes to the same chain, so this contest's last entry has a higher number than its count."""
    with server.api() as http:
        r = http.post("/api/contests", json={"name": "另一场"})
        assert r.status_code == 201, r.text
        assert http.post(f"/api/contests/{CID}/draw", json={"seed": "又一次"}).status_code == 200
        status = http.get(f"/api/contests/{CID}/audit/verify").json()
    assert status["ok"] and status["last_seq"] > status["contest_entries"]
    page = new_page(browser, server, signed_in=True)
    try:
        page.goto(f"{server.url}/console/{CID}/audit")
        page.wait_for_selector("#chain.ok #last-seq")
        zh = page.locator("#chain").evaluate(
            "e => [...e.childNodes].filter(n => !(n.classList && n.classList.contains('en')))"
            ".map(n => n.textContent).join('').trim()")
        expected = (f"✓ 哈希链完整，数据库未被改动：本大赛 {status['contest_entries']} 条记录，最后一条为全库第 "
                    f"{status['last_seq']} 条（编号在本数据库的所有大赛间连续），哈希 {status['last_hash'][:16]}，"
                    "可与签字汇总表核对。")
        assert zh == expected
        assert "entries ·" not in page.locator("#chain").inner_text()
    finally:
        page.context.close()


def test_no_serious_axe_violation_from_ranking_to_lock(browser: Browser, tmp_path):
    """The rest of the evening: the ranking and each reveal step on the big screen, the console after the lock."""
    with LiveServer(str(tmp_path / "lock.db")) as srv, srv.api() as http:
        ev = Evening(http, CID)
        state = ev.state
        ev.act("start")
        roadshows(ev, [p["id"] for p in state["order"]], lambda n: 0.6 + 0.023 * n)  # a level apart: no tie
        assert ev.act("rank")["needs_overtime"] == []
        screen = new_page(browser, srv, signed_in=False, viewport={"width": 1920, "height": 1080})
        console = new_page(browser, srv, signed_in=True)
        found: dict[str, list] = {}
        try:
            screen.goto(srv.url + state["setup"]["screen_link"])
            fast_animations(screen)   # axe reads each view once its entrance has ended: played 8× faster
            settle(screen, "body[data-view=ranking]")
            animations_done(screen)
            found["big_screen_ranking"] = violations(screen, "big_screen_ranking")
            ev.act("start_reveal")
            for step in range(1, 10):
                r = http.post(f"/api/contests/{CID}/actions", json={"action": "reveal_next"})
                if r.status_code != 200:
                    break
                # the tier's entrance is over (screen.js sets data-settled once its animations have ended)
                expect(screen.locator(f"#reveal[data-step='{step}'][data-settled='1']")).to_have_count(1, timeout=15000)
                animations_done(screen)
                found[f"big_screen_reveal_{step}"] = violations(screen, f"big_screen_reveal_{step}")
            assert step > 2, "the demo reveals several tiers"
            ev.act("lock")
            screen.wait_for_selector("body[data-phase=locked]")
            animations_done(screen)
            found["big_screen_locked"] = violations(screen, "big_screen_locked")
            console.goto(f"{srv.url}/console/{CID}")
            settle(console, "#next-step")
            found["console_locked"] = violations(console, "console_locked")
        finally:
            screen.context.close()
            console.context.close()
        assert found == {name: [] for name in found}, json.dumps(found, ensure_ascii=False, indent=1)


def test_an_unknown_address_gets_the_error_page_or_json(server: LiveServer):
    import httpx
    page = httpx.get(server.url + "/no-such-page")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "没有这个页面" in page.text and '<html lang="zh-CN"' in page.text
    api = httpx.get(server.url + "/api/no-such-endpoint")
    assert api.status_code == 404 and api.json()["error"].startswith("没有这个接口")
    assert httpx.get(server.url + "/static/no-such-file.js").status_code == 404
