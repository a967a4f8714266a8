"""Fast fan-out to many sockets: frames written straight to each socket's transport, a slice at a time.

What it does: on a real uvicorn server (its ``websockets-sansio`` implementation, uvicorn's default),
:class:`Sink` is a hub client (see :mod:`judging.live.hub`) that writes the channel's shared frame bytes
(:mod:`judging.live.frames`) to the socket's transport: no task, no event, no per-socket JSON, framing or
compression.  Every data frame of such a socket goes through its sink (the first snapshot, heartbeats,
pongs), which is what lets one compressed frame serve every socket of a channel.

A published snapshot is not written inside ``publish``: each sink keeps it (the newest only) and joins one
queue, which :class:`_Writer` empties in slices of at most ``SLICE_SECONDS`` per turn of the event loop,
letting anything else that is ready run first (a judge's request, a database result).  Writing one frame
is a ``send`` system call (~10-15 us on loopback); 3,000 phones in one go held the loop for 40-150 ms, and
a judge's request arriving meanwhile waited for all of it (bench/README.md, *hall*).  Now it waits for one
slice at most.  A socket whose transport already holds ``HIGH_WATER`` unsent bytes (a phone that stopped
reading, a crowded Wi-Fi) keeps only the newest snapshot aside and is queued again when its buffer has
drained (checked every ``RETRY_SECONDS`` while any socket waits): memory per client stays bounded and
nobody else waits.  One timer sends the ``{"type":"ping"}`` heartbeat to sockets idle for
``HEARTBEAT_SECONDS``; pings and pongs (a few bytes) are written at once.  Control frames (protocol pings,
close) stay with uvicorn.

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
from collections import deque
from typing import Any, Callable

from judging.live.frames import Message
from judging.live.hub import CLOSE

log = logging.getLogger("judging.fanout")

HIGH_WATER = 64 * 1024    # unsent bytes above which a socket gets only the newest snapshot, later
RETRY_SECONDS = 0.05
SLICE_SECONDS = 0.001     # the longest the writer holds the event loop in one turn
MAX_YIELDS = 8            # turns in a row the writer lets other ready callbacks go first, then writes anyway
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
        waiting, self.waiting = self.waiting, set()
        for sink in waiting:   # back into the writer's queue (a sink still full comes back here)
            sink.enqueue()

    def _heartbeat(self) -> None:
        self._beat = None
        idle_since = time.monotonic() - HEARTBEAT_SECONDS * 0.9
        for sink in list(self.live):
            if sink.last_write < idle_since:
                sink.offer(PING)
        if self.live:
            self._beat = asyncio.get_running_loop().call_later(HEARTBEAT_SECONDS, self._heartbeat)


_timers = _Timers()


class _Writer:
    """The queue of sinks holding a frame to write, emptied a slice at a time (see the module docstring).

    A turn of the event loop in which other callbacks are ready (``loop._ready``, the ready queue of
    asyncio's own loops) is left to them, up to ``MAX_YIELDS`` turns in a row; then the writer writes for
    ``SLICE_SECONDS`` and yields again.  Sockets are written in the order their snapshots came."""

    def __init__(self) -> None:
        self.queue: deque[Sink] = deque()
        self._handle: asyncio.Handle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._yields = 0
        self.slices = 0   # turns that wrote (tests, benchmarks)

    def add(self, sink: "Sink") -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:   # a new event loop (a restarted server in the same process): start afresh
            self._loop, self._handle, self.queue = loop, None, deque()
        self.queue.append(sink)
        if self._handle is None:
            self._handle = loop.call_soon(self._drain)

    def _drain(self) -> None:
        loop = self._loop
        self._handle = None
        if getattr(loop, "_ready", None) and self._yields < MAX_YIELDS:
            self._yields += 1   # something else is waiting for the loop: it goes first
            self._handle = loop.call_soon(self._drain)
            return
        self._yields = 0
        self.slices += 1
        queue, n = self.queue, 0
        deadline = time.perf_counter() + SLICE_SECONDS
        while queue:
            sink = queue.popleft()
            sink.queued = False
            sink.flush()
            n += 1
            if not n & 15 and time.perf_counter() >= deadline:
                break
        if queue:
            self._handle = loop.call_soon(self._drain)


_writer = _Writer()


class Sink:
    """One socket of a channel, written to directly.  ``offer`` never blocks and never awaits."""

    __slots__ = ("channel", "proto", "window_bits", "pending", "ready", "queued", "last_write", "written",
                 "skipped", "on_close", "__weakref__")

    def __init__(self, channel: str, proto: Any, on_close: Callable[[], None]) -> None:
        self.channel, self.proto, self.on_close = channel, proto, on_close
        self.window_bits = _window_bits(proto)
        self.pending: Message | None = None
        self.ready = False  # until the first snapshot has been written: later ones wait aside
        self.queued = False  # in the writer's queue
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
        """Keep ``message`` (the newest wins) and join the writer's queue; a ping or pong goes out at once
        (or is dropped when a snapshot is already on its way: that is a sign of life too)."""
        if message is CLOSE:
            self.on_close()
            return
        if message is PING or message is PONG:
            if self.pending is not None:
                return
            if self.ready and self.open() and self.proto.transport.get_write_buffer_size() < HIGH_WATER:
                self._write(message)
                return
        elif self.pending is not None and self.pending is not PING and self.pending is not PONG:
            self.skipped += 1
        self.pending = message
        if self.ready:
            self.enqueue()

    def enqueue(self) -> None:
        if not self.queued:
            self.queued = True
            _writer.add(self)

    def flush(self) -> None:
        """Write the kept message now if the socket's buffer has room, else wait for the retry timer."""
        if self.pending is None or not self.open():
            _timers.waiting.discard(self)
            self.pending = None if not self.open() else self.pending
            return
        if self.proto.transport.get_write_buffer_size() < HIGH_WATER:
            message, self.pending = self.pending, None
            _timers.waiting.discard(self)
            self._write(message)
        elif self.ready:
            _timers.wait(self)

    def _write(self, message: Message) -> None:
        if not self.open():
            return
        self.proto.transport.write(message.frame(self.window_bits))
        self.written += 1
        self.last_write = time.monotonic()
