"""SQLite persistence: schema, migrations, the single writer and the audit chain.

What it does: owns the one aiosqlite connection (WAL, synchronous=FULL), runs versioned migrations, serialises
every write transaction behind one lock (:meth:`Store.write`), appends audit entries chained by SHA-256 inside
the same transaction as the change they describe, and loads everything back at start.
Group commit: writes that ask for it (``write(batch=True)``: judges' submissions) and
queue up while another is in progress share one transaction, each in its own
SAVEPOINT (a failing one is rolled back alone); one COMMIT (one fsync) then
acknowledges them all.  Nobody's block returns before the COMMIT that contains it,
and in-memory changes (``on_commit``) still happen only after it.  Inside a write, statements
without an answer are queued and sent together (:mod:`judging.storage.tx`): the lock every judge
waits on is held for two trips to aiosqlite's thread per submission, not a dozen.
The chain's arithmetic is in :mod:`judging.storage.chain`; the statements of the application (contests, marks,
sessions, audit queries, :func:`~judging.storage.repository.verify_chain`) are in :mod:`judging.storage.repository`.

A full disk: a write that fails with SQLITE_FULL is rolled back and raised as
:class:`StorageFull` (nothing of it is stored, no on-commit callback runs, so
memory stays equal to the database); :attr:`Store.full` says so until the next
write commits, and ``on_storage`` hears both changes.  The WAL does not grow
by itself: :meth:`Store.maintain` (running from :meth:`Store.open` to
:meth:`Store.close`) checkpoints it with TRUNCATE when writes have been idle
for a moment or after many commits, and ``journal_size_limit`` caps what a
checkpoint leaves behind.

What it does not do: decide anything.  Callers (the commands of :mod:`judging.app`)
validate first and publish only after :meth:`Store.write` has committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable

import aiosqlite

from judging.storage.chain import GENESIS, AuditEntry, StorageFull, entry_hash, is_disk_full  # noqa: F401 (re-exported)
from judging.storage.mark_columns import sql_functions
from judging.storage.schema import MIGRATIONS  # noqa: F401 (re-exported)
from judging.storage.tx import Tx, run_steps  # noqa: F401 (Tx re-exported)

JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024  # bytes of WAL kept after a checkpoint
CHECKPOINT_IDLE = 2.0                 # seconds without a write before the WAL is truncated
CHECKPOINT_COMMITS = 500              # ... or after this many commits, busy or not


def _fail(group: "_Group", e: BaseException) -> None:
    """Wake the writers of a group transaction that did not commit with what went wrong."""
    group.done.set_exception(e if isinstance(e, Exception) else RuntimeError("commit interrupted"))
    group.done.exception()  # retrieved: waiters re-raise it; no "never retrieved" warning


class _Group:
    """The writes of one group commit: their after-commit callbacks and the future they all wait on."""

    def __init__(self) -> None:
        self.members = 0
        self.head: tuple[int, str] = (0, GENESIS)  # the audit head before the group's first write
        self.callbacks: list[Callable[[], None]] = []
        self.shared: dict = {}
        self.done: asyncio.Future = asyncio.get_running_loop().create_future()


class Store:
    MAX_GROUP = 256  # writes per group commit at most (bounds the wait of the first one)

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self.full = False  # the last write failed for lack of space (until one commits again)
        self.on_storage: Callable[[bool], None] | None = None  # called with ``full`` when it changes
        self.checkpoints = 0
        self._since_checkpoint = 0
        self._last_write = 0.0
        self.maintenance: asyncio.Task | None = None  # Store.maintain, from open() to close()
        self._waiting = 0              # writers queued for the lock
        self._group: _Group | None = None  # the open group transaction, if any
        self.commits = 0               # COMMITs (tests and benchmarks: fewer than writes under load)
        self.grouped = 0               # writes that went through a group commit
        self._head: tuple[int, str] = (0, GENESIS)  # (seq, hash) of the audit chain's last entry, written or queued

    async def open(self) -> None:
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=FULL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._db.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        await sql_functions(self._db)  # what migration 4 packs old marks with
        await self._migrate()
        async with self._db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1") as cur:
            row = await cur.fetchone()
        self._head = (row[0], row[1]) if row else (0, GENESIS)
        self.maintenance = asyncio.create_task(self.maintain())  # keeps the WAL from filling a small disk

    async def close(self) -> None:
        if self.maintenance is not None:
            self.maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.maintenance
            self.maintenance = None
        await self._close()

    async def _close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                await self.checkpoint()
            await self._db.close()
            self._db = None

    async def checkpoint(self) -> bool:
        """Copy the WAL into the database and truncate it to zero bytes (under the writer's lock, so never
        inside a transaction).  False when it could not (a reader in the way, or no space to copy into)."""
        async with self._lock:
            try:
                async with self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
                    busy, _, _ = await cur.fetchone()  # type: ignore[misc]
            except sqlite3.Error as e:
                if not is_disk_full(e):
                    raise
                return False
            if busy:
                return False
            self._since_checkpoint = 0
            self.checkpoints += 1
            return True

    async def maintain(self, interval: float = 0.5) -> None:
        """Run for the server's life: truncate the WAL once writes pause (or after many commits)."""
        while True:
            await asyncio.sleep(interval)
            idle = time.monotonic() - self._last_write
            if self._since_checkpoint and (idle >= CHECKPOINT_IDLE or self._since_checkpoint >= CHECKPOINT_COMMITS):
                try:
                    await self.checkpoint()
                except sqlite3.Error:  # e.g. the disk went away: the next write will say so
                    self._since_checkpoint = 0

    @property
    def idle_seconds(self) -> float:
        """Seconds since the last COMMIT that changed something (since start when none has)."""
        return time.monotonic() - self._last_write

    def _storage(self, full: bool) -> None:
        if full != self.full:
            self.full = full
            if self.on_storage is not None:
                self.on_storage(full)

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    def _raw(self) -> sqlite3.Connection:
        """The sqlite3 connection under aiosqlite's (only for functions run by :meth:`_in_thread`)."""
        return self.db._conn

    async def _in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` in the connection's own thread, in order with every other statement: one trip for
        several statements.  aiosqlite has no public call for it; ``_execute`` is what its own methods use
        (tests/test_group_commit.py and every write test fail at once if that changes)."""
        return await self.db._execute(fn, *args)

    async def _migrate(self) -> None:
        async with self.db.execute("PRAGMA user_version") as cur:
            (version,) = await cur.fetchone()  # type: ignore[misc]
        for number, sql in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(sql):
                    await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version = {number}")
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def write(self, batch: bool = False) -> AsyncIterator[Tx]:
        """The only way to change the database: one write at a time, committed before the block returns.

        Callers decide *inside* the block (check the live state, then write), so no other write
        can slip in between the check and the commit.  ``batch=True``: the write may share one
        transaction (and one fsync) with others queued meanwhile (see the module docstring); it must
        then only depend on state that no other batched write changes, or read it from ``tx.shared``.
        A full disk raises :class:`StorageFull` (nothing of the write is stored, memory is unchanged)."""
        try:
            async with self._write(batch) as tx:
                yield tx
        except (sqlite3.Error, OSError) as e:
            if is_disk_full(e) and not isinstance(e, StorageFull):
                self._storage(True)
                raise StorageFull() from e
            raise

    @asynccontextmanager
    async def _write(self, batch: bool) -> AsyncIterator[Tx]:
        self._waiting += 1
        try:
            await self._lock.acquire()
        except BaseException:  # cancelled while queued: a group left open for this writer must still commit
            self._waiting -= 1
            if self._group is not None:
                asyncio.ensure_future(self._flush())
            raise
        self._waiting -= 1
        group: _Group | None = None
        try:
            if self._group is not None and (not batch or self._group.members >= self.MAX_GROUP):
                await self._commit_group()
            if not batch:
                async with self._single() as tx:
                    yield tx
                return
            if self._group is None:
                await self.db.execute("BEGIN IMMEDIATE")
                self._group = _Group()
                self._group.head = self._head
            group = self._group
            head = self._head
            tx = Tx(self.db, self, group.shared, first=["SAVEPOINT w"])  # sent with its first statement
            try:
                yield tx
                if tx.started or tx._queued:
                    await tx.flush("RELEASE w")  # the queued rows and the release: one trip
            except BaseException as e:
                if not self.db.in_transaction:  # SQLite ended the whole transaction itself (disk full, I/O)
                    self._group = None
                    self._head = group.head
                    _fail(group, e)          # the writes already in it were lost too: their writers hear it
                    group = None
                    raise
                self._head = head
                if tx.started:
                    await self._in_thread(run_steps, tx, [("ROLLBACK TO w", (), False), ("RELEASE w", (), False)],
                                          None, "")
                if group.members == 0:  # nothing else in this transaction: end it
                    self._group = None
                    await self.db.execute("ROLLBACK")
                    group.done.set_result(None)
                elif self._waiting == 0:  # the others in this transaction must not wait for a next writer
                    await self._commit_group()
                group = None
                raise
            group.members += 1
            self.grouped += 1
            group.callbacks.extend(tx._on_commit)
            if self._waiting == 0:  # nobody queued: commit now; else the next writer joins (or commits first)
                await self._commit_group()
        finally:
            self._lock.release()
        if group is not None:
            await asyncio.shield(group.done)  # raises what the COMMIT raised

    @asynccontextmanager
    async def _single(self) -> AsyncIterator[Tx]:
        changes = self.db.total_changes
        head = self._head
        await self.db.execute("BEGIN IMMEDIATE")
        tx = Tx(self.db, self)
        try:
            yield tx
            await tx.flush()
            await self.db.execute("COMMIT")
        except BaseException:  # e.g. disk full: nothing was stored, and the next writer must start clean
            self._head = head
            await self._rollback()
            raise
        self.commits += 1
        self._committed(self.db.total_changes != changes)  # a read under the lock (an export) proves nothing
        for callback in tx._on_commit:
            callback()

    async def _flush(self) -> None:
        async with self._lock:
            await self._commit_group()

    async def _commit_group(self) -> None:
        """COMMIT the open group (under the lock); wake its writers with the outcome."""
        group, self._group = self._group, None
        if group is None:
            return
        try:
            await self.db.execute("COMMIT")
        except BaseException as e:
            self._head = group.head
            await self._rollback()
            _fail(group, e)
            return
        self.commits += 1
        self._committed(group.members > 0)
        for callback in group.callbacks:
            callback()
        group.done.set_result(None)

    def _committed(self, changed: bool) -> None:
        """After a COMMIT: the WAL maintenance counts it, and a full-disk warning clears."""
        if changed:
            self._last_write = time.monotonic()
            self._since_checkpoint += 1
            self._storage(False)

    async def _rollback(self) -> None:
        # SQLite rolls a transaction back by itself after SQLITE_FULL (and some I/O errors)
        if self.db.in_transaction:
            await self.db.execute("ROLLBACK")

    async def fetchall(self, sql: str, params: tuple = ()) -> list[aiosqlite.Row]:
        async with self.db.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: tuple = ()) -> Any:
        async with self.db.execute(sql, params) as cur:
            return await cur.fetchone()

    async def audit_log(self, contest_id: str | None = None, limit: int = 10000) -> list[AuditEntry]:
        if contest_id is None:
            rows = await self.fetchall("SELECT seq, contest_id, at, actor, action, detail, reason, client, hash "
                                       "FROM audit ORDER BY seq LIMIT ?", (limit,))
        else:
            rows = await self.fetchall("SELECT seq, contest_id, at, actor, action, detail, reason, client, hash "
                                       "FROM audit WHERE contest_id = ? ORDER BY seq LIMIT ?", (contest_id, limit))
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7], r[8]) for r in rows]


def _statements(script: str) -> list[str]:
    """A migration's statements, one by one (a trigger's body keeps its own semicolons)."""
    out, buf = [], ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if text := buf.strip().rstrip(";").strip():
                out.append(text)
            buf = ""
    if text := buf.strip().rstrip(";").strip():
        out.append(text)
    return out
