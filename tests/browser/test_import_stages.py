"""The console home's archive import, in real headless Chromium: a two-stage season is exported and deleted,
then its final's archive is imported under a new id from the console (导入存档): the result names the contest
and shows the server's warning that the season's first stage is not here; importing the first stage's
archive afterwards answers without a warning, and the final's console shows both stages again."""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import new_page
from tests.conftest import LiveServer
from tests.helpers import ORG
from tests.test_import_stages import season

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(str(tmp_path_factory.mktemp("import_stages") / "import.db"), demo=False) as s:
        yield s


def test_the_console_imports_a_season_and_shows_the_warning(browser: Browser, server: LiveServer, tmp_path) -> None:
    errors: list[str] = []
    with server.api() as api:
        archives = season(api, now=time.time())
        for cid in ("rev", "fin"):
            r = api.request("DELETE", f"/api/contests/{cid}", headers=ORG, json={"confirm": cid})
            assert r.status_code == 200, r.text
    files = {}
    for cid, archive in archives.items():
        files[cid] = tmp_path / f"{cid}.json"
        files[cid].write_text(json.dumps(archive, ensure_ascii=False), encoding="utf-8")

    page = new_page(browser, server, signed_in=True)
    page.on("pageerror", lambda e: errors.append(str(e)))
    form = page.locator("#archive-import")
    result = page.locator("#archive-result")
    # under its own id: refused (a deleted contest's id is never used again), and the reason is shown
    form.locator("#archive-file").set_input_files(str(files["fin"]))
    form.locator("#archive-submit").click()
    expect(result).to_contain_text("已存在")
    expect(result).to_have_class("archive-result alert bad")
    # under a new id: imported, with the warning that its first stage is not here
    form.locator("#archive-file").set_input_files(str(files["fin"]))
    form.locator("#archive-as").fill("fin-2")
    form.locator("#archive-submit").click()
    expect(result).to_contain_text("已导入")
    expect(result).to_contain_text("fin-2")
    warning = result.locator("[data-import-warning]")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text("本赛季的其他阶段不在本服务器上")
    expect(warning).to_contain_text("「初审」（第 1 阶段，原编号 rev）")
    # the first stage afterwards: linked, no warning
    form.locator("#archive-file").set_input_files(str(files["rev"]))
    form.locator("#archive-as").fill("rev-2")
    form.locator("#archive-submit").click()
    expect(result).to_contain_text("rev-2")
    expect(result).to_have_class("archive-result alert ok")
    expect(result.locator("[data-import-warning]")).to_have_count(0)
    result.get_by_role("link").click()
    page.wait_for_url(server.url + "/console/rev-2")
    expect(page.locator("#season")).to_contain_text("决赛")
    page.goto(server.url + "/console/fin-2")
    expect(page.locator("#season")).to_contain_text("本阶段项目来自「初审」")
    expect(page.locator("#season")).to_contain_text("rev-2")
    assert errors == []
