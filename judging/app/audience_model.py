"""One contest's audience in memory (docs/AUDIENCE.md): link token, state, ballots, codes and their counts.

What it does: :class:`AudienceRuntime` holds what is committed -- the join card, strict mode, the popularity
window (idle / open / closed, with its times), every ballot (one per voter per window), the ballot codes --
with the counts the snapshots read kept up to date one ballot at a time (ballots per window, popularity votes
per project, star counts per score window) and the numpy columns of each closed score window for the engine
(built once per window, :meth:`AudienceRuntime.score_columns`).  Also the pure helpers: window ids
(:func:`score_window`, :func:`parse_window`), the voter hash (:func:`voter_hash`), the codes' alphabet
(:func:`new_code`), the closing counts of a window with the SHA-256 of its sorted ballots
(:meth:`AudienceRuntime.closing`), and :class:`AudienceRefused` (an error with its HTTP status and code).

What it does not do: check a ballot or write anything (:mod:`judging.app.audience`), or SQL.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from judging.storage.records import AudienceBallot, AudienceCode

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I
CODE_LENGTH = 8
POPULARITY = "popularity"
POPULARITY_STATES = ("idle", "open", "closed")


class AudienceRefused(Exception):
    """A refused audience request: ``status`` (403, 404, 409, 422, 429), a ``code`` the page tells apart and,
    for 429, ``retry_after`` seconds.  ``str()`` is Chinese / English."""

    def __init__(self, status: int, message: str, code: str, retry_after: int | None = None,
                 errors: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.retry_after, self.errors = status, code, retry_after, errors or {}


def voter_hash(secret_part: str) -> str:
    """A voter as stored: sha256 of the device id (or, in strict mode, the ballot code), 16 hex digits."""
    return hashlib.sha256(secret_part.encode("utf-8")).hexdigest()[:16]


def score_window(round_name: str, project: str) -> str:
    return f"score:{round_name}:{project}"


def parse_window(window: str) -> tuple[str, str] | None:
    """(round, project) of a score window id, else None."""
    kind, _, rest = window.partition(":")
    round_name, _, project = rest.partition(":")
    return (round_name, project) if kind == "score" and round_name and project else None


def new_code(taken: set[str] | dict) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


def normal_code(text: str) -> str:
    """A code as typed (spaces, dashes, lower case) in its stored form."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


