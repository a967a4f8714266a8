"""Staff consoles in real headless Chromium (issue 14, several halls): the organizer adds a hall operator and a
viewer on the setup page (key and login link shown once); the operator signs in with the link, sees and uses
the live buttons and has no setup link; the viewer sees no action button at all."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import new_page
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


def add_staff(page, name: str, role: str) -> str:
    """Add a staff member on the setup page's form; the login link it shows (this once)."""
    page.fill("#staff-name", name)
    page.select_option("#staff-role", role)
    page.click("#staff-add")
    expect(page.locator("#staff-new")).to_contain_text(name)
    expect(page.locator("#staff-new img.staff-qr")).to_be_visible()
    return page.locator("#staff-link").inner_text()


def open_link(browser: Browser, server: LiveServer, link: str, errors: list[str]):
    page = new_page(browser, server, signed_in=False)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(link)
    page.click("#staff-sign-in")
    page.wait_for_url(f"{server.url}/console/c1")
    expect(page.locator("#conn")).to_have_class("conn live", timeout=8000)
    return page


def test_an_operator_drives_the_evening_and_a_viewer_only_watches(browser: Browser, live_server: LiveServer,
                                                                   artifacts) -> None:
    errors: list[str] = []
    org = new_page(browser, live_server, signed_in=True)
    org.on("pageerror", lambda e: errors.append(str(e)))
    org.goto(f"{live_server.url}/console/c1/setup#staff")
    operator_link = add_staff(org, "周运行", "operator")
    viewer_link = add_staff(org, "吴观察", "viewer")
    expect(org.locator("#staff-table tbody tr")).to_have_count(2)
    org.screenshot(path=str(artifacts / "setup-staff.png"), full_page=True)
    assert operator_link.startswith(live_server.url.split(":")[0]) and "/k/staff-" in operator_link

    op = open_link(browser, live_server, operator_link, errors)
    expect(op.locator("#staff-role")).to_contain_text("周运行")
    expect(op.locator("#setup-link")).to_have_count(0)
    expect(op.locator("#exports")).to_be_attached()
    expect(op.locator("#next-step")).to_be_visible()
    expect(op.locator("[data-action=start]")).to_be_visible()
    expect(op.locator("#phase")).to_contain_text("准备中")
    op.click("#next-step")                                  # 开始比赛
    expect(op.locator("#phase")).not_to_contain_text("准备中")
    op.locator("[data-action=present]").click()             # the first project on stage
    expect(op.locator("#phase")).to_contain_text("路演中")
    op.screenshot(path=str(artifacts / "console-operator.png"), full_page=True)
    assert op.goto(f"{live_server.url}/console/c1/setup").status == 403

    viewer = open_link(browser, live_server, viewer_link, errors)
    expect(viewer.locator("#phase")).to_contain_text("路演中")
    expect(viewer.locator("#staff-role")).to_contain_text("观察员")
    expect(viewer.locator("[data-action]:visible")).to_have_count(0)
    expect(viewer.locator("#next-step")).to_be_hidden()
    expect(viewer.locator("#nudges")).to_be_hidden()
    expect(viewer.locator("#setup-link")).to_have_count(0)
    expect(viewer.locator("#exports")).to_have_count(0)
    expect(viewer.locator("#audit-link")).to_be_visible()
    viewer.screenshot(path=str(artifacts / "console-viewer.png"), full_page=True)
    assert errors == []
