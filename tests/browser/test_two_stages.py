"""A season of two stages in real headless Chromium: a review stage (书面初审) where 5 judges score 8 applications
(two of them on the phone page, three through the API), opened, followed and closed from the console, whose top
5 advance from the console; then a live final of those 5 with the first stage's totals carried in, a tie across
the 一等奖 line settled by an overtime, and the awards; the final's results, console and exports (xlsx opened
with openpyxl, the JSON archive) show both stages."""

from __future__ import annotations

import io
import uuid

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import new_page
from tests.browser.test_pages_a11y import run_axe
from tests.conftest import LiveServer
from tests.helpers import Evening, bearer, create_contest

pytestmark = pytest.mark.browser

BASE = '''name = "专家评分"
[marks]
min = 0
max = 100
step = 0.1
[[criteria]]
id = "need"
label = "需求 Need"
max = 25
[[criteria]]
id = "design"
label = "方案 Design"
max = 30
[[criteria]]
id = "impact"
label = "成效 Impact"
max = 25
[[criteria]]
id = "team"
label = "团队 Team"
max = 20
[[panels]]
id = "expert"
label = "专家评审团 Expert panel"
weight = 1
method = "mean"
'''
REVIEW_RULES = BASE + '[advance]\ncount = 5\nbreakers = ["panel:expert", "shared"]\n'
FINAL_RULES = BASE + '''[ties]
scope = "award_boundary"
breakers = ["overtime", "shared"]
[[awards]]
id = "first"
label = "一等奖"
count = 1
[[awards]]
id = "second"
label = "二等奖"
count = 2
[[awards]]
id = "third"
label = "三等奖"
count = 2
[carry]
weight = 0.3
'''
APPS = [{"id": f"A{i}", "name": f"申报项目{i}", "organization": f"社会组织{i}", "track": "", "requested": 50000}
        for i in range(1, 9)]
LEVELS = {"A1": 0.9, "A2": 0.9, "A3": 0.85, "A4": 0.8, "A5": 0.75, "A6": 0.7, "A7": 0.65, "A8": 0.6}
FINAL_LEVELS = {"A1": 0.8, "A2": 0.8, "A3": 0.7, "A4": 0.6, "A5": 0.5}   # A1 = A2 again: a tie for 一等奖


def marks(level: float) -> dict:
    return {"need": round(25 * level, 1), "design": round(30 * level, 1), "impact": round(25 * level, 1),
            "team": round(20 * level, 1)}


def total(level: float) -> float:
    return round(sum(marks(level).values()), 2)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(str(tmp_path_factory.mktemp("stages") / "stages.db"), demo=False) as s:
        yield s


def score_on_the_phone(page: Page, pid: str, level: float) -> None:
    page.click(f'#review-list button[data-project="{pid}"]')
    for cid, value in marks(level).items():
        page.fill(f'#review-form input[data-criterion="{cid}"]', str(value))
    expect(page.locator("#rf-total")).to_contain_text(f"合计 {total(level):g}")
    page.click("#rf-submit")
    expect(page.locator(f'#review-list button[data-project="{pid}"]')).to_have_attribute("data-status", "scored")


