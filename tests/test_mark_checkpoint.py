"""Mark checkpoints (issue 11, cold start): a restart reads a contest's mark columns from one blob when it is
current, and from the rows whenever it is not -- after any change of the marks rows, whatever code path made
it (triggers keep the revision), and when the blob is damaged.  Either way it loads the same mark sets and
the same results."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from judging.app.checkpoints import Checkpoints
from judging.app.service import Service
from judging.core.contest import LiveState
from judging.storage import mark_checkpoint
from judging.storage import repository as repo
from judging.storage import repository_checkpoint as repo_cp
from judging.storage.mark_columns import MarkColumns
from judging.storage.records import MarkSet
from judging.storage.store import MIGRATIONS, Store, _statements
from tests.helpers import edit_db
from tests.test_mark_columns import CONTEST, PROJECTS, evening_sets, write_contest

RANKING = LiveState(phase="ranking", round="final", order=tuple(PROJECTS), done=tuple(PROJECTS))


async def _service(path: str) -> tuple[Store, Service]:
    store = Store(path)
    await store.open()
    svc = Service(store)
    await svc.load()
    return store, svc


async def _loaded(path: str) -> tuple[dict, dict]:
    """The mark sets and the results a start from ``path`` gives."""
    store, svc = await _service(path)
    try:
        rt = svc.get("c")
        return dict(rt.marks.items()), rt.results.to_json()
    finally:
        await store.close()


async def _checkpoint(path: str) -> int:
    store, svc = await _service(path)
    try:
        return await Checkpoints(svc, min_sets=1).save_all()
    finally:
        await store.close()


def _used_checkpoint(monkeypatch) -> list[int]:
    """Count the starts that decoded a checkpoint (instead of reading the rows)."""
    used: list[int] = []
    real = repo_cp.decode

    def counting(blob):
        used.append(1)
        return real(blob)
    monkeypatch.setattr(repo_cp, "decode", counting)
    return used


def test_encode_decode_keeps_every_set_in_order_and_leaves_deleted_rows_out():
    sets = evening_sets(3)
    mc = MarkColumns(sets)
    extra = MarkSet("P1", "overtime1", "E1", {"need": 20.0, "design": 1.5, "impact": 3.0, "team": 4.0}, "s-x",
                    "active", 1.8e9, "judge:E1")
    mc[("P1", "overtime1", "E1")] = extra
    del mc[("P2", "final", "E1")]
    back = mark_checkpoint.decode(mark_checkpoint.encode(mc))
    assert list(back.items()) == list(mc.items())
    assert ("P2", "final", "E1") not in back and len(back) == len(mc)
    back[("P2", "final", "E1")] = sets[("P2", "final", "E1")]  # still a working, growable MarkColumns
    assert back[("P2", "final", "E1")] == sets[("P2", "final", "E1")]


@pytest.mark.parametrize("damage", ["flip", "truncate", "magic", "empty"])
def test_a_damaged_blob_is_refused(damage):
    blob = bytearray(mark_checkpoint.encode(MarkColumns(evening_sets(4))))
    if damage == "flip":
        blob[len(blob) // 2] ^= 0xFF
    elif damage == "truncate":
        blob = blob[:-9]
    elif damage == "magic":
        blob[0] ^= 1
    else:
        blob = bytearray()
    with pytest.raises(ValueError):
        mark_checkpoint.decode(bytes(blob))


def test_a_restart_reads_a_current_checkpoint_and_gets_the_same_marks_and_results(tmp_path, monkeypatch):
    path = str(tmp_path / "c.db")
    asyncio.run(write_contest(path, evening_sets(), RANKING))
    from_rows = asyncio.run(_loaded(path))
    assert asyncio.run(_checkpoint(path)) == 1
    assert asyncio.run(_checkpoint(path)) == 0  # already current: not written again
    used = _used_checkpoint(monkeypatch)
    assert asyncio.run(_loaded(path)) == from_rows
    assert used == [1]


@pytest.mark.parametrize("change", [
    "UPDATE marks SET status = 'voided' WHERE project_id = 'P1' AND judge_id = 'E1'",
    "DELETE FROM marks WHERE project_id = 'P10'",
    "INSERT OR REPLACE INTO marks SELECT contest_id, project_id, round, judge_id, submission_id, marks, status, "
    "updated_at + 1, 'organizer', packed, packed_criteria FROM marks WHERE project_id = 'P2' AND judge_id = 'U1'",
])
def test_any_change_of_the_marks_rows_makes_the_checkpoint_stale(tmp_path, monkeypatch, change):
    path = str(tmp_path / "c.db")
    asyncio.run(write_contest(path, evening_sets(), RANKING))
    assert asyncio.run(_checkpoint(path)) == 1
    edit_db(path, change)  # behind the program's back: only the triggers can notice
    used = _used_checkpoint(monkeypatch)
    sets, _ = asyncio.run(_loaded(path))
    assert used == []
    con = sqlite3.connect(path)
    assert len(sets) == con.execute("SELECT count(*) FROM marks").fetchone()[0]
    con.close()
    assert asyncio.run(_checkpoint(path)) == 1  # and the next quiet spell writes a current one again


def test_a_damaged_stored_checkpoint_falls_back_to_the_rows(tmp_path):
    path = str(tmp_path / "c.db")
    asyncio.run(write_contest(path, evening_sets(), RANKING))
    from_rows = asyncio.run(_loaded(path))
    asyncio.run(_checkpoint(path))
    edit_db(path, "UPDATE mark_checkpoints SET data = substr(data, 1, length(data) - 100)")
    assert asyncio.run(_loaded(path)) == from_rows


def test_a_checkpoint_taken_before_a_change_is_not_stored(tmp_path):
    """The columns are copied at one revision; a submission committed before the blob is stored wins."""
    path = str(tmp_path / "c.db")
    asyncio.run(write_contest(path, evening_sets(), RANKING))

    async def race() -> tuple[bool, bool]:
        store, svc = await _service(path)
        try:
            async with store.write() as tx:
                rev = await repo_cp.mark_rev(tx, "c")
            blob = mark_checkpoint.encode(svc.get("c").marks)
            new = MarkSet("P1", "overtime1", "E1", {"need": 1.0, "design": 1.0, "impact": 1.0, "team": 1.0}, "s-n",
                          "active", 1.9e9, "judge:E1")
            async with store.write() as tx:
                await repo.save_marks(tx, "c", [new])
            async with store.write() as tx:
                stale = await repo_cp.save_checkpoint(tx, "c", rev, 1, 0.0, blob)
            async with store.write() as tx:
                return stale, await repo_cp.has_current_checkpoint(tx, "c")
        finally:
            await store.close()
    assert asyncio.run(race()) == (False, False)


def test_the_server_writes_checkpoints_once_writes_pause(tmp_path):
    path = str(tmp_path / "c.db")
    asyncio.run(write_contest(path, evening_sets(), RANKING))

    async def run() -> int:
        store, svc = await _service(path)
        cps = Checkpoints(svc, min_sets=1, idle_seconds=0.0)
        task = asyncio.create_task(cps.run(interval=0.01))
        try:
            async with store.write() as tx:  # a change, then quiet
                await repo.save_marks(tx, "c", [MarkSet("P1", "overtime1", "E2", {"need": 2.0, "design": 2.0,
                                                "impact": 2.0, "team": 2.0}, "s-q", "active", 1.9e9, "judge:E2")])
            for _ in range(500):
                if cps.saved:
                    break
                await asyncio.sleep(0.01)
            async with store.write() as tx:
                current = await repo_cp.has_current_checkpoint(tx, "c")
            await cps.close(task)
            return cps.saved if current else -1
        finally:
            await store.close()
    assert asyncio.run(run()) == 1


def test_small_contests_get_no_checkpoint(tmp_path):
    path = str(tmp_path / "c.db")
    asyncio.run(write_contest(path, evening_sets(), RANKING))

    async def run() -> int:
        store, svc = await _service(path)
        try:
            return await Checkpoints(svc).save_all()  # the default threshold: thousands of mark sets
        finally:
            await store.close()
    assert len(CONTEST.projects) * len(CONTEST.judges) < 5000
    assert asyncio.run(run()) == 0


def test_the_migration_gives_old_marks_a_revision_and_splits_trigger_bodies(tmp_path):
    script = MIGRATIONS[4]
    statements = _statements(script)
    assert sum(s.startswith("CREATE TRIGGER") for s in statements) == 3
    assert all(s.count("BEGIN") <= 1 and (not s.startswith("CREATE TRIGGER") or s.endswith("END"))
               for s in statements)
    path = str(tmp_path / "old.db")
    con = sqlite3.connect(path)
    for old in MIGRATIONS[:4]:
        for st in _statements(old):
            if "pack_" not in st:
                con.execute(st)
    con.execute("INSERT INTO marks (contest_id, project_id, round, judge_id, submission_id, marks, updated_at, "
                "updated_by) VALUES ('c', 'P1', 'final', 'E1', 's', '{}', 1, 'x')")
    con.execute("PRAGMA user_version = 4")
    con.commit()
    con.close()

    async def migrate() -> int:
        store = Store(path)
        await store.open()
        try:
            async with store.write() as tx:
                return await repo_cp.mark_rev(tx, "c")
        finally:
            await store.close()
    assert asyncio.run(migrate()) == 1
