"""The staff's SQL: staff members of a contest (hashed keys, revocation) and which console session is whose.

What it does: inserts a staff member, marks one revoked, reads the live ones back at start, binds a console
session to its staff member and reads those bindings back, all inside the caller's transaction (writes) or
on the store (reads).  What it does not do: decide anything, generate or check keys (:mod:`judging.app.staff`).
"""

from __future__ import annotations

from judging.storage.store import Store, Tx


async def insert_staff(tx: Tx, staff_id: str, cid: str, name: str, role: str, key_hash: str, at: float,
                       by: str) -> None:
    await tx.execute("INSERT INTO staff (id, contest_id, name, role, key_hash, created_at, created_by) "
                     "VALUES (?,?,?,?,?,?,?)", (staff_id, cid, name, role, key_hash, at, by))


async def revoke_staff(tx: Tx, staff_id: str, at: float) -> int:
    cur = await tx.execute("UPDATE staff SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (at, staff_id))
    return cur.rowcount


async def live_staff(store: Store) -> list:
    """Staff not revoked: id, contest_id, name, role, key_hash, created_at, created_by."""
    return await store.fetchall("SELECT id, contest_id, name, role, key_hash, created_at, created_by FROM staff "
                                "WHERE revoked_at IS NULL ORDER BY created_at")


async def bind_session(tx: Tx, id_hash: str, staff_id: str) -> None:
    await tx.execute("UPDATE sessions SET staff_id = ? WHERE id_hash = ?", (staff_id, id_hash))


async def session_staff(store: Store) -> dict[str, str]:
    """Live console sessions signed in with a staff key: session id_hash -> staff id."""
    rows = await store.fetchall("SELECT id_hash, staff_id FROM sessions WHERE staff_id IS NOT NULL "
                                "AND revoked_at IS NULL")
    return {r[0]: r[1] for r in rows}