@dataclass
class AudienceRuntime:
    token: str
    join_shown: bool = True
    strict: bool = False
    popularity: str = "idle"
    opened_at: float | None = None
    closed_at: float | None = None
    ballots: dict[tuple[str, str], AudienceBallot] = field(default_factory=dict)   # (window, voter) ->
    codes: dict[str, AudienceCode] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)          # window -> ballots
    votes: dict[str, int] = field(default_factory=dict)           # popularity: project -> votes
    stars: dict[str, dict[int, int]] = field(default_factory=dict)  # score window -> stars -> ballots
    voters: set[str] = field(default_factory=set)                 # every voter with a ballot
    code_of: dict[str, str] = field(default_factory=dict)         # device voter hash -> its bound code
    # in memory only: rate limits and the console's burst warning
    last_change: dict[tuple[str, str], float] = field(default_factory=dict)  # (window, voter) -> last change
    issued: deque = field(default_factory=deque)                  # (time, client address) of new devices
    _columns: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict)

    # ------------------------------------------------------------ state
    def state_json(self) -> dict:
        return {"join_shown": self.join_shown, "strict": self.strict, "popularity": self.popularity,
                "opened_at": self.opened_at, "closed_at": self.closed_at}

    def load_state(self, d: dict) -> None:
        self.join_shown = bool(d.get("join_shown", True))
        self.strict = bool(d.get("strict", False))
        state = d.get("popularity", "idle")
        self.popularity = state if state in POPULARITY_STATES else "idle"
        self.opened_at, self.closed_at = d.get("opened_at"), d.get("closed_at")

    def with_state(self, **changes) -> dict:
        return {**self.state_json(), **changes}

    # ------------------------------------------------------------ ballots
    def put(self, b: AudienceBallot) -> None:
        """A committed ballot (new, or replacing the voter's earlier one in its window): counts follow."""
        key = (b.window, b.voter)
        old = self.ballots.get(key)
        if old is None:
            self.counts[b.window] = self.counts.get(b.window, 0) + 1
        else:
            self._count(old, -1)
        self.ballots[key] = b
        self._count(b, +1)
        self.voters.add(b.voter)
        self._columns.pop(b.window, None)

    def _count(self, b: AudienceBallot, sign: int) -> None:
        if b.kind == POPULARITY:
            for p in b.value.get("projects", ()):
                self.votes[p] = self.votes.get(p, 0) + sign
        else:
            per = self.stars.setdefault(b.window, {})
            n = int(b.value.get("stars", 0))
            per[n] = per.get(n, 0) + sign

    def ballot(self, window: str, voter: str) -> AudienceBallot | None:
        return self.ballots.get((window, voter))

    def of_voter(self, voter: str) -> dict[str, AudienceBallot]:
        return {w: b for (w, v), b in self.ballots.items() if v == voter}

    def in_window(self, window: str) -> list[AudienceBallot]:
        return [b for (w, _), b in self.ballots.items() if w == window]

    def score_columns(self, window: str) -> tuple[list[str], np.ndarray]:
        """(voters, stars) of a score window as columns; cached until a ballot of the window changes."""
        cols = self._columns.get(window)
        if cols is None:
            ballots = sorted(self.in_window(window), key=lambda b: b.voter)
            cols = self._columns[window] = ([b.voter for b in ballots],
                                            np.asarray([float(b.value["stars"]) for b in ballots], dtype=float))
        return cols

    def score_windows(self) -> list[str]:
        return [w for w in self.counts if w != POPULARITY]

    def closing(self, window: str) -> dict:
        """A window's closing counts for the audit: ballots, counts (stars or per project) and the SHA-256
        of its ballots sorted by voter (``voter value`` lines), which anyone can recompute from the export."""
        ballots = sorted(self.in_window(window), key=lambda b: b.voter)
        lines = "\n".join(f"{b.voter} {json.dumps(b.value, sort_keys=True, ensure_ascii=False)}" for b in ballots)
        detail: dict = {"window": window, "ballots": len(ballots),
                        "sha256": hashlib.sha256(lines.encode("utf-8")).hexdigest()}
        if window == POPULARITY:
            detail["counts"] = {p: n for p, n in sorted(self.votes.items()) if n}
        else:
            detail["project"] = (parse_window(window) or ("", ""))[1]
            detail["counts"] = {str(s): n for s, n in sorted(self.stars.get(window, {}).items()) if n}
        return detail

    def copy(self) -> "AudienceRuntime":
        """A private copy (an export reads it in another thread while ballots keep coming)."""
        out = AudienceRuntime(self.token)
        out.load_state(self.state_json())
        for b in self.ballots.values():
            out.put(b)
        for c in self.codes.values():
            out.put_code(c)
        return out

    def reset(self) -> "AudienceRuntime":
        """After a rehearsal's reset: the same link, join card and strict mode, no ballot, every code free again,
        the popularity vote not started."""
        out = AudienceRuntime(self.token)
        out.load_state(self.with_state(popularity="idle", opened_at=None, closed_at=None))
        for c in self.codes.values():
            out.put_code(AudienceCode(c.code))
        return out

    # ------------------------------------------------------------ codes
    def put_code(self, c: AudienceCode) -> None:
        self.codes[c.code] = c
        if c.voter is not None:
            self.code_of[c.voter] = c.code

    def codes_used(self) -> int:
        return sum(1 for c in self.codes.values() if c.voter is not None)
