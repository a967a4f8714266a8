"""Rehearsal (彩排): the flag is visible everywhere, the evening runs with test marks, the reset to setup removes
every test mark (memory, database, exports) and keeps the setup, the links and the audit (with the reset)."""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import unquote

import pytest

from judging.storage.repository import verify_chain
from tests.helpers import ORG, Evening, bearer, contest, make_client, spread_marks, submit


@pytest.fixture
def db(tmp_path):
    return tmp_path / "rehearsal.db"


def _rehearse(client, on=True, cid="c1"):
    return client.post(f"/api/contests/{cid}/rehearsal", headers=ORG, json={"on": on})


def _reset(client, cid="c1", **body):
    return client.post(f"/api/contests/{cid}/reset", headers=ORG, json=body)


def _two_roadshows(client) -> Evening:
    ev = Evening(client)
    order = ev.state["setup"]["order"]
    ev.run(order[:2], lambda j, pid: spread_marks(j, 0.8, int(j["id"][1:]) if j["id"][1:].isdigit() else 1))
    return ev


def _rows(db, sql, params=()):
    con = sqlite3.connect(str(db))
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_rehearsal_marks_then_reset_leaves_no_test_mark_and_keeps_setup_links_and_audit(db):
    with make_client(db) as client:
        before = contest(client)
        assert before["contest"]["rehearsal"] is False
        snap = _rehearse(client).json()
        assert snap["contest"]["rehearsal"] is True
        ev = _two_roadshows(client)
        judge = ev.judges[0]
        # the flag is in every role's snapshot: the judge's phone and the big screen
        assert client.get("/api/judge/state", headers=bearer(judge["token"])).json()["contest"]["rehearsal"] is True
        with client.websocket_connect(f"/ws/s/{ev.screen_token}") as ws:
            assert ws.receive_json()["contest"]["rehearsal"] is True
        # every export is marked 彩排: the title (Excel, PDF: the contest name) and the file name
        r = client.get("/api/contests/c1/export/results.csv", headers=ORG)
        disposition = unquote(r.headers["content-disposition"])
        assert "rehearsal-results.csv" in disposition and "彩排" in disposition
        marks_before = len(contest(client)["marks"])
        assert marks_before > 0 and _rows(db, "SELECT COUNT(*) FROM marks")[0][0] == marks_before
        test_sids = {r[0] for r in _rows(db, "SELECT submission_id FROM submissions")}
        assert test_sids

        # refused without the typed contest id (nothing happens)
        for body in ({}, {"confirm": "yes"}, {"confirm": "c2"}):
            r = _reset(client, **body)
            assert r.status_code == 422 and "c1" in r.json()["error"], r.text
        assert len(contest(client)["marks"]) == marks_before
        # cannot leave rehearsal mode with test marks
        r = _rehearse(client, False)
        assert r.status_code == 409 and r.json()["code"] == "reset_first"

        r = _reset(client, confirm="c1")
        assert r.status_code == 200, r.text
        after = r.json()
        # memory: back to setup, no mark, no result; setup, rules and links unchanged
        assert after["phase"] == "setup" and after["marks"] == [] and after["results"] == []
        assert after["version"] > ev.state["version"]
        for key in ("projects", "judges", "order", "recusals", "rules", "screen_link"):
            assert after["setup"][key] == before["setup"][key], key
        assert after["contest"]["rehearsal"] is True
        assert client.get("/api/judge/state", headers=bearer(judge["token"])).status_code == 200
        # database: no mark, no submission
        assert _rows(db, "SELECT COUNT(*) FROM marks")[0][0] == 0
        assert _rows(db, "SELECT COUNT(*) FROM submissions")[0][0] == 0
        # exports: no test mark in the marks files or the archive's marks and submissions
        marks_csv = client.get("/api/contests/c1/export/marks-machine.csv", headers=ORG).content.decode("utf-8-sig")
        assert marks_csv.strip().splitlines()[1:] == []
        archive = client.get("/api/contests/c1/export/archive.json", headers=ORG).json()
        assert archive["marks"] == [] and archive["submissions"] == [] and archive["state"]["phase"] == "setup"
        # the audit keeps every earlier entry and the reset, with the counts removed; the chain is valid
        actions = [e["action"] for e in client.get("/api/contests/c1/audit", headers=ORG).json()["entries"]]
        assert actions.count("mark.submit") == marks_before and actions[-1] == "contest.reset"
        reset = client.get("/api/contests/c1/audit", headers=ORG, params={"order": "newest", "limit": 1}).json()
        detail = reset["entries"][0]["detail"]
        assert {k: detail["removed"][k] for k in ("marks", "submissions")} == {"marks": marks_before,
                                                                          "submissions": len(test_sids)}
        assert detail["from"] == ev.state["phase"] and detail["to"] == "setup"
        ok, message = verify_chain(str(db))
        assert ok, message
        # a phone resending a rehearsal mark now: scoring is not open, it does not count
        r = submit(client, judge, before["setup"]["order"][0], {"overall": 1}, sid=sorted(test_sids)[0])
        assert r.status_code == 409
        # now rehearsal mode can be left, and the real evening starts clean
        r = _rehearse(client, False)
        assert r.status_code == 200 and r.json()["contest"]["rehearsal"] is False
    # after a restart: still no mark, still setup, flag off
    with make_client(db) as client:
        snap = contest(client)
        assert snap["phase"] == "setup" and snap["marks"] == [] and snap["contest"]["rehearsal"] is False


