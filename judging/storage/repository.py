"""The repository: every SQL statement of the application, by what it means.

What it does: reads the contests back at start (:func:`load_contests`: setup, live state and mark sets, as
:mod:`judging.storage.records`), writes what the commands decided (contests, setup rows, running order, live
state, mark sets, submissions, the organizer key, console sessions) inside the caller's
:meth:`~judging.storage.store.Store.write` transaction, copies what an export needs (audit rows,
submissions), pages through the audit log with filters, and checks a database file (its schema version, its
audit chain: :func:`verify_chain`).  Apart from :mod:`judging.storage.store` (schema, migrations, the single
writer, the audit append) no module holds SQL text.

What it does not do: decide anything (the commands of :mod:`judging.app` check first and call these inside
their transaction), commit (the store does), or keep anything in memory.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Iterable

from judging.core.contest import LiveState
from judging.core.model import Contest, Judge, Project, SetupError
from judging.core.rules import RulesError, parse_rules
from judging.storage.chain import GENESIS, entry_hash
from judging.storage.mark_columns import MarkColumns, pack
from judging.storage.repository_checkpoint import load_checkpoint
from judging.storage.records import Actions, AuditRow, MarkSet, StoredContest, Submission
from judging.storage.store import Store, Tx

log = logging.getLogger("judging")

_CONTEST_COLUMNS = ("id, name, rules_text, rules_source, timer_seconds, running_order, draw_seed, screen_token, "
                    "state, date, venue")


# ---------------------------------------------------------------------- the startup load
async def load_contests(store: Store) -> tuple[list[StoredContest], dict[str, str]]:
    """Every contest as stored, oldest first, and those that no longer load (id -> why).  One that does not
    load (e.g. rules written for a newer version) must not keep the others' evening from starting; it stays
    in the database untouched."""
    loaded, unloadable = [], {}
    for row in await store.fetchall(f"SELECT {_CONTEST_COLUMNS} FROM contests ORDER BY created_at"):
        try:
            loaded.append(await _load_contest(store, *row))
        except (RulesError, SetupError, ValueError, KeyError, TypeError) as e:
            unloadable[row[0]] = f"{type(e).__name__}: {e}"
            log.error("contest %s could not be loaded and is left out: %s", row[0], e)
    return loaded, unloadable


async def _load_contest(store: Store, cid: str, name: str, rules_text: str, source: str, timer: int, order: str,
                        seed: str | None, screen: str, state: str, date: str = "", venue: str = "") -> StoredContest:
    rules = parse_rules(rules_text, source)
    projects = tuple(Project(r[0], r[1], r[2], r[3], r[4], r[5]) for r in await store.fetchall(
        "SELECT id, name, organization, community, track, requested FROM projects WHERE contest_id = ? "
        "ORDER BY seq", (cid,)))
    judges = tuple(Judge(r[0], r[1], r[2], r[3]) for r in await store.fetchall(
        "SELECT id, name, panel, token FROM judges WHERE contest_id = ? ORDER BY seq", (cid,)))
    recusals = frozenset((r[0], r[1]) for r in await store.fetchall(
        "SELECT judge_id, project_id FROM recusals WHERE contest_id = ?", (cid,)))
    contest = Contest(cid, name, rules, projects, judges, recusals, timer, "final",
                      tuple(json.loads(order)), seed, screen, date, venue)
    marks = await load_checkpoint(store, cid) or await _load_marks(store, cid)
    return StoredContest(contest, LiveState.load(json.loads(state)), marks)


async def _load_marks(store: Store, cid: str) -> MarkColumns:
    """Every mark set row of the contest (when no current checkpoint has them all in one blob)."""
    rows = await store.fetchall(
        "SELECT project_id, round, judge_id, submission_id, packed, packed_criteria, status, updated_at, updated_by "
        "FROM marks WHERE contest_id = ?", (cid,))
    columns = list(zip(*rows)) if rows else [[] for _ in range(9)]
    return MarkColumns.from_rows(columns[0], columns[1], columns[2], list(columns[3]), columns[4], columns[5],
                                 columns[6], columns[7], list(columns[8]))


# ---------------------------------------------------------------------- contests and their setup
async def contest_ids(tx: Tx) -> set[str]:
    """The ids in use: every stored contest's, and every deleted one's (its audit entries keep naming it)."""
    cur = await tx.execute("SELECT id FROM contests UNION SELECT contest_id FROM audit WHERE contest_id IS NOT NULL")
    return {r[0] for r in await cur.fetchall()}


async def insert_contest(tx: Tx, contest: Contest, state: LiveState, created_at: float) -> None:
    """A new contest's row and its projects, judges and recusals."""
    await tx.execute("INSERT INTO contests (id, name, rules_text, rules_source, timer_seconds, running_order, "
                     "draw_seed, screen_token, state, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                     (contest.id, contest.name, contest.rules.text, contest.rules.source, contest.timer_seconds,
                      json.dumps(list(contest.order)), contest.draw_seed, contest.screen_token,
                      json.dumps(state.dump()), created_at))
    await write_setup(tx, contest)


