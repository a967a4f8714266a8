"""Issue 11 (容量): fan-out that costs per snapshot, not per socket; watchers get small coalesced snapshots;
a lone change goes out at once; judges never wait for a watcher; screen-link sockets are capped.

Over a real uvicorn server on loopback (tests/conftest.py ``LiveServer``), except the hub's own rules.
Behaviour only, no timing asserts (the benchmarks measure speed: bench/bench_hall.py).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import zlib

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from judging.live import frames
from judging.live.frames import Message
from judging.live.hub import Hub
from judging.live.publisher import Publisher
from judging.web import fanout
from tests.conftest import LiveServer
from tests.helpers import act
from tests.helpers import submit as post_marks


def ws_url(server, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


def screen_path(server, view: str | None = None) -> str:
    with server.api() as api:
        token = api.get("/api/contests/c1").json()["setup"]["screen_link"].rsplit("/", 1)[1]
    return f"/ws/s/{token}" + (f"?view={view}" if view else "")


def open_scoring(server) -> tuple[str, list[dict]]:
    """The demo contest with the first roadshow's scoring open: (project, judges who may score it)."""
    with server.api() as api:
        act(api, "start", "present", "open_scoring", confirm=True)
        setup = api.get("/api/contests/c1").json()["setup"]
    rt = server.service.get("c1")
    project = rt.state.current
    return project, [j for j in setup["judges"] if not rt.contest.is_recused(j["id"], project)]


def submit(api, judge: dict, project: str):
    marks = {"overall": 80} if judge["panel"] == "public" else {"need": 20, "design": 20, "impact": 20, "team": 10}
    return post_marks(api, judge, project, marks)


def on_server_loop(server, fn):
    """Run ``fn()`` on the server's event loop (found through a connected sink's protocol) and return it."""
    sinks = [s for subs in server.app.state.hub._subs.values() for s in subs if isinstance(s, fanout.Sink)]
    loop = sinks[0].proto.loop

    async def call():
        return fn()
    return asyncio.run_coroutine_threadsafe(call(), loop).result(10)


def recv_state(ws) -> dict:
    while True:
        msg = json.loads(ws.recv(timeout=10))
        if msg["type"] == "state":
            return msg


# ------------------------------------------------------------------ the hub's rules (no server)

async def test_a_lone_change_is_built_at_the_next_turn_and_a_burst_once_per_fan_out(monkeypatch):
    import time as real_time
    from types import SimpleNamespace

    from judging.live import publisher as publisher_module

    # the only floor between two builds is the last build's own duration: measured here as 0 (on a loaded
    # machine a build can be preempted for milliseconds, and the lone change would rightly wait that long)
    monkeypatch.setattr(publisher_module, "time", SimpleNamespace(
        **{**{k: getattr(real_time, k) for k in dir(real_time) if not k.startswith("_")}, "perf_counter": lambda: 0.0}))
    hub = Hub()
    publisher = Publisher(hub)
    sub = hub.subscribe("c1/screen")
    state = {"n": 0}
    for n in range(1, 51):           # 50 changes within one turn of the loop: one build, with the newest state
        state["n"] = n
        publisher.soon("c1/screen", lambda: f"state {state['n']}")
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert publisher.conflater.builds == 1 and await asyncio.wait_for(sub.get(), 0.001) == "state 50"
    state["n"] = 51                  # a lone change right after: no fixed floor (the old 0.12 s timer)
    publisher.soon("c1/screen", lambda: f"state {state['n']}")
    for _ in range(5):
        await asyncio.sleep(0)
    assert publisher.conflater.builds == 2 and await asyncio.wait_for(sub.get(), 0.001) == "state 51"