def test_the_rehearsal_flag_survives_a_restart_and_is_set_only_in_setup(db):
    with make_client(db) as client:
        Evening(client).act("start")
        r = _rehearse(client)
        assert r.status_code == 409 and "准备阶段" in r.json()["error"]
        assert _reset(client, confirm="c1").status_code == 200  # no marks: a reset is allowed outside rehearsal
        assert _rehearse(client).status_code == 200
        assert _rows(db, "SELECT rehearsal FROM contests WHERE id = 'c1'") == [(1,)]
        for bad in ({"on": "yes"}, {}, {"on": 1}):
            assert client.post("/api/contests/c1/rehearsal", headers=ORG, json=bad).status_code == 422
    with make_client(db) as client:
        assert contest(client)["contest"]["rehearsal"] is True
        xlsx = client.get("/api/contests/c1/export/results.xlsx", headers=ORG)
        assert "rehearsal-results.xlsx" in xlsx.headers["content-disposition"]
        from io import BytesIO

        from openpyxl import load_workbook
        wb = load_workbook(BytesIO(xlsx.content))
        assert wb.properties.title.startswith("彩排")
        assert str(wb.worksheets[0]["A1"].value).startswith("彩排")


def test_reset_refused_outside_rehearsal_when_there_are_marks(db):
    with make_client(db) as client:
        ev = _two_roadshows(client)
        r = _reset(client, confirm="c1")
        assert r.status_code == 409 and "彩排" in r.json()["error"]
        assert len(contest(client)["marks"]) > 0 and contest(client)["phase"] == ev.state["phase"]
        assert _rehearse(client).status_code == 409  # and rehearsal cannot be switched on mid-evening


def test_reset_with_new_judge_tokens_kills_the_old_links(db):
    with make_client(db) as client:
        _rehearse(client)
        ev = _two_roadshows(client)
        old = {j["id"]: j["token"] for j in ev.judges}
        with client.websocket_connect(f"/ws/j/{old['E1']}") as ws:
            ws.receive_json()
            r = _reset(client, confirm="c1", new_judge_tokens=True)
            assert r.status_code == 200
            with pytest.raises(Exception):  # the phone on the old link is told to go (close 4401)
                for _ in range(5):
                    ws.receive_json()
        new = {j["id"]: j["token"] for j in r.json()["setup"]["judges"]}
        assert set(new) == set(old) and not set(new.values()) & set(old.values())
        assert client.get("/api/judge/state", headers=bearer(old["E1"])).status_code == 401
        assert client.get(f"/j/{old['E1']}").status_code == 404
        assert client.get("/api/judge/state", headers=bearer(new["E1"])).status_code == 200
        assert r.json()["setup"]["screen_link"] == ev.state["setup"]["screen_link"]
        audit = client.get("/api/contests/c1/audit", headers=ORG, params={"order": "newest", "limit": 1}).json()
        assert audit["entries"][0]["detail"]["new_judge_tokens"] is True
        assert json.dumps(audit).count(old["E1"]) == 0, "tokens are never written to the audit"


def test_the_contest_list_shows_phase_date_venue_and_the_rehearsal_badge(db):
    import re

    from judging.core import vocabulary
    from tests.helpers import console_sign_in

    with make_client(db) as client:
        client.patch("/api/contests/c1", headers=ORG, json={"date": "2026-05-20", "venue": "街道礼堂"})
        client.post("/api/contests/c1/duplicate", headers=ORG, json={"id": "plain"})
        _rehearse(client)
        Evening(client).act("start")
        console_sign_in(client)
        html = client.get("/console").text
        rows = dict(re.findall(r'<tr data-contest="([^"]+)"(.*?)</tr>', html, re.S))
        assert set(rows) == {"c1", "plain"}
        zh, en = vocabulary.label("phase", "idle")
        assert f"{zh} {en}" in rows["c1"] and "2026-05-20" in rows["c1"] and "街道礼堂" in rows["c1"]
        assert "rehearsal-badge" in rows["c1"] and "rehearsal-badge" not in rows["plain"]
        assert " ".join(vocabulary.label("phase", "setup")) in rows["plain"]
        for row in rows.values():
            assert "data-duplicate=" in row and "data-delete=" in row
        # the screen and the judge's page show the badge / banner from the first paint
        setup = contest(client)["setup"]
        assert 'id="rehearsal-badge" class="rehearsal-badge">' in client.get(setup["screen_link"]).text
        assert 'id="rehearsal-banner" class="rehearsal-banner" role="status">' in client.get(
            setup["judges"][0]["link"]).text
        plain = contest(client, "plain")["setup"]
        assert 'id="rehearsal-badge" class="rehearsal-badge" hidden>' in client.get(plain["screen_link"]).text
