"""The parts of a season working together (issue 14 merged): a rehearsal's reset leaves no paper entry behind,
and deleting a contest ends its staff members' sessions and keys with it."""

from __future__ import annotations

import sqlite3

from judging.core.paper import sheet_code
from tests.helpers import EXPERT, ORG, Evening, bearer, contest, make_client


def test_a_rehearsal_reset_leaves_no_paper_entry(tmp_path):
    db = tmp_path / "s.db"
    with make_client(db) as client:
        assert client.post("/api/contests/c1/rehearsal", headers=ORG, json={"on": True}).status_code == 200
        ev = Evening(client)
        ev.act("start")
        project = ev.state["setup"]["order"][0]
        ev.act("present", project=project)
        ev.act("open_scoring")
        r = client.post("/api/contests/c1/paper/entries", headers=ORG,
                        json={"code": sheet_code("E1", project, "final"), "marks": EXPERT, "entered_by": "张三"})
        assert r.status_code == 201 and r.json()["status"] == "pending"
        assert contest(client)["paper"]["entries"] == 1
        r = client.post("/api/contests/c1/reset", headers=ORG, json={"confirm": "c1"})
        assert r.status_code == 200, r.text
        assert contest(client)["paper"]["entries"] == 0
        assert client.get("/api/contests/c1/paper", headers=ORG).json()["paper"]["entries"] == 0
    con = sqlite3.connect(str(db))
    assert con.execute("SELECT count(*) FROM paper_entries WHERE contest_id = 'c1'").fetchone()[0] == 0
    con.close()
    with make_client(db) as client:  # and a restart does not bring one back
        assert contest(client)["paper"]["entries"] == 0


def test_deleting_a_contest_ends_its_staff_keys_and_sessions(tmp_path):
    with make_client(tmp_path / "d.db") as client:
        r = client.post("/api/contests/c1/staff", headers=ORG, json={"name": "王五", "role": "operator"})
        assert r.status_code == 201, r.text
        key = r.json()["key"]
        assert client.get("/api/contests/c1", headers=bearer(key)).status_code == 200
        client.cookies.clear()
        assert client.post("/login", data={"key": key}, follow_redirects=False).status_code in (302, 303)
        assert client.get("/console/c1", follow_redirects=False).status_code == 200
        r = client.request("DELETE", "/api/contests/c1", headers=ORG, json={"confirm": "c1"})
        assert r.status_code == 200, r.text
        assert client.get("/api/contests", headers=bearer(key)).status_code == 401
        assert client.get("/console", follow_redirects=False).status_code in (302, 303)  # signed out: to /login


def _png() -> bytes:
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_branding_survives_a_reset_and_comes_along_with_a_duplicate(tmp_path):
    with make_client(tmp_path / "b.db") as client:
        r = client.put("/api/contests/c1/brand/logo", headers={**ORG, "content-type": "image/png"}, content=_png())
        assert r.status_code == 200, r.text
        assert client.patch("/api/contests/c1/brand", headers=ORG,
                            json={"sponsor_text": "主办：某街道"}).status_code == 200
        before = client.get("/api/contests/c1/brand", headers=ORG).json()["brand"]
        assert client.post("/api/contests/c1/rehearsal", headers=ORG, json={"on": True}).status_code == 200
        assert client.post("/api/contests/c1/reset", headers=ORG, json={"confirm": "c1"}).status_code == 200
        assert client.get("/api/contests/c1/brand", headers=ORG).json()["brand"] == before
        r = client.post("/api/contests/c1/duplicate", headers=ORG, json={"id": "y2027"})
        assert r.status_code == 201, r.text
        copy = client.get("/api/contests/y2027/brand", headers=ORG).json()["brand"]
        assert copy["sponsor_text"] == "主办：某街道" and copy["logo"]["sha256"] == before["logo"]["sha256"]
        assert client.get(copy["logo"]["url"]).status_code == 200


