"""The application layer's front door: every change to a contest goes through a :class:`Service`.

Data flows one way: a handler calls a method here -> the pure core decides (:mod:`judging.core.model`,
:mod:`judging.core.contest`, :mod:`judging.core.engine`) -> the repository writes it, with its audit entry, in
one transaction of the store (:mod:`judging.storage.repository`) -> memory is updated -> the publisher sends
fresh snapshots.  Nothing is published or acknowledged before the commit.

The commands live in their own modules, each a part of the service: setup (:mod:`judging.app.setup_commands`),
the evening (:mod:`judging.app.evening`), marks (:mod:`judging.app.marks`), paper marks (:mod:`judging.app.paper`),
archive import (:mod:`judging.app.archive_import`), the lifecycle: duplicate, rehearsal and reset, delete
(:mod:`judging.app.lifecycle`).  This module keeps what they share: the contests in memory
(:mod:`judging.app.runtime`), the start-up load, the look-ups by link token, the snapshot numbers and the
hand-over to the publisher (anything with the :class:`Publishes` methods, e.g.
:class:`judging.live.publisher.Publisher`; without one nothing is published: scripts, exports).

What it does not do: HTTP, sockets or HTML (:mod:`judging.web`), build snapshots (:mod:`judging.live`), SQL
(:mod:`judging.storage.repository`).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from typing import Iterable, Protocol

from judging.app.archive_command import ArchiveImport
from judging.app.brand import BrandCommands, load_brands
from judging.app.audience import AudienceCommands
from judging.app.errors import Conflict, Invalid, NotFound
from judging.app.evening import EveningCommands
from judging.app.lifecycle import LifecycleCommands
from judging.app.marks import MarkCommands
from judging.app.paper import PaperCommands
from judging.app.runtime import (RECENT_SECONDS, LastChange, MarkSet, Runtime, SnapshotSequence, compute_results,
                                 is_closed)
from judging.app.setup_commands import RULES_DIR, SetupCommands, load_preset, presets
from judging.app.stages import StageCommands
from judging.core.model import Judge
from judging.storage import repository as repo
from judging.storage.store import Store

__all__ = ["Service", "Publishes", "NotFound", "Conflict", "Invalid", "MarkSet", "Runtime", "LastChange",
           "SnapshotSequence", "RECENT_SECONDS", "compute_results", "is_closed", "load_preset", "presets",
           "RULES_DIR"]

log = logging.getLogger("judging")


class Publishes(Protocol):
    """What the service hands its changes to, after each commit (:class:`judging.live.publisher.Publisher`)."""

    def contest(self, svc: "Service", cid: str, judges: Iterable[str] | None = None) -> None: ...
    def judges(self, svc: "Service", cid: str, judges: Iterable[str] | None = None) -> None: ...
    def screen(self, svc: "Service", cid: str) -> None: ...
    def console(self, svc: "Service", cid: str) -> None: ...
    def close_judge(self, cid: str, judge: str) -> None: ...
    def close_contest(self, cid: str) -> None: ...


class Service(SetupCommands, EveningCommands, MarkCommands, PaperCommands, ArchiveImport, LifecycleCommands,
              StageCommands, BrandCommands,
              AudienceCommands):
    def __init__(self, store: Store, publisher: Publishes | None = None, clock=time.time) -> None:
        self.store, self.publisher, self.clock = store, publisher, clock
        self.runtimes: dict[str, Runtime] = {}
        self.unloadable: dict[str, str] = {}  # contest id -> why it could not be loaded at start
        self._tokens: dict[str, tuple[str, str]] = {}
        self.boot = secrets.token_hex(8)  # this run of the server; seq compares only within one boot
        self.sequence = SnapshotSequence()
        store.on_storage = self._storage_changed

    def _storage_changed(self, full: bool) -> None:
        """The disk filled up (a write was refused) or has room again (a write committed): every console
        shows it at once (snapshots.console ``storage``)."""
        if full:
            log.error("disk full: a write was refused and rolled back (nothing acknowledged is lost)")
        else:
            log.warning("storage has room again: writes are being saved")
        for cid in self.runtimes:
            self.publish_console(cid)

    # ------------------------------------------------------------ loading and looking up
    async def load(self) -> None:
        """Every contest the database holds, as it was committed (a server restarts into the same phase)."""
        stored, self.unloadable = await repo.load_contests(self.store)
        stored = await self.load_stages(stored)  # a season's stages (judging.app.stages)
        for s in stored:
            rt = Runtime(s.contest, s.state, s.marks)
            try:
                self._recompute(rt)
            except (ValueError, KeyError, TypeError) as e:  # left out like a contest whose rows do not load
                self.unloadable[s.contest.id] = f"{type(e).__name__}: {e}"
                log.error("contest %s could not be loaded and is left out: %s", s.contest.id, e)
                continue
            self.runtimes[s.contest.id] = rt
        await self.load_paper()
        await self.load_lifecycle()  # the rehearsal flags (judging.app.lifecycle)
        await load_brands(self.store, self.runtimes)
        await self.load_audience()  # the audience's ballots count in the results: recomputed with them
        self._index_tokens()

    def get(self, cid: str) -> Runtime:
        rt = self.runtimes.get(cid)
        if rt is None:
            raise NotFound(f"没有这个大赛 / no contest {cid!r}")
        return rt

    def by_judge_token(self, token: str) -> tuple[Runtime, Judge] | None:
        """The judge a link token belongs to.  Looked up by a hash of the token, so the
        lookup costs the same whoever asks and tokens are not kept as dictionary keys."""
        found = self._tokens.get(_token_key(token))
        if found is None:
            return None
        rt = self.runtimes.get(found[0])
        judge = rt.contest.judge(found[1]) if rt else None
        if rt is None or judge is None or not secrets.compare_digest(judge.token, token):
            return None
        return rt, judge

    def _register(self, rt: Runtime) -> None:
        """A new contest becomes visible (and its judges' links valid) once its rows are committed."""
        self.runtimes[rt.contest.id] = rt
        self.adopt_audience(rt)
        self._index_tokens()

    def _index_tokens(self) -> None:
        self._tokens = {_token_key(j.token): (rt.contest.id, j.id)
                        for rt in self.runtimes.values() for j in rt.contest.judges}

    def by_screen_token(self, token: str) -> Runtime | None:
        given = token.encode("utf-8", "surrogatepass")  # compare_digest refuses non-ASCII text (a 500 from a URL)
        for rt in self.runtimes.values():
            if secrets.compare_digest(rt.contest.screen_token.encode(), given):
                return rt
        return None

    def _seq(self) -> int:
        """A snapshot number taken after the commit: every snapshot with a higher seq includes it."""
        return self.sequence.next(self.clock())

    # ------------------------------------------------------------ publishing (only ever after a commit)
    def publish(self, cid: str, judges: Iterable[str] | None = None) -> None:
        """Fresh snapshots for every channel of the contest (judge channels: only ``judges`` if given)."""
        if self.publisher is not None:
            self.publisher.contest(self, cid, judges)

    def publish_judges(self, cid: str, judges: Iterable[str] | None = None) -> None:
        """The consoles and the judges' phones (only ``judges`` if given), not the big screen."""
        if self.publisher is not None:
            self.publisher.judges(self, cid, judges)

    def publish_screen(self, cid: str) -> None:
        """The big screen and the phones following it."""
        if self.publisher is not None:
            self.publisher.screen(self, cid)

    def publish_console(self, cid: str) -> None:
        """Also when a judge's phone connects or disconnects (the console shows who is connected)."""
        if self.publisher is not None:
            self.publisher.console(self, cid)

    def close_judge(self, cid: str, judge: str) -> None:
        """A judge removed from the contest: their open phones are told to go (the link no longer works)."""
        if self.publisher is not None:
            self.publisher.close_judge(cid, judge)


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
