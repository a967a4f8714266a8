"""The whole computation: marks + rules -> ranked, awarded results (pure).

What it does: scores every round (:mod:`judging.scoring`), adds regular rounds
into totals, ranks each track and breaks ties (:mod:`judging.ranking`), hands
out tiers and grants (:mod:`judging.awards`), and returns :class:`Results`,
whose :meth:`Results.to_json` is the documented ``run.py score`` output.

What it does not do: parse files (:mod:`judging.marks_io`), touch a database
or know about the live contest.  Same marks + same rules = same bits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Hashable, Iterable, Mapping, Sequence

import numpy as np

from .awards import allocate_awards, money
from .ranking import OvertimeRound, Tie, rank_track
from .rules import Award, Rules
from .scoring import (Mark, MarkTable, RoundScores, ScoringError, denoise, is_overtime, natural_key,
                      overtime_number, round_array, round_value, score_round)


@dataclass(frozen=True)
class ProjectInfo:
    id: str
    name: str = ""
    track: str = ""
    requested: float | None = None


@dataclass
class ProjectResult:
    project: str
    name: str
    track: str
    rank: int
    total: float
    panels: dict[str, float]
    rounds: dict[str, float]
    overtime: dict[str, float]
    award: Award | None
    grant: Fraction
    tie: str | None
    pending: bool = False

    def to_json(self) -> dict:
        return {"project": self.project, "name": self.name, "track": self.track, "rank": self.rank,
                "total": self.total, "panels": self.panels, "rounds": self.rounds, "overtime": self.overtime,
                "award": self.award.id if self.award else None,
                "award_label": self.award.label if self.award else None,
                "grant": money(self.grant), "tie": self.tie, "pending_overtime": self.pending}


@dataclass
class Results:
    results: list[ProjectResult]
    ties: list[Tie]
    needs_overtime: list[list[str]]
    warnings: list[str] = field(default_factory=list)
    rounds: dict[str, RoundScores] = field(default_factory=dict, repr=False)
    table: MarkTable | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        return {"results": [r.to_json() for r in self.results], "ties": [t.to_json() for t in self.ties],
                "needs_overtime": self.needs_overtime, "warnings": self.warnings}

    def by_project(self) -> dict[str, ProjectResult]:
        return {r.project: r for r in self.results}


def compute(rules: Rules, marks: MarkTable | Iterable[Mark],
            projects: Mapping[str, ProjectInfo] | None = None) -> Results:
    table = marks if isinstance(marks, MarkTable) else MarkTable.from_marks(marks)
    projects = dict(projects or {})
    if projects:
        unknown = [p for p in table.projects if p not in projects]
        if unknown:
            raise ScoringError(f"项目不在名单中 / project {unknown[0]!r} has marks but is not in the project list",
                               project=unknown[0])
    _check_panels(rules, table)
    digits, mode = rules.rounding.digits, rules.rounding.mode
    order = sorted(range(len(table.rounds)), key=lambda i: natural_key(table.rounds[i]))
    scored = {table.rounds[i]: score_round(rules, table, i) for i in order}
    regular = [name for name in scored if not is_overtime(name)]
    overtime = [name for name in scored if is_overtime(name)]

    n = len(table.projects)
    reg_scores = np.array([scored[r].score for r in regular]).reshape(len(regular), n)
    totals = _combine_rounds(rules.rounds_total, reg_scores)
    # ties are equal *published* totals: rounded where the rules say, float noise dropped otherwise
    totals = round_array(totals, digits, mode) if "total" in rules.rounding.steps else denoise(totals)
    panel_totals = {p.id: _combine_rounds(rules.rounds_total,
                                          np.array([scored[r].panels[p.id] for r in regular]).reshape(len(regular), n))
                    for p in rules.panels}
    panel_totals = {k: round_array(v, digits, mode) if "panel" in rules.rounding.steps else denoise(v)
                    for k, v in panel_totals.items()}

    only_overtime = [table.projects[i] for i in range(n) if np.isnan(totals[i])]
    if only_overtime:
        raise ScoringError(f"只有加时赛评分 / project {only_overtime[0]!r} has overtime marks but no regular round",
                           project=only_overtime[0])

    keys = _BreakerKeys(rules, table, scored, regular, panel_totals)
    ot_rounds = [OvertimeRound(overtime_number(name), name,
                               {table.projects[i]: round_value(float(scored[name].score[i]), digits, mode)
                                for i in np.flatnonzero(scored[name].present)})
                 for name in overtime]

    tracks: dict[str, list[str]] = {}
    for pid in table.projects:
        tracks.setdefault(projects[pid].track if pid in projects else "", []).append(pid)
    index = {pid: i for i, pid in enumerate(table.projects)}
    out: list[ProjectResult] = []
    ties: list[Tie] = []
    needs: list[list[str]] = []
    warnings: list[str] = []
    multi = len(tracks) > 1
    for track in sorted(tracks, key=natural_key):
        members = tracks[track]
        track_totals = {pid: float(totals[index[pid]]) for pid in members}
        ranking = rank_track(rules, track_totals, keys, [o for o in ot_rounds],
                             tie_prefix=f"{track}:T" if multi else "T")
        ties.extend(ranking.ties)
        needs.extend(ranking.needs_overtime)
        requested = {pid: projects[pid].requested if pid in projects else None for pid in members}
        alloc = allocate_awards(rules, ranking.places, requested)
        warnings.extend(f"{track}: {w}" if multi else w for w in alloc.warnings)
        tie_of = {p: t.id for t in ranking.ties for p in t.projects}
        for place in ranking.places:
            for pid in place.projects:
                i = index[pid]
                out.append(ProjectResult(
                    project=pid, name=projects[pid].name if pid in projects else "", track=track,
                    rank=place.start, total=track_totals[pid],
                    panels={k: float(v[i]) for k, v in panel_totals.items()},
                    rounds={r: float(scored[r].score[i]) for r in regular if scored[r].present[i]},
                    overtime={r: float(scored[r].score[i]) for r in overtime if scored[r].present[i]},
                    award=alloc.award[pid], grant=alloc.grant[pid], tie=tie_of.get(pid), pending=place.pending))
    return Results(out, ties, needs, warnings, scored, table)


def _check_panels(rules: Rules, table: MarkTable) -> None:
    known = set(rules.panel_ids)
    for ji, panel in enumerate(table.judge_panel):
        if panel not in known:
            row = int(np.flatnonzero(table.j == ji)[0])
            raise ScoringError(f"未知评审团 / judge {table.judges[ji]!r}: unknown panel {panel!r} (the rules have: "
                               f"{', '.join(rules.panel_ids)})", row=row, judge=table.judges[ji])


def _combine_rounds(how: str, scores: np.ndarray) -> np.ndarray:
    """scores: [rounds, projects], NaN where a project did not take part."""
    if scores.shape[0] == 0:
        return np.full(scores.shape[1], np.nan)
    present = ~np.isnan(scores)
    n = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "sum":
            out = np.nansum(scores, axis=0)
        elif how == "mean":
            out = np.nansum(scores, axis=0) / n
        else:  # last round the project took part in (rounds are in natural name order)
            last = scores.shape[0] - 1 - np.argmax(present[::-1], axis=0)
            out = scores[last, np.arange(scores.shape[1])]
    return np.where(n > 0, out, np.nan)


class _BreakerKeys:
    """Keys for the tie-breakers, computed only for the tied projects that need them."""

    def __init__(self, rules: Rules, table: MarkTable, scored: dict[str, RoundScores], regular: list[str],
                 panel_totals: dict[str, np.ndarray]) -> None:
        self.rules, self.table, self.scored, self.regular, self.panel_totals = rules, table, scored, regular, panel_totals
        self.index = {pid: i for i, pid in enumerate(table.projects)}

    def __call__(self, breaker: str, group: Sequence[str]) -> dict[str, Hashable]:
        kind, _, arg = breaker.partition(":")
        idx = [self.index[p] for p in group]
        if kind == "panel":
            return {p: float(self.panel_totals[arg][i]) for p, i in zip(group, idx)}
        if kind == "criterion":
            return {p: self._criterion_mean(arg, i) for p, i in zip(group, idx)}
        judge_totals = {p: self._judge_totals(i) for p, i in zip(group, idx)}
        if kind == "givers":
            return {p: sum(1 for v in vals if v > 0) for p, vals in judge_totals.items()}
        if kind == "countback":
            values = sorted({v for vals in judge_totals.values() for v in vals}, reverse=True)
            counts = {p: Counter(vals) for p, vals in judge_totals.items()}
            return {p: tuple(counts[p][v] for v in values) for p in group}
        raise ValueError(breaker)  # pragma: no cover - rules.py refuses unknown breakers

    def _judge_totals(self, i: int) -> list[float]:
        vals: list[float] = []
        for r in self.regular:
            for arr in self.scored[r].judge_totals.values():
                row = arr[i]
                vals.extend(round(float(v), 6) for v in row[~np.isnan(row)])
        return vals

    def _criterion_mean(self, criterion: str, i: int) -> float:
        t = self.table
        if criterion not in t.criteria:
            return 0.0
        regular = [k for k, name in enumerate(t.rounds) if name in self.regular]
        sel = (t.p == i) & (t.c == t.criteria.index(criterion)) & np.isin(t.r, regular)
        if not sel.any():
            return 0.0
        return round_value(float(t.score[sel].mean()), self.rules.rounding.digits, self.rules.rounding.mode)
