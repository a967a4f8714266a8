"""Delete a contest: the typed id; with marks only after its JSON archive was exported since its last change;
every row of it goes but its audit entries (the chain stays valid), its links answer 404, its sockets close,
other contests are untouched."""

from __future__ import annotations

import sqlite3

import pytest
from starlette.websockets import WebSocketDisconnect

from judging.storage.repository import verify_chain
from judging.storage.repository_lifecycle import PER_CONTEST_TABLES
from tests.helpers import ORG, Evening, bearer, contest, create_contest, make_client, spread_marks


@pytest.fixture
def db(tmp_path):
    return tmp_path / "delete.db"


def _delete(client, cid="c1", confirm="c1"):
    return client.request("DELETE", f"/api/contests/{cid}", headers=ORG,
                          json={} if confirm is None else {"confirm": confirm})


def _count(db, sql, params=()):
    con = sqlite3.connect(str(db))
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


def _scored(client) -> Evening:
    ev = Evening(client)
    ev.run(ev.state["setup"]["order"][:2], lambda j, pid: spread_marks(j, 0.75, 2))
    return ev


def _stray(db, cid):
    """Rows naming ``cid`` in any table with a contest_id column (or the contests row), the audit aside."""
    con = sqlite3.connect(str(db))
    try:
        out = {}
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            cols = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
            col = "contest_id" if "contest_id" in cols else ("id" if table == "contests" else None)
            if table == "audit" or col is None:
                continue
            n = con.execute(f"SELECT COUNT(*) FROM {table} WHERE {col} = ?", (cid,)).fetchone()[0]
            if n:
                out[table] = n
        return out
    finally:
        con.close()


def test_delete_needs_the_archive_then_removes_every_row_frees_links_and_closes_sockets(db):
    with make_client(db) as client:
        other = create_contest(client, {"name": "另一场", "projects": [{"id": "A", "name": "甲"}],
                                        "judges": [{"id": "E1", "name": "专家", "panel": "expert"}], "order": ["A"]})
        other_before = contest(client, other["contest"]["id"])
        ev = _scored(client)
        judge, screen = ev.judges[0], ev.screen_token
        # the typed id is required
        for confirm in (None, "", "C1", "c2"):
            r = _delete(client, confirm=confirm)
            assert r.status_code == 422 and "c1" in r.json()["error"]
        # with marks: refused until the archive is exported
        r = _delete(client)
        assert r.status_code == 409 and r.json()["code"] == "archive_first"
        assert "请先导出归档" in r.json()["error"] and "export the archive first" in r.json()["error"]
        assert client.get("/api/contests/c1/lifecycle", headers=ORG).json()["deletable"] is False
        # an archive exported, then one more change: stale, refused again
        assert client.get("/api/contests/c1/export/archive.json", headers=ORG).status_code == 200
        info = client.get("/api/contests/c1/lifecycle", headers=ORG).json()
        assert info["deletable"] is True and info["archive_export"]["last_seq"] is not None
        ev.act("next")
        assert client.get("/api/contests/c1/lifecycle", headers=ORG).json()["archive_current"] is False
        assert _delete(client).json()["code"] == "archive_first"
        archive = client.get("/api/contests/c1/export/archive.json", headers=ORG).json()
        audit_rows = _count(db, "SELECT COUNT(*) FROM audit WHERE contest_id = 'c1'")
        assert archive["audit"][-1]["seq"] == info["archive_export"]["last_seq"] + 1
        # sockets of the contest: a judge's phone, the big screen, a watcher, a console
        urls = [f"/ws/j/{judge['token']}", f"/ws/s/{screen}", f"/ws/s/{screen}?view=watch", "/ws/console/c1"]
        sockets = [client.websocket_connect(u, headers=dict(ORG) if "console" in u else {}) for u in urls]
        opened = [s.__enter__() for s in sockets]
        try:
            for ws in opened:
                ws.receive_json()
            r = _delete(client)
            assert r.status_code == 200, r.text
            assert r.json()["removed"]["marks"] > 0 and r.json()["removed"]["contests"] == 1
            for ws in opened:  # each is told to go
                with pytest.raises(WebSocketDisconnect) as closed:
                    for _ in range(10):
                        ws.receive_json()
                assert closed.value.code == 4401
        finally:
            for s in sockets:
                try:
                    s.__exit__(None, None, None)
                except Exception:
                    pass
        # no row of it is left in any per-contest table (whatever tables the schema has), the audit stays
        assert _stray(db, "c1") == {}
        con = sqlite3.connect(str(db))
        with_contest = {t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
                        if "contest_id" in {r[1] for r in con.execute(f"PRAGMA table_info({t})")}}
        con.close()
        assert with_contest - {"audit"} <= set(PER_CONTEST_TABLES), "every per-contest table is in the one list"
        assert _count(db, "SELECT COUNT(*) FROM audit WHERE contest_id = 'c1'") == audit_rows + 1
        ok, message = verify_chain(str(db))
        assert ok, message
        # its links and pages answer 404 (the judge API: 401 as for any unknown token)
        assert client.get(f"/j/{judge['token']}").status_code == 404
        assert client.get(f"/s/{screen}").status_code == 404
        assert client.get("/api/contests/c1", headers=ORG).status_code == 404
        assert client.get("/api/judge/state", headers=bearer(judge["token"])).status_code == 401
        assert _delete(client).status_code == 404
        # the other contest is untouched
        other_after = contest(client, other["contest"]["id"])
        for key in ("setup", "phase", "version", "marks", "contest"):
            assert other_after[key] == other_before[key], key
        assert client.get("/api/judge/state", headers=bearer(other_after["setup"]["judges"][0]["token"])).status_code == 200
        assert [c["id"] for c in client.get("/api/contests", headers=ORG).json()["contests"]] == [other["contest"]["id"]]
        # the id stays taken: its audit entries keep naming it
        r = client.post("/api/contests", headers=ORG, json={"id": "c1", "name": "新的"})
        assert r.status_code == 409
        r = client.post("/api/contests/import?as=c1", headers=ORG, json=archive)
        assert r.status_code == 409
        assert client.post("/api/contests/import?as=c1b", headers=ORG, json=archive).status_code == 201
    with make_client(db, demo=False) as client:  # after a restart it is still gone
        ids = [c["id"] for c in client.get("/api/contests", headers=ORG).json()["contests"]]
        assert "c1" not in ids and "c1b" in ids


