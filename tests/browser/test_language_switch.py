"""One language at a time on every page (issue 13 item 14): Chinese only by default, English after one press
of the language switch in the header (the big screen: the L key or ?lang=en, no button on the projector),
the choice kept on reload and across pages, never both languages side by side.  Screenshots of the
console and the big screen in both languages go to artifacts/lang/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.helpers import demo_setup, entrance_done, fast_animations, new_page
from tests.conftest import ROOT, LiveServer
from tests.helpers import Evening, act, spread_marks

pytestmark = pytest.mark.browser

CID = "c1"
SHOTS = ROOT / "artifacts" / "lang"

# What the page shows, read in the page: which language parts are visible, which English phrases the page
# holds (hidden or not), and any English shown right after its visible Chinese (a doubled label).
READ = r"""() => {
  const vis = (e) => e.checkVisibility();
  const cjk = /[\u3400-\u9fff]/;
  const ens = [...document.querySelectorAll('.en')];
  const doubled = [];
  for (const e of ens.filter(vis)) {
    let p = e.previousSibling;
    while (p && ((p.nodeType === 3 && !p.data.trim()) || p.nodeName === 'BR' || (p.nodeType === 1 && p.classList.contains('bi-sep')))) p = p.previousSibling;
    const shown = p && (p.nodeType === 3 || (p.nodeType === 1 && vis(p)));
    if (shown && cjk.test(p.textContent) && (p.nodeType === 3 || p.classList.contains('zh')))
      doubled.push(p.textContent.trim() + ' | ' + e.textContent.trim());
    else for (const t of e.parentNode.childNodes)   // Chinese words beside it in the same element, still shown
      if (t.nodeType === 3 && cjk.test(t.data)) { doubled.push(t.data.trim() + ' || ' + e.textContent.trim()); break; }
  }
  // visible text holding Chinese and English words at once ("准备中 Setup", "失败 / failed"): both languages
  const mixed = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const allowed = /^(HTTP|CSV|XLSX|PDF|JSON|TOML|Excel|QR|ID|A4|toml|xlsx|csv|pdf|json|http|https|run|py|serve|key|new)$/;
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const p = n.parentElement;
    if (!p || !p.checkVisibility() || p.closest('script, style, code, .mono, [data-lang-switch]')) continue;
    const plain = n.data.replace(/\S*[\/:.\-_<>@]\S*/g, '');   // addresses, commands, file names, ids
    const words = (plain.match(/[A-Za-z]{3,}/g) || []).filter((w) => !allowed.test(w));
    if (cjk.test(n.data) && words.length) mixed.push(n.data.trim().slice(0, 80));
  }
  const sw = document.querySelector('[data-lang-switch]');
  return {
    lang: document.documentElement.lang, data: document.documentElement.dataset.lang,
    visibleEn: ens.filter(vis).map((e) => e.textContent.trim()).filter(Boolean),
    visibleZh: [...document.querySelectorAll('.zh')].filter(vis).map((e) => e.textContent.trim()),
    phrases: ens.map((e) => e.textContent.trim()).filter((t) => /[A-Za-z]{3}/.test(t) && !cjk.test(t)),
    text: document.body.innerText, doubled, mixed,
    switchText: sw ? sw.textContent.trim() : null, switchShown: sw ? vis(sw) : false,
  };
}"""

PAGES = [  # name, path, signed in?, ready selector, an English label the page shows once switched
    ("login", lambda s: "/login", False, "#key", "Console sign-in"),
    ("console_index", lambda s: "/console", True, "#contests", "Signed-in devices"),
    ("console", lambda s: f"/console/{CID}", True, "#next-step", "Running order"),
    ("setup", lambda s: f"/console/{CID}/setup", True, "main", "Projects"),
    ("audit", lambda s: f"/console/{CID}/audit", True, "#rows tr[data-seq], #rows tr", "Audit trail"),
    ("cards", lambda s: f"/console/{CID}/cards", True, "main", "Judge QR cards"),
    ("not_found", lambda s: "/console/no-such-contest", True, "h1", "No such contest"),
    ("no_such_page", lambda s: "/no-such-page", False, "h1", "No such page"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(str(tmp_path_factory.mktemp("lang") / "lang.db")) as s:
        yield s


@pytest.fixture(scope="module")
def setup(server):
    return demo_setup(server, CID)




def settle(page: Page, ready: str) -> dict:
    page.wait_for_selector(ready, state="attached")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)  # the live socket's first state has been drawn
    return page.evaluate(READ)


def assert_chinese_only(seen: dict, name: str) -> None:
    assert (seen["data"], seen["lang"]) == ("zh", "zh-CN"), name
    assert seen["visibleEn"] == [], f"{name}: English shown by default: {seen['visibleEn'][:8]}"
    shown = [p for p in seen["phrases"] if len(p) >= 8 and p in seen["text"]]
    assert shown == [], f"{name}: English labels in the page's visible text: {shown[:8]}"
    assert seen["mixed"] == [], f"{name}: text in both languages: {seen['mixed'][:8]}"
    assert seen["phrases"], f"{name}: the page holds its English (hidden) for the switch"


def assert_english(seen: dict, name: str, label: str) -> None:
    assert (seen["data"], seen["lang"]) == ("en", "en"), name
    assert seen["visibleEn"], f"{name}: no English shown"
    assert not label or label in seen["text"], f"{name}: {label!r} not shown"
    assert seen["visibleZh"] == [], f"{name}: Chinese labels still shown: {seen['visibleZh'][:8]}"
    assert seen["doubled"] == [], f"{name}: both languages side by side: {seen['doubled'][:8]}"
    assert seen["mixed"] == [], f"{name}: text in both languages: {seen['mixed'][:8]}"


@pytest.mark.parametrize("name,path,signed_in,ready,label", PAGES, ids=[p[0] for p in PAGES])
def test_page_is_chinese_by_default_and_english_after_the_switch(browser: Browser, server: LiveServer, setup,
                                                                 name, path, signed_in, ready, label):
    page = new_page(browser, server, signed_in=signed_in)
    try:
        page.goto(server.url + path(setup))
        seen = settle(page, ready)
        assert_chinese_only(seen, name)
        assert seen["switchShown"] and seen["switchText"] == "EN", f"{name}: the switch in the header says EN"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}_zh.png"), full_page=True)
        page.click("[data-lang-switch]")
        page.wait_for_timeout(200)
        seen = page.evaluate(READ)
        assert_english(seen, name, label)
        assert seen["switchText"] == "中文"
        page.reload()
        seen = settle(page, ready)
        assert_english(seen, name + " after reload", label)
        page.screenshot(path=str(SHOTS / f"{name}_en.png"), full_page=True)
        page.click("[data-lang-switch]")
        page.wait_for_timeout(200)
        assert_chinese_only(page.evaluate(READ), name + " switched back")
    finally:
        page.context.close()


def test_console_redraws_keep_one_language(browser: Browser, tmp_path):
    """What the live console draws after a state push (phase badge, current project, buttons) is in the
    chosen language too, not only what the template wrote."""
    with LiveServer(str(tmp_path / "push.db")) as srv:
        page = new_page(browser, srv, signed_in=True)
        try:
            page.goto(f"{srv.url}/console/{CID}")
            settle(page, "#next-step")
            page.click("[data-lang-switch]")
            with srv.api() as http:
                act(http, "start", "present")
            page.wait_for_timeout(800)
            seen = page.evaluate(READ)
            assert_english(seen, "console after a push", "Running order")
            assert "路演中" not in seen["text"] and "Presenting" in page.locator("#phase").inner_text()
        finally:
            page.context.close()


def test_big_screen_chinese_by_default_english_by_key_or_address(browser: Browser, server: LiveServer, setup):
    """The projector shows no switch; L switches it, ?lang=en / ?lang=zh say it in the address."""
    page = new_page(browser, server, signed_in=False, viewport={"width": 1920, "height": 1080})
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.goto(server.url + setup["screen_link"])
        seen = settle(page, "body[data-view]")
        assert_chinese_only(seen, "big screen")
        assert seen["switchText"] is None, "no button on the projector"
        page.screenshot(path=str(SHOTS / "screen_zh.png"))
        page.keyboard.press("l")
        page.wait_for_timeout(200)
        assert_english(page.evaluate(READ), "big screen after L", "Running order")
        page.reload()
        seen = settle(page, "body[data-view]")
        assert_english(seen, "big screen after reload", "Running order")
        page.screenshot(path=str(SHOTS / "screen_en.png"))
        page.goto(server.url + setup["screen_link"] + "?lang=zh")
        assert_chinese_only(settle(page, "body[data-view]"), "big screen ?lang=zh")
    finally:
        page.context.close()
    page = new_page(browser, server, signed_in=False, viewport={"width": 1920, "height": 1080})
    try:
        page.goto(server.url + setup["screen_link"] + "?lang=en")
        assert_english(settle(page, "body[data-view]"), "big screen ?lang=en", "Running order")
    finally:
        page.context.close()


def test_one_choice_for_every_page_judge_page_included(browser: Browser, server: LiveServer, setup):
    """The judge page's EN button and the console's switch are the same choice: English on the phone makes
    the sign-in page English in that browser, and the console's choice opens the phone in English."""
    page = new_page(browser, server, signed_in=False, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page.goto(server.url + setup["judges"][0]["link"])
        settle(page, "#task")
        assert page.evaluate("document.documentElement.dataset.lang") == "zh"
        page.click("#lang")
        page.wait_for_timeout(200)
        assert page.evaluate("[document.documentElement.dataset.lang, document.documentElement.lang]") == ["en", "en"]
        page.goto(server.url + "/login")
        assert_english(settle(page, "#key"), "login after the phone's switch", "Console sign-in")
        page.click("[data-lang-switch]")
        page.goto(server.url + setup["judges"][0]["link"])
        settle(page, "#task")
        assert page.locator("#lang").inner_text() == "EN"
        assert page.evaluate("document.documentElement.dataset.lang") == "zh"
    finally:
        page.context.close()


def test_big_screen_through_an_evening_in_each_language(browser: Browser, tmp_path):
    """Two projectors on the same contest, one as it opens (Chinese), one at ?lang=en: every view of the
    evening (order, presenting, scoring, closed, result, ranking, awards) shows one language only."""
    with LiveServer(str(tmp_path / "screens.db")) as srv, srv.api() as http:
        ev = Evening(http, CID)
        link = srv.url + ev.state["setup"]["screen_link"]
        pages = {}
        for lang in ("zh", "en"):
            pages[lang] = new_page(browser, srv, signed_in=False, viewport={"width": 1920, "height": 1080})
            pages[lang].goto(link + ("?lang=en" if lang == "en" else ""))
            fast_animations(pages[lang])   # each view is read once its entrance has ended: played 8× faster
            settle(pages[lang], "body[data-view]")
        SHOTS.mkdir(parents=True, exist_ok=True)
        problems = {}

        def look(name: str, view: str) -> None:
            for page in pages.values():      # both projectors draw the view (and animate it) at once
                page.wait_for_selector(f"body[data-view={view}]")
            for lang, page in pages.items():
                entrance_done(page)          # the view's entrance animation has played out
                seen = page.evaluate(READ)
                page.screenshot(path=str(SHOTS / f"screen_{name}_{lang}.png"))
                try:
                    if lang == "zh":
                        assert_chinese_only(seen, name)
                    else:
                        assert_english(seen, name, "")
                except AssertionError as e:
                    problems[f"{name}/{lang}"] = str(e).split("\n")[0]

        recused = {(r["judge"], r["project"]) for r in ev.state["setup"]["recusals"]}
        pids = [p["id"] for p in ev.state["order"]]
        try:
            ev.act("start")
            look("order", "order")
            for n, pid in enumerate(pids):
                ev.act("present", project=pid)
                if n == 0:
                    look("presenting", "presenting")
                ev.act("open_scoring")
                for k, j in enumerate(ev.judges):
                    if (j["id"], pid) not in recused:
                        ev.submit_ok(j, pid, "final", spread_marks(j, 0.6 + 0.025 * n, k))
                if n == 0:
                    look("scoring", "scoring")
                ev.act("close_scoring")
                if n == 0:
                    look("closed", "closed")
                ev.act("show_result")
                if n == 0:
                    look("result", "result")
                if n < len(pids) - 1:
                    ev.act("next")
                if n == 1:
                    look("board", "board")
            ev.act("rank")
            look("ranking", "ranking")
            ev.act("start_reveal")
            look("awards", "reveal")
            ev.act("reveal_next")
            look("award_tier", "reveal")
        finally:
            for page in pages.values():
                page.context.close()
        assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
