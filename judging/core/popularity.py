"""The popularity vote (最佳人气奖): votes per project -> places, the tier's winners and their grants (pure).

What it does: :func:`popularity_vote` orders the scored projects by their votes (equal votes share a place),
gives the rules' ``[popularity]`` tier to the ``count`` best, breaks a tie at that boundary with the tier's
``breakers`` -- ``total`` (the higher scored total), ``panel:<id>`` (the higher score of that panel over the
regular rounds, as the results' ``panels`` show it), ``shared`` (every tied project gets the tier) -- and pays
the tier's ``amount`` to each winner, on top of its scored grant.  A project with no vote never wins.  With a
``[grants] budget`` the popularity money comes out of the budget first (:func:`reserved`); if the winners of
a shared tie would need more than the whole budget, the budget is split equally between them.  Money is exact
(fractions, whole ``grants.unit``), as in :mod:`judging.core.awards`.

What it does not do: count ballots (the live server and :mod:`judging.inputs.marks_csv` hand in the votes per
project), score or rank the contest (:mod:`judging.core.engine`), or word a tie for a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping, Sequence

from judging.core.awards import allocate, decimal, money
from judging.core.money import money_text
from judging.core.rules_model import Popularity, Rules
from judging.core.text import natural_key


@dataclass(frozen=True)
class PopularityEntry:
    project: str
    name: str
    votes: int
    place: int
    award: bool
    grant: Fraction

    def to_json(self, tier: Popularity) -> dict:
        return {"project": self.project, "name": self.name, "votes": self.votes, "place": self.place,
                "award": tier.id if self.award else None, "grant": money(self.grant)}


@dataclass(frozen=True)
class PopularityTie:
    """Projects with equal votes across the tier's boundary, how the tie was settled, who won."""

    projects: tuple[str, ...]
    votes: int
    breaker: str          # the breaker that settled it: "total", "panel:<id>" or "shared"
    winners: tuple[str, ...]

    def to_json(self) -> dict:
        return {"projects": list(self.projects), "votes": self.votes, "breaker": self.breaker,
                "winners": list(self.winners)}


@dataclass
class PopularityResult:
    tier: Popularity
    held: bool                                   # False: no vote yet (no window held), nobody placed
    ranking: list[PopularityEntry] = field(default_factory=list)
    ties: list[PopularityTie] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def awarded(self) -> Fraction:
        return sum((e.grant for e in self.ranking), Fraction(0))

    def by_project(self) -> dict[str, PopularityEntry]:
        return {e.project: e for e in self.ranking}

    def to_json(self) -> dict:
        t = self.tier
        return {"id": t.id, "label": t.label, "count": t.count, "amount": money(decimal(t.amount)),
                "choices": t.choices, "breakers": list(t.breakers), "held": self.held,
                "ranking": [e.to_json(t) for e in self.ranking], "ties": [x.to_json() for x in self.ties],
                "awarded": money(self.awarded)}


class VoteError(ValueError):
    """Votes that are not a count of votes per project (``project``: which)."""

    def __init__(self, message: str, project: str) -> None:
        super().__init__(message)
        self.project = project


