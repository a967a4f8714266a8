"""The publisher: after each commit, which snapshots to build, when, and for whom; built snapshots go to the
hub as plain text.

What it does: the service (:mod:`judging.app.service`) tells it that a contest changed; it builds each
channel's snapshot (:mod:`judging.live.snapshots`), encodes it once (:func:`encode`) and hands the text to the
hub (:meth:`judging.live.hub.Hub.publish`).  When to build, per kind of channel:

* judges' phones: at once (a judge must see their own submission);
* the big screen (``…/screen``): on completion (:class:`Conflater`): a lone change is built at the next
  turn of the event loop; changes arriving while a build is due are folded into it, and the next build
  waits at least as long as the last build and fan-out took (at most half the loop goes to it);
* watchers (``…/watch``, phones following the screen) and audience phones: at a person's reading rate, at
  most one build per ``watch_seconds`` (:class:`Coalescer`), never inside the request that caused it (the
  judge is acknowledged first);
* the consoles (close to a megabyte for a 300-judge contest) at most once per ``coalesce_seconds``.

Every build reads the state when it runs, so it shows every change requested before it: nothing is lost,
only intermediate states are skipped; nothing is built for a channel without clients.  Presence (which
judges' phones are connected, for the console) is worked out here from the hub's channels and passed to
the snapshot builders.

What it does not do: decide anything, write anything, or talk to sockets (the hub and :mod:`judging.web`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable

from judging.core import roles
from judging.live import audience_views
from judging.live import snapshots as views
from judging.live.hub import Hub

if TYPE_CHECKING:
    from judging.app.service import Service

log = logging.getLogger("judging.live.publisher")


def encode(snapshot: dict) -> str:
    """A snapshot as the text sent on the wire: serialised once, however many sockets receive it."""
    return json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class Coalescer:
    """At most one build per key every ``interval`` seconds.  The first request after a quiet spell builds
    at once (no added latency for a lone change); requests within the interval after a build are merged
    into one build at the interval's end.  The build reads the state when it runs, so it shows every change
    requested before it.  Outside a running event loop (scripts) every request builds at once.

    ``after_caller=True``: "at once" means at the next turn of the event loop instead of inside the
    request, so a judge whose submit happens to be the first after a quiet spell gets the acknowledgement
    before the build and fan-out to thousands of phones (bench/README.md, *hall*), not after them."""

    def __init__(self, interval: float, after_caller: bool = False) -> None:
        self.interval = interval
        self.after_caller = after_caller
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
        if wait <= 0 and self.after_caller:
            self._pending[key] = loop.call_soon(self._run, key, build, loop)
        elif wait <= 0:
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


class Publisher:
    """Builds and hands over the snapshots of the contests of one service (see the module's docstring)."""

    def __init__(self, hub: Hub, coalesce_seconds: float = 0.12, watch_seconds: float = 0.25) -> None:
        self.hub = hub
        self.coalescer = Coalescer(coalesce_seconds)   # consoles
        self.watchers = Coalescer(watch_seconds, after_caller=True)   # phones following the big screen
        self.conflater = Conflater()                   # the big screen itself
        self.closed: set[str] = set()                  # deleted contests (close_contest)
        self.ballots = Coalescer(watch_seconds)        # what an audience ballot changes (screen, console)

    # ------------------------------------------------------------ what the service calls after a commit
    def contest(self, svc: "Service", cid: str, judges: Iterable[str] | None = None) -> None:
        """Every channel of the contest (judge channels: only ``judges`` if given)."""
        self.screen(svc, cid)
        self.audience(svc, cid)
        self.judges(svc, cid, judges)

    def judges(self, svc: "Service", cid: str, judges: Iterable[str] | None = None) -> None:
        """The consoles and the judges' phones (only ``judges`` if given), not the big screen."""
        rt = svc.runtimes[cid]
        self.console(svc, cid)
        only = set(judges) if judges is not None else None
        for j in rt.contest.judges:
            if only is not None and j.id not in only:
                continue
            channel = f"{cid}/judge/{j.id}"
            if self.hub.has_subscribers(channel):
                self.hub.publish(channel, encode(views.judge(svc, rt, j)))

    def screen(self, svc: "Service", cid: str) -> None:
        """The big screen (built when the last fan-out is done) and the phones following it (a few a second)."""
        self.soon(f"{cid}/screen", lambda: encode(views.screen(svc, svc.runtimes[cid])))
        self.soon(f"{cid}/watch", lambda: encode(views.watch(svc, svc.runtimes[cid])))

    def audience(self, svc: "Service", cid: str) -> None:
        """The audience's phones (``…/audience``), at most 4 snapshots a second like the watchers."""
        self.soon(f"{cid}/audience", lambda: encode(audience_views.audience(svc, svc.runtimes[cid])))

    def ballot(self, svc: "Service", cid: str) -> None:
        """After an audience ballot: the phones, and the screen and consoles at most 4 times a second (a
        hall voting must not rebuild the big screen per ballot)."""
        self.audience(svc, cid)
        self.ballots.request(cid, lambda: (self.screen(svc, cid), self.console(svc, cid)))

    def console(self, svc: "Service", cid: str) -> None:
        """Also when a judge's phone connects or disconnects (the console shows who is connected).  The
        organizer's consoles (``…/console``) and each staff role's (``…/console/<role>``, the snapshot filtered
        by :func:`judging.core.roles.console_for`) share one build."""
        channels = [f"{cid}/console", *(f"{cid}/console/{r}" for r in roles.STAFF_ROLES)]
        if not any(self.hub.has_subscribers(ch) for ch in channels):
            return

        def run() -> None:
            live = [(ch, role) for ch, role in zip(channels, (roles.ORGANIZER, *roles.STAFF_ROLES))
                    if self.hub.has_subscribers(ch)]
            if not live or cid in self.closed or cid not in svc.runtimes:  # deleted meanwhile: nothing to build
                return
            snap = views.console(svc, svc.runtimes[cid], self.presence(cid))
            for ch, role in live:
                self.hub.publish(ch, encode(roles.console_for(role, snap)))
        self.coalescer.request(f"{cid}/console", run)

    def close_judge(self, cid: str, judge: str) -> None:
        self.hub.close_channel(f"{cid}/judge/{judge}")

    def close_contest(self, cid: str) -> None:
        """A deleted contest: every socket of it (judges, screens, watchers, consoles) is told to go."""
        self.closed.add(cid)  # nothing is built for it any more (its id is never used again)
        for channel in self.hub.channels(f"{cid}/"):
            self.hub.close_channel(channel)

    # ------------------------------------------------------------ presence and scheduling
    def presence(self, cid: str) -> frozenset[str]:
        """The judges of contest ``cid`` with a phone connected now."""
        prefix = f"{cid}/judge/"
        return frozenset(ch[len(prefix):] for ch in self.hub.channels(prefix))

    def scheduler(self, channel: str) -> "Coalescer | Conflater":
        if channel.endswith("/screen"):
            return self.conflater
        if channel.endswith(("/watch", "/audience")):
            return self.watchers
        return self.coalescer

    def soon(self, channel: str, build: Callable[[], Any]) -> None:
        """Publish ``build()`` to ``channel`` when its scheduler says: one build for any number of requests in
        between, from the newest state.  Nothing is built without clients, also when they left while the
        build was due."""
        if not self.hub.has_subscribers(channel) or channel.split("/", 1)[0] in self.closed:
            return

        def run() -> None:
            if self.hub.has_subscribers(channel) and channel.split("/", 1)[0] not in self.closed:
                self.hub.publish(channel, build())
        self.scheduler(channel).request(channel, run)

    def pending(self, channel: str) -> bool:
        return self.scheduler(channel).pending(channel)