def test_one_frame_per_snapshot_whatever_the_number_of_sockets_and_windows():
    m = Message(json.dumps({"type": "state", "pad": "屏" * 2000}, ensure_ascii=False))
    first = m.frame(12)
    assert all(m.frame(12) is first for _ in range(1000)), "the same bytes object for every socket"
    assert m.frame(None) is m.frame(None) and m.builds == 2
    assert first[0] == 0xC1, "FIN + RSV1 (compressed) + text"
    n, body = first[1] & 0x7F, first[2:]
    if n == 126:
        n, body = int.from_bytes(first[2:4], "big"), first[4:]
    assert len(body) == n < len(m.data)
    assert zlib.decompressobj(-12).decompress(body + b"\x00\x00\xff\xff").decode() == m.text
    small = Message('{"type":"ping"}')
    assert small.frame(12) == b"\x81\x0f" + small.data, "tiny messages go out plain"


# ------------------------------------------------------------------ over a real server

def test_screen_sockets_get_no_send_task_each_and_share_one_compressed_frame(live_server, monkeypatch):
    compressed = []
    real = frames.deflate
    monkeypatch.setattr(frames, "deflate", lambda data, bits: compressed.append(len(data)) or real(data, bits))
    path = screen_path(live_server)
    project, judges = open_scoring(live_server)
    with contextlib.ExitStack() as stack:
        def open_(**kw):
            return stack.enter_context(connect(ws_url(live_server, path), open_timeout=5, **kw))
        plain = [open_(compression=None) for _ in range(10)]
        deflating = [open_() for _ in range(20)]   # permessage-deflate (the websockets client's default)
        for ws in plain + deflating:
            assert recv_state(ws)["role"] == "screen"
        before = on_server_loop(live_server, lambda: len(asyncio.all_tasks()))
        more = [open_() for _ in range(20)]
        for ws in more:
            recv_state(ws)
        after = on_server_loop(live_server, lambda: len(asyncio.all_tasks()))
        # one task per connection is uvicorn's own (it runs the handler); there is no send task per socket
        assert after - before <= 20, (before, after)
        deflating += more
        compressed.clear()
        with live_server.api() as api:
            assert submit(api, judges[0], project).status_code == 200
        for ws in plain + deflating:
            snap = recv_state(ws)
            while snap["progress"]["submitted"] < 1:
                snap = recv_state(ws)
        assert len(compressed) == 1, f"one compression for 40 deflating sockets, not {len(compressed)}"


def test_watchers_get_the_small_public_snapshot_coalesced_and_the_screen_every_change(live_server):
    project, judges = open_scoring(live_server)
    with connect(ws_url(live_server, screen_path(live_server, "watch")), open_timeout=5) as watcher, \
            connect(ws_url(live_server, screen_path(live_server)), open_timeout=5) as screen:
        first_watch, first_screen = recv_state(watcher), recv_state(screen)
        assert first_watch["role"] == "watch" and first_screen["role"] == "screen"
        assert len(json.dumps(first_watch, ensure_ascii=False)) < len(json.dumps(first_screen, ensure_ascii=False))
        assert all(set(o) <= {"id", "name", "position", "status"} for o in first_watch["order"])
        hub = live_server.app.state.hub
        watch_builds = live_server.app.state.publisher.watchers.builds
        with live_server.api() as api:
            for j in judges:
                assert submit(api, j, project).status_code == 200
        n = len(judges)
        got = first_watch
        while got["progress"]["submitted"] < n:   # the last one shows every submission
            got = recv_state(watcher)
        s = first_screen
        while s["progress"]["submitted"] < n:
            s = recv_state(screen)
        # the screen: built on completion, so one build per submission at most; watchers: a few a second
        watchers = live_server.app.state.publisher.watchers
        assert watchers.builds - watch_builds < n, (watchers.builds - watch_builds, n)
        assert got["progress"] == s["progress"] == {"submitted": n, "expected": n}


def raw_watcher(server, path: str) -> socket.socket:
    """A phone that completes the handshake (asking for deflate) and then never reads a byte."""
    host, port = server.url.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0], head
    return s


