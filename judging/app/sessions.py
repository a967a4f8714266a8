"""Console sessions the server can end: signing in, checking, listing and revoking them.

What it does: a console sign-in gets a random session id; the signed ``judging_session`` cookie carries
only that id (and the page's CSRF token), the ``sessions`` table holds a SHA-256 of it with when it was
made and last used, the client address and a shortened user agent.  A copied cookie is worth nothing
once its session is ended: on logout, from the console's "signed-in devices" list, for every session
when the organizer key changes (:mod:`judging.app.auth`), and by itself after :data:`IDLE_SECONDS` unused.

Checking is cheap: the live sessions are held in memory (loaded at start, changed right after each
commit), so a request costs one SHA-256 and a dict lookup (about 1.5 µs); ``last_seen`` is written at
most once a :data:`SEEN_EVERY` per session, in the background; once a minute the sessions gone idle are
dropped.  Sockets opened by a session register a callback
(:meth:`Sessions.watch`) that runs when it ends, so a revoked console's open socket is closed at once.
Sign-in, sign-out and revocations are written to the hash-chained audit log.

What it does not do: cookies, CSRF or HTTP answers (:mod:`judging.web.deps`, :mod:`judging.web.pages`,
:mod:`judging.web.sessions_api`), or check the organizer key (:mod:`judging.app.auth`).  SQL lives in
:mod:`judging.storage.store`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Callable

from judging.storage import repository as repo
from judging.storage import repository_staff as staff_repo
from judging.storage.store import Store

log = logging.getLogger("judging.app.sessions")

IDLE_SECONDS = 12 * 3600       # unused this long: ended (an evening and its set-up afternoon fit in it)
MAX_AGE_SECONDS = 14 * 24 * 3600  # the cookie's own lifetime; also the longest a session lives in use
SEEN_EVERY = 60.0              # last_seen is stored at most this often per session
UA_MAX = 160                   # characters of the user agent kept
PUBLIC_ID = re.compile(r"^[0-9a-f]{16}$")


def hash_id(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def clean_agent(user_agent: str) -> str:
    return "".join(c for c in user_agent if c.isprintable())[:UA_MAX]


@dataclass
class Session:
    id_hash: str
    created_at: float
    last_seen: float
    client: str
    user_agent: str
    seen_stored: float = 0.0  # the last_seen the database holds
    staff_id: str | None = None  # signed in with a staff key (judging.app.staff); None: the organizer

    @property
    def id(self) -> str:
        """The name the console and the API use: a prefix of the hash, never the cookie's secret id."""
        return self.id_hash[:16]


