"""Fan-out of messages to WebSocket clients, by channel: a channel -> bytes distributor.

What it does: keeps the clients of each channel (strings such as ``"c1/screen"``, ``"c1/watch"``,
``"c1/console"``, ``"c1/judge/E3"``) and offers every published message to each of them, wrapped once in a
:class:`judging.live.frames.Message` (so it is framed, and compressed if at all, once per channel).  A client
is either a :class:`Subscriber` (a one-slot mailbox read by the socket's own send task: judges, consoles,
in-process test clients) or a *sink* (:mod:`judging.web.fanout`: the frame is written straight to the
socket's transport, no task wakes up per message; big screens and watchers on a real server).  Both keep
only the newest message for a client that cannot take it yet: a slow client skips ahead and never makes
anyone else wait.

Its interface is plain data -- ``publish(channel, message)``, ``subscribe`` / ``attach`` / ``unsubscribe``,
``channels(prefix)`` -- so a pub/sub server (Redis, NATS) could back it: nothing here calls back into the
application.

What it does not do: decide when to build or build snapshots (:mod:`judging.live.publisher`,
:mod:`judging.live.snapshots`), or talk to sockets (:mod:`judging.web.sockets`, :mod:`judging.web.fanout`).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from judging.live.frames import Message

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


class Hub:
    """Channels of messages.  A message is plain data: text (one encoded snapshot, wrapped once in a
    :class:`Message` whose frame bytes every sink shares) or :data:`CLOSE`."""

    def __init__(self) -> None:
        self._subs: dict[str, set[Any]] = defaultdict(set)
        self.messages = 0  # messages wrapped (one per publish, whatever the number of sockets)

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

    def publish(self, channel: str, message: str | bytes | Message | object) -> int:
        """Offer ``message`` to every client of ``channel``; returns how many.  Text (or UTF-8 bytes) is
        wrapped once in a :class:`Message`, whose frame bytes every sink of the channel shares."""
        subs = self._subs.get(channel)
        if not subs:
            return 0
        if isinstance(message, bytes):
            message = message.decode("utf-8")
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
        """The channels that have clients now (plain data: what presence is computed from)."""
        return [ch for ch in self._subs if ch.startswith(prefix)]
