"""The judge's phone page (评委端) in real headless Chromium against a real server on loopback.

What it covers: a phone (360×740, touch) and a tablet follow the contest as the organizer API drives it
(waiting, presenting, scoring, submitted, closed, recused, overtime 加时赛, finished); scoring with the
steppers and direct entry, per-field checks before sending and the server's per-field errors shown the
same way; amend; scoring closing while the judge is typing; a submission made offline, kept across a
reload and sent once (the same submission id) when the network returns, shown 已保存 only after the
server's answer; a submission still pending when scoring closes is reported as not counted; the English
switch is remembered; a wrong link gets a clear error page.  From the outside review: a captive portal's
redirect or HTML page is never taken for 已保存, and a "saved" copy a newer snapshot does not show is
sent again with the same id; marks voided by the organizer show 作废 and bring the form back; an
acknowledgement that is not current is not 已保存; an invalid link (401, socket code 4401) is final and
stops all traffic; a late HTTP reply never replaces a newer snapshot; resends keep their backoff while
snapshots arrive; marks never sent before a closing the phone missed are reported; a refusal gives way
when scoring reopens; a full storage never loses another roadshow's pending marks.  Every screen passes a small accessibility
check (labels, text ≥ 16 px, contrast, no sideways scrolling, thumb-sized targets), also with the root
font at 150 % (the phone's large-text setting).  Screenshots of each state go to artifacts/judge/.

What it does not cover: the console or the big screen (their own tests), scoring arithmetic (server tests).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Browser, BrowserContext, Page, Route, WebSocketRoute, expect

from tests.helpers import act, submit_ok

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TABLET = {"viewport": {"width": 820, "height": 1180}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
EXPERT = {"need": 20, "design": 24, "impact": 20, "team": 16}

# Accessibility basics, measured in the page: returns a list of problems (empty when fine).
AUDIT_JS = """() => {
  const problems = [];
  const seen = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || e.classList.contains('visually-hidden')) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const rgb = (s) => { const m = s.match(/[\\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.a > 0.5) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || !seen(el) || el.closest('[disabled], script, noscript, style')) continue;
    const cs = getComputedStyle(el);
    const size = parseFloat(cs.fontSize);
    if (size < 16) problems.push(`text below 16px (${size}px): ${text.slice(0, 30)}`);
    const fg = rgb(cs.color), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}: ${text.slice(0, 30)}`);
  }
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (!seen(el)) continue;
    if (!el.labels.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) problems.push(`input without a label: ${el.id}`);
  }
  for (const el of document.querySelectorAll('button, summary, a, input')) {
    if (!seen(el)) continue;
    const name = (el.getAttribute('aria-label') || el.textContent || el.value || '').trim() || (el.labels && el.labels.length);
    if (!name) problems.push(`control without a name: ${el.outerHTML.slice(0, 60)}`);
    const r = el.getBoundingClientRect();
    if (r.height < 44 && el.tagName !== 'A') problems.push(`touch target ${Math.round(r.height)}px high: ${(el.textContent || el.id).trim().slice(0, 20)}`);
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push(`sideways scrolling: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
  return problems;
}"""


class Organizer:
    """Drives the contest through the organizer API, as the console would."""

    def __init__(self, server, cid: str = "c1") -> None:
        self.server = server
        self.http = server.api()
        self.use(cid)

    def use(self, cid: str) -> None:
        self.cid = cid
        self.state = self.http.get(f"/api/contests/{cid}").json()

    @property
    def judges(self) -> dict[str, dict]:
        return {j["id"]: j for j in self.state["setup"]["judges"]}

    def act(self, action: str, **kw) -> dict:
        self.state = act(self.http, action, cid=self.cid, **kw)
        return self.state

    def project_name(self, pid: str) -> str:
        return next(p["name"] for p in self.state["setup"]["projects"] if p["id"] == pid)

    def marks_of(self, judge: str, project: str, round_name: str = "final") -> list[dict]:
        state = self.http.get(f"/api/contests/{self.cid}").json()
        return [m for m in state["marks"] if (m["judge"], m["project"], m["round"]) == (judge, project, round_name)]

    def submissions(self, judge: str, project: str, round_name: str = "final") -> list[tuple[str, dict]]:
        """Rows of the submissions table: every mark set the server accepted (resends excluded)."""
        with sqlite3.connect(f"file:{self.server.db}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT submission_id, marks FROM submissions WHERE contest_id = ? AND judge_id = ? "
                              "AND project_id = ? AND round = ? ORDER BY received_at",
                              (self.cid, judge, project, round_name)).fetchall()
        return [(sid, json.loads(marks)) for sid, marks in rows]

    def audit_actions(self, judge: str, project: str) -> list[str]:
        entries = self.http.get(f"/api/contests/{self.cid}/audit", params={"judge": judge, "project": project})
        return [e["action"] for e in entries.json()["entries"] if e["action"].startswith("mark.")]

    def others_score(self, project: str, skip: set[str], round_name: str = "final", level: float = 0.8) -> None:
        """Everyone not in ``skip`` (and not recused) submits, so that scoring can close."""
        recused = {(r["judge"], r["project"]) for r in self.state["setup"]["recusals"]}
        for j in self.judges.values():
            if j["id"] in skip or (j["id"], project) in recused:
                continue
            marks = ({k: round(v * level / 0.8, 1) for k, v in EXPERT.items()} if j["panel"] == "expert"
                     else {"overall": round(100 * level, 1)})
            submit_ok(self.http, j, project, marks, round_name)


@pytest.fixture
def org(live_server) -> Iterator[Organizer]:
    organizer = Organizer(live_server)
    yield organizer
    organizer.http.close()


def link(server, judge: dict) -> str:
    return f"{server.url}/j/{judge['token']}"


def open_judge(browser: Browser, server, judge: dict, device: dict,
               big_text: bool = False) -> tuple[BrowserContext, Page, list[str]]:
    context = browser.new_context(**device)
    if big_text:  # the phone's large-text setting: a bigger root font size
        context.add_init_script("document.addEventListener('readystatechange', () => "
                                "{ document.documentElement.style.fontSize = '150%'; }, { once: true });")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(link(server, judge))
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    return context, page, errors


def view(page: Page, name: str) -> None:
    expect(page.locator("#task")).to_have_attribute("data-view", name)


def check_and_shoot(page: Page, folder: Path, name: str) -> None:
    problems = page.evaluate(AUDIT_JS)
    assert problems == [], f"{name}: {problems}"
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => { if (!document.querySelector('[role=dialog]')) window.scrollTo(0, 0); }")
    page.screenshot(path=str(folder / f"{name}.png"))


def confirm_submit(page: Page, total: str, shot: Path | None = None) -> None:
    page.locator("#submit-btn").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#dlg-total")).to_have_text(total)
    if shot is not None:
        check_and_shoot(page, shot.parent, shot.name)
    dialog.get_by_role("button", name="确认提交").click()
    expect(dialog).to_have_count(0)


def stored_pending_sid(page: Page) -> str | None:
    return page.evaluate("""() => {
      for (let i = 0; i < localStorage.length; i += 1) {
        const k = localStorage.key(i);
        if (k.startsWith('rj:') && k.split(':').length > 3) {
          const r = JSON.parse(localStorage.getItem(k));
          if (r.pending) return r.pending.sid;
        }
      }
      return null;
    }""")


# ---------------------------------------------------------------------------------------------------------


def test_mark_checks_match_the_server_on_awkward_numbers(browser, live_server, org):
    """judge_marks.js in the page: the step check survives binary fractions, steppers stay on the grid."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(link(live_server, org.judges["E1"]))
    got = page.evaluate("""async () => {
      const m = await import('/static/judge_marks.js');
      const rubric = { min: 0, max: 100, step: 0.1, criteria: [{ id: 'need', min: 0, max: 25, weight: 1 },
                                                                { id: 'team', min: 0, max: 20, weight: 1 }] };
      const c = rubric.criteria[0];
      const code = (raw) => { const e = m.checkMark(raw, c, rubric); return e ? e.code : null; };
      return {
        ok: ['0', '0.3', '24.9', '25', '７.５', '8,5', ' 12 '].map(code),
        bad: ['', 'abc', '1e1', '25.1', '-0.1', '22.45', '0.05'].map(code),
        steps: [m.stepValue('', 1, c, rubric), m.stepValue('', -1, c, rubric), m.stepValue('24.5', 1, c, rubric),
                m.stepValue('0.3', -1, c, rubric), m.stepValue('2.9', 1, c, rubric)],
        total: m.total({ need: '0.1', team: '0.2' }, rubric),
        clean: m.cleanValues({ need: '０.３', team: '19.9' }, rubric),
        sid: m.newSubmissionId(),
      };
    }""")
    assert got["ok"] == [None] * 7
    assert got["bad"] == ["errMissing", "errNumber", "errNumber", "errRange", "errRange", "errStep", "errStep"]
    assert got["steps"] == ["1", "25", "25", "0", "3.9"]
    assert got["total"] == 0.3
    assert got["clean"] == {"need": 0.3, "team": 19.9}
    assert len(got["sid"]) == 32 and int(got["sid"], 16) >= 0
    context.close()


