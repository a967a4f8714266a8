"""A review judge's phone follows the server over its socket, in real headless Chromium: the organizer closes
the review and the phone shows it within seconds, without a reload, keeping what the judge is typing (its
submit button disabled, the reason under it); reopening and an application added show the same way; a phone
that lost its network says so and catches up when it is back; when the venue network blocks WebSockets the
page follows over HTTP (the fallback read) instead."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, WebSocketRoute, expect

from tests.browser.helpers import new_page
from tests.conftest import LiveServer
from tests.helpers import create_contest

pytestmark = pytest.mark.browser

RULES = '''name = "初审"
[marks]
min = 0
max = 100
step = 0.5
[[criteria]]
id = "need"
label = "需求 Need"
max = 50
[[criteria]]
id = "plan"
label = "方案 Plan"
max = 50
[[panels]]
id = "expert"
label = "专家评审团 Expert panel"
weight = 1
method = "mean"
[advance]
count = 2
breakers = ["shared"]
'''
APPS = [{"id": f"A{i}", "name": f"申报项目{i}", "organization": f"机构{i}"} for i in range(1, 4)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SOON = 5000  # ms: "within a few seconds" (the page's fallback read is every 10 s, its old poll once a minute)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(str(tmp_path_factory.mktemp("review_push") / "push.db"), demo=False) as s:
        yield s


def review_contest(api, cid: str) -> dict[str, str]:
    snap = create_contest(api, {"id": cid, "name": "2026 公益创投", "rules_text": RULES, "rules_name": "r.toml",
                                "projects": APPS, "judges": [{"id": "R1", "name": "初审专家1", "panel": "expert"}]})
    assert api.post(f"/api/contests/{cid}/stage", json={"kind": "review", "label": "初审"}).status_code == 200
    action(api, cid, {"action": "open", "deadline": time.time() + 86400})
    return {j["id"]: j["token"] for j in snap["setup"]["judges"]}


def action(api, cid: str, body: dict) -> None:
    r = api.post(f"/api/contests/{cid}/review", json=body)
    assert r.status_code == 200, r.text


def test_the_phone_shows_the_closed_stage_without_a_reload(browser: Browser, server: LiveServer) -> None:
    errors: list[str] = []
    with server.api() as api:
        tokens = review_contest(api, "rp1")
        phone = new_page(browser, server, signed_in=False, **PHONE)
        phone.on("pageerror", lambda e: errors.append(str(e)))
        phone.goto(f"{server.url}/j/{tokens['R1']}")
        expect(phone.locator("#conn")).to_have_attribute("data-status", "live")
        expect(phone.locator("#review-list button")).to_have_count(3)
        expect(phone.locator("#review-status")).to_contain_text("评审中")
        # the judge is typing when the organizer closes the stage
        phone.click('#review-list button[data-project="A1"]')
        phone.fill('#review-form input[data-criterion="need"]', "40")
        action(api, "rp1", {"action": "close"})
        expect(phone.locator("#review-status")).to_contain_text("已截止", timeout=SOON)
        expect(phone.locator("#rf-submit")).to_be_disabled(timeout=SOON)
        expect(phone.locator("#rf-msg")).to_contain_text("已截止")
        expect(phone.locator('#review-form input[data-criterion="need"]')).to_have_value("40")  # kept
        # reopened: the same form takes the marks again
        action(api, "rp1", {"action": "open", "deadline": time.time() + 3600})
        expect(phone.locator("#rf-submit")).to_be_enabled(timeout=SOON)
        expect(phone.locator("#review-status")).to_contain_text("评审中")
        expect(phone.locator("#rf-msg")).to_have_text("")
        phone.fill('#review-form input[data-criterion="plan"]', "41")
        phone.click("#rf-submit")
        expect(phone.locator("#rf-saved")).to_be_visible()
        expect(phone.locator('#review-list button[data-project="A1"]')).to_have_attribute("data-status", "scored")
        # an application added on the setup page appears on the list
        setup = api.get("/api/contests/rp1").json()["setup"]
        projects = [{k: p[k] for k in ("id", "name", "organization")} for p in setup["projects"]]
        r = api.patch("/api/contests/rp1", json={"projects": projects + [
            {"id": "A4", "name": "申报项目4", "organization": "机构4"}]})
        assert r.status_code == 200, r.text
        expect(phone.locator("#review-list button")).to_have_count(4, timeout=SOON)
        expect(phone.locator("#review-count")).to_contain_text("已评 1 / 4")

        # the phone loses its network: it says so; what changed meanwhile shows once it is back
        phone.context.set_offline(True)
        expect(phone.locator("#conn")).to_have_attribute("data-status", "reconnecting", timeout=SOON)
        expect(phone.locator("#conn-text")).to_contain_text("无网络")
        action(api, "rp1", {"action": "close"})
        phone.context.set_offline(False)
        expect(phone.locator("#conn")).to_have_attribute("data-status", "live", timeout=SOON * 2)
        expect(phone.locator("#review-status")).to_contain_text("已截止", timeout=SOON)
        phone.context.close()
    assert errors == []


def test_without_websockets_the_phone_follows_over_http(browser: Browser, server: LiveServer) -> None:
    with server.api() as api:
        tokens = review_contest(api, "rp2")
        phone = new_page(browser, server, signed_in=False, **PHONE)
        refused: list[str] = []

        def refuse(ws: WebSocketRoute) -> None:
            refused.append(ws.url)
            ws.close(code=1006)

        phone.route_web_socket("**/ws/j/**", refuse)
        phone.goto(f"{server.url}/j/{tokens['R1']}")
        expect(phone.locator("#conn")).to_have_attribute("data-status", "reconnecting")
        expect(phone.locator("#review-list button")).to_have_count(3, timeout=SOON * 2)  # read over HTTP
        action(api, "rp2", {"action": "close"})
        expect(phone.locator("#review-status")).to_contain_text("已截止", timeout=15000)  # the 10 s fallback read
        assert refused, "the socket was tried"
        phone.context.close()
