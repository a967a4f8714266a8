"""Organizer key and console sessions.

What it does: generates the organizer key on first start (shown once, stored
only as a scrypt hash), checks a presented key, keeps the secret that signs
console session cookies, and issues CSRF tokens for cookie-authenticated writes.
Judge and screen links carry their own unguessable tokens (see
:mod:`judging.service`).

What it does not do: routing or HTTP responses (:mod:`judging.web.security`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from .store import Store

_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}


def hash_key(key: str, salt: bytes) -> str:
    return hashlib.scrypt(key.encode("utf-8"), salt=salt, **_SCRYPT).hex()


class OrganizerAuth:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._record: dict | None = None
        self._ok: set[str] = set()  # sha256 of keys already checked, so an API call costs no scrypt
        self.session_secret = ""

    async def setup(self, new_key: str | None = None, rotate: bool = False) -> str | None:
        """Load the key record; create it (or a new one if ``rotate``).  Returns a new plain key, else None."""
        raw = await self.store.meta("organizer_key")
        secret = await self.store.meta("session_secret")
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
                await tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('organizer_key', ?)",
                                 (json.dumps(record),))
                await tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('session_secret', ?)", (secret,))
                await tx.audit(None, "system", "organizer_key.create" if raw is None else "organizer_key.rotate")
            raw = json.dumps(record)
        self._record = json.loads(raw)
        self.session_secret = secret or ""
        self._ok.clear()
        return created

    def check(self, key: str) -> bool:
        if not key or self._record is None:
            return False
        fingerprint = hashlib.sha256(key.encode("utf-8")).hexdigest()
        if fingerprint in self._ok:
            return True
        good = hmac.compare_digest(hash_key(key, bytes.fromhex(self._record["salt"])), self._record["hash"])
        if good:
            self._ok.add(fingerprint)
        return good


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)
