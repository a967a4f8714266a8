"""Console sessions the server can end (issue 9, items 7-9): logout and revocation kill copied cookies,
logout needs the CSRF token, login cannot be posted from another site, a new key ends every session,
idle sessions expire, last_seen is written coarsely, and the start banner keeps secrets out of logs."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from judging.app import sessions as sessions_mod
from judging.storage.repository import verify_chain
from judging.web.app import create_app
from tests.conftest import ORGANIZER_KEY, ROOT, free_port
from tests.helpers import ORG, console_sign_in, make_client

COOKIE = "judging_session"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "sessions.db")


@pytest.fixture
def client(db):
    with make_client(db) as c:
        c.db = db
        yield c


def sign_in(client: TestClient, user_agent: str = "testclient") -> str:
    """Sign in as a new browser; returns its cookie (the client's jar then holds only that one)."""
    client.cookies.clear()
    console_sign_in(client, **{"user-agent": user_agent})
    return client.cookies[COOKIE]


def use(client: TestClient, cookie: str | None) -> TestClient:
    client.cookies.clear()
    if cookie:
        client.cookies.set(COOKIE, cookie)
    return client


def csrf_of(client: TestClient) -> str:
    page = client.get("/console")
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def rows(db: str, sql: str, params: tuple = ()) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def audit_actions(db: str) -> list[tuple]:
    return rows(db, "SELECT action, actor, detail, client FROM audit WHERE action LIKE 'session.%' ORDER BY seq")


# ---------------------------------------------------------------------- item 7: revocable sessions

def test_a_copied_cookie_stops_working_after_logout(client):
    copied = sign_in(client)
    token = csrf_of(client)
    assert client.get("/api/contests").status_code == 200
    r = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    use(client, copied)  # the attacker replays the cookie copied before the logout
    assert client.get("/api/contests").status_code == 401
    page = client.get("/console/c1", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/ws/console/c1") as ws:
            ws.receive_json()
    assert closed.value.code == 4401
    (ended,) = rows(client.db, "SELECT ended, revoked_at IS NOT NULL FROM sessions")
    assert ended == ("logout", 1)


def test_the_database_holds_a_hash_of_the_session_id_and_a_short_user_agent(client):
    cookie = sign_in(client, user_agent="Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 " + "x" * 500 + "\x07")
    payload = json.loads(base64.b64decode(cookie.split(".")[0] + "=="))  # signed, not encrypted: readable
    sid = payload["sid"]
    assert "organizer" not in payload and set(payload) == {"sid", "csrf"}
    (row,) = rows(client.db, "SELECT id_hash, client, user_agent, revoked_at FROM sessions")
    assert row[0] == hashlib.sha256(sid.encode()).hexdigest()
    assert row[1] == "testclient" and row[3] is None
    assert len(row[2]) == sessions_mod.UA_MAX and row[2].startswith("Mozilla/5.0 (Windows") and "\x07" not in row[2]
    dump = "\n".join(sqlite3.connect(client.db).iterdump())
    assert sid not in dump, "the session id itself is never stored"
    assert client.app.state.sessions.check(sid) is not None


def test_last_seen_is_written_at_most_once_a_minute_and_idle_sessions_expire(client):
    clock = Clock()
    client.app.state.sessions.clock = clock
    sign_in(client)
    (created,) = rows(client.db, "SELECT last_seen FROM sessions")
    for _ in range(20):
        clock.now += 2.5  # 50 s of busy console use
        assert client.get("/api/contests").status_code == 200
    time.sleep(0.2)
    assert rows(client.db, "SELECT last_seen FROM sessions") == [created], "no write within the first minute"
    clock.now += 15  # 65 s after signing in
    assert client.get("/api/contests").status_code == 200
    deadline = time.time() + 3
    while rows(client.db, "SELECT last_seen FROM sessions") == [created] and time.time() < deadline:
        time.sleep(0.02)
    assert rows(client.db, "SELECT last_seen FROM sessions") == [(clock.now,)]
    # unused for longer than the idle limit: the session is over, also for the console's list
    clock.now += sessions_mod.IDLE_SECONDS + 1
    assert client.get("/api/contests").status_code == 401
    assert client.get("/api/sessions", headers=ORG).json()["sessions"] == []


def test_an_idle_session_s_open_console_socket_is_closed_by_the_sweep(client):
    clock = Clock()
    sessions = client.app.state.sessions
    sessions.clock = clock
    sign_in(client)
    with client.websocket_connect("/ws/console/c1") as ws:
        assert ws.receive_json()["role"] == "console"
        clock.now += sessions_mod.IDLE_SECONDS - 60
        client.portal.call(sessions.live)  # what the once-a-minute sweep runs: nothing is idle yet
        ws.send_text('{"type":"ping"}')
        assert ws.receive_json() == {"type": "pong"}
        clock.now += 61
        client.portal.call(sessions.live)
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_json()
        assert closed.value.code == 4401


async def test_the_sweep_runs_by_itself_and_stops_with_the_store(tmp_path):
    from judging.storage.store import Store

    store = Store(str(tmp_path / "sweep.db"))
    await store.open()
    clock = Clock()
    sessions = sessions_mod.Sessions(store, clock=clock)
    await sessions.load()
    raw = await sessions.create("10.0.0.9", "testclient")
    ended: list[str] = []
    sessions.watch(sessions.check(raw), lambda: ended.append("closed"))
    sessions.start_sweeping(every=0.02)
    await asyncio.sleep(0.1)
    assert ended == [] and sessions.check(raw) is not None
    clock.now += sessions_mod.IDLE_SECONDS + 1
    await asyncio.sleep(0.1)
    assert ended == ["closed"] and sessions.live() == []
    await sessions.close()
    await store.close()


def test_sessions_survive_a_restart_logouts_too_and_a_new_key_ends_them_all(db):
    with make_client(db) as c:
        kept = sign_in(c)
        gone = sign_in(c)
        token = csrf_of(use(c, gone))
        assert c.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    with make_client(db, demo=False) as c:
        assert use(c, kept).get("/api/contests").status_code == 200, "a restart keeps a live session"
        assert use(c, gone).get("/api/contests").status_code == 401, "a restart does not bring a logout back"
        third = sign_in(c)
    assert rows(db, "SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL") == [(2,)]
    with TestClient(create_app(db, organizer_key=ORGANIZER_KEY, rotate_key=True)) as c:
        for cookie in (kept, third):
            assert use(c, cookie).get("/api/contests").status_code == 401
    assert rows(db, "SELECT ended FROM sessions WHERE revoked_at IS NOT NULL ORDER BY created_at") == [
        ("key_change",), ("logout",), ("key_change",)]
    (detail,) = rows(db, "SELECT detail FROM audit WHERE action = 'organizer_key.rotate'")
    assert detail == ('{"sessions_ended": 2}',)
    # a key supplied anew in JUDGING_ORGANIZER_KEY (create_app(organizer_key=...)) is a key change too
    with TestClient(create_app(db, organizer_key="another-key-from-the-environment-0")) as c:
        c.cookies.clear()
        assert c.post("/login", data={"key": "another-key-from-the-environment-0"},
                      follow_redirects=False).status_code == 303
        fresh = c.cookies[COOKIE]
    with TestClient(create_app(db, organizer_key="yet-another-key-from-the-env-01")) as c:
        assert use(c, fresh).get("/api/contests").status_code == 401
    assert rows(db, "SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL") == [(0,)]


def test_the_console_lists_signed_in_devices_and_ends_them(client):
    a = sign_in(client, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15")
    b = sign_in(client, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36")
    c = sign_in(client, "Mozilla/5.0 (Linux; Android 14) Chrome/120.0 Mobile Safari/537.36")
    listing = use(client, a).get("/api/sessions").json()["sessions"]
    assert [s["device"] for s in listing] == ["Safari · macOS", "Chrome · Windows", "Chrome · Android"]
    assert [s["current"] for s in listing] == [True, False, False]
    assert all(re.fullmatch(r"[0-9a-f]{16}", s["id"]) for s in listing)
    ids = [s["id"] for s in listing]
    page = client.get("/console").text
    assert "已登录的设备" in page and page.count('data-end-session="') == 3
    assert re.search(r'data-session="%s" class="current">.*?本机' % ids[0], page, re.S)
    token = csrf_of(client)
    # B has the live console open; A ends B: B's socket closes with 4401 and its cookie is dead
    use(client, b)
    with client.websocket_connect("/ws/console/c1") as ws:
        assert ws.receive_json()["role"] == "console"
        use(client, a)
        r = client.delete(f"/api/sessions/{ids[1]}")
        assert r.status_code == 403 and "CSRF" in r.json()["error"], "cookie writes need the CSRF token"
        r = client.delete(f"/api/sessions/{ids[1]}", headers={"x-csrf-token": token})
        assert r.status_code == 200 and r.json()["ended"] == 1 and not r.json()["signed_out"]
        assert [s["id"] for s in r.json()["sessions"]] == [ids[0], ids[2]]
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_json()
        assert closed.value.code == 4401
    assert use(client, b).get("/api/contests").status_code == 401
    # unknown or malformed ids: 404, nothing ended
    use(client, a)
    for bad in (ids[1], "0" * 16, "not-an-id", ids[2][:15]):
        r = client.delete(f"/api/sessions/{bad}", headers={"x-csrf-token": token})
        assert r.status_code == 404 and r.json()["error"].startswith("没有这个登录会话"), bad
    # "sign out all other devices" keeps this one
    r = client.delete("/api/sessions/others", headers={"x-csrf-token": token})
    assert r.status_code == 200 and r.json()["ended"] == 1 and [s["id"] for s in r.json()["sessions"]] == [ids[0]]
    assert use(client, c).get("/api/contests").status_code == 401
    assert use(client, a).get("/api/contests").status_code == 200
    # ending one's own session signs this browser out
    r = client.delete(f"/api/sessions/{ids[0]}", headers={"x-csrf-token": token})
    assert r.status_code == 200 and r.json()["signed_out"] is True
    assert use(client, a).get("/api/contests").status_code == 401
    actions = [(act, actor) for act, actor, _, _ in audit_actions(client.db)]
    assert actions == [("session.login", "organizer")] * 3 + [("session.revoke", "organizer")] * 2 + [
        ("session.logout", "organizer")]
    assert all(client_addr == "testclient" for *_, client_addr in audit_actions(client.db))
    ok, message = verify_chain(client.db)
    assert ok, message


def test_the_organizer_key_can_list_and_end_every_console_session(client):
    sign_in(client)
    sign_in(client)
    client.cookies.clear()
    listing = client.get("/api/sessions", headers=ORG).json()["sessions"]
    assert len(listing) == 2 and not any(s["current"] for s in listing)
    r = client.delete("/api/sessions/others", headers=ORG)
    assert r.status_code == 200 and r.json()["ended"] == 2 and r.json()["sessions"] == []
    detail = audit_actions(client.db)[-1]
    assert detail[0] == "session.revoke" and detail[1] == "organizer:api"
    for headers in ({}, {"authorization": "Bearer wrong"}):
        assert client.get("/api/sessions", headers=headers).status_code == 401
        assert client.delete("/api/sessions/others", headers=headers).status_code == 401


def test_signing_in_again_in_the_same_browser_ends_its_previous_session(client):
    first = sign_in(client)
    r = client.post("/login", data={"key": ORGANIZER_KEY}, follow_redirects=False)
    assert r.status_code == 303
    second = client.cookies[COOKIE]
    assert use(client, first).get("/api/contests").status_code == 401
    assert use(client, second).get("/api/contests").status_code == 200
    assert rows(client.db, "SELECT ended FROM sessions ORDER BY created_at") == [("replaced",), ("",)]


# ---------------------------------------------------------------------- item 8: CSRF on logout and login

def test_logout_without_the_csrf_token_is_refused_and_signs_nobody_out(client):
    sign_in(client)
    token = csrf_of(client)
    for data, headers in (({}, {}), ({"csrf": "forged"}, {}), ({}, {"origin": "http://127.0.0.1:9999"})):
        r = client.post("/logout", data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403 and "未退出登录" in r.text, (data, headers)
        assert client.get("/api/contests").status_code == 200, "still signed in"
    assert rows(client.db, "SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL") == [(1,)]
    assert 'name="csrf" value="%s"' % token in client.get("/console").text, "the sign-out form carries the token"
    r = client.post("/logout", headers={"x-csrf-token": token}, follow_redirects=False)
    assert r.status_code == 303 and client.get("/api/contests").status_code == 401
    # signed out already: logging out again just goes to the sign-in page
    assert client.post("/logout", follow_redirects=False).headers["location"] == "/login"


def test_a_sign_in_posted_by_another_site_is_refused(client):
    for headers in ({"origin": "http://evil.example"}, {"origin": "http://testserver:8001"},
                    {"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site", "origin": "null"}):
        client.cookies.clear()
        r = client.post("/login", data={"key": ORGANIZER_KEY}, headers=headers, follow_redirects=False)
        assert r.status_code == 403 and "其他网站" in r.text, headers
        assert COOKIE not in client.cookies
    assert rows(client.db, "SELECT COUNT(*) FROM sessions") == [(0,)]
    for headers in ({"origin": "http://testserver"}, {"origin": "null", "sec-fetch-site": "same-origin"}):
        # the server's own sign-in page still works (its no-referrer policy makes Chromium send Origin: null)
        client.cookies.clear()
        r = client.post("/login", data={"key": ORGANIZER_KEY}, headers=headers, follow_redirects=False)
        assert r.status_code == 303, headers


# ---------------------------------------------------------------------- item 9: the start banner

def serve(db: str, *extra: str, env_key: str | None) -> tuple[str, str, list[str]]:
    """Run ``run.py serve`` until it answers, stop it; returns its output, its base URL and (with ``env_key``)
    every judge token and the screen token of contest c1."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "JUDGING_ORGANIZER_KEY"}
    env["PYTHONUNBUFFERED"] = "1"
    if env_key:
        env["JUDGING_ORGANIZER_KEY"] = env_key
    proc = subprocess.Popen([sys.executable, "run.py", "serve", "--db", db, "--port", str(port), *extra], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    found: list[str] = []
    try:
        deadline = time.time() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        if env_key:
            setup = httpx.get(f"{base}/api/contests/c1", headers={"authorization": f"Bearer {env_key}"},
                              timeout=10).json()["setup"]
            found = [j["token"] for j in setup["judges"]] + [setup["screen_link"].rsplit("/", 1)[1]]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    return out, base, found


def test_the_banner_never_echoes_a_key_from_the_environment_and_prints_links_only_on_request(tmp_path):
    db = str(tmp_path / "banner.db")
    out, base, secret_tokens = serve(db, env_key=ORGANIZER_KEY)  # first start: demo contest, key from the env
    assert len(secret_tokens) == 28
    assert ORGANIZER_KEY not in out and "JUDGING_ORGANIZER_KEY" in out and "不显示" in out
    assert not [t for t in secret_tokens if t in out], "no judge or screen token in the log"
    assert f"{base}/console/c1/cards" in out and "--print-links" in out
    out, base, _ = serve(db, "--print-links", env_key=ORGANIZER_KEY)
    assert ORGANIZER_KEY not in out and "JUDGING_ORGANIZER_KEY" not in out, "an unchanged key: nothing to say"
    assert all(t in out for t in secret_tokens), "--print-links prints every judge link and the screen link"
    assert f"{base}/s/{secret_tokens[-1]}" in out


def test_the_banner_prints_a_generated_key_once_and_no_links(tmp_path):
    db = str(tmp_path / "generated.db")
    out, _, _ = serve(db, env_key=None)
    found = re.search(r"organizer key \(shown once, keep it safe\): (\S+)", out)
    assert found, out
    key = found.group(1)
    assert "/j/" not in out and "/s/" not in out, "no judge or screen links without --print-links"
    out, _, _ = serve(db, "--print-links", env_key=None)
    assert key not in out and "organizer key (shown once" not in out
    assert "/j/" in out and "/s/" in out
    out, _, _ = serve(db, env_key=key)  # the same key given in the environment now: unchanged, not printed
    assert key not in out and "shown once" not in out