def test_when_the_venue_network_blocks_websockets_the_page_follows_over_http(browser, live_server, org):
    u02 = org.judges["U02"]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    refused: list[str] = []

    def refuse(ws: WebSocketRoute) -> None:
        refused.append(ws.url)
        ws.close(code=1006)

    page.route_web_socket("**/ws/j/**", refuse)
    page.goto(link(live_server, u02))
    expect(page.locator("#conn")).to_have_attribute("data-status", "reconnecting")
    # the state is read from /api/judge/state every few seconds instead
    expect(page.locator("#task")).to_have_attribute("data-view", "wait", timeout=10000)
    org.act("start")
    pid = org.act("present")["current"]["id"]
    org.act("open_scoring")
    expect(page.locator("#task")).to_have_attribute("data-view", "score", timeout=10000)
    expect(page.locator(".project-name")).to_have_text(org.project_name(pid))
    page.get_by_role("textbox", name="总体评价").fill("71")
    confirm_submit(page, "71")
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    assert [m["values"] for m in org.marks_of("U02", pid)] == [{"overall": 71.0}]
    assert refused, "the socket was tried"
    context.close()



def test_wrong_link_gets_a_clear_error_page(browser, live_server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    response = page.goto(f"{live_server.url}/j/not-a-real-token-123")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading")).to_have_text("评委链接无效", use_inner_text=True)   # its English is hidden
    expect(page.get_by_role("alert")).to_contain_text("请联系工作人员")
    assert page.locator("#score-form").count() == 0
    context.close()


def test_phone_follows_the_contest_scores_submits_amends_and_sees_scoring_close(browser, live_server, org, artifacts):
    e1 = org.judges["E1"]
    shots = artifacts / "judge"
    context, page, errors = open_judge(browser, live_server, e1, PHONE)

    # who I am, the contest, and a calm waiting screen
    expect(page.locator("#who-name")).to_have_text(e1["name"])
    expect(page.locator("#who-panel")).to_have_text("专家评审团")
    expect(page.locator("#contest-name")).to_have_text(org.state["setup"]["name"])
    view(page, "wait")
    expect(page.locator("#task h1")).to_have_text("比赛尚未开始")
    org.act("start")
    first = org.state["order"][0]
    expect(page.locator(".next-name")).to_have_text(first["name"])
    check_and_shoot(page, shots, "waiting-phone")

    # the presenter is pushed by the server; the running order says where we are
    pid = org.act("present")["current"]["id"]
    view(page, "presenting")
    expect(page.locator(".project-name")).to_have_text(org.project_name(pid))
    expect(page.locator(".timer-value")).to_have_text("05:00")
    page.locator("#order summary").click()
    expect(page.locator("#order li[aria-current=step]")).to_contain_text(org.project_name(pid))
    expect(page.locator("#order .o-where")).to_contain_text("第 1 / 15 个")
    check_and_shoot(page, shots, "presenting-phone")
    page.locator("#order summary").click()

    # the score sheet follows the rubric: four criteria with their maxima
    org.act("open_scoring")
    view(page, "score")
    inputs = page.locator("input[data-i]")
    expect(inputs).to_have_count(4)
    expect(page.get_by_role("textbox", name="需求与问题")).to_have_attribute("inputmode", "decimal")
    expect(page.locator("#r-1")).to_have_text("0–30 分")

    # checked before sending: out of range, off the step, missing — messages next to the fields
    inputs.nth(0).fill("30")
    inputs.nth(1).fill("25.05")
    page.locator("#submit-btn").click()
    expect(page.locator("#e-0")).to_have_text("须在 0 到 25 之间")
    expect(page.locator("#e-1")).to_have_text("须为 0.1 的整数倍")
    expect(page.locator("#e-2")).to_have_text("请填写此项")
    expect(page.locator("#e-3")).to_have_text("请填写此项")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert org.submissions("E1", pid) == []

    # direct entry (a Chinese keyboard's full-width digits too) and the steppers
    inputs.nth(0).fill("２２.５")
    expect(inputs.nth(0)).to_have_value("22.5")
    expect(page.locator("#e-0")).to_have_text("")
    inputs.nth(1).fill("27")
    page.locator("[data-act=minus][data-i='2']").click()          # from empty: the maximum, 25
    page.locator("[data-act=minus][data-i='2']").click()          # 24
    page.locator("[data-act=plus][data-i='3']").click()           # from empty: 1
    inputs.nth(3).fill("18")
    expect(inputs.nth(2)).to_have_value("24")
    expect(page.locator("#live-total")).to_have_text("91.5")
    expect(page.locator(".field-error:visible")).to_have_count(0)
    check_and_shoot(page, shots, "scoring-phone")

    # submit with a confirmation showing the total; 已提交 ✓ only after the server's answer
    confirm_submit(page, "91.5", shot=shots / "confirm-phone")
    view(page, "submitted")
    expect(page.locator(".done-title")).to_have_text("已提交 ✓")
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    expect(page.locator("#submit-status")).to_contain_text("已保存")
    expect(page.locator(".done-box .big-total strong")).to_have_text("91.5")
    [saved] = org.marks_of("E1", pid)
    assert saved["values"] == {"need": 22.5, "design": 27.0, "impact": 24.0, "team": 18.0}
    check_and_shoot(page, shots, "submitted-phone")

    # amend: the form comes back filled in; the amendment replaces the mark set
    page.get_by_role("button", name="修改").click()
    view(page, "score")
    expect(inputs.nth(0)).to_have_value("22.5")
    expect(page.locator(".alert.info")).to_contain_text("91.5")
    inputs.nth(3).fill("19")
    confirm_submit(page, "92.5")
    view(page, "submitted")
    expect(page.locator(".done-box .big-total strong")).to_have_text("92.5")
    [saved] = org.marks_of("E1", pid)
    assert saved["values"]["team"] == 19.0
    assert org.audit_actions("E1", pid) == ["mark.submit", "mark.amend"]

    # the server's per-field errors are shown the same way as the page's own
    page.get_by_role("button", name="修改").click()
    page.route("**/api/judge/submit", lambda route: route.fulfill(
        status=422, content_type="application/json",
        body=json.dumps({"error": "评分有误 / some marks are invalid",
                         "errors": {"impact": "超出范围 out of range 0–25"}})))
    inputs.nth(2).fill("23")
    confirm_submit(page, "91.5")
    view(page, "score")
    expect(page.locator("#e-2")).to_have_text("超出范围")
    expect(page.locator(".field[data-field='2']")).to_have_class("field invalid")
    page.unroute("**/api/judge/submit")
    assert org.marks_of("E1", pid)[0]["values"]["impact"] == 24.0

    # scoring closes while the judge is still typing: the page says the amendment was not counted
    inputs.nth(2).fill("22")
    org.others_score(pid, skip={"E1"})
    org.act("close_scoring")
    view(page, "closed")
    expect(page.get_by_role("alert")).to_contain_text("您的修改未提交，未被计入")
    expect(page.get_by_role("alert")).to_contain_text("92.5")
    expect(page.locator(".done-title")).to_have_text("已计入 ✓ 总分 92.5")
    assert org.marks_of("E1", pid)[0]["values"]["impact"] == 24.0
    check_and_shoot(page, shots, "closed-phone")

    # English, remembered across a reload
    page.locator("#lang").click()
    expect(page.locator(".done-title")).to_have_text("Counted ✓ total 92.5")
    expect(page.locator("#who-panel")).to_have_text("Expert panel")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("alert")).to_contain_text("NOT counted")
    check_and_shoot(page, shots, "closed-phone-en")
    page.locator("#lang").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    assert errors == []
    context.close()


