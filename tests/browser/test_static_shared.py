"""Issue 10, static/: the shared modules in a real browser (headless Chromium).

- every page loads its ES modules (the shared ones and the split ones) without a script error;
- shared/labels.js reads the vocabulary the page embeds (judging/core/vocabulary.py) and names rounds from
  its templates; shared/format.js writes money like the server's money_text and scores at the contest's
  decimals;
- the console's buttons follow the snapshot's allowed list, and a disabled one shows the server's reason
  (the snapshot's ``refused: {action: reason}``) as its title — and keeps working without it;
- the big screen's banner says what the vocabulary calls the round and the phase.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from judging.core import vocabulary
from judging.core.money import money_text
from tests.browser.helpers import demo_setup, new_page
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

CID = "c1"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(str(tmp_path_factory.mktemp("shared") / "shared.db")) as s:
        yield s


@pytest.fixture(scope="module")
def setup(server):
    return demo_setup(server, CID)




PAGES = [  # name, path (from the contest's setup), signed in?, what the page shows once its scripts ran
    ("console_index", lambda s: "/console", True, "#new-preset option"),
    ("console", lambda s: f"/console/{CID}", True, "#phase.phase-setup"),
    ("setup", lambda s: f"/console/{CID}/setup", True, "#projects-table tbody tr"),
    ("audit", lambda s: f"/console/{CID}/audit", True, "#chain.ok"),
    ("cards", lambda s: f"/console/{CID}/cards", True, "main"),
    ("judge_phone", lambda s: s["judges"][0]["link"], False, "#task[data-view=wait]"),
    ("big_screen", lambda s: s["screen_link"], False, "body[data-view=order]"),
]


@pytest.mark.parametrize("name,path,signed_in,ready", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_runs_its_modules_without_a_script_error(browser, server, setup, name, path, signed_in, ready):
    page = new_page(browser, server, signed_in=signed_in)
    errors: list[str] = []
    failed: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if "/static/" in r.url and r.status >= 400
            else None)
    try:
        page.goto(server.url + path(setup))
        expect(page.locator(ready).first).to_be_attached()
        page.wait_for_load_state("networkidle")
        assert errors == [] and failed == []
    finally:
        page.context.close()


def test_labels_come_from_the_vocabulary_the_page_embeds(browser, server):
    page = new_page(browser, server, signed_in=True)
    try:
        page.goto(f"{server.url}/console/{CID}")
        got = page.evaluate("""async () => {
          const L = await import('/static/shared/labels.js');
          return {
            scoring: L.label('phase', 'scoring'), lock: L.both('action', 'lock'), idle: L.zh('phase', 'idle'),
            unknown: L.label('phase', 'no_such_phase'), final: L.roundLabel('final'), ot: L.roundLabel('overtime2'),
            otFile: L.roundLabel('overtime1', { inFiles: true }), both: L.roundBoth('overtime3'),
            odd: L.roundLabel('semifinal'),
          };
        }""")
    finally:
        page.context.close()
    v = vocabulary
    assert got["scoring"] == dict(zip(("zh", "en"), v.label("phase", "scoring")))
    assert got["lock"] == v.both("action", "lock") and got["idle"] == v.zh("phase", "idle")
    assert got["unknown"] == {"zh": "no_such_phase", "en": "no_such_phase"}
    assert got["final"] == dict(zip(("zh", "en"), v.round_label("final")))
    assert got["ot"] == dict(zip(("zh", "en"), v.round_label("overtime2"))) == {"zh": "加时赛 第 2 轮", "en": "Overtime 2"}
    assert got["otFile"] == dict(zip(("zh", "en"), v.round_label("overtime1", in_files=True)))
    assert got["both"] == "加时赛 第 3 轮 Overtime 3" and got["odd"] == {"zh": "semifinal", "en": "semifinal"}


AMOUNTS = [0, 5, 80000.5, 250000, 1.005, 0.125, 12345678.9, -1234.5, 100000, 80000.05, 1e-7]


def test_format_writes_money_like_the_server_and_scores_at_the_contests_digits(browser, server):
    page = new_page(browser, server, signed_in=False)
    try:
        page.goto(server.url + "/login")
        got = page.evaluate("""async (amounts) => {
          const F = await import('/static/shared/format.js');
          return {
            yuan: amounts.map((x) => F.fmtMoney(x)), wan: amounts.map((x) => F.fmtMoney(x, { unit: 'wan' })),
            none: F.fmtMoney(null), score: [F.fmtScore(95, 2), F.fmtScore(93.456, 1), F.fmtScore(null)],
            digits: [F.scoreDigits({ contest: { digits: 3 } }), F.scoreDigits({})],
            num: [F.fmtNum(93.500000001), F.fmtNum(82), F.fmtNum('7.25', 1), F.fmtNum(undefined)],
            pct: F.fmtPercent(0.7), clock: [F.fmtClock(299.2), F.fmtOverrun(0.5), F.fmtOverrun(83)],
            split: [F.splitLabel('专家评审团 Expert panel'), F.splitLabel('需求与问题 / Need'), F.splitLabel('Overall')],
            pick: [F.pick('总体评价 Overall', 'en'), F.pick('总体评价 Overall', 'zh')],
            parts: [F.zhPart('大众评审团 Public panel'), F.enPart('大众评审团 Public panel')],
          };
        }""", AMOUNTS)
    finally:
        page.context.close()
    assert got["yuan"] == [money_text(x) for x in AMOUNTS]
    assert got["wan"] == [money_text(x, "wan") for x in AMOUNTS]
    assert got["none"] == money_text(None) == ""
    assert got["score"] == ["95.00", "93.5", "—"] and got["digits"] == [3, 2]
    assert got["num"] == ["93.5", "82", "7.3", "—"] and got["pct"] == "70%"
    assert got["clock"] == ["05:00", "时间到", "超时 +1:23"]
    assert got["split"] == [["专家评审团", "Expert panel"], ["需求与问题", "Need"], ["Overall", ""]]
    assert got["pick"] == ["Overall", "总体评价"] and got["parts"] == ["大众评审团", "Public panel"]


def relay_console(page: Page, change) -> None:
    """The console's socket through the test: every snapshot the server sends is passed on changed by change()."""
    def route(ws) -> None:
        server = ws.connect_to_server()
        server.on_message(lambda m: ws.send(json.dumps(change(json.loads(m))) if isinstance(m, str) else m))
    page.route_web_socket(re.compile(r".*/ws/console/.*"), route)


