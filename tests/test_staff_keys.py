"""Staff keys (issue 14, several halls): issued by the organizer, shown once, stored only as a hash, signing in a
console session bound to the member, revocable (its sessions end, its sockets close), named in the audit."""

from __future__ import annotations

import hashlib
import re
import sqlite3

import pytest
from starlette.websockets import WebSocketDisconnect

from judging.app.demo import demo_setup
from tests.helpers import EXPERT, ORG, Evening, act, bearer, create_contest, make_client, spread_marks


def rows(db, sql: str, params: tuple = ()) -> list[tuple]:
    con = sqlite3.connect(str(db))
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def issue(client, role: str, name: str, cid: str = "c1") -> dict:
    r = client.post(f"/api/contests/{cid}/staff", headers=ORG, json={"name": name, "role": role})
    assert r.status_code == 201, r.text
    return r.json()


def sign_in(client, key: str) -> str:
    """The login form with a staff key; returns the CSRF token of the console page it lands on."""
    client.cookies.clear()
    r = client.post("/login", data={"key": key}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/c1", (r.status_code, r.headers)
    page = client.get("/console/c1")
    assert page.status_code == 200
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path / "staff.db") as c:
        c.db = tmp_path / "staff.db"
        yield c


def test_a_key_is_shown_once_and_only_its_hash_is_stored(client):
    issued = issue(client, "operator", "王运行")
    key, member = issued["key"], issued["member"]
    assert key.startswith("staff-") and len(key) >= 30
    assert issued["link"].endswith(f"/k/{key}") and issued["qr"].startswith("data:image/svg+xml")
    assert member["role"] == "operator" and member["name"] == "王运行" and "key" not in member
    listing = client.get("/api/contests/c1/staff", headers=ORG)
    assert listing.status_code == 200 and key not in listing.text
    assert [m["id"] for m in listing.json()["staff"]] == [member["id"]]
    assert key not in client.get("/api/contests/c1", headers=ORG).text
    dump = "\n".join(sqlite3.connect(str(client.db)).iterdump())
    assert key not in dump, "the key itself is never stored"
    assert rows(client.db, "SELECT key_hash, role, contest_id FROM staff") == [
        (hashlib.sha256(key.encode()).hexdigest(), "operator", "c1")]
    (entry,) = rows(client.db, "SELECT actor, detail FROM audit WHERE action = 'staff.create'")
    assert entry[0] == "organizer:api" and "王运行" in entry[1] and key not in entry[1]


def test_bad_staff_requests_are_refused_clearly(client):
    for body, field in (({"name": "", "role": "viewer"}, "name"), ({"name": "甲", "role": "boss"}, "role"),
                        ({"name": "甲\x07", "role": "viewer"}, "name")):
        r = client.post("/api/contests/c1/staff", headers=ORG, json=body)
        assert r.status_code == 422 and field in r.json()["errors"], r.text
    assert client.post("/api/contests/nope/staff", headers=ORG, json={"name": "甲", "role": "viewer"}).status_code == 404
    create_contest(client, demo_setup("第二会场"))
    other = issue(client, "viewer", "乙", cid="c2")["member"]["id"]
    assert client.delete(f"/api/contests/c1/staff/{other}", headers=ORG).status_code == 404  # not c1's
    assert client.get("/k/staff-not-a-key").status_code == 404
    assert rows(client.db, "SELECT COUNT(*) FROM staff") == [(1,)]


def test_the_login_link_signs_in_a_console_session_bound_to_the_member(client, tmp_path):
    issued = issue(client, "viewer", "李观察")
    key, sid = issued["key"], issued["member"]["id"]
    client.cookies.clear()
    page = client.get(f"/k/{key}")
    assert page.status_code == 200 and "李观察" in page.text and "观察员" in page.text
    assert client.get("/api/contests/c1").status_code == 401, "opening the link alone signs nobody in"
    sign_in(client, key)
    assert client.get("/api/contests/c1").json()["access"]["id"] == "viewer"
    assert client.get("/console", follow_redirects=False).headers["location"] == "/console/c1"
    assert client.get("/console/c1/setup").status_code == 403
    assert rows(client.db, "SELECT staff_id FROM sessions WHERE revoked_at IS NULL") == [(sid,)]
    listed = client.get("/api/sessions", headers=ORG).json()["sessions"]
    assert [s["staff_id"] for s in listed] == [sid]
    (login,) = rows(client.db, "SELECT actor, contest_id FROM audit WHERE action = 'session.login'")
    assert login == (f"staff:{sid}:李观察", "c1")
    cookies = dict(client.cookies)
    with make_client(tmp_path / "staff.db") as again:  # a restart keeps the session and its binding
        for name, value in cookies.items():
            again.cookies.set(name, value)
        snap = again.get("/api/contests/c1").json()
        assert snap["access"]["id"] == "viewer" and snap["allowed"] == []


