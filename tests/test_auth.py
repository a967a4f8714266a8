"""Who may do what: judge tokens, the organizer key, console cookies with CSRF, headers, limits, logs."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from judging.web.app import create_app
from judging.web.openapi import PATHS
from tests.conftest import ORGANIZER_KEY
from tests.helpers import EXPERT, ORG, act, judges, make_client, submit


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path / "auth.db") as c:
        yield c


def test_a_judge_acts_only_as_themselves_on_their_own_open_roadshow(client):
    js = judges(client)
    # a second contest with its own judge, open for scoring on a project id that also exists in c1
    r = client.post("/api/contests", headers=ORG, json={
        "name": "第二赛道", "projects": [{"id": "P01", "name": "别的项目"}],
        "judges": [{"id": "E1", "name": "另一位专家", "panel": "expert"}], "order": ["P01"]})
    assert r.status_code == 201
    other = r.json()["setup"]["judges"][0]["token"]
    act(client, "start", cid="c2")
    act(client, "present", cid="c2")
    act(client, "open_scoring", cid="c2")
    # c1 is not open: c1's judge cannot score c2's open roadshow, whatever the body says
    r = submit(client, js["E1"]["token"], "P01", EXPERT, contest="c2", judge="E1")
    assert r.status_code == 409
    act(client, "start")
    pid = act(client, "present")["current"]["id"]
    act(client, "open_scoring")
    # the judge named in the body is ignored: the token decides who is scoring
    r = submit(client, js["E2"]["token"], pid, EXPERT, judge="E3")
    assert r.status_code == 200
    marks = client.get("/api/contests/c1", headers=ORG).json()["marks"]
    assert [(m["judge"], m["project"]) for m in marks] == [("E2", pid)]
    # c2's judge cannot score c1's open roadshow
    assert submit(client, other, pid, EXPERT).status_code == 409
    # another roadshow than the open one
    assert submit(client, js["E1"]["token"], "P99", EXPERT).status_code == 409
    # a submission id cannot be hijacked by another judge
    sid = uuid.uuid4().hex
    body = {"submission_id": sid, "project": pid, "round": "final", "marks": EXPERT}
    assert client.post("/api/judge/submit", headers={"authorization": f"Bearer {js['E4']['token']}"},
                       json=body).status_code == 200
    r = client.post("/api/judge/submit", headers={"authorization": f"Bearer {js['E5']['token']}"}, json=body)
    assert r.status_code == 409
    # closed roadshow
    for j in js.values():
        submit(client, j["token"], pid, EXPERT if j["panel"] == "expert" else {"overall": 80})
    act(client, "close_scoring", confirm=True)
    r = submit(client, js["E1"]["token"], pid, EXPERT)
    assert r.status_code == 409 and "not counted" in r.json()["error"]


def test_bad_judge_tokens(client):
    assert client.post("/api/judge/submit", json={}).status_code == 401
    assert client.post("/api/judge/submit", headers={"authorization": "Bearer nope"}, json={}).status_code == 401
    assert client.get("/api/judge/state", headers=ORG).status_code == 401, "the organizer key is not a judge token"
    page = client.get("/j/not-a-token")
    assert page.status_code == 404 and "评委链接无效" in page.text
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/ws/j/not-a-token") as ws:
            ws.receive_json()
    assert closed.value.code == 4401


def _fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: {"cid": "c1", "kind": "projects", "op": "void"}.get(m.group(1), "x"), path)


@pytest.mark.parametrize("path, method", [(p, m) for p, ops in PATHS.items() for m in ops
                                          if not p.startswith(("/api/judge", "/api/a/"))])  # phones: own credential
def test_no_organizer_endpoint_works_without_the_key(client, path, method):
    js = judges(client)
    url = _fill(path)
    for headers in ({}, {"authorization": "Bearer wrong-key"}, {"authorization": f"Bearer {js['E1']['token']}"}):
        r = client.request(method.upper(), url, headers=headers, json={})
        assert r.status_code == 401, (method, url, headers, r.status_code)
        assert r.json()["error"]


def test_openapi_describes_exactly_the_api_routes(client):
    doc = client.get("/api/openapi.json").json()
    from starlette.routing import Route
    routes = {(r.path, m.lower()) for r in client.app.routes if isinstance(r, Route) and r.path.startswith("/api/")
              and r.path != "/api/openapi.json" for m in r.methods - {"HEAD"}}
    documented = {(re.sub(r"\{op\}", "{op:str}", p), m) for p, ops in doc["paths"].items() for m in ops}
    assert routes == documented


def test_console_cookie_login_and_csrf(client):
    page = client.get("/console", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    bad = client.post("/login", data={"key": "wrong"})
    assert bad.status_code == 401 and "密钥不正确" in bad.text
    ok = client.post("/login", data={"key": ORGANIZER_KEY}, follow_redirects=False)
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/api/contests").status_code == 200, "the cookie works for reads"
    r = client.post("/api/contests/c1/actions", json={"action": "start"})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
    r = client.post("/api/contests/c1/actions", json={"action": "start"}, headers={"x-csrf-token": "forged"})
    assert r.status_code == 403
    html = client.get("/console/c1").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', html)
    if token is None:  # before the console template exists, the token is in the session only
        pytest.fail("the console page must carry the CSRF token in <meta name=csrf-token>")
    r = client.post("/api/contests/c1/actions", json={"action": "start"}, headers={"x-csrf-token": token.group(1)})
    assert r.status_code == 200
    with client.websocket_connect("/ws/console/c1") as ws:
        assert ws.receive_json()["role"] == "console"
    assert client.post("/logout").status_code == 403, "signing out needs the page's CSRF token"
    assert client.get("/api/contests").status_code == 200
    client.post("/logout", data={"csrf": token.group(1)})
    assert client.get("/api/contests").status_code == 401


def test_console_socket_needs_the_organizer(client):
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/ws/console/c1") as ws:
            ws.receive_json()
    with client.websocket_connect("/ws/console/c1", headers=ORG) as ws:
        snap = ws.receive_json()
        assert snap["role"] == "console" and len(snap["setup"]["judges"]) == 27


def test_screen_is_read_only_and_public_data_only(client):
    screen = client.get("/api/contests/c1", headers=ORG).json()["setup"]["screen_link"]
    token = screen.rsplit("/", 1)[1]
    assert client.get(screen).status_code == 200
    with client.websocket_connect(f"/ws/s/{token}") as ws:
        snap = ws.receive_json()
        text = str(snap)
        assert "token" not in text and "setup" not in snap and "marks" not in snap
        ws.send_text('{"type":"ping"}')
        assert ws.receive_json() == {"type": "pong"}
    # the screen token opens nothing else
    assert client.get("/api/contests/c1", headers={"authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/s/wrong").status_code == 404


def test_security_headers_and_body_limit(client):
    for url in ("/login", "/api/openapi.json", "/j/bad", "/static/live.js"):
        r = client.get(url)
        assert r.headers["x-content-type-options"] == "nosniff", url
        assert r.headers["referrer-policy"] == "no-referrer", url
        assert "default-src 'self'" in r.headers["content-security-policy"], url
        assert r.headers["x-frame-options"] == "DENY", url
    assert client.get("/static/live.js").headers["cache-control"] == "no-cache"
    assert client.get("/api/openapi.json").headers["cache-control"] == "no-store"
    big = b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    r = client.post("/api/contests", headers={**ORG, "content-type": "application/json"}, content=big)
    assert r.status_code == 413 and r.json()["error"]
    assert len(client.get("/api/contests", headers=ORG).json()["contests"]) == 1


def test_tokens_never_reach_the_access_log(client, caplog):
    js = judges(client)
    token = js["E1"]["token"]
    screen_token = client.get("/api/contests/c1", headers=ORG).json()["setup"]["screen_link"].rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="judging.access"):
        client.get(f"/j/{token}")
        client.get(f"/s/{screen_token}")
        client.get("/api/judge/state", headers={"authorization": f"Bearer {token}"})
        with client.websocket_connect(f"/ws/j/{token}") as ws:
            ws.receive_json()
        with client.websocket_connect(f"/ws/s/{screen_token}") as ws:
            ws.receive_json()
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "judging.access")
    assert "/j/***" in text and "/ws/j/***" in text and "/s/***" in text
    assert token not in text and screen_token not in text and ORGANIZER_KEY not in text


def test_organizer_key_is_stored_hashed_and_rotates(tmp_path):
    import sqlite3

    db = str(tmp_path / "k.db")
    printed = []
    app = create_app(db, on_ready=lambda app, key: printed.append(key))
    with TestClient(app) as c:
        key = printed[0]
        assert key and len(key) >= 20
        assert c.get("/api/contests", headers={"authorization": f"Bearer {key}"}).status_code == 200
    raw = sqlite3.connect(db).execute("SELECT value FROM meta WHERE key='organizer_key'").fetchone()[0]
    assert key not in raw and "hash" in raw
    with TestClient(create_app(db, on_ready=lambda app, key: printed.append(key))) as c:
        assert printed[1] is None, "the key is printed once, on first start only"
        assert c.get("/api/contests", headers={"authorization": f"Bearer {key}"}).status_code == 200
    with TestClient(create_app(db, rotate_key=True, on_ready=lambda app, k: printed.append(k))) as c:
        assert printed[2] and printed[2] != key
        assert c.get("/api/contests", headers={"authorization": f"Bearer {key}"}).status_code == 401
        assert c.get("/api/contests", headers={"authorization": f"Bearer {printed[2]}"}).status_code == 200


def test_login_returns_to_the_page_asked_for_even_after_a_wrong_key_and_only_on_this_server(client):
    bad = client.post("/login", data={"key": "wrong", "next": "/console/c1/setup"})
    assert bad.status_code == 401 and 'value="/console/c1/setup"' in bad.text
    ok = client.post("/login", data={"key": ORGANIZER_KEY, "next": "/console/c1/setup"}, follow_redirects=False)
    assert ok.headers["location"] == "/console/c1/setup"
    for evil in ("//evil.example/x", "/\\evil.example", "https://evil.example", "/console\r\nX: y"):
        r = client.post("/login", data={"key": ORGANIZER_KEY, "next": evil}, follow_redirects=False)
        assert r.headers["location"] == "/console", evil


def test_action_expect_version_must_be_an_integer(client):
    for bad in ("3", 1.5, True, [1]):
        r = client.post("/api/contests/c1/actions", headers=ORG, json={"action": "start", "expect_version": bad})
        assert r.status_code == 422 and "expect_version" in r.json()["errors"], bad
    version = client.get("/api/contests/c1", headers=ORG).json()["version"]
    ok = client.post("/api/contests/c1/actions", headers=ORG, json={"action": "start", "expect_version": version})
    assert ok.status_code == 200 and ok.json()["version"] == version + 1
    again = client.post("/api/contests/c1/actions", headers=ORG, json={"action": "present", "expect_version": version})
    assert again.status_code == 409 and again.json()["code"] == "stale"
