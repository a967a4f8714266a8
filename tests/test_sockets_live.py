"""Sockets as a browser sees them, over a real uvicorn server (not the in-process test client).

A refused socket must reach the client as close code 4401 — then the pages stop retrying and say the
link is invalid.  Closing before the handshake would reach browsers as an HTTP 403, i.e. code 1006,
and phones and screens would retry for ever.
"""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.conftest import ORGANIZER_KEY


def ws_url(server, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


def closed_code(url: str, **kw) -> int:
    with connect(url, open_timeout=5, **kw) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=5)
    return closed.value.rcvd.code


@pytest.mark.parametrize("path", ["/ws/j/not-a-token", "/ws/s/not-a-token", "/ws/console/c1", "/ws/console/nope"])
def test_a_refused_socket_closes_with_4401_after_the_handshake(live_server, path):
    try:
        assert closed_code(ws_url(live_server, path)) == 4401
    except InvalidStatus as e:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"refused before the handshake (HTTP {e.response.status_code}): browsers see only code 1006")


def test_the_organizer_key_opens_the_console_socket(live_server):
    with connect(ws_url(live_server, "/ws/console/c1"), open_timeout=5,
                 additional_headers={"authorization": f"Bearer {ORGANIZER_KEY}"}) as ws:
        assert json.loads(ws.recv(timeout=5))["role"] == "console"


def test_a_judge_removed_from_the_contest_is_disconnected_with_4401(live_server):
    with live_server.api() as api:
        setup = api.get("/api/contests/c1").json()["setup"]
        gone = setup["judges"][-1]
        with connect(ws_url(live_server, f"/ws/j/{gone['token']}"), open_timeout=5) as ws:
            assert json.loads(ws.recv(timeout=5))["me"]["id"] == gone["id"]
            keep = [{k: j[k] for k in ("id", "name", "panel")} for j in setup["judges"][:-1]]
            assert api.patch("/api/contests/c1", json={"judges": keep}).status_code == 200
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=5)
            assert closed.value.rcvd.code == 4401
        r = api.get("/api/judge/state", headers={"authorization": f"Bearer {gone['token']}"})
        assert r.status_code == 401, "the removed judge's link no longer works over HTTP either"


def test_the_console_socket_refuses_a_page_of_another_origin(live_server):
    key = {"authorization": f"Bearer {ORGANIZER_KEY}"}
    evil = {**key, "origin": "http://127.0.0.1:1"}             # another port on the same host
    assert closed_code(ws_url(live_server, "/ws/console/c1"), additional_headers=evil) == 4401
    own = {**key, "origin": live_server.url}
    with connect(ws_url(live_server, "/ws/console/c1"), open_timeout=5, additional_headers=own) as ws:
        assert json.loads(ws.recv(timeout=5))["role"] == "console"