def popularity_vote(rules: Rules, votes: Mapping[str, int] | None, candidates: Sequence[str],
                    totals: Mapping[str, float], panels: Mapping[str, Mapping[str, float]],
                    names: Mapping[str, str] | None = None, budget: Fraction | None = None) -> PopularityResult:
    """The vote of ``rules.popularity`` (which must be set).  ``votes``: project -> votes, or None (no window
    held yet); ``candidates``: the scored projects (votes for others are left out, with a warning);
    ``totals`` / ``panels``: the scored total and each panel's score per project (for the breakers);
    ``budget``: the whole ``[grants] budget`` or None."""
    tier = rules.popularity
    assert tier is not None
    names = names or {}
    if votes is None:
        return PopularityResult(tier, False)
    for pid, v in votes.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise VoteError(f"票数须为非负整数 / votes for {pid!r} must be a whole number ≥ 0, got {v!r}", pid)
    warnings = [f"项目 {pid} 有 {votes[pid]} 张人气票但未评分，不参加人气奖 / project {pid!r} has popularity votes but "
                "no scores: not in the popularity vote" for pid in sorted(votes, key=natural_key)
                if pid not in set(candidates) and votes[pid] > 0]
    count = {pid: int(votes.get(pid, 0)) for pid in candidates}
    order = sorted(candidates, key=lambda p: (-count[p], natural_key(p), p))
    place: dict[str, int] = {}
    winners: list[str] = []
    ties: list[PopularityTie] = []
    pos = 0
    for group in _runs(order, lambda p: count[p]):
        for p in group:
            place[p] = pos + 1
        v = count[group[0]]
        if v > 0 and pos < tier.count:
            if pos + len(group) <= tier.count:
                winners += group
            else:
                chosen, by = _settle(tier, group, tier.count - pos, totals, panels)
                winners += chosen
                ties.append(PopularityTie(tuple(group), v, by, tuple(chosen)))
                for p in group:
                    if p not in chosen:
                        place[p] = pos + 1 + len(chosen)
        pos += len(group)
    grants = _grants(rules, winners, budget, warnings)
    ranking = [PopularityEntry(p, names.get(p, ""), count[p], place[p], p in grants, grants.get(p, Fraction(0)))
               for p in sorted(order, key=lambda p: (place[p], order.index(p)))]
    return PopularityResult(tier, True, ranking, ties, warnings)


def reserved(rules: Rules, result: PopularityResult | None) -> Fraction:
    """What the popularity tier takes out of the ``[grants] budget`` before the scored tiers share the rest:
    its winners' grants once the vote is held, ``count × amount`` before (so the scored grants do not move
    when the vote closes, unless a shared tie pays more winners); never more than the budget."""
    tier, budget = rules.popularity, rules.grants.budget
    if tier is None or budget is None:
        return Fraction(0)
    want = result.awarded if result is not None and result.held else decimal(tier.amount) * tier.count
    return min(want, decimal(budget))


def _runs(order: Sequence[str], key) -> list[list[str]]:
    """``order`` cut into runs of equal ``key``."""
    out: list[list[str]] = []
    for p in order:
        if out and key(out[-1][0]) == key(p):
            out[-1].append(p)
        else:
            out.append([p])
    return out


def _settle(tier: Popularity, group: list[str], need: int, totals: Mapping[str, float],
            panels: Mapping[str, Mapping[str, float]]) -> tuple[list[str], str]:
    """``need`` winners among the tied ``group``: each breaker orders what is still tied (higher first);
    ``shared`` gives the tier to all still tied."""
    picked: list[str] = []
    tied = list(group)
    for b in tier.breakers:
        if b == "shared":
            return picked + tied, b
        if b == "total":
            key = {p: _num(totals.get(p)) for p in tied}
        else:
            scores = panels.get(b.partition(":")[2], {})
            key = {p: _num(scores.get(p)) for p in tied}
        ordered = sorted(tied, key=lambda p: -key[p])
        for run in _runs(ordered, lambda p: key[p]):
            if len(picked) + len(run) <= need:
                picked += run
                if len(picked) == need:
                    return picked, b
            else:
                tied = run  # the run across the boundary goes to the next breaker
                break
    return picked + tied, "shared"  # never: the breakers end with "shared" (rules_audience checks)


def _num(x: float | None) -> float:
    """A score for comparing: a missing one (no audience score, say) is below every score."""
    return float("-inf") if x is None or x != x else float(x)


def _grants(rules: Rules, winners: list[str], budget: Fraction | None, warnings: list[str]) -> dict[str, Fraction]:
    tier, unit_name = rules.popularity, rules.grants.money_unit
    amount = decimal(tier.amount)
    want = amount * len(winners)
    if budget is None or want <= budget:
        return {p: amount for p in winners}
    # a shared tie with more winners than the whole budget can pay: the budget split equally, in whole units
    warnings.append(f"人气奖并列 {len(winners)} 个项目，需 {money_text(want, unit_name)}，超出预算 "
                    f"{money_text(budget, unit_name)}，已平均分配 / the popularity tier's {len(winners)} winners need "
                    f"{money_text(want, unit_name)}, more than the budget; split equally")
    return allocate(budget, dict.fromkeys(winners, Fraction(1)), dict.fromkeys(winners), decimal(rules.grants.unit),
                    winners)