def test_a_disabled_console_button_says_why_in_the_servers_words(browser, server):
    reasons = {"lock": "还有路演未完成，不能锁定 / roadshows are still to come", "rank": "尚未开始 / not started"}

    def with_reasons(msg: dict) -> dict:
        if msg.get("type") == "state":
            msg["refused"] = {a: r for a, r in reasons.items() if a not in msg.get("allowed", [])}
        return msg

    page = new_page(browser, server, signed_in=True)
    try:
        relay_console(page, with_reasons)
        page.goto(f"{server.url}/console/{CID}")
        expect(page.locator("#phase")).to_have_text(vocabulary.both("phase", "setup"))
        expect(page.locator("[data-action=lock]")).to_be_disabled()
        expect(page.locator("[data-action=lock]")).to_have_attribute("title", reasons["lock"])
        expect(page.locator("[data-action=rank]")).to_have_attribute("title", reasons["rank"])
        start = page.locator("[data-action=start]")   # allowed: enabled, and no reason on it
        expect(start).to_be_enabled()
        assert start.get_attribute("title") is None
        expect(page.locator("[data-action=back]")).to_be_disabled()   # disabled without a reason: no title
        assert page.locator("[data-action=back]").get_attribute("title") is None
    finally:
        page.context.close()


def test_without_reasons_the_buttons_still_follow_the_allowed_list(browser, server):
    def without(msg: dict) -> dict:
        msg.pop("refused", None)
        return msg

    page = new_page(browser, server, signed_in=True)
    try:
        relay_console(page, without)
        page.goto(f"{server.url}/console/{CID}")
        expect(page.locator("#phase")).to_have_text(vocabulary.both("phase", "setup"))
        expect(page.locator("[data-action=start]")).to_be_enabled()
        for action in ("lock", "rank", "open_scoring", "back"):
            expect(page.locator(f"[data-action={action}]")).to_be_disabled()
            assert page.locator(f"[data-action={action}]").get_attribute("title") is None
    finally:
        page.context.close()


def test_the_big_screens_banner_names_the_round_and_phase_from_the_vocabulary(browser, server, setup):
    page = new_page(browser, server, signed_in=False, viewport={"width": 1920, "height": 1080})
    try:
        page.goto(server.url + setup["screen_link"])
        expect(page.locator("body")).to_have_attribute("data-view", "order")
        z, e = vocabulary.round_label("final")
        banner = page.locator("#round-label")
        expect(banner).to_contain_text(z)
        expect(banner.locator(":scope > .en")).to_have_text(e)   # the phase chip has its own English
        expect(banner.locator(".phase-chip")).to_have_text(vocabulary.zh("phase", "setup"), use_inner_text=True)
    finally:
        page.context.close()