async def update_contest(tx: Tx, contest: Contest, state: LiveState) -> None:
    """A changed setup: the contest's row, its live state and its projects, judges and recusals."""
    await tx.execute("UPDATE contests SET name = ?, rules_text = ?, rules_source = ?, timer_seconds = ?, "
                     "running_order = ?, draw_seed = ? WHERE id = ?",
                     (contest.name, contest.rules.text, contest.rules.source, contest.timer_seconds,
                      json.dumps(list(contest.order)), contest.draw_seed, contest.id))
    await save_state(tx, contest.id, state)
    await write_setup(tx, contest)


async def write_setup(tx: Tx, contest: Contest) -> None:
    cid = contest.id
    for table in ("projects", "judges", "recusals"):
        await tx.execute(f"DELETE FROM {table} WHERE contest_id = ?", (cid,))
    await tx.executemany("INSERT INTO projects (contest_id, id, seq, name, organization, community, track, "
                         "requested) VALUES (?,?,?,?,?,?,?,?)",
                         [(cid, p.id, i, p.name, p.organization, p.community, p.track, p.requested)
                          for i, p in enumerate(contest.projects)])
    await tx.executemany("INSERT INTO judges (contest_id, id, seq, name, panel, token) VALUES (?,?,?,?,?,?)",
                         [(cid, j.id, i, j.name, j.panel, j.token) for i, j in enumerate(contest.judges)])
    await tx.executemany("INSERT INTO recusals (contest_id, judge_id, project_id) VALUES (?,?,?)",
                         [(cid, j, p) for j, p in sorted(contest.recusals)])
    await tx.execute("UPDATE contests SET date = ?, venue = ? WHERE id = ?", (contest.date, contest.venue, cid))


async def save_order(tx: Tx, cid: str, order: Iterable[str], seed: str | None) -> None:
    await tx.execute("UPDATE contests SET running_order = ?, draw_seed = ? WHERE id = ?",
                     (json.dumps(list(order)), seed, cid))


async def save_state(tx: Tx, cid: str, state: LiveState) -> None:
    await tx.execute("UPDATE contests SET state = ? WHERE id = ?", (json.dumps(state.dump()), cid))


# ---------------------------------------------------------------------- marks and submissions
async def find_submission(tx: Tx, submission_id: str) -> tuple[str, Submission] | None:
    """(contest id, the submission) of a submission id already stored, else None."""
    row = await tx.fetchone("SELECT contest_id, judge_id, project_id, round, marks, received_at FROM submissions "
                            "WHERE submission_id = ?", (submission_id,))
    if row is None:
        return None
    return row[0], Submission(submission_id, row[1], row[2], row[3], json.loads(row[4]), row[5])


async def taken_submission_ids(tx: Tx, ids: list[str]) -> set[str]:
    """Which of ``ids`` a submission of this database already has."""
    taken: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        cur = await tx.execute(f"SELECT submission_id FROM submissions WHERE submission_id IN "
                               f"({','.join('?' * len(chunk))})", tuple(chunk))
        taken.update(r[0] for r in await cur.fetchall())
    return taken


async def insert_submissions(tx: Tx, cid: str, submissions: Iterable[Submission]) -> None:
    await tx.executemany("INSERT INTO submissions (submission_id, contest_id, judge_id, project_id, round, marks, "
                         "received_at) VALUES (?,?,?,?,?,?,?)",
                         [(s.submission_id, cid, s.judge, s.project, s.round, json.dumps(s.values), s.received_at)
                          for s in submissions])


