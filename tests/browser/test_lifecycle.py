"""The contest lifecycle in real headless Chromium: duplicate and delete from the contest list (the typed
confirmation), the rehearsal switch on the setup page, the 彩排 REHEARSAL badge on the big screen and the
banner on the console and the judge's phone, and the console's reset to setup."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import demo_setup, new_page
from tests.conftest import LiveServer
from tests.helpers import Evening, spread_marks

pytestmark = pytest.mark.browser


def _errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_duplicate_and_delete_from_the_contest_list(browser: Browser, live_server: LiveServer, artifacts) -> None:
    page = new_page(browser, live_server, signed_in=True)
    errors = _errors(page)
    row = page.locator('#contests tr[data-contest="c1"]')
    expect(row).to_contain_text("准备中")  # the vocabulary's phase label
    row.locator("[data-duplicate]").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog.locator("#copy-name")).to_have_value(row.get_attribute("data-name") + "（副本）")
    dialog.locator("#copy-name").fill("2027年决赛")
    dialog.locator("#copy-date").fill("2027-05-20")
    page.locator("#confirm-ok").click()
    page.wait_for_url(f"{live_server.url}/console/c1-copy/setup")
    page.goto(live_server.url + "/console")
    copy = page.locator('#contests tr[data-contest="c1-copy"]')
    expect(copy).to_contain_text("2027年决赛")
    expect(copy).to_contain_text("2027-05-20")
    page.screenshot(path=str(artifacts / "lifecycle-list.png"), full_page=True)
    with live_server.api() as http:
        new_tokens = {j["token"] for j in http.get("/api/contests/c1-copy").json()["setup"]["judges"]}
    assert new_tokens.isdisjoint({j["token"] for j in demo_setup(live_server)["judges"]})

    # delete the copy: the button stays disabled until the id is typed
    copy.locator("[data-delete]").click()
    ok = page.locator("#confirm-ok")
    expect(ok).to_be_disabled()
    page.locator("#typed-confirm").fill("c1")
    expect(ok).to_be_disabled()
    page.locator("#typed-confirm").fill("c1-copy")
    expect(ok).to_be_enabled()
    ok.click()
    expect(page.locator('#contests tr[data-contest="c1-copy"]')).to_have_count(0)
    expect(page.locator('#contests tr[data-contest="c1"]')).to_have_count(1)

    # a contest with marks: refused with the server's message until the archive is exported
    with live_server.api() as http:
        ev = Evening(http)
        ev.run(ev.state["setup"]["order"][:1], lambda j, pid: spread_marks(j, 0.8, 1))
    page.reload()
    page.locator('#contests tr[data-contest="c1"] [data-delete]').click()
    expect(page.locator("#confirm-dialog")).to_contain_text("export its JSON archive first")
    page.locator("#typed-confirm").fill("c1")
    page.locator("#confirm-ok").click()
    expect(page.locator(".toast").last).to_contain_text("请先导出归档")
    expect(page.locator('#contests tr[data-contest="c1"]')).to_have_count(1)
    assert errors == []


def test_rehearsal_badge_on_the_screen_banner_on_phone_and_console_then_reset(browser: Browser,
                                                                              live_server: LiveServer,
                                                                              artifacts) -> None:
    setup = demo_setup(live_server)
    console = new_page(browser, live_server, signed_in=True)
    errors = _errors(console)
    console.goto(f"{live_server.url}/console/c1/setup")
    toggle = console.locator("#rehearsal-toggle")
    expect(toggle).to_contain_text("开启彩排模式")
    screen = new_page(browser, live_server, signed_in=False, viewport={"width": 1280, "height": 720})
    screen.goto(live_server.url + setup["screen_link"])
    badge = screen.locator("#rehearsal-badge")
    expect(badge).to_be_hidden()
    toggle.click()
    expect(console.locator("#rehearsal-on")).to_be_visible()
    expect(badge).to_be_visible()  # pushed: the screen page was not reloaded
    expect(badge).to_contain_text("彩排 REHEARSAL")
    screen.screenshot(path=str(artifacts / "screen-rehearsal.png"))
    phone = new_page(browser, live_server, signed_in=False, viewport={"width": 390, "height": 844})
    phone.goto(live_server.url + setup["judges"][0]["link"])
    expect(phone.locator("#rehearsal-banner")).to_be_visible()

    with live_server.api() as http:
        ev = Evening(http)
        ev.run(ev.state["setup"]["order"][:1], lambda j, pid: spread_marks(j, 0.8, 1))
    console.goto(f"{live_server.url}/console/c1")
    banner = console.locator("#rehearsal-banner")
    expect(banner).to_be_visible()
    console.locator("#rehearsal-leave").click()  # refused: test marks are left
    expect(console.locator(".toast").last).to_contain_text("请先重置彩排")
    console.locator("#rehearsal-reset").click()
    expect(console.locator("#confirm-ok")).to_be_disabled()
    console.locator("#typed-confirm").fill("c1")
    console.locator("#confirm-ok").click()
    expect(console.locator("#phase")).to_contain_text("准备中")
    with live_server.api() as http:
        assert http.get("/api/contests/c1").json()["marks"] == []
    console.locator("#rehearsal-leave").click()
    expect(banner).to_be_hidden()
    expect(badge).to_be_hidden()
    expect(phone.locator("#rehearsal-banner")).to_be_hidden()
    assert errors == []
