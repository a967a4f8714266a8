"""Fan-out of state snapshots to WebSocket clients, by channel.

What it does: keeps the clients of each channel (strings such as ``"c1/screen"``, ``"c1/watch"``,
``"c1/console"``, ``"c1/judge/E3"``) and offers every published snapshot to each of them, wrapped once in a
:class:`judging.live.frames.Message` (so it is framed, and compressed if at all, once per channel).  A client
is either a :class:`Subscriber` (a one-slot mailbox read by the socket's own send task: judges, consoles,
in-process test clients) or a *sink* (:mod:`judging.web.fanout`: the frame is written straight to the
socket's transport, no task wakes up per message; big screens and watchers on a real server).  Both keep
only the newest snapshot for a client that cannot take it yet: a slow client skips ahead and never makes
anyone else wait.

When to build (:meth:`Hub.publish_soon`), per kind of channel:

* the big screen (``…/screen``): on completion (:class:`Conflater`): a lone change is built at the next
  turn of the event loop; changes arriving while a build is due are folded into it, and the next build
  waits at least as long as the last build and fan-out took (at most half the loop goes to it);
* watchers (``…/watch``, phones following the screen): at a person's reading rate, at most one build per
  ``watch_seconds`` (:class:`Coalescer`);
* the rest (the consoles: close to a megabyte for a 300-judge contest) at most once per
  ``coalesce_seconds``.

Every build reads the state when it runs, so it shows every change requested before it: nothing is lost,
only intermediate states are skipped.

What it does not do: build snapshots (:mod:`judging.live.snapshots`) or talk to sockets
(:mod:`judging.web.sockets`, :mod:`judging.web.fanout`).  A Redis-backed hub would keep this interface.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import defaultdict
from typing import Any, Callable

from judging.live.frames import Message

log = logging.getLogger("judging.live.hub")


CLOSE = object()  # offered to a channel whose clients must go (e.g. a judge removed from the contest)


class Subscriber:
    """One client's mailbox: at most one pending message, the newest (a pending CLOSE stays)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._latest: Any = None
        self._has = asyncio.Event()
        self.delivered = 0
        self.skipped = 0  # snapshots replaced before the client took them

    def offer(self, message: Any) -> None:
        if isinstance(message, Message):
            message = message.text
        if self._latest is CLOSE:
            return
        if self._has.is_set():
            self.skipped += 1
        self._latest = message
        self._has.set()

    async def get(self) -> Any:
        await self._has.wait()
        self._has.clear()
        message, self._latest = self._latest, None
        self.delivered += 1
        return message


