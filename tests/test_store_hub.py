"""The single writer, migrations, and the conflating hub; nothing is published or kept unless committed."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid

import pytest

from judging.app.demo import create_demo
from judging.live.hub import Hub
from judging.live.publisher import Publisher
from judging.app.service import Service
from judging.storage.repository import verify_chain
from judging.storage.store import MIGRATIONS, Store, Tx


async def test_slow_subscriber_gets_only_the_latest_and_never_blocks_others():
    hub = Hub()
    slow, fast = hub.subscribe("c1/screen"), hub.subscribe("c1/screen")
    got = []
    for i in range(1000):
        assert hub.publish("c1/screen", i) == 2
        got.append(await fast.get())
    assert got == list(range(1000))
    assert await slow.get() == 999, "a slow client skips straight to the newest state"
    assert slow.skipped == 999
    hub.unsubscribe(slow)
    hub.unsubscribe(fast)
    assert hub.publish("c1/screen", "x") == 0 and hub.channels() == []


async def test_hub_channels_are_separate():
    hub = Hub()
    a, b = hub.subscribe("c1/judge/E1"), hub.subscribe("c1/judge/E2")
    hub.publish("c1/judge/E1", "for E1")
    assert await a.get() == "for E1"
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(b.get(), 0.05)
    assert hub.count("c1/judge/") == 2


async def test_migrations_run_once_and_set_the_schema_version(tmp_path):
    path = str(tmp_path / "m.db")
    for _ in range(2):
        store = Store(path)
        await store.open()
        await store.close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    store = Store(str(tmp_path / "t.db"))
    await store.open()
    with pytest.raises(RuntimeError):
        async with store.write() as tx:
            await tx.audit("c1", "organizer", "something")
            raise RuntimeError("boom")
    assert await store.audit_log() == []
    async with store.write() as tx:
        await tx.audit("c1", "organizer", "kept", {"a": 1})
    assert [e.action for e in await store.audit_log()] == ["kept"]
    await store.close()
    assert verify_chain(str(tmp_path / "t.db"))[0]


async def test_no_acknowledgement_and_no_publish_without_commit(tmp_path, monkeypatch):
    store = Store(str(tmp_path / "s.db"))
    await store.open()
    hub = Hub()
    publisher = Publisher(hub)
    svc = Service(store, publisher)
    rt = await create_demo(svc)
    for action in ("start", "present", "open_scoring"):
        await svc.act(rt.contest.id, action, None, "organizer")
    screen = hub.subscribe(f"{rt.contest.id}/screen")
    judge = rt.contest.judge("U01")

    async def broken_audit(self, *args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Tx, "audit", broken_audit)
    body = {"submission_id": uuid.uuid4().hex, "project": rt.state.current, "round": "final",
            "marks": {"overall": 88}}
    with pytest.raises(sqlite3.OperationalError):
        await svc.submit(rt, judge, body)
    assert rt.marks == {}, "memory changes only after the commit"
    # screen snapshots are coalesced: none may be due either, and none arrives after the interval
    assert not publisher.pending(f"{rt.contest.id}/screen")
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(screen.get(), 3 * publisher.coalescer.interval)
    monkeypatch.undo()
    ack = await svc.submit(rt, judge, body)   # the phone resends the same submission: now it is stored
    assert ack["status"] == "saved" and not ack["duplicate"]
    snap = await asyncio.wait_for(screen.get(), 1)
    assert '"submitted":1' in snap
    rows = await store.fetchall("SELECT judge_id FROM marks")
    assert [r[0] for r in rows] == ["U01"]
    await store.close()


async def test_a_close_signal_is_never_conflated_away():
    from judging.live.hub import CLOSE

    hub = Hub()
    sub = hub.subscribe("c1/judge/U20")
    hub.publish("c1/judge/U20", "state 1")
    assert hub.close_channel("c1/judge/U20") == 1
    hub.publish("c1/judge/U20", "state 2")   # a late snapshot must not cancel the disconnect
    assert await sub.get() is CLOSE


async def test_a_failed_commit_stores_nothing_and_the_next_write_works(tmp_path, monkeypatch):
    store = Store(str(tmp_path / "c.db"))
    await store.open()
    real = store.db.execute
    calls = {"n": 0}

    def failing(sql, *args):
        if sql == "COMMIT" and not calls["n"]:
            calls["n"] += 1
            raise sqlite3.OperationalError("database or disk is full")
        return real(sql, *args)

    monkeypatch.setattr(store.db, "execute", failing)
    committed = []
    with pytest.raises(sqlite3.OperationalError):
        async with store.write() as tx:
            await tx.audit("c1", "organizer", "lost")
            tx.on_commit(lambda: committed.append(True))
    assert committed == [] and await store.audit_log() == []
    async with store.write() as tx:   # the connection is not left inside the failed transaction
        await tx.audit("c1", "organizer", "kept")
    assert [e.action for e in await store.audit_log()] == ["kept"]
    await store.close()
