"""Fan-out of state snapshots to WebSocket clients, by channel.

What it does: keeps, per connected client, a one-slot mailbox that always holds
the newest snapshot for its channel (a bounded queue with conflation): a slow
client skips straight to the latest state and never makes anyone else wait.
Channels are strings such as ``"c1/screen"``, ``"c1/console"``, ``"c1/judge/E3"``.

It also rate-limits the expensive channels (:meth:`Hub.publish_soon`): the console snapshot of a
300-judge contest is close to a megabyte, and rebuilding it for every one of 300 submissions (or 300
phones reconnecting after a Wi-Fi blip) would keep the event loop busy for seconds.  A channel is built
at once when it was quiet, else once at the end of its interval, from the newest state: nothing is lost,
only intermediate states are skipped, as the mailboxes skip them anyway.

What it does not do: build snapshots (:mod:`judging.views`) or talk to sockets
(:mod:`judging.web.sockets`).  A Redis-backed hub would keep this interface.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import defaultdict
from typing import Any, Callable

log = logging.getLogger("judging.hub")


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


class Hub:
    def __init__(self, coalesce_seconds: float = 0.12) -> None:
        self._subs: dict[str, set[Subscriber]] = defaultdict(set)
        self.coalescer = Coalescer(coalesce_seconds)

    def publish_soon(self, channel: str, build: Callable[[], Any]) -> None:
        """Publish ``build()`` to ``channel`` now if it was quiet for the coalescing interval, else once at the
        interval's end (one build for any number of requests in between).  Nothing is built without
        subscribers, also when they left while the build was due."""
        if not self.has_subscribers(channel):
            return

        def run() -> None:
            if self.has_subscribers(channel):
                self.publish(channel, build())
        self.coalescer.request(channel, run)

    def subscribe(self, channel: str) -> Subscriber:
        sub = Subscriber(channel)
        self._subs[channel].add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self._subs.get(sub.channel)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.channel]

    def publish(self, channel: str, message: Any) -> int:
        """Offer ``message`` to every subscriber of ``channel``; returns how many."""
        subs = self._subs.get(channel, ())
        for sub in subs:
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
