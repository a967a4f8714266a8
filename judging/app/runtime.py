"""A contest in memory: its setup, live state, mark sets and results, as the commands keep them.

What it does: :class:`Runtime` (one contest as committed: what every snapshot and command reads),
:func:`is_closed` (which marks count yet), :func:`compute_results` / :func:`results_for` (the core's results
for a state), :class:`LastChange` (which console changed the live state last) and :class:`SnapshotSequence`
(the numbers snapshots carry).  :class:`MarkSet` is the stored row (:mod:`judging.storage.records`).

What it does not do: change anything by itself (the commands do, after the commit), read or write the
database, or publish.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from judging.app.audience_marks import popularity_counts, with_audience
from judging.core.contest import LiveState
from judging.core.engine import ProjectInfo, Results, compute
from judging.core.model import Contest
from judging.core.scoring import Mark, MarkTable, ScoringError, is_overtime, overtime_number
from judging.storage.mark_columns import MarkColumns
from judging.storage.records import MarkSet

__all__ = ["MarkSet", "Runtime", "LastChange", "SnapshotSequence", "RECENT_SECONDS", "is_closed", "closed_matrix",
           "compute_results", "results_for"]

RECENT_SECONDS = 1.5  # a press from another console this soon after a change asks first (code "recent_change")


class SnapshotSequence:
    """Snapshot numbers of one service: strictly increasing (microseconds of the service clock, at least one
    more than the last), so a client may drop a snapshot older than one it has *from the same boot*.  Across
    a restart the clock may have gone back: every snapshot also carries the service's ``boot`` id, and a client
    takes a snapshot from another boot whatever its seq (see docs/PROTOCOL.md)."""

    def __init__(self) -> None:
        self._last = 0

    def next(self, now: float) -> int:
        self._last = max(self._last + 1, int(now * 1_000_000))
        return self._last


@dataclass(frozen=True)
class LastChange:
    """The last change of a contest's live state: which console made it (``origin``: the console session and
    the tab, e.g. ``"3f2a…:tab-1"``; ``"api:<tab>"`` for a client with the organizer key naming its tab), what
    and when."""

    origin: str
    action: str
    at: float


@dataclass
class Runtime:
    """``marks``: the contest's mark sets in columns (:class:`MarkColumns`; a plain dict given here becomes one)."""

    contest: Contest
    state: LiveState
    marks: MarkColumns = field(default_factory=MarkColumns)
    results: Results | None = None
    results_error: str | None = None
    nudges: dict = field(default_factory=dict)  # judge id -> judging.app.nudges.Nudge (in memory only)
    last_change: LastChange | None = None       # who changed the live state last, and when (in memory only)
    paper: dict = field(default_factory=dict)   # paper entry id -> PaperEntry, every one (judging.app.paper)
    brand: Any = None  # judging.core.brand.Brand: logo, colours, sponsors (None: the house look)
    audience: Any = None                        # judging.app.audience_model.AudienceRuntime (ballots, codes)

    def __post_init__(self) -> None:
        if not isinstance(self.marks, MarkColumns):
            self.marks = MarkColumns(self.marks)

    def copy(self) -> "Runtime":
        """A private copy for an export built in a worker thread while the evening goes on: the marks, paper
        entries and audience copied, the rest immutable and shared (nudges and the last change left out)."""
        return Runtime(self.contest, self.state, self.marks.copy(), self.results, self.results_error,
                       paper=dict(self.paper), brand=self.brand,
                       audience=self.audience.copy() if self.audience is not None else None)

    def closed(self, project: str, round_name: str) -> bool:
        return is_closed(self.state, project, round_name)

    def engine_table(self) -> MarkTable:
        """The marks that count now (active, of a judge of the contest, roadshow closed) as the engine's
        table, straight from the columns: numpy masks, no Python object per mark."""
        panels = {j.id: j.panel for j in self.contest.judges}
        closed = closed_matrix(self.state, self.marks.round_names(), self.marks.project_index())
        return with_audience(self.marks.table(panels, closed), self, self.state, self.closed)

    def engine_marks(self) -> list[Mark]:
        """The same marks one ``Mark`` each, in the table's row order (for exports, not for recomputing)."""
        t = self.engine_table()
        return [Mark(t.projects[p], t.rounds[r], t.judge_panel[j], t.judges[j], t.criteria[c], v)
                for p, r, j, c, v in zip(t.p.tolist(), t.r.tolist(), t.j.tolist(), t.c.tolist(), t.score.tolist())]


def is_closed(state: LiveState, project: str, round_name: str) -> bool:
    """Has scoring of this roadshow closed (so its marks count and may be shown)?"""
    settled = state.phase in ("ranking", "reveal", "locked")
    if not is_overtime(round_name):
        return state.round != round_name or settled or project in state.done
    n = overtime_number(round_name)
    if n < state.overtime:
        return True
    return n == state.overtime and (settled or project in state.done)


def closed_matrix(state: LiveState, rounds: list[str], project_index: dict[str, int]) -> np.ndarray:
    """``[round, project]``: :func:`is_closed` for every round and project code of a :class:`MarkColumns`
    (one numpy row per round, the same decision)."""
    settled = state.phase in ("ranking", "reveal", "locked")
    done = np.zeros(len(project_index), dtype=bool)
    done[[project_index[p] for p in state.done if p in project_index]] = True
    out = np.zeros((len(rounds), len(project_index)), dtype=bool)
    for ri, name in enumerate(rounds):
        if not is_overtime(name):
            out[ri] = True if (state.round != name or settled) else done
            continue
        n = overtime_number(name)
        if n < state.overtime:
            out[ri] = True
        elif n == state.overtime:
            out[ri] = True if settled else done
    return out


def compute_results(contest: Contest, marks: MarkTable | list[Mark], popularity: dict | None = None) -> Results:
    """``popularity``: the closed popularity window's votes per project (judging.app.audience_marks)."""
    infos = {p.id: ProjectInfo(p.id, p.name, p.track, p.requested) for p in contest.projects}
    previous = contest.stage.previous_totals() if contest.stage else None  # a later stage of a season
    return compute(contest.rules, marks, infos, popularity=popularity, previous=previous)


def results_for(rt: Runtime, state: LiveState) -> tuple[Results | None, str | None]:
    """The results ``rt``'s marks give in ``state`` (or why they cannot be computed)."""
    trial = Runtime(rt.contest, state, rt.marks, audience=rt.audience)
    try:
        return compute_results(rt.contest, trial.engine_table(), popularity_counts(trial)), None
    except ScoringError as e:
        return None, str(e)
