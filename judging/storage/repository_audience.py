"""The audience's SQL (docs/AUDIENCE.md): link tokens, audience state, ballots and ballot codes.

What it does: loads every contest's audience at start (:func:`load_audience`, as
:mod:`judging.storage.records` dataclasses), and writes inside the caller's
:meth:`~judging.storage.store.Store.write` transaction: a ballot (one row per voter per window, replaced by a
re-vote), the audience state and token, generated codes, a code bound to a voter; reads and creates the
secret that signs device credentials (``meta.audience_secret``).

What it does not do: decide anything (:mod:`judging.app.audience` checks first), commit, or keep anything
in memory.
"""

from __future__ import annotations

import json
from typing import Iterable

from judging.storage.records import AudienceBallot, AudienceCode, StoredAudience
from judging.storage.store import Store, Tx


async def load_audience(store: Store) -> dict[str, StoredAudience]:
    """contest id -> its audience as stored (every contest row, also one without ballots)."""
    out: dict[str, StoredAudience] = {}
    for cid, token, state in await store.fetchall("SELECT id, audience_token, audience FROM contests"):
        try:
            data = json.loads(state or "{}")
        except ValueError:
            data = {}
        out[cid] = StoredAudience(token, data if isinstance(data, dict) else {})
    for cid, window, voter, kind, value, bid, at, client in await store.fetchall(
            "SELECT contest_id, window, voter, kind, value, ballot_id, updated_at, client FROM audience_ballots "
            "ORDER BY updated_at, rowid"):
        if cid in out:
            out[cid].ballots.append(AudienceBallot(window, voter, kind, json.loads(value), bid, at, client))
    for cid, code, voter, used in await store.fetchall(
            "SELECT contest_id, code, voter, used_at FROM audience_codes ORDER BY rowid"):
        if cid in out:
            out[cid].codes.append(AudienceCode(code, voter, used))
    return out


async def audience_secret(store: Store) -> str | None:
    row = await store.fetchone("SELECT value FROM meta WHERE key = 'audience_secret'")
    return row[0] if row else None


async def save_audience_secret(tx: Tx, secret: str) -> None:
    await tx.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('audience_secret', ?)", (secret,))


async def token_taken(tx: Tx, token: str, cid: str) -> bool:
    row = await tx.fetchone("SELECT 1 FROM contests WHERE audience_token = ? AND id <> ?", (token, cid))
    return row is not None


async def save_token(tx: Tx, cid: str, token: str) -> None:
    await tx.execute("UPDATE contests SET audience_token = ? WHERE id = ?", (token, cid))


async def save_state(tx: Tx, cid: str, state: dict) -> None:
    await tx.execute("UPDATE contests SET audience = ? WHERE id = ?",
                     (json.dumps(state, ensure_ascii=False, sort_keys=True), cid))


async def save_ballots(tx: Tx, cid: str, ballots: Iterable[AudienceBallot]) -> None:
    """A ballot, or one replacing the voter's earlier ballot in that window."""
    await tx.executemany(
        "INSERT OR REPLACE INTO audience_ballots (contest_id, window, voter, kind, value, ballot_id, updated_at, "
        "client) VALUES (?,?,?,?,?,?,?,?)",
        [(cid, b.window, b.voter, b.kind, json.dumps(b.value, ensure_ascii=False), b.ballot_id, b.updated_at,
          b.client) for b in ballots])


async def insert_codes(tx: Tx, cid: str, codes: Iterable[AudienceCode]) -> None:
    await tx.executemany("INSERT INTO audience_codes (contest_id, code, voter, used_at) VALUES (?,?,?,?)",
                         [(cid, c.code, c.voter, c.used_at) for c in codes])


async def bind_code(tx: Tx, cid: str, code: str, voter: str, at: float) -> None:
    await tx.execute("UPDATE audience_codes SET voter = ?, used_at = ? WHERE contest_id = ? AND code = ?",
                     (voter, at, cid, code))


async def delete_audience(tx: Tx, cid: str) -> None:
    """Every ballot and code of a contest (an archive import replacing them)."""
    await tx.execute("DELETE FROM audience_ballots WHERE contest_id = ?", (cid,))
    await tx.execute("DELETE FROM audience_codes WHERE contest_id = ?", (cid,))


async def reset_audience(tx: Tx, cid: str) -> None:
    """A rehearsal's reset: the ballots go, the printed codes stay but are free again (a code a rehearsal phone
    used must still work on the night)."""
    await tx.execute("DELETE FROM audience_ballots WHERE contest_id = ?", (cid,))
    await tx.execute("UPDATE audience_codes SET voter = NULL, used_at = NULL WHERE contest_id = ?", (cid,))