async def save_marks(tx: Tx, cid: str, marks: Iterable[MarkSet]) -> None:
    """Store mark sets (a new one, or one replacing the judge's earlier set for that roadshow and round)."""
    await tx.executemany("INSERT OR REPLACE INTO marks (contest_id, project_id, round, judge_id, submission_id, "
                         "marks, status, updated_at, updated_by, packed, packed_criteria) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                         [(cid, m.project, m.round, m.judge, m.submission_id, json.dumps(m.values), m.status,
                           m.updated_at, m.updated_by, *pack(m.values)) for m in marks])


# ---------------------------------------------------------------------- what an export copies
async def audit_rows(tx: Tx, cid: str) -> list[AuditRow]:
    cur = await tx.execute("SELECT seq, at, actor, action, detail, reason, client, prev_hash, hash FROM audit "
                           "WHERE contest_id = ? ORDER BY seq", (cid,))
    return [AuditRow(*r) for r in await cur.fetchall()]


async def submissions(tx: Tx, cid: str) -> list[Submission]:
    cur = await tx.execute("SELECT submission_id, judge_id, project_id, round, marks, received_at FROM submissions "
                           "WHERE contest_id = ? ORDER BY received_at, submission_id", (cid,))
    return [Submission(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in await cur.fetchall()]


# ---------------------------------------------------------------------- the audit log, filtered
def _audit_where(cid: str, project: str | None, judge: str | None, actions: Actions | None) -> tuple[str, list]:
    where, params = ["contest_id = ?"], [cid]
    if project:
        where.append("json_extract(detail, '$.project') = ?")
        params.append(project)
    if judge:
        where.append("(actor = ? OR json_extract(detail, '$.judge') = ?)")
        params += [f"judge:{judge}", judge]
    if actions is not None:
        anyof = ["substr(action, 1, ?) = ?"] * len(actions.prefixes) + ["action = ?"] * len(actions.names)
        where.append(f"({' OR '.join(anyof) or '0'})")
        for prefix in actions.prefixes:
            params += [len(prefix), prefix]
        params += list(actions.names)
        for name in actions.but:
            where.append("action <> ?")
            params.append(name)
    return " AND ".join(where), params


async def audit_page(store: Store, cid: str, *, project: str | None = None, judge: str | None = None,
                     actions: Actions | None = None, newest_first: bool = True, offset: int = 0,
                     limit: int = 100) -> tuple[int, list[dict]]:
    """(matching entries in all, one page of them: seq, at, actor, action, detail, reason, client, hash)."""
    where, params = _audit_where(cid, project, judge, actions)
    (total,) = await store.fetchone(f"SELECT COUNT(*) FROM audit WHERE {where}", tuple(params))
    rows = await store.fetchall(
        f"SELECT seq, at, actor, action, detail, reason, client, hash FROM audit WHERE {where} "
        f"ORDER BY seq {'DESC' if newest_first else 'ASC'} LIMIT ? OFFSET ?", (*params, limit, offset))
    return total, [{"seq": r[0], "at": r[1], "actor": r[2], "action": r[3], "detail": json.loads(r[4]),
                    "reason": r[5], "client": r[6], "hash": r[7]} for r in rows]


async def audit_raw(store: Store, cid: str, *, project: str | None = None, judge: str | None = None,
                    actions: Actions | None = None, newest_first: bool = False, after_seq: int | None = None,
                    before_seq: int | None = None, limit: int = 1000) -> tuple[int, list[dict]]:
    """(matching entries in all, cursors aside; up to ``limit`` of them after/before the cursors, as stored)."""
    where, params = _audit_where(cid, project, judge, actions)
    (total,) = await store.fetchone(f"SELECT COUNT(*) FROM audit WHERE {where}", tuple(params))
    if after_seq is not None:
        where += " AND seq > ?"
        params.append(int(after_seq))
    if before_seq is not None:
        where += " AND seq < ?"
        params.append(int(before_seq))
    rows = await store.fetchall(
        f"SELECT seq, contest_id, at, actor, action, detail, reason, client, hash FROM audit WHERE {where} "
        f"ORDER BY seq {'DESC' if newest_first else 'ASC'} LIMIT ?", (*params, limit))
    return total, [{"seq": r[0], "contest_id": r[1], "at": r[2], "actor": r[3], "action": r[4],
                    "detail": json.loads(r[5]), "reason": r[6], "client": r[7], "hash": r[8]} for r in rows]


async def audit_head(store: Store, cid: str) -> dict:
    """How many audit entries the contest has, and its last one's number and hash."""
    count, last = await store.fetchone("SELECT COUNT(*), MAX(seq) FROM audit WHERE contest_id = ?", (cid,))
    row = await store.fetchone("SELECT hash FROM audit WHERE seq = ?", (last,)) if last is not None else None
    return {"contest_entries": count, "last_seq": last, "last_hash": row[0] if row else None}


# ---------------------------------------------------------------------- the organizer key and console sessions
async def meta(store: Store, key: str) -> str | None:
    row = await store.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
    return row[0] if row else None


async def save_organizer_key(tx: Tx, record: dict, session_secret: str) -> None:
    await tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('organizer_key', ?)", (json.dumps(record),))
    await tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('session_secret', ?)", (session_secret,))


# only a hash of a session cookie's id is ever stored (judging.app.sessions)
async def insert_session(tx: "Tx", id_hash: str, at: float, client: str, user_agent: str) -> None:
    await tx.execute("INSERT INTO sessions (id_hash, created_at, last_seen, client, user_agent) "
                     "VALUES (?,?,?,?,?)", (id_hash, at, at, client, user_agent))


async def session_seen(tx: "Tx", id_hash: str, at: float) -> None:
    await tx.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ? AND last_seen < ?",
                     (at, id_hash, at))


