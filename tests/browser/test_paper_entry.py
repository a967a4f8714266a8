"""The paper entry screen in real headless Chromium (issue 14): a sheet's code typed, its marks typed with the
keyboard only (Enter to the next box, Enter on the last saves), entered twice; a disagreeing second entry
shows both values on the entry screen and on the live console and does not count; a third, agreeing entry
counts, and the console shows the judge's mark set as submitted.  The page passes axe like every other page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import new_page
from tests.browser.test_pages_a11y import run_axe
from tests.conftest import LiveServer
from tests.helpers import act

pytestmark = pytest.mark.browser


def type_sheet(page: Page, typist: str, code: str, marks: list[str]) -> None:
    """What a scorekeeper does: name, code + Enter, then each mark + Enter."""
    page.fill("#typist", typist)
    page.fill("#code", code)
    page.press("#code", "Enter")
    first = page.locator(".mark-input").first
    expect(first).to_be_focused()
    for value in marks:
        page.keyboard.type(value)
        page.keyboard.press("Enter")


def test_two_entries_typed_the_mismatch_shown_and_the_agreed_mark_in_the_console(
        browser: Browser, live_server: LiveServer, artifacts) -> None:
    with live_server.api() as http:
        act(http, "start")
        project = http.get("/api/contests/c1").json()["setup"]["order"][0]
        act(http, "present", project=project)
        act(http, "open_scoring")
    code = f"P:E1:{project}:final"
    errors: list[str] = []
    entry = new_page(browser, live_server, signed_in=True, viewport={"width": 1024, "height": 768})  # a tablet
    entry.on("pageerror", lambda e: errors.append(str(e)))
    entry.goto(f"{live_server.url}/console/c1/paper")
    expect(entry.locator("#typist")).to_be_focused()
    assert run_axe(entry) == []

    type_sheet(entry, "张三", code, ["20", "25", "20", "15"])
    expect(entry.locator("#outcome [data-status]")).to_have_attribute("data-status", "pending")
    expect(entry.locator("#code")).to_be_focused()  # ready for the next sheet
    expect(entry.locator(f'.open-sheet[data-sheet="{code}"]')).to_contain_text("等待第二次录入")

    # the second typist opens the same sheet: the first entry's values are not shown (typed blind)
    type_sheet(entry, "李四", code, ["19", "25", "20", "15"])
    expect(entry.locator("#outcome [data-status]")).to_have_attribute("data-status", "mismatch")
    card = entry.locator(f'.open-sheet.mismatch[data-sheet="{code}"]')
    expect(card).to_be_visible()
    differs = card.locator("tr.differs")
    expect(differs).to_have_count(1)
    expect(differs).to_contain_text("需求与问题")
    expect(differs.locator("td")).to_have_text(["20", "19"])
    assert run_axe(entry) == []
    entry.screenshot(path=str(artifacts / "paper-entry-mismatch.png"), full_page=True)

    console = new_page(browser, live_server, signed_in=True)
    console.goto(f"{live_server.url}/console/c1")
    paper = console.locator("#paper-card")
    expect(paper).to_be_visible()
    expect(paper.locator(f'.paper-sheet.mismatch[data-sheet="{code}"] .paper-diff')).to_have_text("需求与问题 Need 20 ≠ 19")
    chip = console.locator('#judges .chip[data-judge="E1"]')
    expect(chip).to_have_class(re.compile(r"\bmissing\b"))

    # a third entry agrees with the first: the sheet counts; the console follows live
    type_sheet(entry, "王五", code, ["20", "25", "20", "15"])
    expect(entry.locator("#outcome [data-status]")).to_have_attribute("data-status", "agreed")
    expect(entry.locator(".open-sheet")).to_have_count(0)
    expect(paper.locator(".paper-sheet")).to_have_count(0)
    expect(paper.locator("#paper-summary")).to_contain_text("已计分 1 张")
    expect(chip).to_have_class(re.compile(r"\bsubmitted\b"))
    with live_server.api() as http:
        mark = next(m for m in http.get("/api/contests/c1").json()["marks"] if m["judge"] == "E1")
    assert mark["submission_id"].startswith("paper:") and mark["values"]["need"] == 20.0
    assert errors == []
