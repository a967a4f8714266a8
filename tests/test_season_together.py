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
