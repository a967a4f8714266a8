"""The console's "signed-in devices" list in real headless Chromium: three browsers signed in, this one
marked 本机; ending another closes its open live console (it lands on the sign-in page), "sign out all
other devices" keeps only this one, ending this one signs it out; the sign-out button carries the CSRF token."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
TABLET = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15"


def signed_in(browser: Browser, server: LiveServer, user_agent: str, errors: list[str]) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 800}, user_agent=user_agent)
    context.set_default_timeout(6000)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/console")
    page.fill("#key", server.key)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/console")
    return page


def confirm(page: Page) -> None:
    page.locator("#confirm-ok").click()


def test_signed_in_devices_are_listed_and_ended_from_the_console(browser: Browser, live_server: LiveServer,
                                                                 artifacts) -> None:
    errors: list[str] = []
    laptop = signed_in(browser, live_server, LAPTOP, errors)
    phone = signed_in(browser, live_server, PHONE, errors)
    tablet = signed_in(browser, live_server, TABLET, errors)
    phone.goto(live_server.url + "/console/c1")  # the phone has the live console open (its socket is live)
    expect(phone.locator("#next-step")).to_be_visible()

    laptop.reload()
    rows = laptop.locator("#sessions tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Chrome · Windows")
    expect(rows.nth(0)).to_contain_text("本机")
    expect(rows.nth(1)).to_contain_text("Chrome · Android")
    expect(rows.nth(2)).to_contain_text("Safari · iPad")
    expect(laptop.locator("#sessions .this-device")).to_have_count(1)
    laptop.screenshot(path=str(artifacts / "console-sessions.png"), full_page=True)

    # end the phone's session: its open console is closed and goes to the sign-in page by itself
    rows.nth(1).locator("[data-end-session]").click()
    expect(laptop.locator("#confirm-dialog")).to_contain_text("End this session")
    confirm(laptop)
    expect(rows).to_have_count(2)
    laptop.wait_for_load_state()  # the list is the reloaded page's: wait for its script before the next click
    phone.wait_for_url(f"{live_server.url}/login?next=%2Fconsole%2Fc1")

    # sign out all other devices: only this laptop is left
    laptop.locator("#end-others").click()
    confirm(laptop)
    expect(rows).to_have_count(1)
    expect(laptop.locator("#end-others")).to_be_disabled()
    tablet.goto(live_server.url + "/console")
    expect(tablet).to_have_url(f"{live_server.url}/login?next=/console")

    # ending this device's own session signs it out
    rows.nth(0).locator("[data-end-session]").click()
    expect(laptop.locator("#confirm-dialog")).to_contain_text("Sign out this device")
    confirm(laptop)
    laptop.wait_for_url(f"{live_server.url}/login?next=%2Fconsole")
    laptop.goto(live_server.url + "/console")
    expect(laptop).to_have_url(f"{live_server.url}/login?next=/console")

    # the top bar's sign-out posts the page's CSRF token and ends the session on the server
    tablet.fill("#key", live_server.key)
    tablet.click("button[type=submit]")
    tablet.wait_for_url(live_server.url + "/console")
    token = tablet.locator("meta[name=csrf-token]").get_attribute("content")
    assert tablet.locator("form[action='/logout'] input[name=csrf]").get_attribute("value") == token
    tablet.click("form[action='/logout'] button")
    tablet.wait_for_url(live_server.url + "/login")
    assert [s for s in live_server.app.state.sessions.live()] == []
    assert errors == [], f"JavaScript errors on the pages: {errors}"


def test_a_page_of_another_site_cannot_sign_the_browser_in(browser: Browser, live_server: LiveServer) -> None:
    """Login CSRF in a real browser: a page elsewhere auto-posts the sign-in form (with a key it knows);
    Chromium's own Sec-Fetch-Site / Origin headers tell the server, which refuses it and makes no session."""
    context = browser.new_context()
    context.set_default_timeout(6000)
    page = context.new_page()
    evil = f"""<!doctype html><form id=f method=post action="{live_server.url}/login">
      <input name=key value="{live_server.key}"><input name=next value="/console"></form>
      <script>document.getElementById('f').submit()</script>"""
    page.route("http://evil.example/**", lambda route: route.fulfill(status=200, content_type="text/html", body=evil))
    with page.expect_response(f"{live_server.url}/login") as answer:
        page.goto("http://evil.example/attack")
    assert answer.value.status == 403
    expect(page.locator("h1")).to_contain_text("其他网站")
    assert live_server.app.state.sessions.live() == []
    # another port of the same host is another origin too (SameSite cookies do not tell ports apart)
    other_port = live_server.url.rsplit(":", 1)[0] + ":9"
    page.route(f"{other_port}/**", lambda route: route.fulfill(status=200, content_type="text/html", body=evil))
    with page.expect_response(f"{live_server.url}/login") as answer:
        page.goto(f"{other_port}/attack")
    assert answer.value.status == 403 and live_server.app.state.sessions.live() == []
    context.close()
