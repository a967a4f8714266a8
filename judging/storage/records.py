"""The rows the repository reads and writes, as plain data.

What it does: :class:`MarkSet` (one judge's marks for one roadshow and round, as stored), :class:`Submission`
(one mark set a phone sent, kept for ever), :class:`AuditRow` (one audit entry with the exact hashed detail
text) and :class:`StoredContest` (a contest as loaded at start: setup, live state, mark sets).

What it does not do: read or write (:mod:`judging.storage.repository`), or decide anything about them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import MutableMapping

from judging.core.contest import LiveState
from judging.core.model import Contest


@dataclass
class MarkSet:
    project: str
    round: str
    judge: str
    values: dict[str, float]
    submission_id: str
    status: str  # active | voided
    updated_at: float
    updated_by: str

    def to_json(self) -> dict:
        return {"project": self.project, "round": self.round, "judge": self.judge, "values": self.values,
                "submission_id": self.submission_id, "status": self.status, "updated_at": self.updated_at,
                "updated_by": self.updated_by}


@dataclass(frozen=True)
class Submission:
    submission_id: str
    judge: str
    project: str
    round: str
    values: dict[str, float]
    received_at: float


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as stored (``detail_text`` is the exact hashed text)."""

    seq: int
    at: float
    actor: str
    action: str
    detail_text: str
    reason: str
    client: str
    prev_hash: str
    hash: str

    @property
    def detail(self) -> dict:
        return json.loads(self.detail_text)


@dataclass
class StoredContest:
    """One contest as the database holds it (what :func:`judging.storage.repository.load_contests` returns);
    ``marks``: a :class:`judging.storage.mark_columns.MarkColumns` as loaded (any mapping of mark sets will do)."""

    contest: Contest
    state: LiveState
    marks: MutableMapping[tuple[str, str, str], MarkSet] = field(default_factory=dict)


@dataclass(frozen=True)
class Actions:
    """A kind of audit entry, as data: the actions starting with one of ``prefixes`` or named in ``names``,
    except those in ``but`` (the repository turns it into its query)."""

    prefixes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    but: tuple[str, ...] = ()

    def __contains__(self, action: str) -> bool:
        return action not in self.but and (action in self.names or action.startswith(self.prefixes))


# ---------------------------------------------------------------------- the audience (docs/AUDIENCE.md)
@dataclass(frozen=True)
class AudienceBallot:
    """One voter's ballot in one window (``score:<round>:<project>`` or ``popularity``); ``voter``: the hash
    sha256(device id or ballot code)[:16], never the raw credential; ``value``: {"stars": n} or
    {"projects": [...]}."""

    window: str
    voter: str
    kind: str  # score | popularity
    value: dict
    ballot_id: str
    updated_at: float
    client: str = ""

    def to_json(self) -> dict:
        return {"window": self.window, "voter": self.voter, "kind": self.kind, "value": self.value,
                "ballot_id": self.ballot_id, "updated_at": self.updated_at}


@dataclass(frozen=True)
class AudienceCode:
    """A strict-mode ballot code; ``voter``: the hash of the device it is bound to (None: not used yet)."""

    code: str
    voter: str | None = None
    used_at: float | None = None


@dataclass
class StoredAudience:
    """A contest's audience as stored: its link token (None: not stored yet), state, ballots and codes."""

    token: str | None
    state: dict
    ballots: list[AudienceBallot] = field(default_factory=list)
    codes: list[AudienceCode] = field(default_factory=list)
