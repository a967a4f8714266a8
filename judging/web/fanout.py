"""Fast fan-out to many sockets: frames written straight to each socket's transport.

What it does: on a real uvicorn server (its ``websockets-sansio`` implementation, uvicorn's default),
:class:`Sink` is a hub client (see :mod:`judging.live.hub`) that writes the channel's shared frame bytes
(:mod:`judging.live.frames`) to the socket's transport the moment a snapshot is published: no task, no event,
no per-socket JSON, framing or compression.  Every data frame of such a socket goes through its sink (the
first snapshot, heartbeats, pongs), which is what lets one compressed frame serve every socket of a
channel.  A socket whose transport already holds ``HIGH_WATER`` unsent bytes (a phone that stopped
reading, a crowded Wi-Fi) keeps only the newest snapshot aside, written when its buffer has drained
(checked every ``RETRY_SECONDS`` while any socket waits): memory per client stays bounded and nobody
else waits.  One timer sends the ``{"type":"ping"}`` heartbeat to sockets idle for ``HEARTBEAT_SECONDS``.
Control frames (protocol pings, close) stay with uvicorn.

:class:`RawSend` (an outermost ASGI middleware) remembers the server's own ``send`` in the scope, so a
socket handler can reach its uvicorn protocol object behind the other middlewares.

What it does not do: decide channels or build snapshots (:mod:`judging.web.sockets`).  Servers other than
uvicorn's sansio implementation (the legacy ``websockets`` one, ``wsproto``, the in-process test client)
get no sink: their sockets use the hub's mailbox and a send task as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable

from judging.live.frames import Message
from judging.live.hub import CLOSE

log = logging.getLogger("judging.fanout")

HIGH_WATER = 64 * 1024    # unsent bytes above which a socket gets only the newest snapshot, later
RETRY_SECONDS = 0.05
HEARTBEAT_SECONDS = 10.0
PING = Message('{"type":"ping"}')
PONG = Message('{"type":"pong"}')
RAW_SEND = "judging.raw_send"


class RawSend:
    """Outermost middleware: ``scope["judging.raw_send"]`` = the server's send for WebSocket scopes."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            scope[RAW_SEND] = send
        await self.app(scope, receive, send)


def sansio_protocol(scope: dict) -> Any | None:
    """The uvicorn websockets-sansio protocol object serving this socket, or None."""
    proto = getattr(scope.get(RAW_SEND), "__self__", None)
    conn = getattr(proto, "conn", None)
    if proto is None or conn is None or not hasattr(proto, "transport") or not hasattr(proto, "close_sent"):
        return None
    if not hasattr(conn, "extensions") or not hasattr(conn, "data_to_send"):
        return None
    return proto


def _window_bits(proto: Any) -> int | None:
    """The server's deflate window if the client negotiated permessage-deflate, else None."""
    for ext in proto.conn.extensions:
        if getattr(ext, "name", "") == "permessage-deflate":
            return getattr(ext, "local_max_window_bits", None) or 15
    return None


class _Timers:
    """The one retry timer (sockets waiting for their buffer to drain) and the one heartbeat timer."""

    def __init__(self) -> None:
        self.waiting: set[Sink] = set()
        self.live: set[Sink] = set()
        self._retry: asyncio.TimerHandle | None = None
        self._beat: asyncio.TimerHandle | None = None

    def _same_loop(self) -> None:
        """Timers belong to one event loop; a new one (a restarted server in the same process) starts afresh."""
        loop = asyncio.get_running_loop()
        if getattr(self, "_loop", None) is not loop:
            self._loop = loop
            self._retry = self._beat = None
            self.waiting, self.live = set(), set()

    def wait(self, sink: "Sink") -> None:
        self._same_loop()
        self.waiting.add(sink)
        if self._retry is None:
            self._retry = asyncio.get_running_loop().call_later(RETRY_SECONDS, self._flush)

    def add(self, sink: "Sink") -> None:
        self._same_loop()
        self.live.add(sink)
        if self._beat is None:
            self._beat = asyncio.get_running_loop().call_later(HEARTBEAT_SECONDS, self._heartbeat)

    def remove(self, sink: "Sink") -> None:
        self.live.discard(sink)
        self.waiting.discard(sink)

    def _flush(self) -> None:
        self._retry = None
        for sink in list(self.waiting):
            sink.flush()
        if self.waiting:
            self._retry = asyncio.get_running_loop().call_later(RETRY_SECONDS, self._flush)

    def _heartbeat(self) -> None:
        self._beat = None
        idle_since = time.monotonic() - HEARTBEAT_SECONDS * 0.9
        for sink in list(self.live):
            if sink.last_write < idle_since:
                sink.offer(PING)
        if self.live:
            self._beat = asyncio.get_running_loop().call_later(HEARTBEAT_SECONDS, self._heartbeat)


_timers = _Timers()


class Sink:
    """One socket of a channel, written to directly.  ``offer`` never blocks and never awaits."""

    __slots__ = ("channel", "proto", "window_bits", "pending", "ready", "last_write", "written", "skipped",
                 "on_close", "__weakref__")

    def __init__(self, channel: str, proto: Any, on_close: Callable[[], None]) -> None:
        self.channel, self.proto, self.on_close = channel, proto, on_close
        self.window_bits = _window_bits(proto)
        self.pending: Message | None = None
        self.ready = False  # until the first snapshot has been written: later ones wait aside
        self.last_write = time.monotonic()
        self.written = 0    # frames written
        self.skipped = 0    # snapshots replaced by a newer one before the socket could take them

    def open(self) -> bool:
        p = self.proto
        return not (p.close_sent or p.disconnected or p.transport is None or p.transport.is_closing())

    def start(self, first: Message) -> None:
        """Write the first snapshot, then take published ones (a newer one kept meanwhile goes out now)."""
        _timers.add(self)
        self.ready = True
        self._write(first)
        self.flush()

    def stop(self) -> None:
        self.ready = False
        self.pending = None
        _timers.remove(self)

    def offer(self, message: Any) -> None:
        if message is CLOSE:
            self.on_close()
            return
        if not self.ready or self.proto.transport.get_write_buffer_size() >= HIGH_WATER:
            if self.pending is not None:
                self.skipped += 1
            self.pending = message
            if self.ready:
                _timers.wait(self)
            return
        self._write(message)

    def flush(self) -> None:
        if self.pending is None or not self.open():
            _timers.waiting.discard(self)
            self.pending = None if not self.open() else self.pending
            return
        if self.proto.transport.get_write_buffer_size() < HIGH_WATER:
            message, self.pending = self.pending, None
            _timers.waiting.discard(self)
            self._write(message)

    def _write(self, message: Message) -> None:
        if not self.open():
            return
        self.proto.transport.write(message.frame(self.window_bits))
        self.written += 1
        self.last_write = time.monotonic()
