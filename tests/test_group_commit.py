"""Issue 11: group commit in the one writer.  Submissions queued while a commit is in progress share the next
transaction; each is acknowledged only after the COMMIT that contains it; a failing one is rolled back
alone; the audit chain stays intact; a SIGKILL in the middle of it loses no acknowledged mark."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest

from judging.app.demo import create_demo
from judging.live.hub import Hub
from judging.live.publisher import Publisher
from judging.app.service import Service
from judging.storage.repository import verify_chain
from judging.storage.store import Store, Tx
from tests.conftest import ROOT, free_port
from tests.test_restart import ORG, start_server


def marks_for(judge, n: int = 0) -> dict:
    return {"overall": 60 + n} if judge.panel == "public" else {"need": 20, "design": 20, "impact": 20, "team": 10 + n}


@pytest.fixture
async def scoring(tmp_path):
    path = str(tmp_path / "g.db")
    store = Store(path)
    await store.open()
    svc = Service(store, Publisher(Hub()))
    rt = await create_demo(svc)
    for action in ("start", "present", "open_scoring"):
        await svc.act(rt.contest.id, action, None, "organizer")
    judges = [j for j in rt.contest.judges if not rt.contest.is_recused(j.id, rt.state.current)]
    yield path, store, svc, rt, judges
    await store.close()


def committed(path: str, sid: str) -> bool:
    """What another process reading the file sees: only committed rows."""
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT 1 FROM submissions WHERE submission_id = ?", (sid,)).fetchone() is not None
    finally:
        con.close()


async def test_concurrent_submissions_share_commits_and_each_ack_follows_its_commit(scoring):
    path, store, svc, rt, judges = scoring
    commits_before, grouped_before = store.commits, store.grouped
    unacked_but_seen = []

    async def one(j, n):
        sid = uuid.uuid4().hex
        ack = await svc.submit(rt, j, {"submission_id": sid, "project": rt.state.current, "marks": marks_for(j, n)})
        assert ack["status"] == "saved" and not ack["duplicate"]
        if not committed(path, sid):
            unacked_but_seen.append(sid)
        return sid

    sids = await asyncio.gather(*(one(j, n) for n in range(3) for j in judges))
    assert unacked_but_seen == [], "an acknowledgement came before the commit that holds it"
    n = len(sids)
    assert store.grouped - grouped_before == n
    assert store.commits - commits_before < n / 2, (store.commits - commits_before, n)
    # the same judge three times within one group: the later ones are amendments of the earlier (in order)
    log = [e for e in await store.audit_log(rt.contest.id) if e.action.startswith("mark.")]
    first = {j.id: marks_for(j, 0) for j in judges}
    for j in judges:
        mine = [e for e in log if e.actor == f"judge:{j.id}"]
        assert [e.action for e in mine] == ["mark.submit", "mark.amend", "mark.amend"]
        assert mine[1].detail["before"] == {k: float(v) for k, v in first[j.id].items()}
        assert rt.marks[(rt.state.current, "final", j.id)].values == {k: float(v) for k, v in marks_for(j, 2).items()}
    await store.close()
    assert verify_chain(path)[0]
    await store.open()


async def test_a_failing_write_is_rolled_back_alone_and_the_rest_of_its_group_commits(scoring, monkeypatch):
    path, store, svc, rt, judges = scoring
    bad = judges[3]
    real = Tx.audit

    async def audit(self, cid, actor, *a, **kw):
        if actor == f"judge:{bad.id}":
            await real(self, cid, actor, *a, **kw)   # written inside the group's transaction, then it fails
            raise sqlite3.OperationalError("disk I/O error")
        return await real(self, cid, actor, *a, **kw)

    monkeypatch.setattr(Tx, "audit", audit)
    results = await asyncio.gather(*(svc.submit(rt, j, {"submission_id": uuid.uuid4().hex, "project": rt.state.current,
                                                       "marks": marks_for(j)}) for j in judges),
                                   return_exceptions=True)
    failed = [j.id for j, r in zip(judges, results) if isinstance(r, Exception)]
    assert failed == [bad.id]
    stored = {r[0] for r in await store.fetchall("SELECT judge_id FROM marks")}
    assert stored == {j.id for j in judges} - {bad.id}
    assert (rt.state.current, "final", bad.id) not in rt.marks
    assert store.commits < len(judges)
    await store.close()
    assert verify_chain(path)[0], "the failed one's audit entry went with its savepoint: no gap in the chain"
    await store.open()


async def test_a_failed_group_commit_fails_every_write_in_it_and_changes_no_memory(scoring, monkeypatch):
    path, store, svc, rt, judges = scoring
    real = store.db.execute
    failed = {"n": 0}

    def failing(sql, *args):
        if sql == "COMMIT" and not failed["n"]:
            failed["n"] += 1
            raise sqlite3.OperationalError("database or disk is full")
        return real(sql, *args)

    monkeypatch.setattr(store.db, "execute", failing)
    results = await asyncio.gather(*(svc.submit(rt, j, {"submission_id": uuid.uuid4().hex, "project": rt.state.current,
                                                       "marks": marks_for(j)}) for j in judges[:8]),
                                   return_exceptions=True)
    lost = [r for r in results if isinstance(r, sqlite3.OperationalError)]
    assert len(lost) >= 2, "the failed COMMIT held several writes, and none of them was acknowledged"
    assert len(rt.marks) == len(results) - len(lost)
    stored = await store.fetchall("SELECT judge_id FROM marks")
    assert len(stored) == len(rt.marks)
    ack = await svc.submit(rt, judges[0], {"submission_id": uuid.uuid4().hex, "project": rt.state.current,
                                           "marks": marks_for(judges[0], 5)})
    assert ack["status"] == "saved", "the next write starts clean"


def test_sigkill_in_the_middle_of_group_commits_loses_no_acknowledged_submission(tmp_path):
    db = str(tmp_path / "kill.db")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(db, port)
    acked: dict[str, list[str]] = {}     # judge -> acknowledged submission ids, in order
    lock, stop = threading.Lock(), threading.Event()
    try:
        with httpx.Client(base_url=base, headers=ORG, timeout=5) as api:
            judges = api.get("/api/contests/c1").json()["setup"]["judges"]
            for action in ("start", "present", "open_scoring"):
                assert api.post("/api/contests/c1/actions", json={"action": action}).status_code == 200
            pid = api.get("/api/contests/c1").json()["current"]["id"]

        def judge_loop(judge: dict, lane: int) -> None:   # three phones' worth of traffic per judge
            with httpx.Client(base_url=base, headers={"authorization": f"Bearer {judge['token']}"}, timeout=3) as c:
                n = 0
                while not stop.is_set():
                    n += 1
                    sid = f"{judge['id']}-{lane}-{uuid.uuid4().hex[:12]}"
                    marks = ({"need": 10 + n % 15, "design": 20, "impact": 20, "team": 15}
                             if judge["panel"] == "expert" else {"overall": 50 + n % 50})
                    try:
                        r = c.post("/api/judge/submit", json={"submission_id": sid, "project": pid, "round": "final",
                                                               "marks": marks})
                    except httpx.HTTPError:
                        return
                    if r.status_code == 200:
                        with lock:
                            acked.setdefault(judge["id"], []).append(sid)

        threads = [threading.Thread(target=judge_loop, args=(j, k)) for j in judges for k in range(3)]
        for t in threads:
            t.start()
        deadline = time.time() + 60  # a loaded machine: wait for enough acknowledgements, not a fixed time
        while time.time() < deadline:
            with lock:
                if sum(len(v) for v in acked.values()) >= 50:
                    break
            time.sleep(0.05)
        time.sleep(0.3)  # ... and keep them submitting: the kill lands in the middle of group commits
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=10)
        total = sum(len(v) for v in acked.values())
        assert total >= 50, "judges were submitting when the server was killed"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
    con = sqlite3.connect(db)   # the file as the restarted server will find it
    stored = {r[0] for r in con.execute("SELECT submission_id FROM submissions")}
    con.close()
    missing = [sid for sids in acked.values() for sid in sids if sid not in stored]
    assert missing == [], f"{len(missing)} acknowledged submissions lost"
    proc = start_server(db, port)
    try:
        with httpx.Client(base_url=base, headers=ORG, timeout=5) as api:
            state = api.get("/api/contests/c1").json()
            assert state["phase"] == "scoring"
            sids = {m["judge"]: m["submission_id"] for m in state["marks"] if m["project"] == pid}
            con = sqlite3.connect(db)
            order = {sid: rowid for rowid, sid in con.execute("SELECT rowid, submission_id FROM submissions")}
            con.close()
            for jid, mine in acked.items():
                # the mark that counts is the judge's newest stored one: never older than the last acknowledged
                assert order[sids[jid]] >= order[mine[-1]] or sids[jid] == mine[-1], jid
        verify = subprocess.run([sys.executable, "run.py", "verify", "--db", db], cwd=ROOT, capture_output=True,
                                text=True)
        assert verify.returncode == 0, verify.stdout + verify.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)


async def test_a_full_disk_fails_the_writes_it_cannot_hold_and_each_answer_matches_the_file(scoring):
    """Issues 9 + 11: concurrent submissions on a disk that is really full (PRAGMA max_page_count): every one is
    either acknowledged and in the file, or refused with StorageFull and nowhere (a group that fails takes all its
    writes with it); memory holds exactly the acknowledged marks; the console's warning is on, and once there is
    room the refused ones go through when the phones resend them (same ids)."""
    from judging.storage.store import StorageFull

    path, store, svc, rt, judges = scoring
    async with store.db.execute("PRAGMA page_count") as cur:
        (pages,) = await cur.fetchone()
    await store.db.execute(f"PRAGMA max_page_count = {pages}")
    calls = [(j, {"submission_id": uuid.uuid4().hex, "project": rt.state.current, "marks": marks_for(j, n % 10)}) for n in range(40) for j in judges]
    results = await asyncio.gather(*(svc.submit(rt, j, body) for j, body in calls), return_exceptions=True)
    refused = [body for (j, body), r in zip(calls, results) if isinstance(r, StorageFull)]
    acked = [(j, body) for (j, body), r in zip(calls, results) if isinstance(r, dict) and r["status"] == "saved"]
    assert refused and len(refused) + len(acked) == len(calls), [r for r in results if not isinstance(r, (dict,
                                                                                                      StorageFull))]
    assert not any(committed(path, b["submission_id"]) for b in refused), "a refused write is in the file"
    assert all(committed(path, b["submission_id"]) for _, b in acked), "an acknowledged write is not in the file"
    last = {}
    for j, body in acked:
        last[j.id] = body["submission_id"]
    for j in judges:
        m = rt.marks.get((rt.state.current, "final", j.id))
        assert (m.submission_id if m else None) == last.get(j.id), "memory holds exactly the acknowledged marks"
    assert store.full, "the console is warned"
    await store.db.execute("PRAGMA max_page_count = 1073741823")
    again = await asyncio.gather(*(svc.submit(rt, j, body) for j, body in calls if body in refused))
    assert all(a["status"] == "saved" for a in again) and all(committed(path, b["submission_id"]) for b in refused)
    assert not store.full
