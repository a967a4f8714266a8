"""Staff of a contest: issuing a key (shown once, stored hashed), looking one up, listing, revoking.

What it does: the organizer adds a staff member (名字 + role + contest, :mod:`judging.core.roles`); the member
gets a random key (``staff-`` + 32 random characters, ~190 bits: a SHA-256 of it is what the database keeps, as
for console session ids: a key this long needs no slow hash) and a login link ``/k/<key>``.  Presenting the key
(Bearer, or signing in with it: a console session bound to the member, :mod:`judging.app.sessions`) makes the
caller that member.  Revoking stores the revocation, ends the member's console sessions in the same
transaction and closes their sockets and those opened with the key itself (:meth:`Staff.watch`).  Every
change is audited in the contest's log.  Live staff are held in memory (loaded at start), so a request costs
one SHA-256 and a dict lookup.

What it does not do: decide what a role may do (:mod:`judging.core.roles`), HTTP (:mod:`judging.web.staff_api`),
SQL (:mod:`judging.storage.repository_staff`).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Callable

from judging.app.errors import Invalid, NotFound
from judging.app.sessions import Sessions
from judging.core import roles
from judging.core.text import LINE, text_problem
from judging.storage import repository as repo
from judging.storage import repository_staff as staff_repo
from judging.storage.store import Store

log = logging.getLogger("judging.app.staff")
KEY_PREFIX = "staff-"
MAX_PER_CONTEST = 50


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Member:
    id: str
    contest: str
    name: str
    role: str
    created_at: float
    created_by: str

    def principal(self) -> roles.Principal:
        return roles.Principal(self.role, roles.staff_actor(self.id, self.name), self.contest, self.id, self.name)

    def to_json(self, sessions: int = 0) -> dict:
        return {"id": self.id, "contest": self.contest, "name": self.name, "role": self.role,
                "role_label": roles.role_label(self.role), "created_at": self.created_at,
                "created_by": self.created_by, "sessions": sessions}


class Staff:
    def __init__(self, store: Store, sessions: Sessions, clock: Callable[[], float] = time.time) -> None:
        self.store, self.sessions, self.clock = store, sessions, clock
        self._by_hash: dict[str, Member] = {}
        self._by_id: dict[str, Member] = {}
        self._watchers: dict[str, set[Callable[[], None]]] = {}

    async def load(self) -> None:
        rows = await staff_repo.live_staff(self.store)
        self._by_hash = {r[4]: Member(r[0], r[1], r[2], r[3], r[5], r[6]) for r in rows}
        self._by_id = {m.id: m for m in self._by_hash.values()}

    # ------------------------------------------------------------------ looking up
    def by_key(self, key: str | None) -> Member | None:
        """The live member this key belongs to, else None (costs one SHA-256)."""
        if not key or not isinstance(key, str) or not key.startswith(KEY_PREFIX):
            return None
        return self._by_hash.get(key_hash(key))

    def get(self, staff_id: str | None) -> Member | None:
        return self._by_id.get(staff_id or "")

    def of_contest(self, cid: str) -> list[Member]:
        return sorted((m for m in self._by_id.values() if m.contest == cid), key=lambda m: m.created_at)

    def listing(self, cid: str) -> list[dict]:
        return [m.to_json(len(self.sessions.of_staff(m.id))) for m in self.of_contest(cid)]

    # ------------------------------------------------------------------ issuing and revoking
    async def issue(self, cid: str, name: object, role: object, actor: str, client: str = "") -> tuple[Member, str]:
        """A new staff member of contest ``cid``; returns it and its key (the only time the key is seen)."""
        errors: dict[str, str] = {}
        if not isinstance(name, str) or not name.strip():
            errors["name"] = "请填写名字 / name is required"
        elif problem := text_problem(name.strip(), LINE, ("名字", "the name")):
            errors["name"] = problem
        if role not in roles.STAFF_ROLES:
            errors["role"] = ("角色须为 operator（运行员）、scorekeeper（记分员）或 viewer（观察员） / role must be "
                              "operator, scorekeeper or viewer")
        if not errors and len(self.of_contest(cid)) >= MAX_PER_CONTEST:
            errors["name"] = f"每个大赛最多 {MAX_PER_CONTEST} 名工作人员 / at most {MAX_PER_CONTEST} staff per contest"
        if errors:
            raise Invalid(next(iter(errors.values())), errors)
        key = KEY_PREFIX + secrets.token_urlsafe(24)
        member = Member(f"st{secrets.token_hex(4)}", cid, name.strip(), str(role), self.clock(), actor)  # type: ignore[union-attr]
        h = key_hash(key)
        async with self.store.write() as tx:
            await staff_repo.insert_staff(tx, member.id, cid, member.name, member.role, h, member.created_at, actor)
            await tx.audit(cid, actor, "staff.create", {"staff": member.id, "name": member.name, "role": member.role},
                           client=client)

            def commit() -> None:
                self._by_hash[h] = member
                self._by_id[member.id] = member
            tx.on_commit(commit)
        return member, key

    async def revoke(self, cid: str, staff_id: str, actor: str, client: str = "") -> int:
        """Revoke a member of contest ``cid``: its key stops working, its sessions end, its sockets close.
        Returns how many console sessions were ended."""
        member = self._by_id.get(staff_id)
        if member is None or member.contest != cid:
            raise NotFound("没有这名工作人员（可能已撤销）/ no such staff member (revoked already?)")
        sessions = [s.id_hash for s in self.sessions.of_staff(staff_id)]
        now = self.clock()
        async with self.store.write() as tx:
            if not await staff_repo.revoke_staff(tx, staff_id, now):
                raise NotFound("这名工作人员刚刚已被撤销 / that staff member has just been revoked")
            ended = await repo.end_sessions(tx, now, "staff_revoked", sessions) if sessions else 0
            await tx.audit(cid, actor, "staff.revoke", {"staff": staff_id, "name": member.name, "role": member.role,
                                                        "sessions_ended": ended}, client=client)

            def commit() -> None:
                self._by_id.pop(staff_id, None)
                self._by_hash = {h: m for h, m in self._by_hash.items() if m.id != staff_id}
                self.sessions.forget(sessions)
                for on_end in list(self._watchers.pop(staff_id, ())):
                    try:
                        on_end()
                    except Exception:  # one broken socket must not keep the others open
                        log.exception("closing a socket of a revoked staff member failed")
            tx.on_commit(commit)
        return ended

    async def contest_deleted(self, cid: str) -> int:
        """Contest ``cid`` was deleted (its staff rows with it, :mod:`judging.app.lifecycle`): its members'
        sessions end and their sockets close, with no audit entry of their own (``contest.delete`` closed the
        contest's log).  Returns how many console sessions were ended."""
        members = self.of_contest(cid)
        if not members:
            return 0
        sessions = [s.id_hash for m in members for s in self.sessions.of_staff(m.id)]
        ended = 0
        if sessions:
            async with self.store.write() as tx:
                ended = await repo.end_sessions(tx, self.clock(), "contest_deleted", sessions)
        gone = {m.id for m in members}
        self._by_id = {k: m for k, m in self._by_id.items() if k not in gone}
        self._by_hash = {h: m for h, m in self._by_hash.items() if m.id not in gone}
        self.sessions.forget(sessions)
        for staff_id in gone:
            for on_end in list(self._watchers.pop(staff_id, ())):
                try:
                    on_end()
                except Exception:  # one broken socket must not keep the others open
                    log.exception("closing a socket of a deleted contest's staff member failed")
        return ended

    # ------------------------------------------------------------------ sockets
    def watch(self, staff_id: str, on_end: Callable[[], None]) -> Callable[[], None]:
        """Call ``on_end`` when the member is revoked (at once if it already is); returns the unwatch function."""
        if staff_id not in self._by_id:
            on_end()
            return lambda: None
        self._watchers.setdefault(staff_id, set()).add(on_end)

        def unwatch() -> None:
            watchers = self._watchers.get(staff_id)
            if watchers is not None:
                watchers.discard(on_end)
                if not watchers:
                    del self._watchers[staff_id]
        return unwatch

