"""One write transaction of the single writer (:class:`Tx`): its statements, queued to go to SQLite in as few
trips to aiosqlite's thread as can be, and its entries appended to the audit chain.

What it does: statements without an answer (:meth:`Tx.executemany`, the audit rows) wait in a queue and go
with the write's next statement that has one, or at the end of the block, in one trip (:func:`run_steps`); the
audit chain's head is kept by the store in memory, so an entry costs no read.
What it does not do: begin, commit or roll back (that is :class:`judging.storage.store.Store`, which owns the
lock, the group commit and the connection).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Callable

import aiosqlite

from judging.storage.chain import AuditEntry, entry_hash


class Tx:
    """One write transaction; only valid inside :meth:`Store.write`.  ``shared``: a dict common to every
    write of one group commit (empty for a write of its own), for what a later write of the group must
    know of an earlier one before the commit makes it visible in memory.

    Statements without an answer (:meth:`executemany`, the audit rows) are *queued* and go to SQLite with
    the writer's next statement that has one, or at the end of the block, in one trip to aiosqlite's
    thread: a submission costs two trips instead of a dozen, and the writer's lock -- which every judge of
    every hall waits on -- is held that much shorter.  Order is kept; an error of a queued statement is
    raised at that later trip, still inside the block, so the write fails as a whole."""

    def __init__(self, db: aiosqlite.Connection, store: Any, shared: dict | None = None,
                 first: list[str] | None = None) -> None:
        self.db, self.store = db, store
        self.audit_entries: list[AuditEntry] = []
        self._on_commit: list[Callable[[], None]] = []
        self.shared: dict = {} if shared is None else shared
        self._queued: list[tuple[str, Any, bool]] = []
        self._first = [(sql, (), False) for sql in first or ()]  # what it opens with (a SAVEPOINT), on its first trip
        self.started = not self._first  # ... and whether that has run
        self._head_moved = False  # an audit entry was queued since the stored head was last set

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` right after COMMIT, still inside the writer's lock: in-memory state
        changes together with the database, and the next writer already sees it."""
        self._on_commit.append(callback)

    def _queue_head(self) -> None:
        """The stored head follows the chain once per trip, not once per entry."""
        if self._head_moved:
            self._head_moved = False
            self._queued.append((_SET_HEAD, (json.dumps(list(self.store._head)),), False))

    async def _trip(self, last: tuple[str, Any] | None = None, fetch: str = "") -> Any:
        """The queued statements, then ``last`` (if any), in one trip to the connection's thread."""
        self._queue_head()
        steps, self._queued = self._queued, []
        if not steps and last is None:
            return None
        if not self.started:
            steps = self._first + steps
        return await self.store._in_thread(run_steps, self, steps, last, fetch)

    async def flush(self, *then: str) -> None:
        """Send the queued statements (and after them ``then``, e.g. ``RELEASE w``: the head goes in first) now."""
        self._queue_head()
        self._queued.extend((sql, (), False) for sql in then)
        await self._trip()

    async def fetchone(self, sql: str, params: tuple = ()) -> Any:
        return await self._trip((sql, params), "one")

    async def fetchall(self, sql: str, params: tuple = ()) -> list:
        return await self._trip((sql, params), "all")

    async def execute(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Cursor:
        return aiosqlite.Cursor(self.db, await self._trip((sql, params), "cursor"))

    async def executemany(self, sql: str, rows: list[tuple]) -> None:
        """Queued (see the class docstring): it runs with the next statement that answers, or at the block's end."""
        self._queued.append((sql, list(rows), True))

    async def audit(self, contest_id: str | None, actor: str, action: str, detail: dict | None = None,
                    reason: str = "", client: str = "") -> AuditEntry:
        at = time.time()
        detail_text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
        prev_seq, prev = self.store._head
        seq = prev_seq + 1
        h = entry_hash(prev, seq, contest_id, at, actor, action, detail_text, reason, client)
        self._queued.append((_INSERT_AUDIT, (seq, contest_id, at, actor, action, detail_text, reason, client, prev, h),
                             False))
        self._head_moved = True
        self.store._head = (seq, h)  # the writer's lock is held: the next entry chains on this one
        entry = AuditEntry(seq, contest_id, at, actor, action, detail or {}, reason, client, h)
        self.audit_entries.append(entry)
        return entry

    async def audit_many(self, contest_id: str | None, entries: list[tuple[str, str, dict, str, str]]) -> None:
        """Append many entries (actor, action, detail, reason, client) to the chain at once: the hashes chained
        in a worker thread, one INSERT for all (an archive's thousands of entries hold the writer -- and every
        other hall's judges -- for milliseconds, not a round trip each)."""
        if not entries:
            return
        prev_seq, prev = self.store._head
        at = time.time()

        def chain() -> list[tuple]:
            out, h = [], prev
            for n, (actor, action, detail, reason, client) in enumerate(entries, start=prev_seq + 1):
                text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
                new = entry_hash(h, n, contest_id, at, actor, action, text, reason, client)
                out.append((n, contest_id, at, actor, action, text, reason, client, h, new))
                h = new
            return out
        rows = await asyncio.to_thread(chain)
        self._queued.append((_INSERT_AUDIT, rows, True))
        self._head_moved = True
        self.store._head = (rows[-1][0], rows[-1][9])
        self.audit_entries.extend(AuditEntry(r[0], contest_id, at, r[3], r[4], e[2] or {}, r[6], r[7], r[9])
                                  for r, e in zip(rows, entries))


_INSERT_AUDIT = ("INSERT INTO audit (seq, contest_id, at, actor, action, detail, reason, client, prev_hash, hash) "
                 "VALUES (?,?,?,?,?,?,?,?,?,?)")
_SET_HEAD = "INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)"


def run_steps(tx: Tx, steps: list[tuple[str, Any, bool]], last: tuple[str, Any] | None, fetch: str) -> Any:
    """In the connection's thread: run ``steps`` in order, then ``last``, and answer what ``fetch`` asks."""
    con = tx.store._raw()
    for sql, params, many in steps:
        if many:
            con.executemany(sql, params)
        else:
            con.execute(sql, params)
        tx.started = True  # its opening SAVEPOINT ran: a failure from here on is rolled back to it
    if last is None:
        return None
    cur = con.execute(*last)
    tx.started = True
    if fetch == "one":
        return cur.fetchone()
    if fetch == "all":
        return cur.fetchall()
    return cur
