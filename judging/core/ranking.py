"""Ranks, ties and tie-breakers (pure).

What it does: orders one track's projects by published total, finds ties
(equal published totals), decides which ties need breaking (all, only those
across an award boundary, or none), applies the rules' breakers in order to
the tied projects only, and says which tied projects still need an overtime
round.  Ranks are competition ranks (1, 2, 2, 4) while a tie stands.

Each breaker's ordering key comes from the registry (:func:`judging.core.tiebreakers.ordering`),
reading the facts the caller passes (:class:`judging.core.tiebreakers.BreakerFacts`).

What it does not do: compute scores (the caller passes totals and the facts the
breakers read) or allocate awards (:mod:`judging.core.awards`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby
from typing import Hashable, Sequence

from judging.core.awards import Place, crosses_boundary
from judging.core.rules_model import Rules
from judging.core.scoring import natural_key
from judging.core.tiebreakers import BREAKERS, BreakerFacts, ordering


@dataclass(frozen=True)
class OvertimeRound:
    number: int
    name: str
    scores: dict[str, float]  # published overtime score of each project that took part


@dataclass
class Tie:
    id: str
    projects: list[str]
    total: float
    crosses_boundary: bool
    # the last breaker that split it where it needed splitting; "shared" when nothing needed
    # splitting or a part that did is still shared; None while overtime is pending
    resolved_by: str | None = None
    breakers_used: list[str] = field(default_factory=list)
    order: list[list[str]] = field(default_factory=list)  # the tied projects' final places, best first

    def to_json(self) -> dict:
        return {"id": self.id, "projects": self.projects, "total": self.total,
                "crosses_boundary": self.crosses_boundary, "resolved_by": self.resolved_by,
                "breakers_used": self.breakers_used, "order": self.order}


@dataclass
class Ranking:
    places: list[Place]
    ties: list[Tie]
    needs_overtime: list[list[str]]


def rank_track(rules: Rules, totals: dict[str, float], facts: BreakerFacts,
               overtime: Sequence[OvertimeRound] = (), tie_prefix: str = "T") -> Ranking:
    ordered = sorted(totals, key=lambda p: (-totals[p], natural_key(p)))
    places: list[Place] = []
    ties: list[Tie] = []
    needs: list[list[str]] = []
    position = 1
    for total, members_iter in groupby(ordered, key=lambda p: totals[p]):
        members = list(members_iter)
        if len(members) == 1:
            places.append(Place((members[0],), position, total))
            position += 1
            continue
        crosses = crosses_boundary(rules.awards, position, len(members), total)
        tie = Tie(f"{tie_prefix}{len(ties) + 1}", members, total, crosses)
        ties.append(tie)
        scope = rules.ties.scope
        if scope == "all" or (scope == "award_boundary" and crosses):
            resolver = _Resolver(rules, facts, sorted(overtime, key=lambda o: o.number), total, tie)
            sub = resolver.resolve(members, position, 0, 0, 0)
            needs.extend(resolver.pending)
        else:
            sub = [Place(tuple(members), position, total)]
        if any(p.pending for p in sub):
            tie.resolved_by = None
        elif not tie.breakers_used or any(_needs_breaking(rules, p) for p in sub):
            tie.resolved_by = "shared"  # a place that needed splitting is still shared
        else:
            tie.resolved_by = tie.breakers_used[-1]
        tie.order = [list(p.projects) for p in sub]
        places.extend(sub)
        position += len(members)
    return Ranking(places, ties, needs)


def _needs_breaking(rules: Rules, place: Place) -> bool:
    """Would this shared place have to be split under the rules' tie scope?"""
    if len(place.projects) < 2:
        return False
    if rules.ties.scope == "award_boundary":
        return crosses_boundary(rules.awards, place.start, len(place.projects), place.total)
    return rules.ties.scope == "all"


class _Resolver:
    def __init__(self, rules: Rules, facts: BreakerFacts, overtime: Sequence[OvertimeRound], total: float,
                 tie: Tie) -> None:
        self.rules, self.facts, self.overtime, self.total, self.tie = rules, facts, overtime, total, tie
        self.pending: list[list[str]] = []

    def resolve(self, group: list[str], start: int, bi: int, ot_held: int, ot_last: int) -> list[Place]:
        rules = self.rules
        if len(group) == 1:
            return [Place(tuple(group), start, self.total)]
        if rules.ties.scope == "award_boundary" and not crosses_boundary(rules.awards, start, len(group), self.total):
            return [Place(tuple(group), start, self.total)]
        if bi >= len(rules.ties.breakers) or BREAKERS[rules.ties.breakers[bi].partition(":")[0]].ends:
            return [Place(tuple(group), start, self.total)]
        breaker = rules.ties.breakers[bi]
        if breaker == "overtime":
            if ot_held >= rules.ties.max_overtime:
                return self.resolve(group, start, bi + 1, ot_held, ot_last)
            rnd = next((o for o in self.overtime if o.number > ot_last and all(p in o.scores for p in group)), None)
            if rnd is None:
                self.pending.append(sorted(group, key=natural_key))
                return [Place(tuple(sorted(group, key=natural_key)), start, self.total, pending=True)]
            keys: dict[str, Hashable] = {p: rnd.scores[p] for p in group}
            label = rnd.name
            next_args = (bi, ot_held + 1, rnd.number)
        else:
            keys = ordering(breaker, self.facts, group)
            label = breaker
            next_args = (bi + 1, ot_held, ot_last)
        parts = [list(g) for _, g in groupby(sorted(group, key=lambda p: (_neg(keys[p]), natural_key(p))),
                                             key=lambda p: keys[p])]
        if len(parts) > 1:
            self.tie.breakers_used.append("overtime" if breaker == "overtime" else label)
        out: list[Place] = []
        pos = start
        for part in parts:
            out.extend(self.resolve(part, pos, *next_args))
            pos += len(part)
        return out


def _neg(key: Hashable) -> Hashable:
    """Sort key for 'higher first' that works for numbers and tuples of numbers."""
    if isinstance(key, tuple):
        return tuple(-k for k in key)
    return -key  # type: ignore[operator]
