"""The SQL of the contest lifecycle (issue 14): rehearsal flag, reset, the archive-export record, delete.

What it does: names, once, which tables hold rows of one contest (:data:`EVENING_TABLES`: what an evening
makes, what a rehearsal reset removes; :data:`SETUP_TABLES`: the setup; :data:`PER_CONTEST_TABLES`: both, what
a delete removes before the ``contests`` row itself).  A new table with a ``contest_id`` column is one more
name in one of these lists (the audience ballots of issue 12: in ``EVENING_TABLES``) -- docs/STORAGE.md.
Also reads the lifecycle columns back at start, writes the rehearsal flag and the last archive export, counts
and deletes a contest's rows inside the caller's :meth:`~judging.storage.store.Store.write` transaction.

What it does not do: decide anything (:mod:`judging.app.lifecycle` checks first and calls these inside its
transaction), commit, or touch the audit table: a contest's audit rows are never deleted, since the hash
chain of the whole database runs through them (:func:`judging.storage.repository.verify_chain`).
"""

from __future__ import annotations

import json

from judging.storage.store import Store, Tx

# rows the evening makes (what a reset deletes): marks, what the phones sent, the mark checkpoint of issue 11
# (a copy of the marks); issue 12 adds its ballots here.  A table a database does not have (yet) is skipped.
EVENING_TABLES: tuple[str, ...] = ("marks", "submissions", "mark_checkpoints", "paper_entries",
                                   "audience_ballots")
# the rows that say a contest "has marks" (a reset outside rehearsal, leaving rehearsal, a delete without archive)
MARK_TABLES: tuple[str, ...] = ("marks", "submissions", "audience_ballots")
# rows a reset keeps: the setup (children of the contests row) and the marks' revision counter of issue 11
# (it only ever grows, so no checkpoint of the rehearsal's marks can look current again; the marks' delete
# trigger bumps it, so it is deleted after ``marks``)
SETUP_TABLES: tuple[str, ...] = ("recusals", "judges", "projects", "mark_revs", "staff", "stages", "brands",
                                 "brand_images", "audience_codes")
# every table but ``contests`` and ``audit`` with a row per contest (``contest_id``): what a delete removes
PER_CONTEST_TABLES: tuple[str, ...] = EVENING_TABLES + SETUP_TABLES


async def load_flags(store: Store) -> dict[str, tuple[bool, dict | None]]:
    """contest id -> (in rehearsal mode, its last archive export or None), for every stored contest."""
    rows = await store.fetchall("SELECT id, rehearsal, archive_export FROM contests")
    return {r[0]: (bool(r[1]), json.loads(r[2]) if r[2] else None) for r in rows}


async def archive_export(tx: Tx, cid: str) -> dict | None:
    """The contest's last recorded JSON archive export ``{at, last_seq, last_hash}``, or None."""
    row = await tx.fetchone("SELECT archive_export FROM contests WHERE id = ?", (cid,))
    return json.loads(row[0]) if row and row[0] else None


async def save_archive_export(tx: Tx, cid: str, record: dict) -> None:
    await tx.execute("UPDATE contests SET archive_export = ? WHERE id = ?", (json.dumps(record), cid))


async def save_rehearsal(tx: Tx, cid: str, on: bool) -> None:
    await tx.execute("UPDATE contests SET rehearsal = ? WHERE id = ?", (1 if on else 0, cid))


async def last_audit(tx: Tx, cid: str) -> tuple[int, str] | None:
    """(seq, hash) of the contest's newest audit entry, or None."""
    row = await tx.fetchone("SELECT seq, hash FROM audit WHERE contest_id = ? ORDER BY seq DESC LIMIT 1", (cid,))
    return (row[0], row[1]) if row else None


async def _present(tx: Tx, tables: tuple[str, ...]) -> list[str]:
    """``tables`` that this database has, in the order given."""
    cur = await tx.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    have = {r[0] for r in await cur.fetchall()}
    return [t for t in tables if t in have]


async def count_rows(tx: Tx, cid: str, tables: tuple[str, ...]) -> dict[str, int]:
    """How many rows of contest ``cid`` each of ``tables`` (that the database has) holds."""
    out = {}
    for table in await _present(tx, tables):
        (out[table],) = await tx.fetchone(f"SELECT COUNT(*) FROM {table} WHERE contest_id = ?", (cid,))
    return out


async def delete_rows(tx: Tx, cid: str, tables: tuple[str, ...]) -> dict[str, int]:
    """Delete contest ``cid``'s rows of ``tables`` (that the database has, in that order); how many each had."""
    out = {}
    for table in await _present(tx, tables):
        cur = await tx.execute(f"DELETE FROM {table} WHERE contest_id = ?", (cid,))
        out[table] = cur.rowcount
    return out


async def delete_contest(tx: Tx, cid: str) -> dict[str, int]:
    """Every row of contest ``cid`` but its audit entries: the per-contest tables, then its ``contests`` row."""
    removed = await delete_rows(tx, cid, PER_CONTEST_TABLES)
    cur = await tx.execute("DELETE FROM contests WHERE id = ?", (cid,))
    removed["contests"] = cur.rowcount
    return removed

