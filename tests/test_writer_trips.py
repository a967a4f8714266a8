"""Issue 11, durable writes: the one writer sends a write's statements to SQLite in as few trips to
aiosqlite's thread as it can (statements without an answer are queued and go with the next one that has
one, or at the end of the block), because the writer's lock -- which every judge waits on -- is held for
every trip.  Order, rollback of a failing write alone, and the audit chain stay as they were."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid

import pytest

from judging.storage.repository import verify_chain
from judging.storage.store import Store
from tests.test_group_commit import marks_for, scoring  # noqa: F401 (the fixture)


def count_trips(store: Store) -> dict:
    """Count every call into aiosqlite's thread (each statement of aiosqlite's API is one, and so is each
    of the writer's own multi-statement trips)."""
    counter = {"n": 0}
    real = store.db._execute

    async def counted(fn, *args, **kwargs):
        counter["n"] += 1
        return await real(fn, *args, **kwargs)

    store.db._execute = counted  # type: ignore[method-assign]
    return counter


async def test_a_lone_submission_takes_four_trips_and_a_grouped_one_two(scoring):  # noqa: F811
    path, store, svc, rt, judges = scoring
    trips = count_trips(store)
    await svc.submit(rt, judges[0], {"submission_id": uuid.uuid4().hex, "project": rt.state.current,
                                     "marks": marks_for(judges[0])})
    # BEGIN; SAVEPOINT + the submission-id lookup; the rows, the audit entry and RELEASE; COMMIT.
    # (Before, each statement was its own trip, and reading a row three: 13 in all.)
    assert trips["n"] == 4
    trips["n"] = 0
    commits = store.commits
    n = len(judges)
    await asyncio.gather(*(svc.submit(rt, j, {"submission_id": uuid.uuid4().hex, "project": rt.state.current,
                                              "marks": marks_for(j, 1)}) for j in judges))
    groups = store.commits - commits
    assert trips["n"] == 2 * n + 2 * groups, (trips["n"], n, groups)
    assert groups < n
    await store.close()
    assert verify_chain(path)[0]
    await store.open()


async def test_queued_rows_are_seen_by_the_same_writes_later_reads_in_order(tmp_path):
    store = Store(str(tmp_path / "q.db"))
    await store.open()
    async with store.write() as tx:
        await tx.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("a", "1"), ("b", "2")])
        await tx.executemany("UPDATE meta SET value = value || '+' WHERE key = ?", [("a",)])
        assert await tx.fetchall("SELECT key, value FROM meta WHERE key IN ('a', 'b') ORDER BY key") == \
            [("a", "1+"), ("b", "2")]
        await tx.executemany("DELETE FROM meta WHERE key = ?", [("b",)])
    assert await store.fetchall("SELECT key, value FROM meta WHERE key IN ('a', 'b')") == [("a", "1+")]
    await store.close()


async def test_a_queued_row_that_fails_fails_its_write_alone_and_the_chain_goes_on(tmp_path):
    path = str(tmp_path / "f.db")
    store = Store(path)
    await store.open()
    async with store.write() as tx:
        await tx.audit(None, "organizer", "first")

    async def good(n: int) -> None:
        async with store.write(batch=True) as tx:
            await tx.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [(f"good{n}", "x")])
            await tx.audit(None, "organizer", f"good {n}")

    async def bad() -> None:
        async with store.write(batch=True) as tx:
            await tx.audit(None, "organizer", "lost")  # chained on the head, then its write fails
            await tx.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("dup", "1"), ("dup", "2")])

    async with store.write() as tx:
        await tx.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("dup", "0")])
    results = await asyncio.gather(good(1), bad(), good(2), good(3), return_exceptions=True)
    assert [type(r) for r in results] == [type(None), sqlite3.IntegrityError, type(None), type(None)]
    assert [e.action for e in await store.audit_log()] == ["first", "good 1", "good 2", "good 3"]
    async with store.write() as tx:  # the head in memory went back with the failed write: no gap, no fork
        await tx.audit(None, "organizer", "after")
    await store.close()
    ok, message = verify_chain(path)
    assert ok, message
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key = 'dup'").fetchall() == [("0",)]
    assert con.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'good%'").fetchone() == (3,)
    con.close()


async def test_the_chain_head_survives_a_restart_and_a_failed_single_write(tmp_path):
    path = str(tmp_path / "h.db")
    store = Store(path)
    await store.open()
    async with store.write() as tx:
        await tx.audit("c1", "organizer", "one")
    with pytest.raises(RuntimeError):
        async with store.write() as tx:
            await tx.audit("c1", "organizer", "rolled back")
            raise RuntimeError("refused")
    await store.close()
    store = Store(path)
    await store.open()
    async with store.write() as tx:
        entry = await tx.audit("c1", "organizer", "two")
    assert entry.seq == 2
    await store.close()
    assert verify_chain(path)[0]


async def test_the_stored_head_is_written_inside_the_writes_savepoint(tmp_path):
    """The head row goes to SQLite before the write's RELEASE, so a failure writing it rolls back with the write."""
    store = Store(str(tmp_path / "s.db"))
    await store.open()
    steps: list[str] = []
    real = store._in_thread

    async def seen(fn, *args):
        steps.extend(sql for sql, _, _ in args[1])
        return await real(fn, *args)
    store._in_thread = seen  # type: ignore[method-assign]
    async with store.write(batch=True) as tx:
        await tx.audit(None, "organizer", "one")
    head = next(i for i, sql in enumerate(steps) if "audit_head" in sql)
    assert steps.index("RELEASE w") > head > steps.index("SAVEPOINT w")
    await store.close()
