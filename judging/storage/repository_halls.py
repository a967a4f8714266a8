"""What an export reads of one contest, read in a worker thread from a snapshot of the database pinned under
the writer's lock, so one hall's big export never holds up another hall's writes (storage layer).

What it does: :func:`pin` (in a worker thread) opens a read-only connection and starts a read transaction on
it: under WAL it goes on seeing the database exactly as committed at that moment, whatever is written
afterwards.  :func:`export_rows` (in a worker thread) reads the contest's audit rows and submissions through
it and closes it.  The caller pins while it holds the writer's lock (nothing half-written, and its in-memory
copy of the contest matches), then lets the lock go before the rows are read and decoded.

What it does not do: decide anything, or write.
"""

from __future__ import annotations

import json
import sqlite3

from judging.storage.records import AuditRow, Submission


def pin(path: str) -> sqlite3.Connection:
    """A read-only connection whose read transaction has started (its view of the database is fixed)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None)
    try:
        con.execute("BEGIN")
        con.execute("SELECT COUNT(*) FROM audit WHERE seq < 0").fetchall()  # the first read fixes the snapshot
    except BaseException:
        con.close()
        raise
    return con


def export_rows(con: sqlite3.Connection, cid: str) -> tuple[list[AuditRow], list[Submission]]:
    """The contest's audit rows (in order) and submissions, as the pinned snapshot has them; closes ``con``."""
    try:
        audit = [AuditRow(*r) for r in con.execute(
            "SELECT seq, at, actor, action, detail, reason, client, prev_hash, hash FROM audit "
            "WHERE contest_id = ? ORDER BY seq", (cid,))]
        subs = [Submission(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in con.execute(
            "SELECT submission_id, judge_id, project_id, round, marks, received_at FROM submissions "
            "WHERE contest_id = ? ORDER BY received_at, submission_id", (cid,))]
    finally:
        con.close()
    return audit, subs