async def end_sessions(tx: "Tx", at: float, why: str, only: list[str] | None = None) -> int:
    """Revoke the live sessions named in ``only`` (every live one if None); returns how many."""
    if only is None:
        cur = await tx.execute("UPDATE sessions SET revoked_at = ?, ended = ? WHERE revoked_at IS NULL",
                               (at, why))
        return cur.rowcount
    ended = 0
    for id_hash in only:
        cur = await tx.execute("UPDATE sessions SET revoked_at = ?, ended = ? "
                               "WHERE id_hash = ? AND revoked_at IS NULL", (at, why, id_hash))
        ended += cur.rowcount
    return ended


async def forget_sessions(tx: "Tx", before: float) -> None:
    """Drop the rows of sessions unused since ``before`` (their log-ins and log-outs stay in the audit)."""
    await tx.execute("DELETE FROM sessions WHERE last_seen < ?", (before,))


async def live_sessions(store: Store, seen_since: float) -> list:
    """Sessions not revoked and used since ``seen_since``: id_hash, created_at, last_seen, client, user_agent."""
    return await store.fetchall("SELECT id_hash, created_at, last_seen, client, user_agent FROM sessions "
                                "WHERE revoked_at IS NULL AND last_seen >= ? ORDER BY created_at", (seen_since,))


# ---------------------------------------------------------------------- a database file, checked
def schema_of(path: str) -> tuple[int, set[str]]:
    """(schema version, table names) of the database file at ``path``, opened read-only (sqlite3.Error if it
    is not a database)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (version,) = con.execute("PRAGMA user_version").fetchone()
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()
    return version, tables


def verify_chain(path: str) -> tuple[bool, str]:
    """Re-derive every audit hash of the database at ``path``.  (ok, message)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        con.execute("BEGIN")  # one read snapshot: a running server may append between the two reads
        rows = con.execute("SELECT seq, contest_id, at, actor, action, detail, reason, client, prev_hash, hash "
                           "FROM audit ORDER BY seq").fetchall()
        head_row = con.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    finally:
        con.close()
    prev, expected_seq = GENESIS, 1
    for seq, cid, at, actor, action, detail, reason, client, prev_hash, h in rows:
        if seq != expected_seq:
            return False, f"audit entry {expected_seq} is missing (next is {seq}): a row was deleted"
        if prev_hash != prev:
            return False, f"audit entry {seq}: does not follow entry {seq - 1} (inserted or altered row)"
        if entry_hash(prev, seq, cid, at, actor, action, detail, reason, client) != h:
            return False, f"audit entry {seq}: its content does not match its hash (edited row)"
        prev, expected_seq = h, seq + 1
    if head_row is not None:
        head_seq, head_hash = json.loads(head_row[0])
        if head_seq < expected_seq - 1:
            return False, f"the audit log goes on after entry {head_seq}, the last one written by the server: " \
                          f"entries {head_seq + 1}-{expected_seq - 1} were added behind its back"
        if head_seq != expected_seq - 1 or head_hash != prev:
            return False, f"the audit log ends at entry {expected_seq - 1} but was last written at {head_seq}: " \
                          "rows were removed from the end"
    elif rows:
        return False, "the audit head record is missing"
    return True, f"audit chain intact: {len(rows)} entries"
