"""The paper entries' rows and statements: every typed entry of a paper score sheet, kept for ever.

What it does: :class:`PaperEntry` (one entry as stored: who typed it, under which credential, the values,
whether it asked to replace a phone mark set, and its status), :func:`load_entries` (a contest's entries at
start, oldest first), :func:`insert_entries` and :func:`settle` (an entry's status changes: ``agreed`` when it
and another entry made the mark set, ``superseded`` when another pair agreed first, ``discarded`` by the
scorekeeper), all inside the caller's :meth:`~judging.storage.store.Store.write` transaction.

What it does not do: compare entries or decide anything (:mod:`judging.app.paper`, :mod:`judging.core.paper`),
or store the mark set itself (:func:`judging.storage.repository.save_marks`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

from judging.storage.store import Store, Tx

STATUSES = ("pending", "agreed", "superseded", "discarded")
_COLUMNS = ("id, project_id, round, judge_id, marks, entered_by, actor, client, entered_at, replacing, status, "
            "settled_at, settled_by")


@dataclass(frozen=True)
class PaperEntry:
    id: str
    project: str
    round: str
    judge: str
    values: dict[str, float]
    entered_by: str          # the name the typist gave on the entry screen
    actor: str               # the credential it came with (organizer, organizer:api, a staff role ...)
    client: str
    entered_at: float
    replacing: bool = False  # asked to replace the judge's phone mark set
    status: str = "pending"
    settled_at: float | None = None
    settled_by: str = ""     # agreed: the other entry's id; discarded: who discarded it (and why)

    @property
    def sheet(self) -> tuple[str, str, str]:
        """(project, round, judge): the mark set this entry is for (the marks' key)."""
        return self.project, self.round, self.judge

    def to_json(self) -> dict:
        return {"id": self.id, "project": self.project, "round": self.round, "judge": self.judge,
                "values": self.values, "entered_by": self.entered_by, "actor": self.actor, "client": self.client,
                "entered_at": self.entered_at, "replacing": self.replacing, "status": self.status,
                "settled_at": self.settled_at, "settled_by": self.settled_by}


def _entry(row) -> PaperEntry:
    return PaperEntry(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], row[7], row[8],
                      bool(row[9]), row[10], row[11], row[12])


async def load_entries(store: Store, cid: str) -> list[PaperEntry]:
    """Every paper entry of contest ``cid``, in the order they were typed."""
    rows = await store.fetchall(f"SELECT {_COLUMNS} FROM paper_entries WHERE contest_id = ? "
                                "ORDER BY entered_at, id", (cid,))
    return [_entry(r) for r in rows]


async def insert_entries(tx: Tx, cid: str, entries: Iterable[PaperEntry]) -> None:
    await tx.executemany(f"INSERT INTO paper_entries (contest_id, {_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         [(cid, e.id, e.project, e.round, e.judge, json.dumps(e.values), e.entered_by, e.actor,
                           e.client, e.entered_at, int(e.replacing), e.status, e.settled_at, e.settled_by)
                          for e in entries])


async def settle(tx: Tx, cid: str, entries: Iterable[PaperEntry]) -> None:
    """Store the new status of entries already stored (their values never change)."""
    await tx.executemany("UPDATE paper_entries SET status = ?, settled_at = ?, settled_by = ? "
                         "WHERE contest_id = ? AND id = ?",
                         [(e.status, e.settled_at, e.settled_by, cid, e.id) for e in entries])
