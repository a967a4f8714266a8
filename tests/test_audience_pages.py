"""The audience's pages on the server side (issue 12, docs/AUDIENCE.md): the phone page /a/<token> (Chinese error
page for an unknown link, its size with every module it loads under 60 KB compressed), the QR code of the link,
the A4 poster on the cards page and the printable ballot tickets.  The browser side is tests/browser/test_audience_*.py."""

from __future__ import annotations

import re

import pytest

from tests.audience_kit import audience_rules
from tests.helpers import ORG, console_sign_in, create_contest, make_client

RULES = audience_rules(stars=10, min_ballots=20, choices=3)  # 1-10 stars, fewer than 20 ballots: reweighted
PROJECTS = [{"id": f"P{i}", "name": f"社区项目{i}", "organization": f"服务中心{i}"} for i in range(1, 4)]
JUDGES = [{"id": "E1", "name": "专家一", "panel": "expert"}, {"id": "E2", "name": "专家二", "panel": "expert"},
          {"id": "U1", "name": "大众一", "panel": "public"}, {"id": "U2", "name": "大众二", "panel": "public"}]


def audience_contest(client) -> tuple[str, str]:
    """A contest with the audience preset; (its id, its audience link's path)."""
    snap = create_contest(client, {"name": "观众测试大赛", "rules_text": RULES, "rules_name": "aud.toml",
                                   "projects": PROJECTS, "judges": JUDGES, "order": [p["id"] for p in PROJECTS]})
    cid = snap["contest"]["id"]
    r = client.get(f"/api/contests/{cid}", headers=ORG)
    return cid, r.json()["audience"]["link"]["path"]


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path / "aud.db") as c:
        yield c


def test_unknown_audience_link_is_the_chinese_error_page(client):
    for path in ("/a/nope", "/a/nope/qr.svg"):
        r = client.get(path)
        assert r.status_code == 404
        assert "观众链接无效" in r.text and "Audience link not valid" in r.text and "<html" in r.text


def test_a_contest_without_an_audience_has_no_audience_page(client):
    """The demo contest's rules have no audience part: its screen token is no audience link either."""
    screen = client.get("/api/contests/c1", headers=ORG).json()["setup"]["screen_link"].rsplit("/", 1)[1]
    assert client.get(f"/a/{screen}").status_code == 404


def test_audience_page_names_the_contest_and_stays_under_60_kb(client):
    _, path = audience_contest(client)
    r = client.get(path, headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert "观众测试大赛" in r.text and 'id="stars"' in r.text and 'data-lang-switch' in r.text
    total = int(r.headers.get("content-length") or len(r.content))
    assets = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', r.text))
    assert any(a.endswith("/audience.js") for a in assets) and any(a.endswith("/audience.css") for a in assets)
    assert any(a.endswith("/audience_ballots.js") for a in assets), "its modules are preloaded"
    for a in assets:
        s = client.get(a, headers={"accept-encoding": "gzip"})
        assert s.status_code == 200, a
        total += int(s.headers.get("content-length") or len(s.content))
    assert total < 60_000, f"the audience page transfers {total} bytes compressed"


def test_audience_qr_code_is_an_svg_of_the_link(client):
    _, path = audience_contest(client)
    r = client.get(path + "/qr.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in r.text
    assert r.content == client.get(path + "/qr.svg").content


def test_cards_page_has_the_audience_poster_only_with_an_audience(client):
    console_sign_in(client)
    cid, path = audience_contest(client)
    assert 'id="audience-poster"' not in client.get("/console/c1/cards").text
    page = client.get(f"/console/{cid}/cards").text
    assert 'id="audience-poster"' in page and "扫码参与现场投票" in page and "<svg" in page.split('id="audience-poster"')[1]
    assert re.search(r'id="audience-url">http://[^<]+' + re.escape(path) + "<", page)


def test_ticket_sheet_lists_the_unused_codes(client):
    console_sign_in(client)
    cid, _ = audience_contest(client)
    r = client.post(f"/api/contests/{cid}/audience/codes", headers=ORG, json={"count": 25})
    assert r.status_code in (200, 201), r.text
    codes = client.get(f"/api/contests/{cid}/audience/codes", headers=ORG).json()["codes"]
    page = client.get(f"/console/{cid}/tickets").text
    shown = re.findall(r'data-code="([A-Z0-9]+)"', page)
    assert sorted(shown) == sorted(c["code"] for c in codes) and len(shown) == 25
    assert page.count('class="sheet ticket-sheet"') == 2  # 21 to an A4 page
    assert client.get("/console/nope/tickets").status_code == 404
