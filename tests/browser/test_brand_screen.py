"""Branding in Chromium: the big screen at 1920×1080 shows the contest's logo, colours and sponsor strip on the
holding view (screenshots into artifacts/brand/), keeps the strip along the bottom of the running order without
covering the stage, drops it while a roadshow is on; the judge's phone header takes the primary colour; the
setup page uploads a logo and refuses a bad colour with the server's message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import demo_setup, new_page
from tests.browser.test_screen import FITS_JS
from tests.helpers import act
from tests.test_brand import png_bytes

pytestmark = pytest.mark.browser

PRIMARY, ACCENT = "#1f4e79", "#ffd166"
SPONSORS = "主办：示范街道办事处；承办：示范社会组织服务中心；支持单位：示范公益基金会"


def rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)))


@pytest.fixture
def brand_dir(artifacts) -> Path:
    folder = artifacts / "brand"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


def _brand(http) -> dict:
    r = http.patch("/api/contests/c1/brand", json={"primary": PRIMARY, "accent": ACCENT, "sponsor_text": SPONSORS})
    assert r.status_code == 200, r.text
    logo = http.put("/api/contests/c1/brand/logo", content=png_bytes((900, 360), (180, 30, 40)))
    assert logo.status_code == 200, logo.text
    for colour in ((20, 120, 200), (30, 160, 80)):
        assert http.post("/api/contests/c1/brand/sponsors", content=png_bytes((300, 120), colour)).status_code == 200
    return logo.json()["brand"]


def _loaded(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


def test_holding_view_shows_logo_colours_and_sponsor_strip(live_server, browser, brand_dir):
    setup = demo_setup(live_server)
    with live_server.api() as http:
        brand = _brand(http)
        assert http.patch("/api/contests/c1", json={"date": "2026-12-12", "venue": "示范街道党群服务中心三楼报告厅"}
                          ).status_code == 200
        ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN", reduced_motion="reduce")
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(live_server.url + setup["screen_link"])
        act(http, "hold_screen")
        expect(page.locator("body")).to_have_attribute("data-view", "holding")
        logo = page.locator("#holding .h-logo")
        expect(logo).to_have_attribute("src", brand["logo"]["url"])
        page.wait_for_function("() => { const i = document.querySelector('#holding .h-logo'); "
                               "return i && i.complete && i.naturalWidth > 0; }")
        expect(page.locator("#holding .h-date")).to_have_text("2026-12-12")
        expect(page.locator("#holding .h-venue")).to_have_text("示范街道党群服务中心三楼报告厅")
        assert page.locator("#holding .h-title").evaluate("e => getComputedStyle(e).color") == rgb(ACCENT)
        assert page.locator("#banner").evaluate("e => getComputedStyle(e).backgroundColor") == rgb(PRIMARY)
        strip = page.locator("#sponsor-strip")
        expect(strip).to_have_attribute("data-shown", "1")
        expect(strip.locator(".sp-text")).to_have_text(SPONSORS)
        expect(strip.locator(".sp-logo")).to_have_count(2)
        page.wait_for_function("() => [...document.querySelectorAll('#sponsor-strip .sp-logo')]"
                               ".every(i => i.complete && i.naturalWidth > 0)")
        assert page.evaluate(FITS_JS) == []
        box, stage = strip.bounding_box(), page.locator("#stage").bounding_box()
        assert box["y"] >= stage["y"] + stage["height"] - 1, "the strip is below the stage, not over it"
        assert abs(box["y"] + box["height"] - 1080) <= 1 and box["width"] >= 1919, "along the bottom"
        holding = page.locator("#holding").bounding_box()
        logo_box = logo.bounding_box()
        assert holding["y"] <= logo_box["y"] and logo_box["y"] + logo_box["height"] <= holding["y"] + holding["height"]
        assert page.locator("#banner-logo").is_hidden(), "on the holding view the logo is shown large, once"
        page.screenshot(path=str(brand_dir / "01-holding.png"))

        act(http, "release_screen")  # the running order: the strip stays, the logo sits in the banner
        expect(page.locator("body")).to_have_attribute("data-view", "order")
        expect(strip).to_have_attribute("data-shown", "1")
        expect(page.locator("#banner-logo")).to_be_visible()
        assert _loaded(page, "#banner-logo") and page.evaluate(FITS_JS) == []
        page.screenshot(path=str(brand_dir / "02-order.png"))

        act(http, "start")
        act(http, "present", project=setup["order"][0] if setup["order"] else setup["projects"][0]["id"])
        expect(page.locator("body")).to_have_attribute("data-view", "presenting")
        expect(strip).not_to_have_attribute("data-shown", "1")  # a roadshow on stage: no strip
        assert page.evaluate(FITS_JS) == []
        page.screenshot(path=str(brand_dir / "03-presenting.png"))

        # live: the house colours come back when the organizer clears them, without a reload
        assert http.patch("/api/contests/c1/brand", json={"primary": "", "accent": ""}).status_code == 200
        page.wait_for_function(f"() => getComputedStyle(document.getElementById('banner')).backgroundColor !== "
                               f"'{rgb(PRIMARY)}'")
        assert errors == []
        ctx.close()


def test_judge_phone_header_takes_the_primary_colour(live_server, browser):
    setup = demo_setup(live_server)
    with live_server.api() as http:
        assert http.patch("/api/contests/c1/brand", json={"primary": PRIMARY}).status_code == 200
    page = new_page(browser, live_server, signed_in=False, viewport={"width": 390, "height": 844})
    page.goto(live_server.url + setup["judges"][0]["link"])
    assert page.locator(".jhead").evaluate("e => getComputedStyle(e).backgroundColor") == rgb(PRIMARY)
    page.context.close()


def test_setup_page_uploads_a_logo_and_shows_a_refused_colour(live_server, browser, tmp_path):
    page = new_page(browser, live_server, signed_in=True)
    page.goto(live_server.url + "/console/c1/setup#brand")
    logo_file = tmp_path / "logo.png"
    logo_file.write_bytes(png_bytes((640, 320), (0, 90, 160)))
    page.set_input_files("#brand-logo-file", str(logo_file))
    expect(page.locator("#brand-logo")).to_be_visible()
    expect(page.locator("#brand-logo")).to_have_attribute("src", re.compile(r"^/brand/c1/[0-9a-f]{64}\.png$"))
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    page.set_input_files("#brand-logo-file", str(svg))
    expect(page.locator(".toast.bad")).to_contain_text("SVG")
    page.fill("#brand-primary", "#ffcc00")
    page.click("#brand-save")
    expect(page.locator("#brand .form-errors, #brand .field-error").first).to_contain_text("4.5:1")
    with live_server.api() as http:
        brand = http.get("/api/contests/c1/brand").json()["brand"]
    assert brand["primary"] == "" and brand["logo"] is not None, "the refused colour and SVG stored nothing"
    page.context.close()


def test_sponsor_strip_never_covers_the_ranking_or_the_final_list(live_server, browser, brand_dir):
    """A whole (short) evening of the demo's 15 roadshows: the ranking and the locked final list at 1920×1080
    keep every row above the strip, nothing overflows."""
    from tests.browser.test_screen import EXPERT_PARTS
    from tests.helpers import Evening

    with live_server.api() as http:
        _brand(http)
        ev = Evening(http)
        projects = [p["id"] for p in ev.state["setup"]["projects"]]
        levels = {pid: 0.60 + 0.025 * i for i, pid in enumerate(projects)}  # distinct totals: no tie to settle

        recused = {(r["judge"], r["project"]) for r in ev.state["setup"]["recusals"]}

        def marks(judge: dict, pid: str) -> dict | None:
            if (judge["id"], pid) in recused:
                return None
            if judge["panel"] == "expert":
                return {k: round(m * levels[pid], 1) for k, m in EXPERT_PARTS.items()}
            return {"overall": round(100 * levels[pid], 1)}
        if not ev.state["setup"]["order"]:
            ev.state = http.post("/api/contests/c1/draw", json={"seed": "brand"}).json()
        ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN", reduced_motion="reduce")
        page = ctx.new_page()
        page.goto(live_server.url + ev.state["setup"]["screen_link"])
        ev.run(ev.state["setup"]["order"], marks)
        for view, action in (("ranking", "rank"), ("locked", None)):
            if action:
                ev.act(action)
            else:
                ev.reveal_and_lock()
            expect(page.locator("body")).to_have_attribute("data-view", view)
            strip = page.locator("#sponsor-strip")
            expect(strip).to_have_attribute("data-shown", "1")
            rows = page.locator("#leaderboard .lb-row" if view == "ranking" else "#final .final-row")
            expect(rows).to_have_count(15)
            assert page.evaluate(FITS_JS) == [], view
            top = strip.bounding_box()["y"]
            lowest = max(b["y"] + b["height"] for b in (rows.nth(i).bounding_box() for i in range(15)))
            assert lowest <= top + 1, f"{view}: a row reaches under the strip ({lowest} > {top})"
            page.screenshot(path=str(brand_dir / f"04-{view}.png"))
        ctx.close()