def test_offline_submission_survives_a_reload_and_is_saved_once_when_back(browser, live_server, org, artifacts):
    u01 = org.judges["U01"]
    org.act("start")
    pid = org.act("present")["current"]["id"]
    org.act("open_scoring")
    context, page, errors = open_judge(browser, live_server, u01, PHONE)

    # the public panel scores one overall mark
    view(page, "score")
    expect(page.locator("input[data-i]")).to_have_count(1)
    expect(page.get_by_role("textbox", name="总体评价")).to_be_visible()
    expect(page.locator("#r-0")).to_have_text("0–100 分")

    # a typed mark survives a reload before it is submitted
    page.get_by_role("textbox", name="总体评价").fill("77")
    page.reload()
    view(page, "score")
    expect(page.get_by_role("textbox", name="总体评价")).to_have_value("77")

    # Offline.  Chromium's offline emulation lets a page that is being navigated away from send
    # requests, so while "offline" the submit endpoint is also cut at the context level.
    def no_network(route: Route) -> None:
        route.abort("internetdisconnected")

    context.route("**/api/judge/submit", no_network)
    context.set_offline(True)
    expect(page.locator("#conn")).to_have_attribute("data-status", "reconnecting")
    page.get_by_role("textbox", name="总体评价").fill("88.5")
    confirm_submit(page, "88.5")
    view(page, "pending")
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "pending")
    expect(page.locator("#submit-status")).to_have_text("待发送")
    check_and_shoot(page, artifacts / "judge", "pending-offline-phone")
    sid = stored_pending_sid(page)
    assert sid and len(sid) == 32
    assert org.submissions("U01", pid) == []

    # From here the server is also busy (every submit fails with a 500) until we say so, so nothing
    # can be saved behind the page's back while it reloads.
    attempts: list[str] = []

    async def busy_submit(rt, judge, body: dict, client: str = "") -> dict:
        attempts.append(body.get("submission_id"))
        raise RuntimeError("simulated: the server is busy")

    live_server.service.submit = busy_submit

    # a reload while offline cannot load the page (no service worker on plain http), yet the mark set
    # stays on the phone: back online, the page opens with it, 待发送 while the server is busy
    with pytest.raises(PlaywrightError):
        page.reload()
    context.unroute("**/api/judge/submit")
    context.set_offline(False)
    page.goto(link(live_server, u01))
    view(page, "pending")
    expect(page.locator(".values dd")).to_have_text("88.5")
    page.wait_for_function("() => !document.querySelector('[data-act=retry]').disabled")
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "pending")
    assert attempts and set(attempts) == {sid}, "every resend carries the same submission id"
    assert org.submissions("U01", pid) == []

    # the server recovers: saved once, with the values typed, shown 已保存 after the answer
    del live_server.service.submit
    page.get_by_role("button", name="立即重试").click()
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    expect(page.locator(".done-title")).to_have_text("已提交 ✓")
    assert org.submissions("U01", pid) == [(sid, {"overall": 88.5})], "exactly one mark set, as typed"
    [saved] = org.marks_of("U01", pid)
    assert saved["values"] == {"overall": 88.5} and saved["submission_id"] == sid
    assert stored_pending_sid(page) is None

    # next roadshow: submitted offline, and scoring closes before the phone is back -> not counted
    org.others_score(pid, skip={"U01"})
    org.act("close_scoring")
    org.act("show_result")
    pid2 = org.act("present")["current"]["id"]
    org.act("open_scoring")
    view(page, "score")
    context.route("**/api/judge/submit", no_network)
    context.set_offline(True)
    page.get_by_role("textbox", name="总体评价").fill("66")
    confirm_submit(page, "66")
    expect(page.locator("#submit-status")).to_have_text("待发送")
    org.others_score(pid2, skip={"U01"})
    org.act("close_scoring", confirm=True)
    context.unroute("**/api/judge/submit")
    context.set_offline(False)
    view(page, "closed")
    expect(page.get_by_role("alert")).to_contain_text("本次评分未被计入")
    expect(page.get_by_role("alert")).to_contain_text("未被计入的这份评分：总分 66")
    expect(page.locator("#task")).to_contain_text("本项目没有计入您的评分")
    check_and_shoot(page, artifacts / "judge", "not-counted-phone")
    assert org.submissions("U01", pid2) == []
    assert org.marks_of("U01", pid2) == []
    assert errors == []
    context.close()


