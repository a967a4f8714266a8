"""A whole evening through the UIs only, in real headless Chromium.

The console (1366×768) creates the contest, imports projects and judges from CSV, adds a recusal, draws
the running order and drives 15 roadshows with the space bar and its buttons while ten scripted judges
(their links read off the printed QR cards; HTTP clients, two of them also holding a socket) score.  Two
projects tie for first place, so an overtime round decides; the tiers are revealed one by one and the
results locked.  The big screen (/s/<token>, 1920×1080) is checked at every state through the hooks
documented in static/screen.js, and never shows a mark before that roadshow's scoring has closed.
Each screen state is photographed to artifacts/evening/ for review.  Expected scores come from the
offline engine on the same marks.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from judging.core.engine import ProjectInfo, compute
from judging.inputs.rules_file import load_rules
from judging.core.scoring import Mark
from tests.conftest import ROOT, LiveServer

pytestmark = pytest.mark.browser

NAMES = ["邻里守望", "楼道议事厅", "四点半课堂", "绿色账户", "银龄互助", "小小议事员", "家门口就业", "心灵驿站",
         "巧手妈妈", "加装电梯", "共享菜园", "阳光助残", "新市民融入", "红色物业", "平安巷"]
PROJECTS = [(f"P{i:02d}", f"“{n}”计划", f"机构{i}", f"社区{i % 4 + 1}") for i, n in enumerate(NAMES, 1)]
TIED = ("P03", "P07")                   # equal marks from every judge: a tie for first place
LEVEL = {**{pid: 95.0 for pid in TIED},   # the others 1.5 points apart: no other tie
         **{pid: 90.0 - 1.5 * k for k, pid in enumerate(p for p, *_ in PROJECTS if p not in TIED)}}
OVERTIME_LEVEL = {"P03": 90.0, "P07": 84.0}
JUDGES = [(f"E{i}", f"专家{i}", "专家") for i in range(1, 6)] + [(f"U{i}", f"大众{i}", "大众") for i in range(1, 6)]
RECUSAL = ("U5", "P15")
OFFSETS = [-0.4, -0.2, 0.0, 0.2, 0.4]   # each judge a little apart, symmetric: trimming matters, ties stay
CRITERIA = (("need", 25), ("design", 30), ("impact", 25), ("team", 20))
SHOTS = ROOT / "artifacts" / "evening"
CONSOLE_SHOTS = ROOT / "artifacts" / "console"


def marks_for(jid: str, level: float) -> dict[str, float]:
    off = OFFSETS[int(jid[1:]) - 1]
    if jid.startswith("E"):
        return {c: round(mx * level / 100 + off, 1) for c, mx in CRITERIA}
    return {"overall": round(level + 4 * off, 1)}


def fmt(x: float) -> str:
    """As the pages print a score: with the rules' published decimals (2 in expert_public.toml)."""
    return f"{x:.2f}"


class Judges:
    """Ten scripted judges: links from the QR cards, state and submissions over HTTP (as the phone app
    does); E1 and U1 also keep their socket open, so the console shows them online."""

    def __init__(self, base: str, links: dict[str, str]) -> None:
        self.base = base
        self.tokens = {jid: url.rsplit("/j/", 1)[1] for jid, url in links.items()}
        self.http = httpx.Client(base_url=base, timeout=10)
        self.sent: list[Mark] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._hold, args=(jid,), daemon=True) for jid in ("E1", "U1")]
        for t in self._threads:
            t.start()

    def _hold(self, jid: str) -> None:
        url = self.base.replace("http://", "ws://") + f"/ws/j/{self.tokens[jid]}"
        with ws_connect(url, open_timeout=10) as ws:
            while not self._stop.is_set():
                try:
                    ws.recv(timeout=0.5)
                except TimeoutError:
                    continue
                except ConnectionClosed:  # the server stopped (a failed test): nothing more to hold
                    return

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        self.http.close()

    def score_open_roadshow(self, levels: dict[str, float]) -> int:
        """Every judge looks at their own task and, when asked to score, submits.  Returns how many did."""
        n = 0
        for jid, token in self.tokens.items():
            auth = {"authorization": f"Bearer {token}"}
            state = self.http.get("/api/judge/state", headers=auth).json()
            task = state["task"]
            if task["kind"] != "score":
                assert task["kind"] == "recused" and (jid, task["project"]) == RECUSAL, task
                continue
            values = marks_for(jid, levels[task["project"]])
            r = self.http.post("/api/judge/submit", headers=auth, json={
                "submission_id": uuid.uuid4().hex, "project": task["project"], "round": task["round"],
                "marks": values})
            assert r.status_code == 200, r.text
            panel = "expert" if jid.startswith("E") else "public"
            self.sent += [Mark(task["project"], task["round"], panel, jid, c, v) for c, v in values.items()]
            n += 1
        return n