class Coalescer:
    """At most one build per key every ``interval`` seconds.  The first request after a quiet spell builds
    at once (no added latency for a lone change); requests within the interval after a build are merged
    into one build at the interval's end.  The build reads the state when it runs, so it shows every change
    requested before it.  Outside a running event loop (scripts) every request builds at once."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self.builds = 0  # how many builds ran (for tests and benchmarks)

    def request(self, key: str, build: Callable[[], None]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.interval <= 0:
            self._run(key, build, None)
            return
        if key in self._pending:  # a build is already due: it will read the newest state
            return
        wait = self._last.get(key, -math.inf) + self.interval - loop.time()
        if wait <= 0:
            self._run(key, build, loop)
        else:
            self._pending[key] = loop.call_later(wait, self._run, key, build, loop)

    def pending(self, key: str) -> bool:
        return key in self._pending

    def _run(self, key: str, build: Callable[[], None], loop: asyncio.AbstractEventLoop | None) -> None:
        self._pending.pop(key, None)
        if loop is not None:
            self._last[key] = loop.time()
        self.builds += 1
        try:
            build()
        except Exception:  # a failed build must not stop later ones (the next change publishes again)
            log.exception("building %s failed", key)


class Conflater:
    """Build on completion: the first request schedules one build at the next turn of the event loop (no
    fixed delay), later requests before it runs are folded into it (it reads the newest state), and the
    next build starts no sooner than the last one took (build + fan-out), so a channel gets at most half
    the loop however fast changes come.  Outside a running event loop every request builds at once."""

    def __init__(self) -> None:
        self._due: dict[str, asyncio.Handle] = {}
        self._ready_at: dict[str, float] = {}
        self.builds = 0

    def request(self, key: str, build: Callable[[], None]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._run(key, build, None)
            return
        if key in self._due:
            return
        wait = self._ready_at.get(key, -math.inf) - loop.time()
        self._due[key] = (loop.call_later(wait, self._run, key, build, loop) if wait > 0
                          else loop.call_soon(self._run, key, build, loop))

    def pending(self, key: str) -> bool:
        return key in self._due

    def _run(self, key: str, build: Callable[[], None], loop: asyncio.AbstractEventLoop | None) -> None:
        self._due.pop(key, None)
        self.builds += 1
        started = time.perf_counter()
        try:
            build()
        except Exception:
            log.exception("building %s failed", key)
        if loop is not None:
            self._ready_at[key] = loop.time() + (time.perf_counter() - started)


class Hub:
    def __init__(self, coalesce_seconds: float = 0.12, watch_seconds: float = 0.25) -> None:
        self._subs: dict[str, set[Any]] = defaultdict(set)
        self.coalescer = Coalescer(coalesce_seconds)   # consoles
        self.watchers = Coalescer(watch_seconds)       # phones following the big screen
        self.conflater = Conflater()                   # the big screen itself
        self.messages = 0  # snapshots wrapped (one per publish, whatever the number of sockets)

    def scheduler(self, channel: str) -> Coalescer | Conflater:
        if channel.endswith("/screen"):
            return self.conflater
        if channel.endswith("/watch"):
            return self.watchers
        return self.coalescer

    def publish_soon(self, channel: str, build: Callable[[], Any]) -> None:
        """Publish ``build()`` to ``channel`` when its scheduler says (see the module's docstring): one build
        for any number of requests in between, from the newest state.  Nothing is built without
        subscribers, also when they left while the build was due."""
        if not self.has_subscribers(channel):
            return

        def run() -> None:
            if self.has_subscribers(channel):
                self.publish(channel, build())
        self.scheduler(channel).request(channel, run)

    def pending(self, channel: str) -> bool:
        return self.scheduler(channel).pending(channel)

    def subscribe(self, channel: str) -> Subscriber:
        sub = Subscriber(channel)
        self._subs[channel].add(sub)
        return sub

    def attach(self, sink: Any) -> None:
        """Add a sink (an object with ``channel`` and ``offer(message)``, see :mod:`judging.web.fanout`)."""
        self._subs[sink.channel].add(sink)

    def unsubscribe(self, sub: Any) -> None:
        subs = self._subs.get(sub.channel)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.channel]

    def publish(self, channel: str, message: Any) -> int:
        """Offer ``message`` to every client of ``channel``; returns how many.  Text is wrapped once in a
        :class:`Message`, whose frame bytes every sink of the channel shares."""
        subs = self._subs.get(channel)
        if not subs:
            return 0
        if isinstance(message, str):
            message = Message(message)
            self.messages += 1
        for sub in tuple(subs):  # a sink may leave (unsubscribe) while offered
            sub.offer(message)
        return len(subs)

    def close_channel(self, channel: str) -> int:
        """Tell every client of ``channel`` to disconnect (its socket closes with 4401); returns how many."""
        return self.publish(channel, CLOSE)

    def has_subscribers(self, channel: str) -> bool:
        return bool(self._subs.get(channel))

    def count(self, prefix: str = "") -> int:
        return sum(len(s) for ch, s in self._subs.items() if ch.startswith(prefix))

    def channels(self, prefix: str = "") -> list[str]:
        return [ch for ch in self._subs if ch.startswith(prefix)]