def test_a_contest_without_marks_is_deleted_with_the_typed_id_alone(db):
    with make_client(db) as client:
        copy = client.post("/api/contests/c1/duplicate", headers=ORG, json={}).json()
        cid = copy["contest"]["id"]
        assert client.get(f"/api/contests/{cid}/lifecycle", headers=ORG).json()["deletable"] is True
        assert _delete(client, cid, confirm="c1").status_code == 422
        r = client.request("DELETE", f"/api/contests/{cid}?confirm={cid}", headers=ORG)
        assert r.status_code == 200 and r.json()["deleted"] == cid
        assert _stray(db, cid) == {}
        assert contest(client)["phase"] == "setup"
        assert client.request("DELETE", "/api/contests/c1", json={"confirm": "c1"}).status_code == 401
        ok, message = verify_chain(str(db))
        assert ok, message
        entries = client.get("/api/contests/c1/audit", headers=ORG).json()["entries"]
        assert all(e["action"] != "contest.delete" for e in entries)


def test_an_archive_exported_with_run_py_export_counts(db, tmp_path):
    with make_client(db) as client:
        _scored(client)
    from judging.cli.main import main
    assert main(["export", "--db", str(db), "--contest", "c1", "--format", "json",
                 "--out", str(tmp_path / "a.json")]) == 0
    with make_client(db) as client:
        assert _delete(client).status_code == 200


def test_on_a_full_disk_the_archive_is_still_handed_out_and_the_delete_waits_for_a_recorded_export(db):
    from tests.test_disk_full import fill_up, make_room

    with make_client(db) as client:
        _scored(client)
        fill_up(client)
        for n in range(200):  # until a write is refused: the store knows the disk is full
            option = "hold_screen" if n % 2 == 0 else "release_screen"
            if client.post("/api/contests/c1/actions", headers=ORG, json={"action": option}).status_code == 503:
                break
        assert client.app.state.store.full
        r = client.get("/api/contests/c1/export/archive.json", headers=ORG)
        assert r.status_code == 200 and r.json()["marks"]
        make_room(client)
        assert _delete(client).json()["code"] == "archive_first"  # nothing was recorded
        flip = "release_screen" if contest(client)["holding"] else "hold_screen"
        assert client.post("/api/contests/c1/actions", headers=ORG, json={"action": flip}).status_code == 200
        assert not client.app.state.store.full  # a write committed: there is room again
        assert client.get("/api/contests/c1/export/archive.json", headers=ORG).status_code == 200
        assert _delete(client).status_code == 200