def test_a_review_stage_then_a_live_final(browser: Browser, server: LiveServer, artifacts) -> None:
    errors: list[str] = []
    with server.api() as api:
        first = create_contest(api, {"id": "rev", "name": "2026 社区公益创投", "rules_text": REVIEW_RULES,
                                     "rules_name": "review.toml", "projects": APPS,
                                     "judges": [{"id": f"R{i}", "name": f"初审专家{i}", "panel": "expert"}
                                                for i in range(1, 6)]})
        tokens = {j["id"]: j["token"] for j in first["setup"]["judges"]}
        assert api.post("/api/contests/rev/stage", json={"kind": "review", "label": "初审"}).status_code == 200
        r = api.post("/api/contests/rev/stages", json={
            "id": "fin", "kind": "live", "label": "决赛", "rules_text": FINAL_RULES,
            "judges": [{"id": f"E{i}", "name": f"决赛专家{i}", "panel": "expert"} for i in range(1, 4)]})
        assert r.status_code == 201, r.text

        # the console opens the review (deadline: a week from now, the form's default)
        console = new_page(browser, server, signed_in=True)
        console.on("pageerror", lambda e: errors.append(str(e)))
        console.goto(server.url + "/console/rev")
        season = console.locator("#season")
        expect(season).to_contain_text("初审")
        expect(season).to_contain_text("书面评审")
        expect(console.locator(".live-grid .stage")).to_be_hidden()       # no evening to drive
        console.click('#season [data-stage-action="open"]')
        expect(season).to_contain_text("评审中")

        # two judges on their phones, three through the API
        phones = []
        for jid in ("R1", "R2"):
            phone = new_page(browser, server, signed_in=False, viewport={"width": 390, "height": 844},
                             is_mobile=True, has_touch=True)
            phone.on("pageerror", lambda e: errors.append(str(e)))
            phone.goto(f"{server.url}/j/{tokens[jid]}")
            expect(phone.locator("#review-list button")).to_have_count(8)
            expect(phone.locator('#review-list [data-status="unscored"]')).to_have_count(8)
            phones.append(phone)
        for pid in ("A8", "A3", "A1", "A2", "A5", "A4", "A7", "A6"):       # any order
            for phone in phones:
                score_on_the_phone(phone, pid, LEVELS[pid])
        expect(phones[0].locator("#review-count")).to_contain_text("已评 8 / 8")
        assert run_axe(phones[0]) == [], "axe on the review phone's list"
        phones[0].click('#review-list button[data-project="A1"]')
        assert run_axe(phones[0]) == [], "axe on the review phone's score form"
        phones[0].click('#review-form button[type="button"]')
        phones[0].screenshot(path=str(artifacts / "review-phone.png"))
        # a change of mind before the close: the form shows the saved marks, the change is saved
        phones[1].click('#review-list button[data-project="A7"]')
        expect(phones[1].locator('#review-form input[data-criterion="need"]')).to_have_value(str(marks(0.65)["need"]))
        phones[1].fill('#review-form input[data-criterion="need"]', "1")
        phones[1].click("#rf-submit")
        expect(phones[1].locator("#rf-saved")).to_be_visible()
        phones[1].click('#review-list button[data-project="A7"]')
        phones[1].fill('#review-form input[data-criterion="need"]', str(marks(0.65)["need"]))
        phones[1].click("#rf-submit")
        expect(phones[1].locator("#rf-saved")).to_be_visible()
        for jid in ("R3", "R4", "R5"):
            for pid, level in LEVELS.items():
                r = api.post("/api/judge/review/submit", headers=bearer(tokens[jid]),
                             json={"submission_id": uuid.uuid4().hex, "project": pid, "marks": marks(level)})
                assert r.status_code == 200, r.text

        # the console follows the progress, closes the review and advances the top 5
        expect(console.locator("#season-progress")).to_contain_text("已评 40 / 40")
        expect(console.locator('#season-progress li[data-judge="R1"]')).to_contain_text("8 / 8")
        expect(console.locator('#season-progress li[data-project="A1"]')).to_contain_text("5 / 5")
        expect(console.locator("#season-advancing")).to_contain_text("5")
        console.screenshot(path=str(artifacts / "review-console.png"), full_page=True)
        assert run_axe(console) == [], "axe on the review stage's console"
        console.click('#season [data-stage-action="close"]')
        expect(season).to_contain_text("已截止")
        console.click('#season [data-stage-action="advance"]')
        expect(season).to_contain_text("已晋级")
        for phone in phones:  # the phones learn that the review is over
            phone.reload()
            expect(phone.locator("#review-status")).to_contain_text("已截止")
            expect(phone.locator("#review-list button").first).to_be_visible()

        final = api.get("/api/contests/fin").json()
        assert [p["id"] for p in final["setup"]["projects"]] == ["A1", "A2", "A3", "A4", "A5"]
        assert [p["organization"] for p in final["setup"]["projects"]][:2] == ["社会组织1", "社会组织2"]
        previous = dict(map(tuple, final["stage"]["previous"]))
        assert previous == {pid: total(LEVELS[pid]) for pid in ("A1", "A2", "A3", "A4", "A5")}

        # the final's console says where its projects came from
        console.goto(server.url + "/console/fin")
        expect(season).to_contain_text("本阶段项目来自「初审」：5 个项目晋级")
        expect(console.locator(".live-grid .stage")).to_be_visible()

        # the live final, with the carry: A1 and A2 tie on 83.00 across the 一等奖 line -> overtime
        assert api.post("/api/contests/fin/draw", json={"seed": "决赛抽签"}).status_code == 200
        ev = Evening(api, "fin")
        order = ev.state["setup"]["order"]
        ev.run(order, lambda j, pid: marks(FINAL_LEVELS[pid]))
        ranking = ev.act("rank")
        assert ranking["needs_overtime"] == [["A1", "A2"]]
        ev.act("start_overtime")
        ev.run(["A1", "A2"], lambda j, pid: marks({"A1": 0.9, "A2": 0.85}[pid]), round_name="overtime1")
        ev.act("rank")
        done = ev.reveal_and_lock()
        assert done["phase"] == "locked"

        res = api.get("/api/contests/fin/results").json()
        by = {r["project"]: r for r in res["results"]}
        assert res["carry_weight"] == 0.3
        assert (by["A1"]["award"], by["A2"]["award"]) == ("first", "second")
        assert by["A1"]["total"] == by["A2"]["total"] == 83.0 and by["A1"]["overtime"]
        for pid, row in by.items():
            assert row["previous_total"] == previous[pid]
            assert row["stage_total"] == total(FINAL_LEVELS[pid])
        expect(console.locator("#results")).to_contain_text("申报项目1")

        # the exports show both stages
        wb = openpyxl.load_workbook(io.BytesIO(api.get("/api/contests/fin/export/results.xlsx").content))
        assert "初审排名" in wb.sheetnames and "两阶段得分" in wb.sheetnames
        earlier = wb["初审排名"]
        rows = {earlier.cell(r, 2).value: earlier.cell(r, 6).value for r in range(5, 13)}
        assert rows == {**{p: "晋级" for p in previous}, "A6": "未晋级", "A7": "未晋级", "A8": "未晋级"}
        both = wb["两阶段得分"]
        assert {both.cell(r, 2).value: (both.cell(r, 4).value, both.cell(r, 6).value) for r in range(5, 10)} == {
            pid: (previous[pid], by[pid]["total"]) for pid in previous}
        archive = api.get("/api/contests/fin/export/archive.json").json()
        assert archive["stage"]["came_from"] == "rev"
        assert [r["advanced"] for r in archive["stage"]["earlier"]] == [True] * 5 + [False] * 3
        # both audits record the advancement
        for cid in ("rev", "fin"):
            entries = api.get(f"/api/contests/{cid}/audit").json()["entries"]
            assert [e["detail"]["advancing"] for e in entries if e["action"] == "stage.advance"] == [
                ["A1", "A2", "A3", "A4", "A5"]]
    assert errors == [], errors