def test_a_judge_is_acknowledged_while_watchers_never_read_and_they_keep_only_the_newest(live_server):
    project, judges = open_scoring(live_server)
    stuck = [raw_watcher(live_server, screen_path(live_server)) for _ in range(3)]
    try:
        hub = live_server.app.state.hub
        ports = {s.getsockname()[1] for s in stuck}

        def small_buffers():   # the server's kernel buffer for these three as small as a crowded Wi-Fi's
            n = 0
            for sink in hub._subs["c1/screen"]:
                sock = sink.proto.transport.get_extra_info("socket")
                if sock.getpeername()[1] in ports:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
                    n += 1
            return n
        assert on_server_loop(live_server, small_buffers) == 3
        with connect(ws_url(live_server, screen_path(live_server)), open_timeout=5) as healthy:
            recv_state(healthy)
            with live_server.api() as api:
                for _ in range(4):   # ~100 screen snapshots of ~6 KB: far more than a stuck socket's buffers
                    for j in judges:
                        r = submit(api, j, project)
                        assert r.status_code == 200 and r.json()["status"] == "saved"
            snap = recv_state(healthy)
            while snap["progress"]["submitted"] < len(judges) or snap["seq"] < r.json()["seq"]:
                snap = recv_state(healthy)   # the reading screen is up to date although three never read

            def stuck_sinks():   # the three that never read (a reading one may skip too: newest wins in the queue)
                sinks = [s for s in hub._subs["c1/screen"] if isinstance(s, fanout.Sink)
                         and s.proto.transport.get_extra_info("socket").getpeername()[1] in ports]
                return [(s.proto.transport.get_write_buffer_size(), s.skipped,
                         json.loads(s.pending.text)["seq"] if s.pending else None) for s in sinks]
            sinks = on_server_loop(live_server, stuck_sinks)
            assert len(sinks) == 3, sinks
            for buffered, skipped, pending_seq in sinks:
                assert buffered < fanout.HIGH_WATER + 16 * 1024, "bounded: one snapshot over the high-water mark"
                assert skipped > 0 and pending_seq == snap["seq"], "newest wins: it waits with the latest state"
            # the phone reads again: once its buffer drains it gets that newest snapshot, without any new change
            phone, got, want = stuck[0], b"", f'"seq":{snap["seq"]},'.encode()
            phone.settimeout(10)
            while want not in got[-200_000:]:
                chunk = phone.recv(65536)
                assert chunk, "the server closed the slow phone instead of catching it up"
                got += chunk
    finally:
        for s in stuck:
            s.close()


def closed_with(url: str) -> tuple[int, str]:
    with connect(url, open_timeout=5) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=5)
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_screen_link_sockets_are_capped_per_link_and_per_address_with_4503(tmp_path):
    server = LiveServer(str(tmp_path / "caps.db"))
    server.app.state.socket_caps = (3, 2)    # per screen link, per address (loopback is one address)
    with server:
        url = ws_url(server, screen_path(server))
        a, b = connect(url, open_timeout=5, legacy=True), connect(url + "?view=watch", open_timeout=5, legacy=True)
        recv_state(a), recv_state(b)
        code, reason = closed_with(url)
        assert code == 4503 and "请稍后再试" in reason and "try again later" in reason
        server.app.state.socket_caps = (2, 10)
        assert closed_with(url + "?view=watch")[0] == 4503, "the link's cap counts watchers and screens together"
        b.close()
        server.app.state.socket_caps = (3, 2)
        for _ in range(50):                      # the closed one's slot comes back
            if server.app.state.hub.count("c1/watch") == 0:
                break
            asyncio.run(asyncio.sleep(0.05))
        with connect(url, open_timeout=5) as c:
            assert recv_state(c)["role"] == "screen"
        a.close()


def test_a_quiet_screen_socket_gets_heartbeats_and_pongs_through_its_sink(live_server, monkeypatch):
    monkeypatch.setattr(fanout, "HEARTBEAT_SECONDS", 0.3)
    with connect(ws_url(live_server, screen_path(live_server, "watch")), open_timeout=5) as ws:
        assert recv_state(ws)["role"] == "watch"
        assert json.loads(ws.recv(timeout=5)) == {"type": "ping"}, "nothing changed: a heartbeat, not silence"
        ws.send('{"type":"ping"}')
        msg = json.loads(ws.recv(timeout=5))
        while msg == {"type": "ping"}:
            msg = json.loads(ws.recv(timeout=5))
        assert msg == {"type": "pong"}
