"""Issue 11: the screen link opened on a phone asks for the small watcher snapshot and renders it through a
whole roadshow (no script error), while a projector-sized screen keeps the full one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import act, submit_ok

pytestmark = pytest.mark.browser


def open_page(browser, url: str, width: int, height: int):
    ctx = browser.new_context(viewport={"width": width, "height": height}, screen={"width": width, "height": height},
                              locale="zh-CN", reduced_motion="reduce")
    page = ctx.new_page()
    sockets, errors = [], []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-conn", "live")
    return ctx, page, sockets, errors


def test_a_phone_follows_the_screen_link_as_a_watcher_and_the_projector_gets_the_full_view(browser, live_server):
    with live_server.api() as api:
        setup = api.get("/api/contests/c1").json()["setup"]
        url = live_server.url + setup["screen_link"]
        phone, ppage, psockets, perrors = open_page(browser, url, 390, 844)
        projector, spage, ssockets, serrors = open_page(browser, url, 1280, 720)
        assert all("view=watch" in u for u in psockets) and psockets
        assert ssockets and not any("view=watch" in u for u in ssockets)
        act(api, "start", "present", "open_scoring", confirm=True)
        rt = live_server.service.get("c1")
        project = rt.state.current
        for j in setup["judges"]:
            if rt.contest.is_recused(j["id"], project):
                continue
            marks = {"overall": 80} if j["panel"] == "public" else {"need": 20, "design": 20, "impact": 20, "team": 10}
            submit_ok(api, j, project, marks)
        act(api, "close_scoring", "show_result", confirm=True)
    for page in (ppage, spage):
        expect(page.locator("body")).to_have_attribute("data-phase", "result", timeout=10000)
    assert perrors == [] and serrors == []
    assert spage.locator(".mark").count() > 0, "the projector shows every mark"
    assert ppage.locator(".mark").count() == 0, "the phone's snapshot carries the panel scores, not each mark"
    phone.close()
    projector.close()