def test_tablet_and_large_text_phone_through_recusal_overtime_and_the_end(browser, live_server, org, artifacts):
    """A small contest in which two projects tie for first place: overtime, then the lock."""
    r = org.http.post("/api/contests", json={
        "name": "加时赛演练", "rules_preset": "expert_public.toml", "timer_seconds": 120,
        "projects": [{"id": "A", "name": "“邻里守望”独居老人关爱计划", "organization": "阳光社会工作服务中心"},
                     {"id": "B", "name": "“银龄互助”时间银行", "organization": "乐龄社会工作事务所"},
                     {"id": "C", "name": "“共享菜园”邻里农场", "organization": "青绿环保公益发展中心"}],
        "judges": [{"id": f"E{i}", "name": f"专家{i}", "panel": "expert"} for i in range(1, 5)]
        + [{"id": f"U{i}", "name": f"大众评委{i}", "panel": "public"} for i in range(1, 4)],
        "recusals": [{"judge": "E1", "project": "C"}], "order": ["A", "B", "C"]})
    assert r.status_code == 201, r.text
    org.use(r.json()["contest"]["id"])
    shots = artifacts / "judge"
    tab_ctx, tab, tab_errors = open_judge(browser, live_server, org.judges["E1"], TABLET)
    ph_ctx, ph, ph_errors = open_judge(browser, live_server, org.judges["U1"], PHONE, big_text=True)
    assert ph.evaluate("getComputedStyle(document.documentElement).fontSize") == "24px"

    org.act("start")
    for page in (tab, ph):
        view(page, "wait")
        expect(page.locator(".next-name")).to_have_text("“邻里守望”独居老人关爱计划")
    check_and_shoot(tab, shots, "waiting-tablet")
    check_and_shoot(ph, shots, "waiting-phone-large-text")
    tab.locator("#order summary").click()   # the running order stays open from now on

    def roadshow(pid: str, round_name: str = "final", tablet_marks: dict | None = None,
                 phone_mark: str | None = None, name: str = "") -> None:
        org.act("present", project=pid)
        view(tab, "recused" if tablet_marks is None else "presenting")
        view(ph, "presenting")
        org.act("open_scoring")
        if tablet_marks is not None:
            view(tab, "score")
            for i, v in enumerate(tablet_marks.values()):
                tab.locator(f"#m-{i}").fill(str(v))
            if name:
                check_and_shoot(tab, shots, f"{name}-tablet")
            confirm_submit(tab, f"{sum(tablet_marks.values()):g}")
            view(tab, "submitted")
        view(ph, "score")
        ph.get_by_role("textbox", name="总体评价").fill(phone_mark or "80")
        if name:
            check_and_shoot(ph, shots, f"{name}-phone-large-text")
        confirm_submit(ph, phone_mark or "80")
        view(ph, "submitted")
        if name:
            check_and_shoot(ph, shots, "submitted-phone-large-text")
        org.others_score(pid, skip={"E1", "U1"}, round_name=round_name,
                         level=0.9 if (round_name != "final" and pid == "A") else 0.8)
        org.act("close_scoring")
        view(ph, "closed")
        org.act("show_result")
        org.act("next")

    # A and B get identical marks from everyone: a tie for first place; E1 is recused from C
    roadshow("A", tablet_marks=EXPERT, name="scoring")
    roadshow("B", tablet_marks=EXPERT)
    org.act("present", project="C")
    view(tab, "recused")
    expect(tab.locator(".recused-box h2")).to_have_text("您已回避本项目")
    expect(tab.locator("#order li.o-recused")).to_contain_text("回避")
    check_and_shoot(tab, shots, "recused-tablet")
    org.act("open_scoring")
    view(tab, "recused")
    view(ph, "score")
    ph.get_by_role("textbox", name="总体评价").fill("60")
    confirm_submit(ph, "60")
    org.others_score("C", skip={"E1", "U1"}, level=0.6)
    org.act("close_scoring")
    org.act("show_result")
    org.act("rank")
    view(tab, "wait")
    expect(tab.locator("#task h1")).to_have_text("本轮路演已全部结束")
    assert [list(g) for g in org.state["needs_overtime"]] == [["A", "B"]]

    # overtime: a distinct, clearly labelled task
    org.act("start_overtime")
    for page in (tab, ph):
        expect(page.locator(".ot-banner")).to_contain_text("加时赛")
    org.act("present", project="A")
    org.act("open_scoring")
    for page in (tab, ph):
        view(page, "score")
        expect(page.locator(".ot-banner")).to_have_text("加时赛 第 1 轮")
        expect(page.locator(".eyebrow")).to_contain_text("请评分 · 第 1 / 2 个")
    for i, v in enumerate({"need": 22, "design": 26, "impact": 21, "team": 17}.values()):
        tab.locator(f"#m-{i}").fill(str(v))
    ph.get_by_role("textbox", name="总体评价").fill("90")
    check_and_shoot(tab, shots, "overtime-tablet")
    check_and_shoot(ph, shots, "overtime-phone-large-text")
    confirm_submit(tab, "86")
    confirm_submit(ph, "90")
    for page in (tab, ph):
        expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    assert org.marks_of("E1", "A", "overtime1")[0]["values"] == {"need": 22, "design": 26, "impact": 21, "team": 17}
    org.others_score("A", skip={"E1", "U1"}, round_name="overtime1", level=0.9)
    org.act("close_scoring")
    org.act("show_result")
    org.act("next")
    roadshow("B", round_name="overtime1", tablet_marks=EXPERT, phone_mark="70")
    org.act("rank")
    org.act("lock")
    for page in (tab, ph):
        view(page, "finished")
        expect(page.locator("#task h1")).to_have_text("比赛结束")
    check_and_shoot(tab, shots, "finished-tablet")
    check_and_shoot(ph, shots, "finished-phone-large-text")
    assert tab_errors == [] and ph_errors == []
    tab_ctx.close()
    ph_ctx.close()