class Sessions:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time, idle: float = IDLE_SECONDS,
                 max_age: float = MAX_AGE_SECONDS) -> None:
        self.store, self.clock, self.idle, self.max_age = store, clock, idle, max_age
        self._live: dict[str, Session] = {}
        self._watchers: dict[str, set[Callable[[], None]]] = {}
        self._tasks: set[asyncio.Task] = set()
        self._sweeper: asyncio.Task | None = None

    async def load(self) -> None:
        """Read the live sessions (once, at start); rows unused for longer than a cookie lives are dropped."""
        now = self.clock()
        async with self.store.write() as tx:
            await repo.forget_sessions(tx, now - 2 * self.max_age)
        rows = await repo.live_sessions(self.store, now - self.idle)
        staff = await staff_repo.session_staff(self.store)
        self._live = {r[0]: Session(r[0], r[1], r[2], r[3], r[4], seen_stored=r[2], staff_id=staff.get(r[0]))
                      for r in rows if now - r[1] <= self.max_age}

    def start_sweeping(self, every: float = SEEN_EVERY) -> None:
        """Every ``every`` seconds, end the sessions that went idle, so their open console sockets close too
        (requests find out by themselves in :meth:`check`)."""
        async def sweep() -> None:
            while True:
                await asyncio.sleep(every)
                self.live()
        self._sweeper = asyncio.get_running_loop().create_task(sweep())

    async def close(self) -> None:
        """Stop sweeping; wait for the last_seen writes still under way (before the store closes)."""
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()
            await asyncio.gather(sweeper, return_exceptions=True)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # ------------------------------------------------------------------ signing in and checking
    async def create(self, client: str, user_agent: str, replaces: str | None = None,
                     staff: tuple[str, str, str] | None = None) -> str:
        """A new session; returns the raw id for the cookie.  ``replaces``: the raw id this browser held
        before, ended in the same transaction (signing in again never leaves the old id alive).  ``staff``:
        (staff id, contest id, audit actor) of a staff member signing in (the session is bound to it), else the organizer."""
        raw = secrets.token_urlsafe(32)
        now = self.clock()
        s = Session(hash_id(raw), now, now, client, clean_agent(user_agent), seen_stored=now,
                    staff_id=staff[0] if staff else None)
        old = self._live.get(hash_id(replaces)) if replaces else None
        async with self.store.write() as tx:
            if old is not None:
                await repo.end_sessions(tx, now, "replaced", [old.id_hash])
            await repo.insert_session(tx, s.id_hash, now, s.client, s.user_agent)
            if staff:
                await staff_repo.bind_session(tx, s.id_hash, staff[0])
            await tx.audit(staff[1] if staff else None, staff[2] if staff else "organizer",
                           "session.login", {"session": s.id, "user_agent": s.user_agent}, client=client)

            def commit() -> None:
                if old is not None:
                    self._forget(old.id_hash)
                self._live[s.id_hash] = s
            tx.on_commit(commit)
        return raw

    def check(self, raw: str | None) -> Session | None:
        """The live session of this raw cookie id, or None (unknown, ended, or idle too long)."""
        if not raw or not isinstance(raw, str):
            return None
        s = self._live.get(hash_id(raw))
        if s is None:
            return None
        now = self.clock()
        if self._expired(s, now):
            self._forget(s.id_hash)
            return None
        s.last_seen = max(s.last_seen, now)
        if now - s.seen_stored >= SEEN_EVERY:
            s.seen_stored = now
            self._background(self._store_seen(s.id_hash, now))
        return s

    def _expired(self, s: Session, now: float) -> bool:
        return now - s.last_seen > self.idle or now - s.created_at > self.max_age

    # ------------------------------------------------------------------ listing and ending
    def live(self) -> list[Session]:
        """Live sessions, oldest first; idle ones are dropped on the way."""
        now = self.clock()
        for s in [s for s in self._live.values() if self._expired(s, now)]:
            self._forget(s.id_hash)
        return sorted(self._live.values(), key=lambda s: s.created_at)

    def find(self, public_id: str) -> Session | None:
        if not PUBLIC_ID.match(public_id or ""):
            return None
        return next((s for s in self.live() if s.id == public_id), None)

    async def end(self, sessions: list[Session], why: str, actor: str, client: str = "",
                  by: Session | None = None) -> int:
        """End ``sessions`` (why: 'logout' or 'revoked'): stored and audited first, then forgotten and their
        sockets closed.  Returns how many were still live."""
        if not sessions:
            return 0
        now = self.clock()
        async with self.store.write() as tx:
            ended = await repo.end_sessions(tx, now, why, [s.id_hash for s in sessions])
            action = "session.logout" if why == "logout" else "session.revoke"
            detail: dict = {"sessions": [s.id for s in sessions]}
            if by is not None and why != "logout":
                detail["by"] = by.id
            await tx.audit(None, actor, action, detail, client=client)

            def commit() -> None:
                for s in sessions:
                    self._forget(s.id_hash)
            tx.on_commit(commit)
        return ended

    # ------------------------------------------------------------------ sockets
    def watch(self, s: Session, on_end: Callable[[], None]) -> Callable[[], None]:
        """Call ``on_end`` when ``s`` ends (at once if it already has); returns the function that stops watching."""
        if s.id_hash not in self._live:
            on_end()
            return lambda: None
        self._watchers.setdefault(s.id_hash, set()).add(on_end)

        def unwatch() -> None:
            watchers = self._watchers.get(s.id_hash)
            if watchers is not None:
                watchers.discard(on_end)
                if not watchers:
                    del self._watchers[s.id_hash]
        return unwatch

    def of_staff(self, staff_id: str) -> list[Session]:
        """The live sessions signed in with that staff member's key."""
        return [s for s in self._live.values() if s.staff_id == staff_id]

    def forget(self, id_hashes: list[str]) -> None:
        """Sessions ended in the caller's committed transaction (a staff member revoked): dropped, sockets closed."""
        for id_hash in id_hashes:
            self._forget(id_hash)

    def _forget(self, id_hash: str) -> None:
        self._live.pop(id_hash, None)
        for on_end in list(self._watchers.pop(id_hash, ())):
            try:
                on_end()
            except Exception:  # one broken socket must not keep the others of this session open
                log.exception("closing a socket of an ended session failed")

    # ------------------------------------------------------------------ coarse last_seen
    def _background(self, job) -> None:
        try:
            task = asyncio.get_running_loop().create_task(job)
        except RuntimeError:
            job.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _store_seen(self, id_hash: str, at: float) -> None:
        try:
            async with self.store.write() as tx:
                await repo.session_seen(tx, id_hash, at)
        except Exception as e:  # e.g. disk full: the session stays valid, only its last_seen is older on disk
            log.warning("could not store a session's last use: %s", e)


# ---------------------------------------------------------------------- what the console shows
_BROWSERS = [("MicroMessenger", "微信"), ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"), ("curl/", "curl"),
             ("python-httpx", "httpx"), ("testclient", "测试客户端 test client")]
_SYSTEMS = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def device_label(user_agent: str) -> str:
    """'Chrome · Windows' from a user agent; '未知设备 / unknown device' when it names neither."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    return " · ".join(p for p in (browser, system) if p) or "未知设备 / unknown device"


def _when(at: float) -> str:
    return time.strftime("%m-%d %H:%M", time.localtime(at))


def _ago(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 2:
        return "刚刚 / just now"
    if minutes < 60:
        return f"{minutes} 分钟前 / {minutes} min ago"
    return f"{minutes // 60} 小时前 / {minutes // 60} h ago"


def describe(s: Session, current: Session | None, now: float) -> dict:
    """One row of the console's list, labels included (the page shows them as they are)."""
    return {"id": s.id, "current": current is not None and s.id_hash == current.id_hash,
            "device": device_label(s.user_agent), "user_agent": s.user_agent, "client": s.client or "-",
            "created_at": s.created_at, "last_seen": s.last_seen, "created_label": _when(s.created_at),
            "seen_label": _ago(max(0.0, now - s.last_seen)), "staff_id": s.staff_id}