def test_revoking_ends_the_members_sessions_and_closes_its_sockets(client):
    issued = issue(client, "operator", "赵运行")
    key, sid = issued["key"], issued["member"]["id"]
    sign_in(client, key)
    cookies = dict(client.cookies)
    with client.websocket_connect("/ws/console/c1") as by_cookie, \
            client.websocket_connect("/ws/console/c1", headers=bearer(key)) as by_key:
        assert by_cookie.receive_json()["access"]["id"] == "operator"
        assert by_key.receive_json()["access"]["id"] == "operator"
        client.cookies.clear()
        r = client.delete(f"/api/contests/c1/staff/{sid}", headers=ORG)
        assert r.status_code == 200 and r.json()["sessions_ended"] == 1 and r.json()["staff"] == []
        for ws in (by_cookie, by_key):
            with pytest.raises(WebSocketDisconnect) as closed:
                for _ in range(20):
                    ws.receive_json()
            assert closed.value.code == 4401
    assert client.get("/api/contests/c1", headers=bearer(key)).status_code == 401
    for name, value in cookies.items():
        client.cookies.set(name, value)
    assert client.get("/api/contests/c1").status_code == 401
    assert client.get("/console/c1", follow_redirects=False).headers["location"].startswith("/login")
    client.cookies.clear()
    assert client.get(f"/k/{key}").status_code == 404
    assert client.post("/login", data={"key": key}, follow_redirects=False).status_code == 401
    assert rows(client.db, "SELECT revoked_at IS NOT NULL FROM staff WHERE id = ?", (sid,)) == [(1,)]
    assert rows(client.db, "SELECT ended FROM sessions WHERE staff_id = ?", (sid,)) == [("staff_revoked",)]
    (entry,) = rows(client.db, "SELECT actor, detail FROM audit WHERE action = 'staff.revoke'")
    assert entry[0] == "organizer:api" and '"sessions_ended": 1' in entry[1]


def test_audit_entries_name_the_staff_member_who_acted(client):
    op = issue(client, "operator", "钱运行")
    keeper = issue(client, "scorekeeper", "孙记分")
    csrf = sign_in(client, op["key"])
    r = client.post("/api/contests/c1/actions", json={"action": "start"}, headers={"x-csrf-token": csrf})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    evening = Evening(client)
    first = evening.state["order"][0]["id"]
    expert = next(j for j in evening.judges if j["panel"] == "expert")
    evening.act("present", project=first)
    evening.act("open_scoring")
    for k, j in enumerate(evening.judges):
        evening.submit_ok(j, first, "final", spread_marks(j, 0.8, k))
    act(client, "close_scoring", confirm=True)
    fixed = {**EXPERT, "team": 10}
    r = client.post("/api/contests/c1/marks/correct", headers=bearer(keeper["key"]), json={
        "project": first, "round": "final", "judge": expert["id"], "marks": fixed, "reason": "纸质评分表核对"})
    assert r.status_code == 200, r.text
    actors = dict(rows(client.db, "SELECT action, actor FROM audit WHERE action IN ('state.start', 'mark.correct')"))
    assert actors == {"state.start": f"staff:{op['member']['id']}:钱运行",
                      "mark.correct": f"staff:{keeper['member']['id']}:孙记分"}
    page = client.get("/api/contests/c1/audit/entries", headers=ORG).json()["entries"]
    who = {e["action"]: e["who"] for e in page}
    assert who["state.start"] == f"工作人员 钱运行（{op['member']['id']}）"
    assert who["mark.correct"] == f"工作人员 孙记分（{keeper['member']['id']}）"


def test_the_organizers_device_list_names_a_staff_members_session(client):
    issued = issue(client, "scorekeeper", "郑记分")
    sign_in(client, issued["key"])
    client.cookies.clear()
    from tests.helpers import console_sign_in
    console_sign_in(client)
    page = client.get("/console").text
    assert "郑记分 · 记分员" in page and page.count('data-session="') == 2
