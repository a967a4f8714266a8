"""The audit chain's arithmetic and the storage errors: plain Python, no database.

What it does: :func:`entry_hash` (the SHA-256 that links each audit entry to the one before it, from
``GENESIS``), :class:`AuditEntry` (one stored entry), :class:`StorageFull` and :func:`is_disk_full`
(a write refused for lack of space).  Shared by the store (which appends entries), the repository (which
re-checks a database's chain) and the archive reader (which checks an archive's entries).

What it does not do: read or write anything (:mod:`judging.storage.store`, :mod:`judging.storage.repository`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

GENESIS = "0" * 64


class StorageFull(sqlite3.OperationalError):
    """The disk (or the database's page limit) is full: the write was rolled back, nothing was stored."""

    def __init__(self) -> None:
        super().__init__("存储空间已满，本次更改未保存 / disk full: NOT saved")


def is_disk_full(e: BaseException) -> bool:
    """SQLITE_FULL, or the operating system saying no space is left."""
    if isinstance(e, sqlite3.Error):
        return (getattr(e, "sqlite_errorcode", 0) or 0) & 0xFF == sqlite3.SQLITE_FULL \
            or "database or disk is full" in str(e)
    return isinstance(e, OSError) and e.errno == 28  # ENOSPC


def entry_hash(prev_hash: str, seq: int, contest_id: str | None, at: float, actor: str, action: str,
               detail: str, reason: str, client: str) -> str:
    payload = json.dumps([prev_hash, seq, contest_id, repr(at), actor, action, detail, reason, client],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    contest_id: str | None
    at: float
    actor: str
    action: str
    detail: dict
    reason: str
    client: str
    hash: str

    def to_json(self) -> dict:
        return {"seq": self.seq, "contest_id": self.contest_id, "at": self.at, "actor": self.actor,
                "action": self.action, "detail": self.detail, "reason": self.reason, "client": self.client,
                "hash": self.hash}
