"""When to write a contest's mark checkpoint, so that a restart reads one blob instead of every mark row.

What it does: :class:`Checkpoints` runs beside the server (:meth:`Checkpoints.run`): once the store has been
idle for :data:`IDLE_SECONDS` after a change, every contest with at least :data:`MIN_SETS` mark sets whose
checkpoint is not current gets a new one -- the columns copied under the writer's lock (where memory equals
the database), encoded in a worker thread, stored in a second short write that is dropped if the marks
changed meanwhile.  :meth:`Checkpoints.save_all` does the same at a clean shutdown.  A small contest loads
in milliseconds from its rows and never gets one.

What it does not do: decide whether a checkpoint is current (the revision the triggers keep,
:mod:`judging.storage.repository_checkpoint`), or encode one (:mod:`judging.storage.mark_checkpoint`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from typing import TYPE_CHECKING

from judging.storage import repository_checkpoint as repo
from judging.storage.mark_checkpoint import encode
from judging.storage.chain import StorageFull

if TYPE_CHECKING:
    from judging.app.runtime import Runtime
    from judging.app.service import Service

log = logging.getLogger("judging")

MIN_SETS = 5000      # below this a start reads the rows in well under 50 ms: no checkpoint
IDLE_SECONDS = 3.0   # no write for this long after a change: write the checkpoints that are out of date


class Checkpoints:
    def __init__(self, service: "Service", min_sets: int = MIN_SETS, idle_seconds: float = IDLE_SECONDS) -> None:
        self.service, self.min_sets, self.idle_seconds = service, min_sets, idle_seconds
        self.saved = 0  # checkpoints written (tests and benchmarks)

    async def save(self, rt: "Runtime") -> bool:
        """A current checkpoint of ``rt``'s marks (True when one was written now)."""
        store, cid = self.service.store, rt.contest.id
        async with store.write() as tx:
            if await repo.has_current_checkpoint(tx, cid):
                return False
            rev = await repo.mark_rev(tx, cid)
            columns = rt.marks.copy()  # under the writer's lock: the committed marks, no other write between
        data = await asyncio.to_thread(encode, columns)
        async with store.write() as tx:
            written = await repo.save_checkpoint(tx, cid, rev, len(columns), self.service.clock(), data)
        self.saved += written
        return written

    async def save_all(self) -> int:
        done = 0
        for rt in list(self.service.runtimes.values()):
            if len(rt.marks) < self.min_sets:
                continue
            try:
                done += await self.save(rt)
            except (StorageFull, sqlite3.Error, OSError) as e:  # a checkpoint is only a shortcut: never fatal
                log.warning("contest %s: mark checkpoint not written: %s", rt.contest.id, e)
        return done

    async def run(self, interval: float = 1.0) -> None:
        """For the server's life: after each quiet spell that follows a change, bring the checkpoints up to date."""
        store, seen = self.service.store, self.service.store.commits
        while True:
            await asyncio.sleep(interval)
            if store.commits != seen and store.idle_seconds >= self.idle_seconds:
                await self.save_all()
                seen = store.commits

    async def close(self, task: asyncio.Task | None) -> None:
        """Stop :meth:`run` and write what is out of date (a clean shutdown: the next start is quick)."""
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.save_all()