def test_a_rehearsal_reset_clears_the_audience_and_frees_the_codes_a_duplicate_gets_its_own_link(tmp_path):
    from tests.audience_kit import audience_contest, ballot, device, org_action

    db = tmp_path / "a.db"
    with make_client(db) as client:
        cid, token = audience_contest(client, start=False)
        assert client.post(f"/api/contests/{cid}/rehearsal", headers=ORG, json={"on": True}).status_code == 200
        codes = client.post(f"/api/contests/{cid}/audience/codes", headers=ORG, json={"count": 3}).json()["codes"]
        assert org_action(client, cid, "strict_on").status_code == 200
        ev = Evening(client, cid)
        ev.act("start")
        project = ev.state["setup"]["order"][0]
        ev.act("present", project=project)
        phone = device(client, token)
        assert client.post(f"/api/a/{token}/code", headers={"x-audience-device": phone},
                           json={"code": codes[0]}).status_code == 200
        assert ballot(client, token, phone, f"score:final:{project}", stars=4).status_code == 200
        assert contest(client, cid)["audience"]["codes"]["used"] == 1
        r = client.post(f"/api/contests/{cid}/reset", headers=ORG, json={"confirm": cid})
        assert r.status_code == 200, r.text
        snap = contest(client, cid)["audience"]
        assert snap["codes"] == {"issued": 3, "used": 0} and snap["strict"] is True
        assert snap["popularity"]["state"] == "idle"
        other = device(client, token)  # the code a rehearsal phone used works on the night, on any phone
        assert client.post(f"/api/a/{token}/code", headers={"x-audience-device": other},
                           json={"code": codes[0]}).status_code == 200
        r = client.post(f"/api/contests/{cid}/duplicate", headers=ORG, json={"id": "a2"})
        assert r.status_code == 201, r.text
        copy_token = contest(client, "a2")["audience"]["link"]["path"].rsplit("/", 1)[1]
        assert copy_token and copy_token != token
    con = sqlite3.connect(str(db))
    assert con.execute("SELECT count(*) FROM audience_ballots WHERE contest_id = ?", (cid,)).fetchone()[0] == 0
    con.close()
    with make_client(db) as client:  # a restart agrees
        assert contest(client, cid)["audience"]["codes"] == {"issued": 3, "used": 1}  # the code bound after reset
        assert client.get(f"/a/{token}").status_code == 200


def test_a_viewer_gets_no_audience_buttons_an_operator_does(tmp_path):
    from judging.core.roles import console_for

    snap = {"allowed": ["present"], "refused": {}, "next_step": {"action": "present"}, "can_go_back": True,
            "audience": {"phones": 3, "allowed": ["popularity_open", "join_hide"]}}
    assert console_for("viewer", snap)["audience"] == {"phones": 3, "allowed": []}
    assert console_for("scorekeeper", snap)["audience"]["allowed"] == []
    assert console_for("operator", snap)["audience"]["allowed"] == ["popularity_open", "join_hide"]
    assert snap["audience"]["allowed"] == ["popularity_open", "join_hide"]  # the organizer's copy untouched


def test_audience_sockets_are_capped_per_address_with_4503_and_counted_on_the_console(tmp_path):
    from starlette.websockets import WebSocketDisconnect

    from tests.audience_kit import audience_contest

    with make_client(tmp_path / "c.db") as client:
        cid, token = audience_contest(client)
        client.app.state.audience_caps = (10, 1)  # per link, per address (the test client is one address)
        with client.websocket_connect(f"/ws/a/{token}") as first:
            assert first.receive_json()["type"] == "audience"
            try:
                with client.websocket_connect(f"/ws/a/{token}") as second:
                    second.receive_json()
                refused = None
            except WebSocketDisconnect as e:
                refused = e
            assert refused is not None and refused.code == 4503 and "请稍后再试" in refused.reason
            assert contest(client, cid)["audience"]["phones"] == 1
        assert client.app.state.audience_addresses == {}  # the address's count is freed when it closes
