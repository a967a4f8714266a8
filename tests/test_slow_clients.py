"""Slow clients cannot hold the server's sockets: a request head that does not arrive in time gets 408 and the
connection closes; a request body that stalls gets 408 JSON; a normal or merely slow request is served."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from judging.web.security import SecurityMiddleware
from judging.web.slow_clients import http_protocol


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"got": len(await request.body())})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    app = SecurityMiddleware(Starlette(routes=[Route("/echo", echo, methods=["GET", "POST"])]), body_timeout=0.6)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                            http=http_protocol(header_timeout=0.6))
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not srv.started and time.time() < deadline:
        time.sleep(0.02)
    yield port
    srv.should_exit = True
    thread.join(10)


def read_all(sock: socket.socket, limit: float = 5.0) -> bytes:
    sock.settimeout(limit)
    out = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        out += chunk
    return out


def test_a_request_head_trickled_byte_by_byte_is_cut_off_with_408(server):
    with socket.create_connection(("127.0.0.1", server)) as sock:
        trickle(sock)


def trickle(sock: socket.socket) -> None:
    started = time.monotonic()
    sock.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n")
    for ch in b"X-Slow: 1":  # one byte every 0.2 s: each byte would reset an idle timer, not this one
        try:
            sock.sendall(bytes([ch]))
        except OSError:
            break
        time.sleep(0.2)
    answer = read_all(sock)
    took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert "请求超时" in body["error"]
    assert took < 4  # closed at the limit (0.6 s), not when the client chose to stop


def test_a_stalled_body_gets_408_json(server):
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":")
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]
    assert "no request body received" in json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]


def test_normal_and_slow_but_steady_requests_are_served_on_a_kept_alive_connection(server):
    with socket.create_connection(("127.0.0.1", server)) as sock:
        steady(sock)


def steady(sock: socket.socket) -> None:
    for _ in range(2):  # the second request on the same connection has its own time for the head
        for part in (b"POST /echo HTTP/1.1\r\nHost: x\r\n", b"Content-Length: 4\r\n\r\n", b"ab", b"cd"):
            sock.sendall(part)
            time.sleep(0.25)  # each gap under the limit; together longer than it for the body
        sock.settimeout(5)
        head = sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 200 "), head[:80]
        assert b'{"got":4}' in head


def test_run_py_serve_uses_the_head_time_limit_and_the_app_the_body_time_limit(monkeypatch, tmp_path):
    import argparse

    from judging.cli import serve
    from judging.web.app import create_app
    from judging.web.slow_clients import HEADER_TIMEOUT, HeaderTimeoutProtocol

    seen = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.update(kw))
    monkeypatch.setattr("judging.web.app.create_app", lambda db, **kw: object())
    ns = argparse.ArgumentParser()
    serve.register(ns.add_subparsers())
    serve.cmd_serve(ns.parse_args(["serve", "--db", str(tmp_path / "x.db"), "--port", "8124"]))
    assert issubclass(seen["http"], HeaderTimeoutProtocol) and seen["http"].header_timeout == HEADER_TIMEOUT == 10
    assert seen["loop"] == "uvloop"  # the event loop the judges' acknowledgements and the fan-out run on
    app = create_app(str(tmp_path / "y.db"), organizer_key="k" * 32, demo=False)
    security = [m for m in app.user_middleware if m.cls is SecurityMiddleware]
    assert len(security) == 1 and "body_timeout" not in security[0].kwargs
    assert SecurityMiddleware(None).body_timeout == 30
