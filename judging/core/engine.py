"""The whole computation: marks + rules -> ranked, awarded results (pure).

What it does: scores every round (:mod:`judging.core.scoring`), adds regular rounds
into totals, ranks all projects together -- or each track on its own when the
rules say ``[tracks] mode = "separate"`` (:mod:`judging.core.tracks`) -- and breaks
ties (:mod:`judging.core.ranking`), hands out tiers and grants (:mod:`judging.core.awards`)
within each ranking's share of the budget, checks that all grants together stay
within the budget, and returns :class:`Results`, whose :meth:`Results.to_json`
is the documented ``run.py score`` output.

What it does not do: parse files (:mod:`judging.inputs.marks_csv`), touch a database
or know about the live contest.  Same marks + same rules = same bits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Iterable, Mapping

import numpy as np

from judging.core.carry import carried
from judging.core.awards import Allocation, allocate_awards, decimal, money
from judging.core.popularity import PopularityResult, VoteError, popularity_vote, reserved
from judging.core.ranking import OvertimeRound, Tie, rank_track
from judging.core.rules_model import Award, Rules
from judging.core.tracks import NO_TRACK, TrackError, groups, track_budgets
from judging.core.scoring import (Mark, MarkTable, RoundScores, ScoringError, denoise, is_overtime, natural_key,
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
    audience: dict[str, dict] | None = None   # round -> {"ballots", "score", "fallback"}; None: no audience panel
    popularity: dict | None = None            # {"votes", "place", "award", "grant"}; None: no vote (yet)
    popularity_grant: Fraction | None = None  # the popularity tier's part of ``grant``; None: no [popularity]

    previous: float | None = None      # a later stage: the previous stage's total (judging.core.carry)
    stage_total: float | None = None   # a later stage: this stage's own total, before the carry

    def to_json(self) -> dict:
        out = {"project": self.project, "name": self.name, "track": self.track, "rank": self.rank,
               "total": self.total, "panels": self.panels, "rounds": self.rounds, "overtime": self.overtime,
               "award": self.award.id if self.award else None,
               "award_label": self.award.label if self.award else None,
               "grant": money(self.grant), "tie": self.tie, "pending_overtime": self.pending}
        if self.stage_total is not None:  # only a later stage's results carry these
            out["previous_total"], out["stage_total"] = self.previous, self.stage_total
        if self.audience is not None:
            out["audience"] = self.audience
        if self.popularity_grant is not None:
            out["popularity"] = self.popularity
            out["grant_parts"] = {"scored": money(self.grant - self.popularity_grant),
                                  "popularity": money(self.popularity_grant)}
        return out


@dataclass(frozen=True)
class TrackMoney:
    """One ranking's money (the whole contest's when tracks are not separate; track "" then)."""

    track: str
    budget: Fraction | None      # its share of the budget; None: tier amounts without a limit
    awarded: Fraction
    unallocated: Fraction        # of its budget / tier amounts, nobody could take (every winner at its cap)
    capped: tuple[tuple[str, Fraction, Fraction], ...]   # (project, grant = its request, share without the cap)
    excess: Fraction             # what capped projects could not take: to the other winners, or unallocated

    def to_json(self) -> dict:
        return {"track": self.track, "budget": None if self.budget is None else money(self.budget),
                "awarded": money(self.awarded), "unallocated": money(self.unallocated),
                "redistributed": money(max(self.excess - self.unallocated, Fraction(0))),
                "capped": [{"project": p, "grant": money(g), "uncapped": money(s)} for p, g, s in self.capped]}


@dataclass(frozen=True)
class MoneySummary:
    budget: Fraction | None      # the rules' [grants] budget
    awarded: Fraction            # every grant added up (the popularity tier's too): never above the budget
    tracks: tuple[TrackMoney, ...]
    popularity: Fraction | None = None  # what the popularity tier pays (None: the rules have no [popularity])

    @property
    def unallocated(self) -> Fraction:
        return (self.budget - self.awarded) if self.budget is not None else sum((t.unallocated for t in self.tracks),
                                                                                Fraction(0))

    def to_json(self) -> dict:
        out = {"budget": None if self.budget is None else money(self.budget), "awarded": money(self.awarded),
               "unallocated": money(self.unallocated), "tracks": [t.to_json() for t in self.tracks]}
        if self.popularity is not None:
            out["popularity"] = money(self.popularity)
        return out


@dataclass
class Results:
    results: list[ProjectResult]
    ties: list[Tie]
    needs_overtime: list[list[str]]
    warnings: list[str] = field(default_factory=list)
    rounds: dict[str, RoundScores] = field(default_factory=dict, repr=False)
    table: MarkTable | None = field(default=None, repr=False)
    money: MoneySummary | None = None
    popularity: PopularityResult | None = None  # the popularity vote (None: the rules have no [popularity])

    carry_weight: float | None = None  # a later stage: the previous stage's weight in each total

    def to_json(self) -> dict:
        out = {"results": [r.to_json() for r in self.results], "ties": [t.to_json() for t in self.ties],
               "needs_overtime": self.needs_overtime, "warnings": self.warnings,
               "money": self.money.to_json() if self.money else None}
        if self.popularity is not None:
            out["popularity"] = self.popularity.to_json()
        if self.carry_weight is not None:
            out["carry_weight"] = self.carry_weight
        return out

    def by_project(self) -> dict[str, ProjectResult]:
        return {r.project: r for r in self.results}


def compute(rules: Rules, marks: MarkTable | Iterable[Mark],
            projects: Mapping[str, ProjectInfo] | None = None,
            popularity: Mapping[str, int] | None = None, previous: Mapping[str, float] | None = None) -> Results:
    """Score, rank and award.  ``popularity``: the popularity vote's votes per project (None: no vote held
    yet; ignored when the rules have no ``[popularity]``).  ``previous``: a later stage's projects' totals in
    the stage before (:mod:`judging.core.carry` weighs them in with the rules' ``[carry] weight``, 0 without
    one); None for a contest of one stage."""
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

    # a project only the audience voted on is not scored (the audience alone never makes a roadshow present)
    judged = np.any([scored[r].present for r in scored], axis=0) if scored else np.zeros(n, dtype=bool)
    only_overtime = [table.projects[i] for i in range(n) if np.isnan(totals[i]) and judged[i]]
    if only_overtime:
        raise ScoringError(f"只有加时赛评分 / project {only_overtime[0]!r} has overtime marks but no regular round",
                           project=only_overtime[0])

    own = totals  # a later stage of a season: the previous stage's total weighed in (judging.core.carry)
    totals = totals if previous is None else carried(rules, totals, [previous.get(pid) for pid in table.projects])
    keys = _BreakerFacts(rules, table, scored, regular, panel_totals)
    ot_rounds = [OvertimeRound(overtime_number(name), name,
                               {table.projects[i]: round_value(float(scored[name].score[i]), digits, mode)
                                for i in np.flatnonzero(scored[name].present)})
                 for name in overtime]

    track_of = {pid: projects[pid].track if pid in projects else "" for pid in table.projects}
    ranked = [pid for i, pid in enumerate(table.projects) if judged[i]]
    tracks = groups(rules, track_of, ranked)
    names = sorted(tracks, key=natural_key)
    index = {pid: i for i, pid in enumerate(table.projects)}
    vote = _popularity(rules, popularity, projects, ranked, totals, panel_totals, index)
    # the popularity money comes out of the budget first; the scored tiers share the rest
    scored_rules = rules if vote is None or rules.grants.budget is None else replace(
        rules, grants=replace(rules.grants, budget=float(decimal(rules.grants.budget) - reserved(rules, vote))))
    try:
        budgets = track_budgets(scored_rules, {t: len(tracks[t]) for t in names})
    except TrackError as e:  # named at a mark of the track's first project (run.py score: file:line)
        raise ScoringError(str(e), project=tracks[e.track][0]) from None
    out: list[ProjectResult] = []
    ties: list[Tie] = []
    needs: list[list[str]] = []
    warnings: list[str] = []
    allocations: dict[str, Allocation] = {}
    multi = len(tracks) > 1
    for track in names:
        members = tracks[track]
        track_totals = {pid: float(totals[index[pid]]) for pid in members}
        ranking = rank_track(rules, track_totals, keys, [o for o in ot_rounds],
                             tie_prefix=f"{track}:T" if multi else "T")
        ties.extend(ranking.ties)
        needs.extend(ranking.needs_overtime)
        requested = {pid: projects[pid].requested if pid in projects else None for pid in members}
        alloc = allocations[track] = allocate_awards(scored_rules, ranking.places, requested, budgets[track])
        warnings.extend(f"{track or NO_TRACK}: {w}" if multi else w for w in alloc.warnings)
        tie_of = {p: t.id for t in ranking.ties for p in t.projects}
        won = vote.by_project() if vote is not None else {}
        for place in ranking.places:
            for pid in place.projects:
                i = index[pid]
                pop = won.get(pid)
                extra = Fraction(0) if pop is None else pop.grant
                out.append(ProjectResult(
                    project=pid, name=projects[pid].name if pid in projects else "", track=track_of[pid],
                    rank=place.start, total=track_totals[pid],
                    panels={k: float(v[i]) for k, v in panel_totals.items() if not np.isnan(v[i])},
                    rounds={r: float(scored[r].score[i]) for r in regular if scored[r].present[i]},
                    overtime={r: float(scored[r].score[i]) for r in overtime if scored[r].present[i]},
                    award=alloc.award[pid], grant=alloc.grant[pid] + extra, tie=tie_of.get(pid),
                    pending=place.pending, audience=_audience_of(rules, scored, i),
                    popularity=None if pop is None else {"votes": pop.votes, "place": pop.place,
                                                         "award": vote.tier.id if pop.award else None,
                                                         "grant": money(pop.grant)},
                    popularity_grant=None if vote is None else extra,
                    **({} if previous is None else {"previous": previous.get(pid), "stage_total": float(own[i])})))
    if vote is not None:
        warnings.extend(vote.warnings)
    summary = _money_summary(rules, allocations, vote)
    weight = None if previous is None else (rules.carry.weight if rules.carry else 0.0)
    return Results(out, ties, needs, warnings, scored, table, summary, vote, carry_weight=weight)


def _audience_of(rules: Rules, scored: Mapping[str, RoundScores], i: int) -> dict[str, dict] | None:
    """Per round the project was judged in: its ballots, audience score and fallback (None: no audience panel)."""
    if rules.audience_panel is None:
        return None
    return {r: s.audience.report(i) for r, s in scored.items() if s.present[i] and s.audience is not None}


def _popularity(rules: Rules, votes: Mapping[str, int] | None, projects: Mapping[str, ProjectInfo],
                ranked: list[str], totals: np.ndarray, panel_totals: Mapping[str, np.ndarray],
                index: Mapping[str, int]) -> PopularityResult | None:
    if rules.popularity is None:
        return None
    if votes is not None and projects:
        unknown = [p for p in votes if p not in projects]
        if unknown:
            raise ScoringError(f"人气票的项目不在名单中 / popularity votes for {unknown[0]!r}, which is not in the project "
                               "list", project=unknown[0])
    try:
        return popularity_vote(
            rules, votes, ranked, {p: float(totals[index[p]]) for p in ranked},
            {k: {p: float(v[index[p]]) for p in ranked} for k, v in panel_totals.items()},
            {p: projects[p].name for p in ranked if p in projects},
            None if rules.grants.budget is None else decimal(rules.grants.budget))
    except VoteError as e:
        raise ScoringError(str(e), project=e.project) from None


def _money_summary(rules: Rules, allocations: Mapping[str, Allocation],
                   vote: PopularityResult | None = None) -> MoneySummary:
    """The money of all rankings together (and the popularity tier's) -- and the guarantee that it stays
    within the budget."""
    zero = Fraction(0)
    awarded = {t: sum(a.grant.values(), zero) for t, a in allocations.items()}
    total = sum(awarded.values(), zero) + (vote.awarded if vote is not None else zero)
    budget = None if rules.grants.budget is None else decimal(rules.grants.budget)
    if budget is not None and total > budget:  # never: every ranking's share is within the budget
        raise AssertionError(f"grants {total} exceed the budget {budget} (tracks {sorted(allocations)})")
    for t, a in allocations.items():
        if a.budget is not None and awarded[t] > a.budget:
            raise AssertionError(f"track {t!r}: grants {awarded[t]} exceed its budget {a.budget}")
    return MoneySummary(budget, total, tuple(
        TrackMoney(t, a.budget, awarded[t], a.unallocated, a.capped, a.excess) for t, a in allocations.items()),
        None if vote is None else vote.awarded)


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


class _BreakerFacts:
    """What the tie-breakers read (:class:`judging.core.tiebreakers.BreakerFacts`), computed only for the
    tied projects that need them; the registry turns them into ordering keys."""

    def __init__(self, rules: Rules, table: MarkTable, scored: dict[str, RoundScores], regular: list[str],
                 panel_totals: dict[str, np.ndarray]) -> None:
        self.rules, self.table, self.scored, self.regular, self.panel_totals = rules, table, scored, regular, panel_totals
        self.index = {pid: i for i, pid in enumerate(table.projects)}

    def panel_total(self, panel_id: str, project: str) -> float:
        v = float(self.panel_totals[panel_id][self.index[project]])
        return float("-inf") if v != v else v  # no audience score (too few ballots) is below every score

    def criterion_mean(self, criterion_id: str, project: str) -> float:
        return self._criterion_mean(criterion_id, self.index[project])

    def judge_totals(self, project: str) -> list[float]:
        return self._judge_totals(self.index[project])

    def _judge_totals(self, i: int) -> list[float]:
        vals: list[float] = []
        audience = self.rules.audience_panel
        for r in self.regular:
            for pid, arr in self.scored[r].judge_totals.items():
                if audience is not None and pid == audience.id:  # ballots are not judges' marks
                    continue
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


def breaker_facts(rules: Rules, results: Results) -> _BreakerFacts:
    """What the tie-breakers read, from computed results (the advancement line, :mod:`judging.core.advance`)."""
    table = results.table if results.table is not None else MarkTable.from_marks([])
    regular = [name for name in results.rounds if not is_overtime(name)]
    by = results.by_project()
    panel_totals = {p.id: np.array([by[pid].panels.get(p.id, np.nan) if pid in by else np.nan
                                    for pid in table.projects], dtype=float) for p in rules.panels}
    return _BreakerFacts(rules, table, results.rounds, regular, panel_totals)