# ------------------------------------------------------------------ found by the outside review (delivery, truth)


def judge_state(server, judge: dict) -> dict:
    """The judge's snapshot as the server would push it now (the HTTP fallback's answer)."""
    r = httpx.get(f"{server.url}/api/judge/state", headers={"authorization": f"Bearer {judge['token']}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_only_the_servers_own_answer_for_that_submission_shows_saved(browser, live_server, org):
    """A captive portal redirecting the POST to its login page (or answering 200 with HTML) is not an
    acknowledgement; and a 'saved' copy on the phone that a newer snapshot does not show is sent again
    with the same submission id instead of being trusted."""
    u02 = org.judges["U02"]
    org.act("start")
    pid = org.act("present")["current"]["id"]
    org.act("open_scoring")
    context, page, errors = open_judge(browser, live_server, u02, PHONE)
    view(page, "score")
    portal: list[str] = []

    def captive_portal(route: Route) -> None:
        portal.append(route.request.post_data_json["submission_id"])
        if len(portal) == 1:   # the venue Wi-Fi sends the phone to its login page …
            route.fulfill(status=302, headers={"location": "/login"}, body="")
        else:                  # … or answers the POST itself with that page
            route.fulfill(status=200, content_type="text/html", body="<html><body>Wi-Fi login</body></html>")

    page.route("**/api/judge/submit", captive_portal)
    page.get_by_role("textbox", name="总体评价").fill("71")
    confirm_submit(page, "71")
    view(page, "pending")
    page.wait_for_function("() => !document.querySelector('[data-act=retry]').disabled")
    page.get_by_role("button", name="立即重试").click()
    page.wait_for_function("() => !document.querySelector('[data-act=retry]').disabled")
    assert len(portal) >= 2
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "pending")
    assert org.marks_of("U02", pid) == []
    sid = stored_pending_sid(page)
    assert sid and set(portal) == {sid}

    # Something in the way answers like the server, yet the server never got the marks: the phone may
    # show 已保存 for that answer, but the next snapshot (here after a reload) does not show the marks.
    page.unroute("**/api/judge/submit")

    def fake_ack(route: Route) -> None:
        body = route.request.post_data_json
        route.fulfill(status=200, content_type="application/json", body=json.dumps({
            "ok": True, "status": "saved", "duplicate": False, "submission_id": body["submission_id"],
            "project": body["project"], "round": body["round"], "values": body["marks"], "total": 71, "current": True}))

    page.route("**/api/judge/submit", fake_ack)
    page.get_by_role("button", name="立即重试").click()
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    assert org.marks_of("U02", pid) == []
    page.unroute("**/api/judge/submit")
    page.wait_for_timeout(3200)   # longer than an acknowledgement may run ahead of its snapshot
    page.reload()
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    assert org.submissions("U02", pid) == [(sid, {"overall": 71.0})], "sent again, with the same id, once"
    assert errors == []
    context.close()


def test_marks_voided_by_the_organizer_are_not_shown_as_saved(browser, live_server, org, artifacts):
    u02 = org.judges["U02"]
    org.act("start")
    pid = org.act("present")["current"]["id"]
    org.act("open_scoring")
    context, page, errors = open_judge(browser, live_server, u02, PHONE)
    view(page, "score")
    box = page.get_by_role("textbox", name="总体评价")
    box.fill("71")
    confirm_submit(page, "71")
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    org.others_score(pid, skip={"U02"})
    org.act("close_scoring")
    view(page, "closed")
    expect(page.locator(".done-title")).to_have_text("已计入 ✓ 总分 71")

    # the organizer voids the marks: the closed roadshow says 作废, not 未提交
    r = org.http.post("/api/contests/c1/marks/void",
                      json={"project": pid, "round": "final", "judge": "U02", "reason": "输入错误 typo"})
    assert r.status_code == 200, r.text
    expect(page.locator("#voided")).to_contain_text("已作废 · 总分 71")
    expect(page.locator("#task")).not_to_contain_text("您未对本项目提交评分")

    # … and reopens scoring: the form comes back with a clear notice, never 已保存
    org.act("back")
    view(page, "score")
    expect(page.locator("#voided")).to_contain_text("您的评分已被组织者作废，请重新提交")
    expect(box).to_have_value("71")
    expect(page.locator("#submit-status")).to_have_count(0)
    check_and_shoot(page, artifacts / "judge", "voided-phone")

    # an acknowledgement saying the submission is stored but not the counted set is not 已保存
    def not_current(route: Route) -> None:
        body = route.request.post_data_json
        route.fulfill(status=200, content_type="application/json", body=json.dumps({
            "ok": True, "status": "saved", "duplicate": True, "submission_id": body["submission_id"],
            "project": body["project"], "round": body["round"], "values": body["marks"], "total": 70,
            "current": False}))

    page.route("**/api/judge/submit", not_current)
    box.fill("70")
    confirm_submit(page, "70")
    view(page, "score")
    expect(page.locator("#earlier")).to_contain_text("您上一次提交的评分未被计入")
    expect(page.locator("#submit-status")).to_have_count(0)
    expect(box).to_have_value("70")
    page.unroute("**/api/judge/submit")

    # submitted again: counted
    confirm_submit(page, "70")
    view(page, "submitted")
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    [mark] = org.marks_of("U02", pid)
    assert mark["values"] == {"overall": 70.0} and mark["status"] == "active"
    expect(page.locator("#voided")).to_have_count(0)
    assert errors == []
    context.close()


def test_an_invalid_link_stays_invalid_and_stops_all_traffic(browser, live_server, org):
    """Once the server says the link is not valid (HTTP 401, or the socket closed with 4401) the page
    shows so for good: no reconnecting, no polling, no resending."""
    u04, u05, u06 = (org.judges[j] for j in ("U04", "U05", "U06"))
    context = browser.new_context(**PHONE)
    unauthorized = json.dumps({"error": "评委链接无效 / this judge link is not valid", "errors": {}})

    # 1. the venue blocks WebSockets; the HTTP fallback (after ~3 s, checked at the end) gets a 401
    page = context.new_page()
    tried: list[str] = []
    polled: list[str] = []
    page.route_web_socket("**/ws/j/**", lambda ws: (tried.append(ws.url), ws.close()))
    page.route("**/api/judge/state", lambda route: (polled.append(route.request.url), route.fulfill(
        status=401, content_type="application/json", body=unauthorized)))
    page.goto(link(live_server, u04))

    # 2. the server closes the live socket with 4401
    page2 = context.new_page()
    sockets: list = []

    def through(ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    page2.route_web_socket("**/ws/j/**", through)
    page2.goto(link(live_server, u05))
    expect(page2.locator("#conn")).to_have_attribute("data-status", "live")
    sockets[0].close(code=4401, reason="invalid")
    expect(page2.locator("#conn")).to_have_attribute("data-status", "invalid")
    page2.evaluate("() => window.dispatchEvent(new Event('online'))")
    page2.wait_for_timeout(500)
    view(page2, "invalid")
    assert len(sockets) == 1

    # 3. a submission answered 401: the page closes its live connection and stops sending
    org.act("start")
    org.act("present")
    org.act("open_scoring")
    page3 = context.new_page()
    closed: list[int | None] = []
    posts: list[str] = []

    def watched(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        ws.on_close(lambda code, reason: (closed.append(code), server.close()))

    page3.route_web_socket("**/ws/j/**", watched)
    page3.route("**/api/judge/submit", lambda route: (posts.append(route.request.url), route.fulfill(
        status=401, content_type="application/json", body=unauthorized)))
    page3.goto(link(live_server, u06))
    view(page3, "score")
    page3.get_by_role("textbox", name="总体评价").fill("60")
    confirm_submit(page3, "60")
    expect(page3.locator("#conn")).to_have_attribute("data-status", "invalid")
    view(page3, "invalid")
    expect(page3.locator("#unsent")).to_contain_text("未送达")
    for _ in range(20):
        if closed:
            break
        page3.wait_for_timeout(100)
    assert closed, "the live connection was closed by the page"
    page3.evaluate("() => window.dispatchEvent(new Event('online'))")
    page3.wait_for_timeout(500)
    expect(page3.locator("#conn")).to_have_attribute("data-status", "invalid")
    assert len(posts) == 1

    # (1.) the 401 from the HTTP fallback: final, even when the network seems to come back
    expect(page.locator("#conn")).to_have_attribute("data-status", "invalid", timeout=8000)
    view(page, "invalid")
    seen = (len(tried), len(polled))
    page.evaluate("() => { window.dispatchEvent(new Event('online')); document.dispatchEvent(new Event('visibilitychange')); }")
    page.wait_for_timeout(500)
    expect(page.locator("#conn")).to_have_attribute("data-status", "invalid")
    expect(page.locator("#conn-text")).to_have_text("链接无效")
    view(page, "invalid")
    assert (len(tried), len(polled)) == seen
    context.close()


def test_a_late_http_reply_never_replaces_a_newer_snapshot_and_resends_keep_their_backoff(browser, live_server, org):
    u07 = org.judges["U07"]
    org.act("start")
    org.act("present")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    mode = {"socket": "refuse"}
    sockets: list[WebSocketRoute] = []
    held: list[Route] = []

    def fake_socket(ws: WebSocketRoute) -> None:   # stands in for the server's socket
        if mode["socket"] == "refuse":
            ws.close()
        else:
            sockets.append(ws)

    page.route_web_socket("**/ws/j/**", fake_socket)
    page.route("**/api/judge/state", lambda route: held.append(route))
    page.goto(link(live_server, u07))
    old = judge_state(live_server, u07)                  # presenting
    page.wait_for_timeout(100)
    for _ in range(40):                                  # the page polls over HTTP (~3 s); the reply is slow
        if held:
            break
        page.wait_for_timeout(250)
    assert held, "the page asked /api/judge/state"
    org.act("open_scoring")
    new = judge_state(live_server, u07)                  # scoring
    assert new["seq"] > old["seq"]
    mode["socket"] = "accept"
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    sockets[-1].send(json.dumps(new))
    view(page, "score")
    mode["socket"] = "refuse"
    sockets[-1].close()
    expect(page.locator("#conn")).to_have_attribute("data-status", "reconnecting")
    held.pop().fulfill(status=200, content_type="application/json", body=json.dumps(old))
    page.wait_for_timeout(500)
    view(page, "score")

    # the server is busy; snapshots keep coming: resends keep to the backoff
    mode["socket"] = "accept"
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    attempts: list[float] = []

    def busy(route: Route) -> None:
        attempts.append(route.request.post_data_json["submission_id"])
        route.fulfill(status=503, content_type="application/json", body=json.dumps({"error": "busy"}))

    page.route("**/api/judge/submit", busy)
    page.get_by_role("textbox", name="总体评价").fill("64")
    confirm_submit(page, "64")
    for i in range(1, 9):
        sockets[-1].send(json.dumps({**new, "seq": new["seq"] + i}))
        page.wait_for_timeout(150)
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "pending")
    assert 1 <= len(attempts) <= 3, attempts   # the first try and the backoff; not one per snapshot
    page.unroute("**/api/judge/submit")
    page.get_by_role("button", name="立即重试").click()   # the judge may always try at once
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    assert [m["values"] for m in org.marks_of("U07", new["task"]["project"])] == [{"overall": 64.0}]
    assert errors == []
    context.close()


def test_marks_lost_while_the_phone_was_away_are_reported_and_a_refusal_gives_way_to_reopened_scoring(
        browser, live_server, org):
    u08 = org.judges["U08"]
    org.act("start")
    p1 = org.act("present")["current"]["id"]
    org.act("open_scoring")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    away = {"on": False}
    sockets: list[WebSocketRoute] = []

    def socket(ws: WebSocketRoute) -> None:
        if away["on"]:
            ws.close()
        else:
            ws.connect_to_server()
            sockets.append(ws)

    page.route_web_socket("**/ws/j/**", socket)
    page.goto(link(live_server, u08))
    view(page, "score")
    box = page.get_by_role("textbox", name="总体评价")
    box.fill("55")   # typed, never submitted

    # the phone is away (no socket, no HTTP) while scoring closes and the next project is called up,
    # so it never sees the closing
    away["on"] = True
    page.route("**/api/judge/state", lambda route: route.abort("internetdisconnected"))
    sockets[-1].close()
    expect(page.locator("#conn")).to_have_attribute("data-status", "reconnecting")
    org.others_score(p1, skip={"U08"})
    org.act("close_scoring", confirm=True)
    org.act("show_result")
    p2 = org.act("present")["current"]["id"]
    away["on"] = False
    page.unroute("**/api/judge/state")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    view(page, "presenting")
    notice = page.locator("#notices .alert.bad")
    expect(notice).to_contain_text(f"「{org.project_name(p1)}」的评分未被计入")
    expect(notice).to_contain_text("您正在填写的分数未提交，未被计入")
    notice.get_by_role("button", name="知道了").click()
    expect(notice).to_have_count(0)

    # submitted offline, refused when it arrives after the closing …
    org.act("open_scoring")
    view(page, "score")

    def no_network(route: Route) -> None:
        route.abort("internetdisconnected")

    context.route("**/api/judge/submit", no_network)
    context.set_offline(True)
    box.fill("66")
    confirm_submit(page, "66")
    org.others_score(p2, skip={"U08"})
    org.act("close_scoring", confirm=True)
    context.unroute("**/api/judge/submit")
    context.set_offline(False)
    view(page, "closed")
    expect(page.get_by_role("alert")).to_contain_text("本次评分未被计入")

    # … and the organizer reopens scoring: the form, with the marks, and no stale "scoring has closed"
    org.act("back")
    view(page, "score")
    expect(box).to_have_value("66")
    expect(page.locator("#task .alert.bad")).to_have_count(0)
    confirm_submit(page, "66")
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    assert [m["values"] for m in org.marks_of("U08", p2)] == [{"overall": 66.0}]
    assert errors == []
    context.close()


def test_a_full_storage_never_loses_another_pending_mark_set(browser, live_server, org):
    u09 = org.judges["U09"]
    org.act("start")
    p1 = org.act("present")["current"]["id"]
    org.act("open_scoring")
    context = browser.new_context(**PHONE)
    # the phone's storage fills up once window.__full is set: every write of the page's records fails
    context.add_init_script("""(() => {
      const set = Storage.prototype.setItem;
      Storage.prototype.setItem = function (k, v) {
        if (window.__full && String(k).startsWith('rj:')) throw new DOMException('full', 'QuotaExceededError');
        return set.call(this, k, v);
      };
    })();""")
    page = context.new_page()
    page.goto(link(live_server, u09))
    view(page, "score")
    context.route("**/api/judge/submit", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("textbox", name="总体评价").fill("40")
    confirm_submit(page, "40")
    view(page, "pending")
    sid = stored_pending_sid(page)
    assert sid
    page.evaluate("() => { window.__full = true; }")

    org.others_score(p1, skip={"U09"})
    org.act("close_scoring", confirm=True)
    org.act("show_result")
    org.act("present")
    org.act("open_scoring")
    view(page, "score")
    page.get_by_role("textbox", name="总体评价").fill("50")   # this write fails: kept in memory
    org.act("back")                                          # fresh snapshots: the records are tidied
    org.act("open_scoring")
    view(page, "score")
    expect(page.get_by_role("textbox", name="总体评价")).to_have_value("50")
    expect(page.locator("#notices .alert.warn")).to_be_visible()
    expect(page.locator("#notices")).to_contain_text(org.project_name(p1))
    assert stored_pending_sid(page) == sid, "the other roadshow's pending mark set is still on the phone"

    # the network returns: it is sent (scoring has closed, so it is reported as not counted)
    context.unroute("**/api/judge/submit")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#notices .alert.bad")).to_contain_text(f"「{org.project_name(p1)}」的评分未被计入")
    assert org.marks_of("U09", p1) == []
    context.close()


def test_after_a_restart_with_the_clock_set_back_the_phone_follows_the_new_boot(browser, live_server, org):
    """The server restarted on a machine whose clock was set back: its snapshots carry lower seqs and a new
    boot.  The phone takes them (and compares seqs within that boot again), and an acknowledgement from the
    old run is older than the new run's snapshots: one that does not show the marks gets them resent with
    the same submission id (once: the new run's answer is not then taken for older than that snapshot)."""
    u05 = org.judges["U05"]
    org.act("start")
    org.act("present")
    presenting = judge_state(live_server, u05)
    pid = org.act("open_scoring")["current"]["id"]
    scoring = judge_state(live_server, u05)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sockets: list[WebSocketRoute] = []
    page.route_web_socket("**/ws/j/**", lambda ws: sockets.append(ws))   # stands in for the server's socket
    page.goto(link(live_server, u05))
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    sockets[-1].send(json.dumps({**presenting, "boot": "run-1", "seq": 5_000_000}))
    view(page, "presenting")
    sockets[-1].send(json.dumps({**scoring, "boot": "run-1", "seq": 5_000_001}))
    view(page, "score")

    sent: list[str] = []

    def old_run_ack(route: Route) -> None:   # acknowledged by the old run, just before it stopped
        body = route.request.post_data_json
        sent.append(body["submission_id"])
        route.fulfill(status=200, content_type="application/json", body=json.dumps({
            "ok": True, "status": "saved", "duplicate": False, "submission_id": body["submission_id"],
            "project": body["project"], "round": body["round"], "values": body["marks"], "total": 66,
            "current": True, "seq": 5_000_002, "boot": "run-1"}))

    page.route("**/api/judge/submit", old_run_ack)
    page.get_by_role("textbox", name="总体评价").fill("66")
    confirm_submit(page, "66")
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    page.unroute("**/api/judge/submit")
    assert sent and org.submissions("U05", pid) == []   # (the old run's commit was lost with it)

    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.url.endswith("/api/judge/submit") else None)
    # the new run: seqs far lower, a new boot; its snapshot does not show the marks
    sockets[-1].send(json.dumps({**scoring, "boot": "run-2", "seq": 1_000}))
    for _ in range(50):
        if org.submissions("U05", pid):
            break
        page.wait_for_timeout(100)
    assert org.submissions("U05", pid) == [(sent[0], {"overall": 66.0})], "resent with the same id"
    expect(page.locator("#submit-status")).to_have_attribute("data-state", "saved")
    sockets[-1].send(json.dumps({**presenting, "boot": "run-2", "seq": 999}))     # older within run-2: dropped
    page.wait_for_timeout(500)
    view(page, "submitted")
    assert len(posts) == 1, f"sent once, not again and again: {posts}"
    assert errors == []
    context.close()
