"""Money, tracks and tie notes on the big screen and the console, in real headless Chromium (issue 9).

One small evening (tests/test_money_tracks.py): P1 wins but asked for ¥80,000.5, so its grant is capped and
the rest goes to the three 二等奖; P3 and P4 tie inside 二等奖.  The screen's reveal and final list show
the server's money text with the cents, say how the tie was settled and where the excess went; the console's
results table shows ¥ amounts, the money line and, with separate tracks, a 赛道 column; nothing overflows.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_screen import Screen
from tests.browser.helpers import sign_in
from tests.conftest import LiveServer
from tests.helpers import act
from tests.test_money_tracks import MONEY_RULES, MONEY_SCORES, money_evening

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path):
    with LiveServer(str(tmp_path / "money.db"), demo=False) as s:
        yield s


def test_screen_shows_money_text_tie_notes_and_where_the_excess_went(server, browser, artifacts):
    folder = artifacts / "money"
    folder.mkdir(exist_ok=True)
    with server.api() as api:
        snap = money_evening(api, lock=False)
        screen = Screen(browser, server.url + snap["setup"]["screen_link"], folder)
        try:
            screen.wait_view("ranking", "ranking")
            notes = screen.page.locator("#tie-notes .tie-note")
            expect(notes).to_have_count(1)
            expect(notes.first).to_have_text("项目P3、项目P4：并列 80.00，名次并列")
            expect(screen.page.locator("#leaderboard .tie-mark")).to_have_count(2)
            screen.check("ranking-tie-notes")

            act(api, "start_reveal", cid="m1")
            act(api, "reveal_next", cid="m1")   # 二等奖
            latest = screen.page.locator("#reveal .tier.latest")
            expect(latest.locator(".tier-label")).to_have_text("二等奖")
            expect(latest.locator(".tier-amount")).to_contain_text("¥100,000")
            expect(latest.locator(".winner .grant")).to_have_text(["¥156,666.50"] * 3)
            act(api, "reveal_next", cid="m1")   # 一等奖
            expect(latest.locator(".tier-label")).to_have_text("一等奖")
            expect(latest.locator(".winner .grant")).to_have_text("¥80,000.50")   # not ¥250,000, not 80,001
            screen.check("reveal-capped")

            act(api, "lock", cid="m1")
            screen.wait_view("locked", "locked")
            final = screen.page.locator("#final .final-row")
            expect(final).to_have_count(len(MONEY_SCORES))
            expect(final.locator(".grant")).to_have_text(["¥80,000.50", "¥156,666.50", "¥156,666.50",
                                                          "¥156,666.50", "—"])
            expect(screen.page.locator(".section-title")).to_contain_text("创投资金合计 ¥550,000")
            expect(screen.page.locator("#money-line")).to_contain_text("预算 ¥600,000 · 已分配 ¥550,000 · 未分配 ¥50,000")
            expect(screen.page.locator("#money-notes")).to_contain_text("P1 按申报额封顶，多出的 ¥169,999.50")
            expect(screen.page.locator("#tie-notes")).to_contain_text("并列 80.00，名次并列")
            outside = screen.page.evaluate("""() => [...document.querySelectorAll('#final .final-row')].filter((row) => {
                const g = row.querySelector('.grant').getBoundingClientRect(), r = row.getBoundingClientRect();
                return g.right > r.right + 1 || row.querySelector('.grant').scrollWidth > g.width + 1; }).length""")
            assert outside == 0, "an amount with cents sticks out of its row"
            screen.check("locked-money")
        finally:
            screen.close()


def test_console_shows_yuan_the_money_line_and_the_track_column(server, browser, artifacts):
    tracks = MONEY_RULES + '[tracks]\nmode = "separate"\n'
    with server.api() as api:
        snap = money_evening(api, cid="m2", rules_text=tracks, lock=True,
                             tracks={"P1": "新锐", "P2": "新锐", "P3": "新锐", "P4": "魅力", "P5": "魅力"})
    # each track its own 一等奖, within its half of the budget
    assert [r["award_label"] for r in snap["results"]] == ["一等奖", "二等奖", "二等奖", "一等奖", "二等奖"]
    assert sum(r["grant"] for r in snap["results"]) <= 600000
    folder = artifacts / "money"
    folder.mkdir(exist_ok=True)
    screen = Screen(browser, server.url + snap["setup"]["screen_link"], folder)
    try:   # the big screen labels every row with its track, and it still fits
        screen.wait_view("locked", "locked")
        expect(screen.page.locator("#final .final-row .track")).to_have_text(["新锐", "新锐", "新锐", "魅力", "魅力"])
        expect(screen.page.locator("#final .final-row .award")).to_have_text(["一等奖", "二等奖", "二等奖", "一等奖",
                                                                              "二等奖"])
        screen.check("locked-tracks")
    finally:
        screen.close()
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(6000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, server)
        page.goto(server.url + "/console/m2")
        table = page.locator("#results")
        expect(table.locator("tbody tr")).to_have_count(len(MONEY_SCORES))
        expect(table.locator("thead th", has_text="赛道")).to_have_count(1)
        expect(table.locator("tbody td.track")).to_have_text(["新锐", "新锐", "新锐", "魅力", "魅力"])
        p1 = table.locator('tbody tr[data-project="P1"]')
        expect(p1).to_contain_text("¥80,000.50")
        expect(page.locator("#money-line")).to_be_visible()
        expect(page.locator("#money-line")).to_contain_text("预算 ¥600,000")
        expect(page.locator("#money-line")).to_contain_text("P1 按申报额封顶")
    finally:
        context.close()
    assert errors == []


def test_import_preview_shows_amounts_as_read_and_the_track_warning(server, browser):
    with server.api() as api:
        r = api.post("/api/contests", json={"id": "m3", "name": "导入赛道", "rules_preset": "expert_public.toml"})
        assert r.status_code == 201, r.text
    csv = "编号,项目名称,赛道,申请金额\nA1,甲,新锐,￥30000\nA2,乙,魅力,3万元\nA3,丙,魅力,\"80,000.5\"\n"
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(6000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, server)
        page.goto(server.url + "/console/m3/setup")
        expect(page.locator("#conn")).to_have_class("conn live")
        page.set_input_files("#import-projects-file", files=[{"name": "p.csv", "mimeType": "text/csv",
                                                               "buffer": csv.encode("utf-8")}])
        page.click(".import[data-kind=projects] [data-import=preview]")
        preview = page.locator(".import[data-kind=projects] .import-preview")
        expect(preview.locator(".preview-notices li")).to_have_count(1)
        expect(preview.locator(".preview-notices")).to_contain_text("全部项目统一排名")
        expect(preview.locator("tr[data-row='2'] td").nth(6)).to_have_text("¥30,000")
        expect(preview.locator("tr[data-row='4'] td").nth(6)).to_have_text("¥80,000.50")
        preview.locator("[data-import=apply]").click()
        expect(page.locator("#projects-table tbody tr")).to_have_count(3)
        expect(page.locator("#tracks-notice")).to_be_visible()
        expect(page.locator("#tracks-notice")).to_contain_text("赛道只作标签")
    finally:
        context.close()
    assert errors == []