class Screen:
    """The big screen page and its documented hooks; photographs each state once."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.shot = 0

    def view(self, view: str, phase: str | None = None) -> None:
        expect(self.page.locator("body")).to_have_attribute("data-view", view)
        if phase:
            expect(self.page.locator("body")).to_have_attribute("data-phase", phase)

    def no_marks(self) -> None:
        assert self.page.locator(".mark, #result, .mark-value").count() == 0, "a mark shown before scoring closed"

    def photo(self, name: str) -> None:
        self.shot += 1
        self.page.screenshot(path=str(SHOTS / f"{self.shot:02d}-{name}.png"))


def ready(console: Page) -> None:
    expect(console.locator("body[data-busy]")).to_have_count(0)
    expect(console.locator("#next-step[data-cooling]")).to_have_count(0)


def space(console: Page, expect_label: str) -> None:
    """Press the space bar once the big button says what we expect it to do."""
    ready(console)
    expect(console.locator("#next-label")).to_contain_text(expect_label)
    console.keyboard.press("Space")


def csv(header: str, rows: list[tuple]) -> bytes:
    return (header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)).encode("utf-8")


def test_a_whole_evening_through_the_console_and_the_big_screen(browser: Browser, tmp_path: Path, request) -> None:
    started = time.monotonic()
    SHOTS.mkdir(parents=True, exist_ok=True)
    CONSOLE_SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    with LiveServer(str(tmp_path / "evening.db"), demo=False) as server:
        cctx = browser.new_context(viewport={"width": 1366, "height": 768})
        cctx.set_default_timeout(8000)
        console = cctx.new_page()
        errors: list[str] = []
        console.on("pageerror", lambda e: errors.append(f"console: {e}"))

        # ------------------------------------------------ sign in, create, import, draw
        console.goto(server.url + "/console")
        console.fill("#key", server.key)
        console.click("button[type=submit]")
        console.fill("#new-name", "2026年社区治理创新大赛决赛")
        console.select_option("#new-preset", "expert_public.toml")
        console.click("#create")
        console.wait_for_url("**/setup")
        cid = console.url.rstrip("/").split("/")[-2]
        console.set_input_files("#import-projects-file", files=[{"name": "projects.csv", "mimeType": "text/csv",
                                "buffer": csv("编号,项目名称,申报机构,社区", PROJECTS)}])
        console.click(".import[data-kind=projects] [data-import=preview]")
        console.click(".import[data-kind=projects] [data-import=apply]")
        expect(console.locator("#projects-table tbody tr")).to_have_count(15)
        console.set_input_files("#import-judges-file", files=[{"name": "judges.csv", "mimeType": "text/csv",
                                "buffer": csv("编号,姓名,评审团", JUDGES)}])
        console.click(".import[data-kind=judges] [data-import=preview]")
        console.click(".import[data-kind=judges] [data-import=apply]")
        expect(console.locator("#judges-table tbody tr")).to_have_count(10)
        console.fill("#f-timer", "180")
        console.click("#basics-form button[type=submit]")
        expect(console.locator(".toast", has_text="基本信息已保存")).to_have_count(1)
        console.select_option("#rec-judge", RECUSAL[0])
        console.select_option("#rec-project", RECUSAL[1])
        console.click("#add-recusal")
        console.click("#recusals-form button[type=submit]")
        expect(console.locator(".toast", has_text="回避已保存")).to_have_count(1)
        console.fill("#f-seed", "现场公证 2026")
        console.click("#draw")
        expect(console.locator("#seed-value")).to_have_text("现场公证 2026")
        order = console.locator("#order-list li").evaluate_all("els => els.map(e => e.dataset.project)")
        assert sorted(order) == sorted(p for p, *_ in PROJECTS)

        # the judges' links come off the printed cards
        console.goto(f"{server.url}/console/{cid}/cards")
        cards = console.locator(".qr-card[data-judge]")
        expect(cards).to_have_count(10)
        links = {cards.nth(i).get_attribute("data-judge"): cards.nth(i).locator(".qr-url").inner_text()
                 for i in range(10)}
        judges = Judges(server.url, links)
        request.addfinalizer(judges.close)   # also when a step fails: no socket left for a later test to find

        # ------------------------------------------------ the live console and the big screen
        console.goto(f"{server.url}/console/{cid}")
        expect(console.locator("#conn")).to_have_class("conn live")
        screen_link = console.locator("#screen-link").get_attribute("href")
        sctx = browser.new_context(viewport={"width": 1920, "height": 1080}, reduced_motion="reduce")
        sctx.set_default_timeout(8000)
        spage = sctx.new_page()
        spage.on("pageerror", lambda e: errors.append(f"screen: {e}"))
        spage.goto(server.url + screen_link)
        screen = Screen(spage)
        expect(spage.locator("body")).to_have_attribute("data-conn", "live")
        screen.view("order", "setup")
        expect(spage.locator("#running-order li[data-project]")).to_have_count(15)
        screen.photo("setup-running-order")
        expect(console.locator(".chip[data-judge=E1] .dot.on")).to_have_count(1)   # E1 holds a socket
        expect(console.locator(".chip[data-judge=E2] .dot.off")).to_have_count(1)

        space(console, "开始比赛")
        expect(spage.locator("body")).to_have_attribute("data-phase", "idle")
        names = {pid: name for pid, name, *_ in PROJECTS}
        for k, pid in enumerate(order, start=1):
            first = k == 1
            space(console, f"请上台 Present · {pid}")
            screen.view("presenting", "presenting")
            expect(spage.locator("#presenter-name")).to_have_text(names[pid])
            expect(spage.locator("#presenter-position")).to_contain_text(f"{k}")
            screen.no_marks()
            if first:
                expect(spage.locator("#countdown")).to_have_text("03:00")
                screen.photo("presenting")
                ready(console)
                console.click("[data-action=timer_start]")
                expect(spage.locator("#countdown")).to_have_attribute("data-state", "running")
                expect(console.locator("#timer")).to_have_class("timer num running")
                screen.photo("presenting-timer-running")
            space(console, "开放评分")
            screen.view("scoring", "scoring")
            expected = 9 if pid == RECUSAL[1] else 10
            expect(spage.locator("#progress")).to_have_attribute("data-expected", str(expected))
            if first:
                screen.photo("scoring")
            assert judges.score_open_roadshow(LEVEL) == expected
            expect(spage.locator("#progress")).to_have_attribute("data-submitted", str(expected))
            expect(console.locator("#progress")).to_have_text(f"已评 {expected} / {expected}")
            if pid == RECUSAL[1]:
                expect(console.locator(f".chip.recused[data-judge={RECUSAL[0]}]")).to_contain_text("回避")
            screen.no_marks()
            if first:
                screen.photo("scoring-all-submitted")
            space(console, "结束评分")                # nobody is missing: no question asked
            screen.view("closed", "closed")
            expect(spage.locator("#closed-note")).to_be_visible()
            screen.no_marks()
            if first:
                screen.photo("closed")
            space(console, "公布结果")
            screen.view("result", "result")
            result = spage.locator(f"#result[data-project={pid}][data-settled='1']")
            expect(result).to_have_count(1)
            expect(result.locator(".mark")).to_have_count(expected)
            expect(result.locator(".mark.dropped")).to_have_count(4)
            score = console.locator("#roadshow .rs-total").inner_text()
            expect(spage.locator("#result-total")).to_have_text(score.split("本场得分 ")[1].split(" ")[0])
            if first:
                screen.photo("result")
                ready(console)
                console.click("[data-action=next]")  # the explicit button: back to the leaderboard
                screen.view("board", "idle")
                expect(spage.locator(f"#leaderboard .lb-row[data-project={pid}]")).to_have_count(1)
                screen.photo("leaderboard-after-first")
            if k == 8:
                screen.photo("result-mid-evening")
                console.screenshot(path=str(CONSOLE_SHOTS / "evening-result-mid.png"))
        expect(console.locator("#results tbody tr")).to_have_count(15)

        # ------------------------------------------------ the tie and the overtime round
        space(console, "生成排名")
        screen.view("ranking", "ranking")
        tie = spage.locator("#tie-alert .tie-group")
        expect(tie).to_have_count(1)
        for pid in TIED:
            expect(tie.locator(f"li[data-project={pid}]")).to_have_text(names[pid])
        expect(console.locator("#tie-alert")).to_contain_text("需要加时赛")
        screen.photo("ranking-tie")
        console.screenshot(path=str(CONSOLE_SHOTS / "evening-ranking-tie.png"))
        space(console, "开始加时赛")
        screen.view("overtime", "idle")
        expect(spage.locator("body")).to_have_attribute("data-round", "overtime1")
        expect(spage.locator("#overtime .ot-project")).to_have_count(2)
        screen.photo("overtime")
        ot_order = console.locator("#order li").evaluate_all("els => els.map(e => e.dataset.project)")
        assert sorted(ot_order) == sorted(TIED)
        for pid in ot_order:
            space(console, f"请上台 Present · {pid}")
            screen.view("presenting", "presenting")
            space(console, "开放评分")
            screen.view("scoring", "scoring")
            assert judges.score_open_roadshow(OVERTIME_LEVEL) == 10
            expect(spage.locator("#progress")).to_have_attribute("data-submitted", "10")
            screen.no_marks()
            space(console, "结束评分")
            screen.view("closed", "closed")
            screen.no_marks()
            space(console, "公布结果")
            expect(spage.locator(f"#result[data-project={pid}][data-round=overtime1]")).to_have_count(1)
            if pid == ot_order[0]:
                screen.photo("overtime-result")
                console.screenshot(path=str(CONSOLE_SHOTS / "evening-overtime-result.png"))
        space(console, "生成排名")
        screen.view("ranking", "ranking")
        expect(spage.locator("#tie-alert")).to_have_count(0)
        expect(spage.locator("#tie-resolved")).to_contain_text("加时赛")
        screen.photo("ranking-after-overtime")

        # ------------------------------------------------ awards, lowest tier first, then the lock
        offline = compute(load_rules(ROOT / "scoring_rules" / "expert_public.toml"), judges.sent,
                          {p: ProjectInfo(p, n) for p, n, *_ in PROJECTS})
        by_award: dict[str, list[str]] = {}
        for r in offline.results:
            by_award.setdefault(r.award.id, []).append(r.project)
        space(console, "颁奖")
        screen.view("reveal", "reveal")
        screen.photo("awards-intro")
        for step, tier in enumerate(["merit", "third", "second", "first"], start=1):
            space(console, "揭晓下一奖项")
            latest = spage.locator(f"#reveal[data-step='{step}'] .tier.latest[data-tier={tier}]")
            expect(latest).to_have_count(1)
            shown = latest.locator(".winner").evaluate_all("els => els.map(e => e.dataset.project)")
            assert sorted(shown) == sorted(by_award[tier])
            screen.photo(f"awards-{step}-{tier}")
        console.screenshot(path=str(CONSOLE_SHOTS / "evening-awards-revealed.png"))
        assert by_award["first"] == ["P03"]            # the overtime decided first place
        expect(console.locator("#cur-org")).to_contain_text("已揭晓 4 / 4")
        expect(console.locator("#next-label")).to_contain_text("锁定结果")
        ready(console)
        console.click("[data-action=lock]")
        console.check("#confirm-check")
        console.click("#confirm-ok")
        screen.view("locked", "locked")
        rows = spage.locator("#final .final-row")
        expect(rows).to_have_count(15)
        for r in offline.results:
            row = spage.locator(f"#final .final-row[data-project={r.project}]")
            expect(row).to_have_attribute("data-rank", str(r.rank))
            expect(row.locator(".total")).to_have_text(fmt(r.total))
            expect(row.locator(".award")).to_have_text(r.award.label)
        screen.photo("locked-final")
        expect(console.locator("#phase")).to_have_text("已锁定 Locked")
        console.screenshot(path=str(CONSOLE_SHOTS / "evening-locked.png"), full_page=True)

        # what the screen said matches what the server says, and every step is in the audit log
        with server.api() as api:
            live = api.get(f"/api/contests/{cid}/results").json()
            audit = [e["action"] for e in api.get(f"/api/contests/{cid}/audit").json()["entries"]]
        assert [(r["project"], r["rank"], r["total"]) for r in live["results"]] == \
            [(r.project, r.rank, r.total) for r in offline.results]
        assert audit.count("state.show_result") == 17 and audit.count("state.reveal_next") == 4
        assert audit[-1] == "state.lock"
        judges.close()
        sctx.close()
        cctx.close()
    assert errors == []
    assert len(list(SHOTS.glob("*.png"))) >= 15
    assert time.monotonic() - started < 180, "the evening test must stay quick"
