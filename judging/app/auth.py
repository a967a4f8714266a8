"""Organizer key and console sessions.

What it does: generates the organizer key on first start (shown once, stored
only as a scrypt hash), checks a presented key, keeps the secret that signs
console session cookies, ends every console session when the key changes
(:mod:`judging.app.sessions` keeps them), and issues CSRF tokens for
cookie-authenticated writes.
Judge and screen links carry their own unguessable tokens (see
:mod:`judging.app.service`).

Checking a key that is not already known to be right costs one scrypt (~30 ms of CPU): it runs in a
worker thread (``hashlib.scrypt`` releases the GIL), one at a time, so the event loop that serves the
judges never waits for it; and each client address gets a few wrong keys a minute, after which it is
answered "too many attempts" at once, without hashing (:class:`FailedKeys`).  A key once found right
is remembered (by its SHA-256) and costs nothing afterwards, even from a throttled address.

What it does not do: routing or HTTP responses (:mod:`judging.web.deps`, :mod:`judging.web.security`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import secrets
import time
from collections import deque
from typing import Callable

from judging.storage import repository as repo
from judging.storage.store import Store

_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}


def hash_key(key: str, salt: bytes) -> str:
    return hashlib.scrypt(key.encode("utf-8"), salt=salt, **_SCRYPT).hex()


class TooManyAttempts(PermissionError):
    """Refused without checking the key (HTTP 429): too many wrong keys from this address, or too many
    checks waiting.  ``retry_after``: whole seconds until this address may try again."""

    def __init__(self, retry_after: int, busy: bool = False) -> None:
        self.retry_after = max(1, int(retry_after))
        if busy:
            message = (f"服务器正忙于校验密钥，请 {self.retry_after} 秒后再试 / too many organizer key checks at "
                       f"once; try again in {self.retry_after} s")
        else:
            message = (f"错误的组织者密钥尝试过多，请 {self.retry_after} 秒后再试 / too many wrong organizer keys "
                       f"from this address; try again in {self.retry_after} s")
        super().__init__(message)


class FailedKeys:
    """Wrong organizer keys per client address over a sliding window: at most ``limit`` checks that were not
    (yet) found right within ``window`` seconds.  A check counts from the moment it starts, so a burst of
    concurrent requests cannot slip past the limit while their hashes run.  Memory is bounded: at most
    ``max_clients`` addresses are remembered (the stalest are forgotten first)."""

    def __init__(self, limit: int = 5, window: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 10_000) -> None:
        self.limit, self.window, self.clock, self.max_clients = limit, window, clock, max_clients
        self._times: dict[str, deque[float]] = {}

    def _recent(self, client: str) -> deque[float]:
        times = self._times.get(client)
        if times is None:
            return deque()
        cutoff = self.clock() - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        if not times:
            del self._times[client]
        return times

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` may try a key again; 0 if it may now."""
        times = self._recent(client)
        if len(times) < self.limit:
            return 0.0
        return times[-self.limit] + self.window - self.clock()

    def attempt(self, client: str) -> float:
        """Count one attempt now; returns the moment it was counted at (for :meth:`forgive`)."""
        self._recent(client)
        if client not in self._times and len(self._times) >= self.max_clients:
            stalest = min(self._times, key=lambda c: self._times[c][-1])
            del self._times[stalest]
        at = self.clock()
        self._times.setdefault(client, deque()).append(at)
        return at

    def forgive(self, client: str, at: float) -> None:
        """The attempt counted at ``at`` was the right key after all: it does not count."""
        times = self._times.get(client)
        if times is not None:
            try:
                times.remove(at)
            except ValueError:
                pass
            if not times:
                del self._times[client]


class OrganizerAuth:
    MAX_WAITING = 16  # key checks queued for the hashing thread; beyond that: 429 at once

    def __init__(self, store: Store, failed: FailedKeys | None = None) -> None:
        self.store = store
        self._record: dict | None = None
        self._ok: set[str] = set()  # sha256 of keys already checked, so an API call costs no scrypt
        self.session_secret = ""
        self.failed = failed or FailedKeys()
        self._hashing: asyncio.Semaphore | None = None  # made on first use, inside the serving loop
        self._waiting = 0

    async def setup(self, new_key: str | None = None, rotate: bool = False) -> str | None:
        """Load the key record; create it (or a new one if ``rotate``).  Returns a new plain key, else None."""
        raw = await repo.meta(self.store, "organizer_key")
        secret = await repo.meta(self.store, "session_secret")
        created = None
        if raw is not None and new_key and not rotate:
            rec = json.loads(raw)
            if hmac.compare_digest(hash_key(new_key, bytes.fromhex(rec["salt"])), rec["hash"]):
                new_key = None  # the same key again: nothing to change, nothing to print
        if raw is None or rotate or new_key:
            created = new_key or secrets.token_urlsafe(18)
            salt = secrets.token_bytes(16)
            record = {"salt": salt.hex(), "hash": hash_key(created, salt)}
            secret = secrets.token_urlsafe(32)  # a new key also signs out every console
            async with self.store.write() as tx:
                await repo.save_organizer_key(tx, record, secret)
                # a new key ends every console session at once (a copied cookie must not outlive the key)
                ended = await repo.end_sessions(tx, time.time(), "key_change")
                await tx.audit(None, "system", "organizer_key.create" if raw is None else "organizer_key.rotate",
                               {"sessions_ended": ended} if raw is not None else None)
            raw = json.dumps(record)
        self._record = json.loads(raw)
        self.session_secret = secret or ""
        self._ok.clear()
        return created

    async def verify(self, key: str, client: str) -> bool:
        """Is ``key`` the organizer key?  A key already found right answers at once; any other is hashed off
        the event loop, unless ``client`` sent too many wrong keys lately (then :class:`TooManyAttempts`)."""
        if not key or self._record is None:
            return False
        fingerprint = hashlib.sha256(key.encode("utf-8")).hexdigest()
        if fingerprint in self._ok:
            return True
        wait = self.failed.retry_after(client)
        if wait > 0:
            raise TooManyAttempts(math.ceil(wait))
        if self._waiting >= self.MAX_WAITING:
            raise TooManyAttempts(2, busy=True)
        record = self._record
        at = self.failed.attempt(client)
        self._waiting += 1
        try:
            if self._hashing is None:
                self._hashing = asyncio.Semaphore(1)  # one scrypt at a time: the other core serves the loop
            async with self._hashing:
                digest = await asyncio.to_thread(hash_key, key, bytes.fromhex(record["salt"]))
        finally:
            self._waiting -= 1
        good = hmac.compare_digest(digest, record["hash"])
        if good:
            self.failed.forgive(client, at)
            if record is self._record:  # not a key rotated away while it was being hashed
                self._ok.add(fingerprint)
        return good and record is self._record


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)
