"""The statements of the mark checkpoints (migration 5): read the current one, note the revision, save one.

What it does: :func:`load_checkpoint` gives a contest's checkpointed mark columns when the checkpoint is current
(its ``rev`` equals the contest's mark revision, which triggers on ``marks`` bump), else None -- also when the
blob does not decode (logged; the caller then reads the rows); :func:`mark_rev` reads the revision inside a
write transaction (with the columns in memory equal to the database there); :func:`save_checkpoint` stores a
blob taken at that revision, unless the revision has moved on since.

What it does not do: encode (:mod:`judging.storage.mark_checkpoint`) or decide when (:mod:`judging.app.checkpoints`).
"""

from __future__ import annotations

import logging

from judging.storage.mark_checkpoint import decode
from judging.storage.mark_columns import MarkColumns
from judging.storage.store import Store, Tx

log = logging.getLogger("judging")

# a checkpoint is current while its rev is the contest's mark revision (0: no mark row ever changed)
_CURRENT = "c.rev = COALESCE((SELECT r.rev FROM mark_revs r WHERE r.contest_id = c.contest_id), 0)"


async def load_checkpoint(store: Store, cid: str) -> MarkColumns | None:
    row = await store.fetchone(f"SELECT c.data FROM mark_checkpoints c WHERE c.contest_id = ? AND {_CURRENT}", (cid,))
    if row is None:
        return None
    try:
        return decode(row[0])
    except (ValueError, KeyError, TypeError) as e:
        log.warning("contest %s: mark checkpoint not usable (%s); reading the mark rows", cid, e)
        return None


async def mark_rev(tx: Tx, cid: str) -> int:
    row = await tx.fetchone("SELECT rev FROM mark_revs WHERE contest_id = ?", (cid,))
    return int(row[0]) if row else 0


async def has_current_checkpoint(tx: Tx, cid: str) -> bool:
    row = await tx.fetchone(f"SELECT 1 FROM mark_checkpoints c WHERE c.contest_id = ? AND {_CURRENT}", (cid,))
    return row is not None


async def save_checkpoint(tx: Tx, cid: str, rev: int, sets: int, at: float, data: bytes) -> bool:
    """Store ``data`` (taken at mark revision ``rev``); False (nothing stored) when the marks changed since."""
    if await mark_rev(tx, cid) != rev:
        return False
    await tx.execute("INSERT OR REPLACE INTO mark_checkpoints (contest_id, rev, sets, at, data) VALUES (?,?,?,?,?)",
                     (cid, rev, sets, at, data))
    return True


async def drop_checkpoint(tx: Tx, cid: str) -> None:
    await tx.execute("DELETE FROM mark_checkpoints WHERE contest_id = ?", (cid,))


async def checkpoint_size(store: Store, cid: str) -> int:
    """Bytes of the contest's stored checkpoint (0: none) (for the benchmark)."""
    row = await store.fetchone("SELECT length(data) FROM mark_checkpoints WHERE contest_id = ?", (cid,))
    return int(row[0]) if row else 0
