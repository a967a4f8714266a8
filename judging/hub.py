"""Fan-out of state snapshots to WebSocket clients, by channel.

What it does: keeps, per connected client, a one-slot mailbox that always holds
the newest snapshot for its channel (a bounded queue with conflation): a slow
client skips straight to the latest state and never makes anyone else wait.
Channels are strings such as ``"c1/screen"``, ``"c1/console"``, ``"c1/judge/E3"``.

What it does not do: build snapshots (:mod:`judging.views`) or talk to sockets
(:mod:`judging.web.sockets`).  A Redis-backed hub would keep this interface.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any


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


class Hub:
    def __init__(self) -> None:
        self._subs: dict[str, set[Subscriber]] = defaultdict(set)

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
