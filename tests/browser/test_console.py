"""The organizer console in real headless Chromium: sign-in, setup by import, tiers and budget, the draw,
QR cards, copy-link, two consoles in sync, confirmations, corrections in the audit log, outlier flags; a lost
answer or a held key never runs a step twice, focus and typing survive updates, a stale confirmation cannot be
confirmed, an older answer is never applied, a signed-out page goes to the sign-in form, readable English."""

from __future__ import annotations

import io
import json
import math
import time
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader
from websockets.sync.client import connect as ws_connect

from judging.core.model import draw_order
from tests.browser.helpers import sign_in
from tests.conftest import LiveServer
from tests.helpers import EXPERT, act, create_contest, submit_ok

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(str(tmp_path_factory.mktemp("console") / "console.db")) as s:
        yield s


@pytest.fixture(scope="module")
def api(server):
    with server.api() as client:
        yield client


@pytest.fixture(scope="module")
def ctx(browser: Browser, server: LiveServer):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(6000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    sign_in(page, server)
    page.close()
    yield context
    context.close()


@pytest.fixture
def page(ctx: BrowserContext):
    p = ctx.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    p.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def saved(page: Page, text: str) -> None:
    """Wait for the save's confirmation toast (the request has been answered)."""
    expect(page.locator(".toast", has_text=text).last).to_be_visible()


def ready(page: Page) -> None:
    """Wait until the console takes the next key: no action in flight, the double-press guard over."""
    expect(page.locator("body[data-busy]")).to_have_count(0)
    expect(page.locator("#next-step[data-cooling]")).to_have_count(0)


def key(page: Page, name: str) -> None:
    ready(page)
    page.keyboard.press(name)


def new_contest(api: httpx.Client, **data) -> str:
    return create_contest(api, {"name": "测试赛", **data})["contest"]["id"]


def small_contest(api: httpx.Client, projects: int = 2) -> tuple[str, dict]:
    cid = new_contest(api, projects=[{"id": f"P{i}", "name": f"项目{i}"} for i in range(1, projects + 1)],
                      judges=[{"id": f"E{i}", "name": f"专家{i}", "panel": "expert"} for i in range(1, 5)]
                      + [{"id": f"U{i}", "name": f"大众{i}", "panel": "public"} for i in range(1, 5)],
                      order=[f"P{i}" for i in range(1, projects + 1)])
    judges = {j["id"]: j for j in api.get(f"/api/contests/{cid}").json()["setup"]["judges"]}
    return cid, judges


# ---------------------------------------------------------------- sign-in and the contest list

def test_sign_in_with_the_key_then_create_a_contest(browser: Browser, server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(6000)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("#key", "not-the-key")
    page.click("button[type=submit]")
    expect(page.locator(".alert.bad")).to_contain_text("密钥不正确")
    page.goto(server.url + "/console/c1")
    expect(page).to_have_url(f"{server.url}/login?next=/console/c1")
    page.fill("#key", server.key)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{server.url}/console/c1")  # back where the organizer wanted to go
    page.goto(server.url + "/console")
    row = page.locator("#contests tr[data-contest=c1]")
    expect(row).to_contain_text("社区治理创新大赛")
    expect(row).to_contain_text("准备中")
    expect(row.locator("td.num").first).to_have_text("15")
    expect(row.locator("a[href^='/s/']")).to_have_count(1)
    # an empty name is refused next to the field; a good one opens the new contest's setup
    expect(page.locator("#new-preset option[value='expert_public.toml']")).to_have_count(1)
    page.click("#create")
    expect(page.locator("#new-contest .field-error")).to_contain_text("请填写大赛名称")
    page.fill("#new-name", "第二场 决赛")
    page.click("#create")
    page.wait_for_url("**/setup")
    expect(page.locator("#contest-name")).to_have_text("第二场 决赛")
    # signing out ends the session
    page.goto(server.url + "/console")
    page.click("form[action='/logout'] button")
    page.goto(server.url + "/console")
    expect(page).to_have_url(f"{server.url}/login?next=/console")
    context.close()


# ---------------------------------------------------------------- setup

PROJECTS_TYPO = "编号,项目名称,申报机构,社区,申请金额\nA1,邻里守望,阳光社工,花园社区,30000\nA2,四点半课堂,启航中心,滨江社区,三万\n"
PROJECTS_GOOD = ("编号,项目名称,申报机构,社区,申请金额\n"
                 + "".join(f"A{i},项目{i},机构{i},社区{i % 3},{10000 * i}\n" for i in range(1, 7)))
JUDGES_TYPO = "编号,姓名,评审团\nE1,王一,专家\nE2,李二,专加\n"
JUDGES_GOOD = ("编号,姓名,评审团\n" + "".join(f"E{i},专家{i},专家\n" for i in range(1, 5))
               + "".join(f"U{i},大众{i},大众\n" for i in range(1, 5)))


def upload(page: Page, kind: str, name: str, text: str) -> None:
    page.set_input_files(f"#import-{kind}-file", files=[{"name": name, "mimeType": "text/csv",
                                                         "buffer": text.encode("utf-8")}])
    page.click(f".import[data-kind={kind}] [data-import=preview]")


def test_setup_by_import_with_preview_tiers_budget_draw_order_and_copy_link(page: Page, server, api) -> None:
    cid = new_contest(api, name="导入测试")
    page.goto(f"{server.url}/console/{cid}/setup")
    expect(page.locator("#conn")).to_have_class("conn live")

    # projects: a typo in row 3 is shown on that row, nothing is applied
    upload(page, "projects", "projects.csv", PROJECTS_TYPO)
    preview = page.locator(".import[data-kind=projects] .import-preview")
    expect(preview.locator("tr[data-row='3'].row-bad")).to_contain_text("不是有效金额")
    expect(preview.locator("tr[data-row='3'] td.cell-bad")).to_have_text("三万")
    expect(preview.locator("tr[data-row='2'].row-bad")).to_have_count(0)
    expect(preview.locator("[data-import=apply]")).to_be_disabled()
    assert api.get(f"/api/contests/{cid}").json()["setup"]["projects"] == []
    # the corrected file previews clean and is applied
    upload(page, "projects", "projects.csv", PROJECTS_GOOD)
    expect(preview.locator(".preview-status")).to_contain_text("没有错误")
    preview.locator("[data-import=apply]").click()
    expect(page.locator("#projects-table tbody tr")).to_have_count(6)
    expect(page.locator("#projects-count")).to_contain_text("6")
    setup = api.get(f"/api/contests/{cid}").json()["setup"]
    assert [p["id"] for p in setup["projects"]] == [f"A{i}" for i in range(1, 7)]
    assert setup["projects"][2]["requested"] == 30000

    # judges: a panel typo is caught in the preview too (the contest would refuse it)
    upload(page, "judges", "judges.csv", JUDGES_TYPO)
    jprev = page.locator(".import[data-kind=judges] .import-preview")
    expect(jprev.locator("tr[data-row='3'].row-bad")).to_contain_text("无法识别")
    expect(jprev.locator("[data-import=apply]")).to_be_disabled()
    upload(page, "judges", "judges.csv", JUDGES_GOOD)
    jprev.locator("[data-import=apply]").click()
    expect(page.locator("#judges-table tbody tr")).to_have_count(8)

    # copy-link puts the judge's full link on the clipboard
    judges = {j["id"]: j for j in api.get(f"/api/contests/{cid}").json()["setup"]["judges"]}
    button = page.locator("#judges-table tr[data-judge=U2] [data-copy]")
    button.click()
    expect(button).to_have_text("已复制 Copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{server.url}/j/{judges['U2']['token']}"

    # award tiers and budget: a budget below the tiers is refused next to the field, then fixed
    rows = page.locator("#awards-table tbody tr")
    expect(rows).to_have_count(4)
    rows.nth(0).locator("[data-field='awards[0].count']").fill("2")
    rows.nth(3).locator("[data-remove]").click()           # drop 优秀奖
    page.click("#add-award")
    rows.nth(3).locator("[data-field='awards[3].label']").fill("鼓励奖")
    rows.nth(3).locator("[data-field='awards[3].count']").fill("1")
    rows.nth(3).locator("[data-field='awards[3].amount']").fill("5000")
    page.fill("#f-budget", "100000")
    expect(page.locator("#budget-hint")).to_contain_text("超出预算")
    page.click("#awards-form button[type=submit]")
    expect(page.locator("#awards-form .field-error")).to_contain_text("超过预算")
    expect(page.locator("#f-budget")).to_have_class("short invalid")
    page.fill("#f-budget", "300000")
    page.click("#awards-form button[type=submit]")
    expect(page.locator("#rules-summary")).to_contain_text("一等奖 2 名、二等奖 2 名、三等奖 3 名、鼓励奖 1 名")
    expect(page.locator("#awards-form .field-error")).to_have_count(0)
    setup = api.get(f"/api/contests/{cid}").json()["setup"]
    assert [(a["label"], a["count"], a["amount"]) for a in setup["awards"]] == [
        ("一等奖", 2, 50000), ("二等奖", 2, 40000), ("三等奖", 3, 30000), ("鼓励奖", 1, 5000)]
    assert setup["grants"]["budget"] == 300000
    assert setup["rules"]["text"].startswith("# 专家评审 70% + 大众评审 30%")  # the preset's notes are kept
    expect(page.locator("#f-toml")).to_have_value(setup["rules"]["text"])

    # timer: a bad value is explained next to the field
    page.fill("#f-timer", "5")
    page.click("#basics-form button[type=submit]")
    expect(page.locator("#basics-form .field-error")).to_contain_text("10 秒到 60 分钟")
    page.fill("#f-timer", "240")
    page.click("#basics-form button[type=submit]")
    saved(page, "基本信息已保存")
    expect(page.locator("#timer-hint")).to_have_text("= 4 分 0 秒")
    assert api.get(f"/api/contests/{cid}").json()["setup"]["timer_seconds"] == 240

    # recusal
    page.select_option("#rec-judge", "E2")
    page.select_option("#rec-project", "A3")
    page.click("#add-recusal")
    page.click("#recusals-form button[type=submit]")
    saved(page, "回避已保存")
    expect(page.locator("#recusal-list")).to_contain_text("专家2（E2）回避 A3")
    assert api.get(f"/api/contests/{cid}").json()["setup"]["recusals"] == [{"judge": "E2", "project": "A3"}]

    # the draw with a typed seed: the seed is shown and anyone can re-derive the order
    seed = "2026-11-24 现场公证"
    page.fill("#f-seed", seed)
    page.click("#draw")
    expect(page.locator("#seed-value")).to_have_text(seed)
    expected = list(draw_order([f"A{i}" for i in range(1, 7)], seed))
    expect(page.locator("#order-list li")).to_have_count(6)
    assert page.locator("#order-list li").evaluate_all("els => els.map(e => e.dataset.project)") == expected
    assert api.get(f"/api/contests/{cid}").json()["setup"]["order"] == expected
    # drawing again asks first; cancelling keeps the order
    page.click("#draw")
    page.click("#confirm-cancel")
    assert api.get(f"/api/contests/{cid}").json()["setup"]["draw_seed"] == seed

    # by hand: move the first project down one place and save
    page.locator("#order-list li").first.locator("[data-move='1']").click()
    page.click("#save-order")
    saved(page, "出场顺序已保存")
    expect(page.locator("#seed-box")).to_be_hidden()  # a hand-set order has no seed
    hand = [expected[1], expected[0], *expected[2:]]
    assert api.get(f"/api/contests/{cid}").json()["setup"]["order"] == hand

    # once started, the setup is read-only
    act(api, "start", cid=cid)
    expect(page.locator("#locked-banner")).to_be_visible()
    expect(page.locator("#f-name")).to_be_disabled()
    expect(page.locator("#awards-form button[type=submit]")).to_be_disabled()


def test_cards_page_prints_one_card_per_judge_on_a4(page: Page, server) -> None:
    page.goto(f"{server.url}/console/c1/cards")
    cards = page.locator(".sheet .qr-card[data-judge]")
    expect(cards).to_have_count(27)
    assert cards.locator(".qr-code svg").count() == 27
    expect(cards.first.locator(".qr-name")).to_have_text("王建国")
    expect(cards.first.locator(".qr-panel")).to_contain_text("专家评审团")
    expect(page.locator(".screen-card svg")).to_have_count(1)
    # copy-link on a card
    first = cards.first
    first.locator("[data-copy]").click()
    assert page.evaluate("navigator.clipboard.readText()") == first.locator(".qr-url").inner_text()
    # printing: no UI chrome, 8 cards per A4 page, then the screen card
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(first.locator("[data-copy]")).to_be_hidden()
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    assert len(pdf.pages) == math.ceil(27 / 8) + 1
    box = pdf.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 1.5 and abs(float(box.height) - 841.9) < 1.5  # A4 in points
    text = pdf.pages[0].extract_text()
    assert "王建国" in text and "赵明" in text and "周红梅" in text and "吴海涛" not in text
    page.emulate_media(media="screen")


# ---------------------------------------------------------------- the live console

def test_two_consoles_stay_in_sync_and_missing_judges_need_confirmation(ctx: BrowserContext, page: Page, server,
                                                                        api) -> None:
    cid, judges = small_contest(api)
    other = ctx.new_page()
    page.goto(f"{server.url}/console/{cid}")
    other.goto(f"{server.url}/console/{cid}")
    for p in (page, other):
        expect(p.locator("#conn")).to_have_class("conn live")
        expect(p.locator("#next-label")).to_have_text("开始比赛 Start")
    key(page, "Space")                                 # laptop A: start
    expect(other.locator("#phase")).to_have_text("等待上台 Between roadshows")
    other.click("#next-step")                          # laptop B: call up the first project …
    # … right after A's step: B is asked first (issue 13 item 9) and goes ahead
    expect(other.locator("#confirm-dialog")).to_contain_text("另一台控制台刚刚执行了「开始比赛」")
    other.click("#confirm-ok")
    for p in (page, other):
        expect(p.locator("#cur-name")).to_have_text("P1 项目1")
        expect(p.locator("#phase")).to_have_text("路演中 Presenting")
    page.click("[data-action=timer_start]")
    expect(other.locator("#timer")).to_have_class("timer num running")
    key(page, "t")                           # T pauses
    expect(other.locator("#timer")).not_to_have_class("timer num running")
    page.wait_for_timeout(1600)      # B's step is more than a moment old: A is not asked (issue 13 item 9)
    key(page, "Space")                                 # open scoring
    expect(other.locator("#progress")).to_have_text("已评 0 / 8")
    for jid in ("E1", "E2", "E3", "U1", "U2", "U3"):
        submit_ok(api, judges[jid]["token"], "P1", EXPERT if jid.startswith("E") else {"overall": 80})
    for p in (page, other):
        expect(p.locator("#progress")).to_have_text("已评 6 / 8")
        expect(p.locator("#judges .chip.submitted")).to_have_count(6)
        expect(p.locator("#judges .chip.missing")).to_have_count(2)
    expect(page.locator(".chip.missing[data-judge=E4]")).to_contain_text("未交")
    expect(page.locator(".chip.missing[data-judge=E4] .dot.off")).to_have_count(1)

    # closing with two judges missing asks first and lists them; cancel keeps scoring open
    other.wait_for_timeout(1600)     # A's step is more than a moment old
    other.click("[data-action=close_scoring]")
    dialog = other.locator("#confirm-dialog")
    expect(dialog).to_contain_text("还有 2 位评委未提交")
    expect(dialog).to_contain_text("专家4（E4）")
    expect(dialog).to_contain_text("大众4（U4）")
    other.click("#confirm-cancel")
    expect(dialog).to_have_count(0)
    assert api.get(f"/api/contests/{cid}").json()["phase"] == "scoring"
    # space bar goes through the same confirmation; confirming closes
    key(page, "Space")
    expect(page.locator("#confirm-dialog")).to_be_visible()
    page.keyboard.press("Space")                       # the focused Cancel button, never "close anyway"
    expect(page.locator("#confirm-dialog")).to_have_count(0)
    assert api.get(f"/api/contests/{cid}").json()["phase"] == "scoring"
    other.click("[data-action=close_scoring]")
    other.click("#confirm-ok")
    for p in (page, other):
        expect(p.locator("#phase")).to_have_text("评分已结束 Scoring closed")
    audit = api.get(f"/api/contests/{cid}/audit").json()["entries"]
    closing = [e for e in audit if e["action"] == "state.close_scoring"]
    assert closing and sorted(closing[-1]["detail"]["missing"]) == ["E4", "U4"]

    # the result and the live results table reach both consoles
    page.wait_for_timeout(1600)      # B's close is more than a moment old: A's press is not asked about
    page.click("[data-action=show_result]")
    expect(page.locator("#phase")).to_have_text("公布结果 Result shown")
    for p in (page, other):
        expect(p.locator("#results tbody tr[data-project=P1]")).to_contain_text("80")
        expect(p.locator("#roadshow .mk")).to_have_count(6)
    # back one step asks, then both consoles go back
    other.wait_for_timeout(1600)     # A's step is more than a moment old: only the back question is asked
    key(other, "z")
    other.click("#confirm-ok")
    for p in (page, other):
        expect(p.locator("#phase")).to_have_text("评分已结束 Scoring closed")
    other.close()


def test_outlier_flag_and_a_correction_with_a_reason_lands_in_the_audit_log(page: Page, server, api) -> None:
    cid, judges = small_contest(api)
    act(api, "start", "present", "open_scoring", cid=cid)
    page.goto(f"{server.url}/console/{cid}")
    expect(page.locator("#phase")).to_have_text("评分中 Scoring open")
    for jid in ("E1", "E2", "E4"):
        submit_ok(api, judges[jid]["token"], "P1", EXPERT)
    expect(page.locator("#outlier-alert")).to_be_hidden()
    # a typo: 8 instead of 80 overall, as 2+2+2+2
    submit_ok(api, judges["E3"]["token"], "P1", {"need": 2, "design": 2, "impact": 2, "team": 2})
    alert = page.locator("#outlier-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("异常分提醒")
    expect(alert.locator(".outlier-item[data-judge=E3]")).to_contain_text("专家3")
    expect(page.locator(".chip.outlier[data-judge=E3]")).to_be_visible()
    expect(page.locator(".chip.outlier")).to_have_count(1)
    for jid in ("U1", "U2", "U3", "U4"):
        submit_ok(api, judges[jid]["token"], "P1", {"overall": 70})

    # corrections are refused while scoring is open
    page.click(".chip[data-judge=E3]")
    expect(page.locator("#marks-dialog")).to_be_visible()
    expect(page.locator("#md-body")).to_contain_text("该路演正在评分")
    expect(page.locator("#md-body tr[data-judge=E3] [data-fix=correct]")).to_be_disabled()
    page.click("#md-close")
    page.click("#next-step")                           # close scoring: everyone submitted, no question
    expect(page.locator("#phase")).to_have_text("评分已结束 Scoring closed")

    page.click(".chip[data-judge=E3]")
    page.click("#md-body tr[data-judge=E3] [data-fix=correct]")
    fix = page.locator("#fix-dialog")
    expect(fix).to_be_visible()
    fix.locator("[data-criterion=need]").fill("20")
    fix.locator("[data-criterion=design]").fill("25")
    fix.locator("[data-criterion=impact]").fill("20")
    fix.locator("[data-criterion=team]").fill("150")   # out of range: the server's message shows at the field
    fix.locator("#fix-ok").click()
    expect(fix.locator(".field-error")).to_contain_text("请填写原因")   # no reason yet
    page.fill("#fix-reason", "评委当场确认输入错误，应为 80")
    fix.locator("#fix-ok").click()
    expect(fix.locator("[data-criterion=team] + .field-error")).to_contain_text("超出范围")
    fix.locator("[data-criterion=team]").fill("15")
    fix.locator("#fix-ok").click()
    expect(fix).to_be_hidden()
    expect(page.locator("#md-body tr[data-judge=E3]")).to_contain_text("已更正")
    expect(page.locator("#outlier-alert")).to_be_hidden()  # the corrected mark is no longer far off
    entries = api.get(f"/api/contests/{cid}/audit", params={"judge": "E3"}).json()["entries"]
    fixed = [e for e in entries if e["action"] == "mark.correct"]
    assert len(fixed) == 1
    assert fixed[0]["reason"] == "评委当场确认输入错误，应为 80"
    assert fixed[0]["detail"]["after"]["values"] == {"need": 20, "design": 25, "impact": 20, "team": 15}
    assert fixed[0]["detail"]["before"]["values"] == {"need": 2, "design": 2, "impact": 2, "team": 2}

    # voiding asks for a reason as well
    page.click("#md-body tr[data-judge=U3] [data-fix=void]")
    page.fill("#fix-reason", "该评委离场，评分作废")
    page.locator("#fix-dialog #fix-ok").click()
    expect(page.locator("#md-body tr[data-judge=U3]")).to_contain_text("已作废")
    voided = [e for e in api.get(f"/api/contests/{cid}/audit").json()["entries"] if e["action"] == "mark.void"]
    assert [(e["detail"]["judge"], e["reason"]) for e in voided] == [("U3", "该评委离场，评分作废")]


def test_lock_needs_an_explicit_confirmation(page: Page, server, api) -> None:
    cid, judges = small_contest(api, projects=1)
    act(api, "start", "present", "open_scoring", cid=cid)
    for j in judges.values():
        submit_ok(api, j["token"], "P1", EXPERT if j["panel"] == "expert" else {"overall": 75})
    act(api, "close_scoring", "show_result", "rank", cid=cid)
    page.goto(f"{server.url}/console/{cid}")
    expect(page.locator("#phase")).to_have_text("排名 Ranking")
    lock = page.locator("[data-action=lock]")
    lock.click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("不可撤销")
    expect(dialog.locator("#confirm-ok")).to_be_disabled()      # until the box is ticked
    page.click("#confirm-cancel")
    assert api.get(f"/api/contests/{cid}").json()["phase"] == "ranking"
    lock.click()
    page.check("#confirm-check")
    page.click("#confirm-ok")
    expect(page.locator("#phase")).to_have_text("已锁定 Locked")
    expect(page.locator("#next-label")).to_have_text("结果已锁定 Results locked")
    expect(page.locator("[data-action=back]")).to_be_disabled()
    assert api.get(f"/api/contests/{cid}").json()["phase"] == "locked"
    # the exports and the audit log are one click away, with the console's own session
    links = page.locator("#exports a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert {h.rsplit("/", 1)[1] for h in links} >= {"results.xlsx", "results.csv", "marks.csv", "scoresheets.pdf",
                                                   "archive.json"}
    for href in links:
        r = page.request.get(server.url + href)
        assert r.status == 200 and len(r.body()) > 0, href
    expect(page.locator("#audit-link")).to_have_attribute("href", f"/console/{cid}/audit")


def test_space_bar_is_ignored_while_typing_and_any_project_can_be_called_up(page: Page, server, api) -> None:
    cid, _ = small_contest(api)
    page.goto(f"{server.url}/console/{cid}")
    expect(page.locator("#next-label")).to_have_text("开始比赛 Start")
    page.locator("#results tbody").evaluate("b => { const i = document.createElement('input'); i.id = 'probe';"
                                            " document.querySelector('.stage').append(i); }")
    page.focus("#probe")
    page.keyboard.press("Space")
    page.keyboard.type("t z r")
    page.wait_for_timeout(300)
    assert api.get(f"/api/contests/{cid}").json()["phase"] == "setup"
    page.locator("#probe").blur()
    key(page, "Space")
    expect(page.locator("#phase")).to_have_text("等待上台 Between roadshows")
    # any project can be called up out of order from the running order
    page.click("#order [data-present=P2]")
    expect(page.locator("#cur-name")).to_have_text("P2 项目2")
    expect(page.locator("#order li[data-project=P2]")).to_have_class("st-current")


# ---------------------------------------------------------------- found by the outside review: a lost answer,
# a held key, focus thrown away by updates, a stale confirmation, an older reply, sign-out, contrast

def judges_scored(api: httpx.Client, judges: dict, project: str = "P1") -> None:
    for j in judges.values():
        submit_ok(api, j["token"], project, EXPERT if j["panel"] == "expert" else {"overall": 75})


def action_posts(page: Page) -> list[dict]:
    """Every action the page sends, as sent (the request bodies)."""
    posts: list[dict] = []
    def sent(r) -> None:
        if r.method == "POST" and r.url.endswith("/actions"):
            body = dict(r.post_data_json)
            assert body.pop("tab"), "every action names its console tab (issue 13 item 9)"
            posts.append(body)
    page.on("request", sent)
    return posts


def test_a_lost_answer_then_a_second_press_does_not_reveal_a_second_tier(page: Page, server, api) -> None:
    """The answer of 'reveal next tier' is lost on the Wi-Fi (the server did reveal it), the socket push is
    delayed by the same hiccup and even the reload fails: the operator presses again on the old screen.
    That press names the version it saw, so the server refuses it instead of revealing the next tier early,
    and the console says so and shows the current state.  When the reload works, the console tells whether
    the press whose answer was lost took effect."""
    cid, judges = small_contest(api, projects=1)
    act(api, "start", "present", "open_scoring", cid=cid)
    judges_scored(api, judges)
    version = act(api, "close_scoring", "show_result", "rank", "start_reveal", cid=cid)["version"]
    hold = {"on": False}

    def socket(ws) -> None:           # the console's socket, with the server's pushes held back on demand
        upstream = ws.connect_to_server()
        upstream.on_message(lambda m: None if hold["on"] else ws.send(m))
        ws.on_message(lambda m: upstream.send(m))

    page.route_web_socket("**/ws/console/**", socket)
    lost = {"posts": 0, "reloads": 0}

    def actions(route) -> None:
        lost["posts"] += 1
        if lost["posts"] in (1, 3):
            route.fetch()                           # the server gets it and commits ...
            route.abort("connectionreset")          # ... but the answer never arrives
        else:
            route.continue_()

    def reload(route) -> None:
        lost["reloads"] += 1
        if lost["reloads"] == 1:
            route.abort("connectionreset")          # the first reload after the failure fails as well
        else:
            route.continue_()

    page.route(f"**/api/contests/{cid}/actions", actions)
    page.route(f"**/api/contests/{cid}", reload)
    posts = action_posts(page)
    page.goto(f"{server.url}/console/{cid}")
    expect(page.locator("#next-label")).to_have_text("揭晓下一奖项 Reveal next tier")
    expect(page.locator("#cur-org")).to_contain_text("已揭晓 0 / 4")
    hold["on"] = True
    key(page, "Space")
    expect(page.locator(".toast", has_text="无法读取当前状态")).to_be_visible()
    expect(page.locator("#error-alert")).to_contain_text("无法确认操作是否生效")
    expect(page.locator("#cur-org")).to_contain_text("已揭晓 0 / 4")       # the console could not learn more
    key(page, "Space")                                                      # "check the connection and retry"
    expect(page.locator("#error-alert")).to_contain_text("状态已经变化")
    expect(page.locator("#cur-org")).to_contain_text("已揭晓 1 / 4")       # reloaded after the refusal
    ready(page)
    assert api.get(f"/api/contests/{cid}").json()["reveal"]["step"] == 1, "the second press revealed a tier early"
    assert posts == [{"action": "reveal_next", "expect_version": version}] * 2
    assert lost["reloads"] == 2
    key(page, "Space")                          # the next tier, its answer lost again; this time the reload works
    expect(page.locator("#error-alert")).to_contain_text("很可能已经生效")
    expect(page.locator("#cur-org")).to_contain_text("已揭晓 2 / 4")
    assert posts[2] == {"action": "reveal_next", "expect_version": version + 1}


def test_holding_enter_on_the_focused_next_step_button_runs_one_step(page: Page, server, api) -> None:
    cid, _ = small_contest(api)
    posts = action_posts(page)
    page.goto(f"{server.url}/console/{cid}")
    expect(page.locator("#next-label")).to_have_text("开始比赛 Start")
    page.click("#next-step")                   # one click: start; the button keeps the focus
    expect(page.locator("#phase")).to_have_text("等待上台 Between roadshows")
    ready(page)
    assert page.evaluate("document.activeElement.id") == "next-step"
    cdp = page.context.new_cdp_session(page)
    enter = {"type": "keyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13,
             "nativeVirtualKeyCode": 13, "text": "\r", "unmodifiedText": "\r"}
    cdp.send("Input.dispatchKeyEvent", enter)  # then Enter is held for 1.2 s: the keyboard repeats it
    for _ in range(24):
        page.wait_for_timeout(50)
        cdp.send("Input.dispatchKeyEvent", {**enter, "autoRepeat": True})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13})
    cdp.detach()
    expect(page.locator("#phase")).to_have_text("路演中 Presenting")
    ready(page)
    assert api.get(f"/api/contests/{cid}").json()["phase"] == "presenting", "a held key ran more than one step"
    assert [p["action"] for p in posts] == ["start", "present"]


def test_keyboard_focus_and_typing_survive_console_updates(page: Page, server, api) -> None:
    cid, judges = small_contest(api)
    act(api, "start", "present", "open_scoring", cid=cid)
    judges_scored(api, judges)
    act(api, "close_scoring", "show_result", cid=cid)
    page.goto(f"{server.url}/console/{cid}")
    expect(page.locator("#roadshow .mk")).to_have_count(8)
    active = "() => { const a = document.activeElement; return [a.closest('[id]').id, a.dataset.judge || a.dataset.project || a.id]; }"
    ws_url = server.url.replace("http://", "ws://")

    page.focus("#judges [data-judge=E2]")       # a judge's phone connects: the chips are redrawn
    with ws_connect(f"{ws_url}/ws/j/{judges['E4']['token']}", open_timeout=10):
        expect(page.locator("#judges [data-judge=E4] .dot.on")).to_have_count(1)
        assert page.evaluate(active) == ["judges", "E2"]
    expect(page.locator("#judges [data-judge=E4] .dot.off")).to_have_count(1)
    assert page.evaluate(active) == ["judges", "E2"]

    page.focus("#results tr[data-project=P1]")  # a correction changes the live results table
    before = page.locator("#results tr[data-project=P1]").inner_text()
    r = api.post(f"/api/contests/{cid}/marks/correct", json={"project": "P1", "round": "final", "judge": "U3",
                                                              "marks": {"overall": 60}, "reason": "评委口头更正"})
    assert r.status_code == 200, r.text
    expect(page.locator("#results tr[data-project=P1]")).not_to_have_text(before)
    assert page.evaluate(active) == ["results", "P1"]

    page.keyboard.press("Enter")                # the marks dialog, from the keyboard
    dialog = page.locator("#marks-dialog")
    expect(dialog).to_be_visible()
    correct = "#md-body tr[data-judge=E3] [data-fix=correct]"
    page.focus(correct)
    r = api.post(f"/api/contests/{cid}/marks/correct", json={"project": "P1", "round": "final", "judge": "U2",
                                                              "marks": {"overall": 65}, "reason": "评委口头更正"})
    assert r.status_code == 200, r.text
    expect(dialog.locator("tr[data-judge=U2]")).to_contain_text("65")
    assert page.evaluate(f"document.activeElement === document.querySelector('{correct}')")
    page.keyboard.press("Enter")                # correct E3: the operator starts typing a reason ...
    expect(page.locator("#fix-dialog")).to_be_visible()
    page.focus("#fix-reason")
    page.keyboard.type("评委确认")
    with ws_connect(f"{ws_url}/ws/j/{judges['U4']['token']}", open_timeout=10):  # ... and an update arrives
        expect(page.locator("#judges [data-judge=U4] .dot.on")).to_have_count(1)
        page.keyboard.type("输入有误")
        expect(page.locator("#fix-reason")).to_have_value("评委确认输入有误")
        assert page.evaluate("document.activeElement.id") == "fix-reason"
    page.click("#fix-cancel")
    page.click("#md-close")


def test_back_confirmation_shows_the_current_state_and_sends_the_version_it_shows(page: Page, server, api) -> None:
    cid, _ = small_contest(api)
    act(api, "start", "present", cid=cid)
    posts = action_posts(page)
    page.goto(f"{server.url}/console/{cid}")
    expect(page.locator("#phase")).to_have_text("路演中 Presenting")
    key(page, "z")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("当前阶段「路演中」")
    act(api, "open_scoring", cid=cid)               # another console moves on while the question is open
    expect(dialog).to_contain_text("当前阶段「评分中」")
    expect(dialog).to_contain_text("状态已经变化")
    expect(dialog.locator("#confirm-ok")).to_be_disabled()   # "go back" would now undo something else
    page.click("#confirm-cancel")
    assert posts == []
    version = api.get(f"/api/contests/{cid}").json()["version"]
    key(page, "z")
    expect(dialog).to_contain_text("当前阶段「评分中」")
    page.click("#confirm-ok")
    expect(page.locator("#phase")).to_have_text("路演中 Presenting")
    assert posts == [{"action": "back", "expect_version": version}]


def test_setup_never_applies_an_import_answer_older_than_the_state_shown(page: Page, server, api) -> None:
    cid = new_contest(api, name="导入应答")
    page.goto(f"{server.url}/console/{cid}/setup")
    expect(page.locator("#conn")).to_have_class("conn live")

    def older_answer(route) -> None:            # the answer is overtaken by the socket's newer push
        response = route.fetch()
        body = response.json()
        if body.get("applied"):
            page.wait_for_timeout(300)
            body["contest"]["seq"] = 1
            body["contest"]["setup"]["projects"][0]["name"] = "旧的应答 STALE"
        route.fulfill(response=response, json=body)

    page.route(f"**/api/contests/{cid}/import/projects", older_answer)
    upload(page, "projects", "projects.csv", PROJECTS_GOOD)
    preview = page.locator(".import[data-kind=projects] .import-preview")
    expect(preview.locator(".preview-status")).to_contain_text("没有错误")
    preview.locator("[data-import=apply]").click()
    expect(page.locator(".toast", has_text="已导入 6 行")).to_be_visible()
    expect(page.locator("#projects-table tbody tr")).to_have_count(6)
    page.wait_for_timeout(200)
    names = page.locator("#projects-table tbody tr td:nth-child(2) input").evaluate_all("els => els.map(e => e.value)")
    assert names == [f"项目{i}" for i in range(1, 7)]


def test_signed_out_pages_go_to_the_sign_in_page(page: Page, server, api) -> None:
    """The organizer key was rotated: the server closes the console socket with 4401 (and answers 401)."""
    cid, _ = small_contest(api)
    page.route_web_socket("**/ws/console/**", lambda ws: ws.close(code=4401, reason="signed out"))
    for path in (f"/console/{cid}/setup", f"/console/{cid}"):
        page.goto(server.url + path)
        page.wait_for_url(f"{server.url}/login?next={quote(path, safe='')}")
    page.route("**/api/presets", lambda route: route.fulfill(status=401, json={"error": "unauthorized"}))
    page.goto(server.url + "/console")
    page.wait_for_url(f"{server.url}/login?next={quote('/console', safe='')}")


CONTRAST = """(els) => els.filter((e) => e.getClientRects().length && !e.closest(':disabled')).map((e) => {
  const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  let bg = null, opacity = 1;
  for (let x = e; x && !bg; x = x.parentElement) {
    const cs = getComputedStyle(x);
    opacity *= Number(cs.opacity);
    const c = rgb(cs.backgroundColor);
    if (c.length < 4 || c[3] > 0.5) bg = c;
  }
  bg = (bg || [255, 255, 255]).slice(0, 3);
  const fg = rgb(getComputedStyle(e).color).slice(0, 3).map((v, i) => v * opacity + bg[i] * (1 - opacity));  // as seen
  const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return { text: e.textContent.trim(), ratio: (hi + 0.05) / (lo + 0.05), px: parseFloat(getComputedStyle(e).fontSize) };
})"""


def test_english_labels_are_readable_and_controls_are_named(page: Page, server, api) -> None:
    cid, _ = small_contest(api)
    checks = {"/console": ".topbar-end .en", f"/console/{cid}/audit": ".en", f"/console/{cid}/cards": ".topbar .en"}
    for path, selector in checks.items():
        page.goto(server.url + path + "?lang=en")   # the English labels are shown (and checked) in English
        seen = page.locator(selector).evaluate_all(CONTRAST)
        assert seen, path
        for e in seen:
            assert e["ratio"] >= 4.5 and e["px"] >= 12, (path, e)
    page.goto(f"{server.url}/console/{cid}/setup?lang=zh")
    expect(page.get_by_label("规则原文（TOML）")).to_have_count(1)   # the English label is hidden until switched
    page.goto(f"{server.url}/console/{cid}")
    chip = page.locator("#judges [data-judge=E1]")
    expect(chip.get_by_role("img", name="离线 offline")).to_have_count(1)
    expect(chip).to_have_accessible_name("离线 offline 专家1")


def test_an_action_without_any_answer_gives_up_after_ten_seconds(page: Page, server, api) -> None:
    """A dead link that never answers (no error either) must not leave the console busy for ever."""
    cid, _ = small_contest(api)
    page.clock.install()
    page.route(f"**/api/contests/{cid}/actions", lambda route: None)   # the request hangs: no answer, ever
    page.goto(f"{server.url}/console/{cid}")
    expect(page.locator("#next-label")).to_have_text("开始比赛 Start")
    page.keyboard.press("Space")
    expect(page.locator("body[data-busy=start]")).to_have_count(1)
    expect(page.locator("[data-action=start]")).to_be_disabled()
    page.clock.run_for(11_000)
    expect(page.locator("body[data-busy]")).to_have_count(0)
    expect(page.locator("#error-alert")).to_contain_text("操作没有生效，可以再按一次")
    expect(page.locator("[data-action=start]")).to_be_enabled()
    assert api.get(f"/api/contests/{cid}").json()["phase"] == "setup"


def test_closing_asks_again_from_the_fresh_state_when_the_server_finds_a_judge_missing(page: Page, server,
                                                                                       api) -> None:
    """The console believed everyone had submitted (its view was behind); the server refuses the unconfirmed
    close, the console reloads, asks with the fresh list, and the confirmed close names that fresh version."""
    cid, judges = small_contest(api)
    act(api, "start", "present", "open_scoring", cid=cid)
    judges_scored(api, {k: j for k, j in judges.items() if k != "U4"})

    def behind(ws) -> None:                     # the socket's view: U4's mark seems to be in
        upstream = ws.connect_to_server()

        def rewrite(message: str) -> None:
            snap = json.loads(message)
            for j in snap.get("judges_status", []):
                if j["id"] == "U4":
                    j.update(submitted=True, total=75)
            ws.send(json.dumps(snap))
        upstream.on_message(rewrite)
        ws.on_message(lambda m: upstream.send(m))

    page.route_web_socket("**/ws/console/**", behind)
    posts = action_posts(page)
    page.goto(f"{server.url}/console/{cid}")
    expect(page.locator("#judges .chip.missing")).to_have_count(0)
    version = api.get(f"/api/contests/{cid}").json()["version"]
    key(page, "Space")                          # close scoring: no question asked, the server refuses
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("还有 1 位评委未提交")
    expect(dialog).to_contain_text("大众4（U4）")
    page.click("#confirm-ok")
    expect(page.locator("#phase")).to_have_text("评分已结束 Scoring closed")
    assert posts == [{"action": "close_scoring", "expect_version": version},
                     {"action": "close_scoring", "expect_version": version, "confirm": True}]


def test_a_restarted_server_whose_clock_went_back_is_followed_not_ignored(page: Page, server, api) -> None:
    """After a restart the server's seq may be lower than the one the console last saw (the clock was set back):
    a snapshot from another boot is applied whatever its seq, and seqs compare again within that boot."""
    cid, _ = small_contest(api)
    sockets: list = []
    last: dict = {}

    def socket(ws) -> None:                     # the real socket, plus pushes the test makes up
        upstream = ws.connect_to_server()

        def relay(message: str) -> None:
            snap = json.loads(message)
            if snap.get("type") == "state":
                last["snap"] = snap
            ws.send(message)
        upstream.on_message(relay)
        ws.on_message(lambda m: upstream.send(m))
        sockets.append(ws)

    page.route_web_socket("**/ws/console/**", socket)
    page.goto(f"{server.url}/console/{cid}")
    expect(page.locator("#conn")).to_have_class("conn live")
    expect(page.locator("#contest-name")).to_have_text("测试赛")
    page.evaluate("""() => {
        window.__names = [];
        const el = document.getElementById('contest-name');
        new MutationObserver(() => window.__names.push(el.textContent))
          .observe(el, { childList: true, characterData: true, subtree: true });
    }""")
    deadline = time.time() + 10  # the name may come from the page's first read, before the socket's first push
    while "snap" not in last:
        assert time.time() < deadline, "no state came over the console socket"
        page.wait_for_timeout(50)
    real = last["snap"]
    assert isinstance(real["boot"], str) and real["boot"]

    def push(boot: str, seq: int, name: str) -> None:
        sockets[-1].send(json.dumps({**real, "boot": boot, "seq": seq, "contest": {**real["contest"], "name": name}}))

    push(real["boot"], real["seq"] - 1, "同一次启动的旧快照 STALE")   # older, same boot: dropped
    push("restarted-boot", 5, "重启后 RESTARTED")                      # far lower seq, new boot: applied
    expect(page.locator("#contest-name")).to_have_text("重启后 RESTARTED")
    push("restarted-boot", 4, "新启动的旧快照 STALE")                 # within the new boot, older: dropped
    push("restarted-boot", 6, "重启后 NEWER")
    expect(page.locator("#contest-name")).to_have_text("重启后 NEWER")
    shown = page.evaluate("window.__names")
    assert not any("STALE" in n for n in shown), shown
