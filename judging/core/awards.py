"""Award tiers and grant allocation (pure).

What it does: says which tier a place earns (:func:`tier_at`), hands tiers to an
ordered list of places (shared places get the best tier they span), and splits
grant money exactly: tier amounts or a budget (the rules', or one track's share
of it) split by score, capped at what a project asked for with the excess
redistributed -- and a note saying which projects were capped and where their
excess went -- in whole multiples of a unit by largest remainder.  Money is computed with fractions, never floats, and every
number from the rules or the results enters as the decimal it reads as (0.01 is
1/100, not the binary float next to it).

What it does not do: rank projects or break ties (:mod:`judging.core.ranking`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from math import floor
from typing import Sequence

from judging.core.money import money_text
from judging.core.rules_model import Award, Rules

RULES_BUDGET = object()  # allocate_awards(budget=...) default: the rules' own [grants] budget


def tier_at(awards: Sequence[Award], position: int, total: float) -> Award | None:
    """The tier earned by 1-based ``position`` with ``total``.

    Count tiers take consecutive places (1 first prize, the next 2 second, …);
    a threshold tier takes any project at or above its ``min_score``."""
    cursor = 0
    for a in awards:
        if a.count is not None:
            if position <= cursor + a.count:
                return a
            cursor += a.count
        elif total >= a.min_score - 1e-9:
            return a
    return None


def crosses_boundary(awards: Sequence[Award], start: int, size: int, total: float) -> bool:
    """Would places start..start+size-1 (same total) fall into different tiers?"""
    ids = {getattr(tier_at(awards, start + i, total), "id", None) for i in range(size)}
    return len(ids) > 1


@dataclass(frozen=True)
class Place:
    """One shared or single place in the final order."""

    projects: tuple[str, ...]
    start: int        # 1-based position of the first project
    total: float
    pending: bool = False  # a tie across a boundary still waiting for overtime


@dataclass(frozen=True)
class Allocation:
    award: dict[str, Award | None]
    grant: dict[str, Fraction]
    unallocated: Fraction
    warnings: tuple[str, ...]
    budget: Fraction | None = None     # the budget this allocation had (None: tier amounts, no limit)
    pot: Fraction = Fraction(0)        # what the tiers / the budget pay out before caps and units
    capped: tuple[tuple[str, Fraction, Fraction], ...] = ()  # (project, grant at its request, share without cap)

    @property
    def excess(self) -> Fraction:
        """What the capped projects could not take (given to the others, or left unallocated)."""
        return sum((share - got for _, got, share in self.capped), Fraction(0))


def allocate_awards(rules: Rules, places: Sequence[Place], requested: dict[str, float | None],
                    budget: object = RULES_BUDGET) -> Allocation:
    """Tiers and grants for one ranking.  ``budget`` (a Fraction, or None for no limit) replaces the
    rules' budget, e.g. one track's share of it (:func:`judging.core.tracks.track_budgets`)."""
    awards, g = rules.awards, rules.grants
    limit = (None if g.budget is None else decimal(g.budget)) if budget is RULES_BUDGET else budget
    unit_name = g.money_unit
    award: dict[str, Award | None] = {}
    weight: dict[str, Fraction] = {}
    order: list[str] = []
    zero = Fraction(0)
    for place in places:
        tiers = [tier_at(awards, place.start + i, place.total) for i in range(len(place.projects))]
        best = None if place.pending else tiers[0]
        if best is None:
            w = zero
        elif g.mode == "proportional":
            w = decimal(place.total)
        elif len(tiers) > 1:  # a shared place pools the amounts of the places it spans
            w = sum((decimal(t.amount) for t in tiers if t is not None), zero) / len(tiers)
        else:
            w = decimal(best.amount)
        for pid in place.projects:
            order.append(pid)
            award[pid] = best
            weight[pid] = w
    warnings: list[str] = []
    wanted = sum(weight.values(), Fraction(0))
    if g.mode == "proportional":
        pot = (limit or zero) if wanted > 0 else zero
    else:
        pot = wanted
        if limit is not None and wanted > limit:
            pot = limit
            warnings.append(f"奖金合计 {_show(wanted, unit_name)} 超出预算 {_show(pot, unit_name)}，已按比例缩减 / "
                            f"award amounts {_show(wanted, unit_name)} exceed the budget {_show(pot, unit_name)}; "
                            "scaled down")
    caps: dict[str, Fraction | None] = dict.fromkeys(order)
    if g.cap == "requested":
        for pid in order:
            req = requested.get(pid)
            caps[pid] = None if req is None or not weight[pid] else decimal(req)
    unit = decimal(g.unit)
    if g.excess == "redistribute":
        grant = allocate(pot, weight, caps, unit, order)
    else:  # every winner its share, at most its request: what a cap cuts off stays in the budget
        grant = {p: v if caps[p] is None else min(v, floor(caps[p] / unit) * unit)
                 for p, v in allocate(pot, weight, dict.fromkeys(order), unit, order).items()}
    unallocated = pot - sum((v for v in grant.values() if v), zero)
    wsum = sum(weight.values(), zero)
    capped = tuple((p, grant[p], pot * weight[p] / wsum) for p in order
                   if wsum and caps[p] is not None and grant[p] == floor(caps[p] / unit) * unit
                   and pot * weight[p] / wsum > grant[p])
    alloc = Allocation(award, grant, unallocated, (), limit, pot, capped)
    return replace(alloc, warnings=tuple(warnings + _cap_notes(alloc, unit_name, g.excess == "keep")))


def _cap_notes(a: Allocation, unit: str, keep: bool) -> list[str]:
    """Where the money capped projects could not take went: to the others, or nowhere."""
    out = []
    if a.capped:
        shown = "、".join(f"{p} 获 {_show(got, unit)}（未封顶应得 {_show(share, unit)}）" for p, got, share in a.capped[:5])
        more = f" 等 {len(a.capped)} 个项目" if len(a.capped) > 5 else ""
        passed = max(a.excess - a.unallocated, Fraction(0))
        where = (f"多出的 {_show(passed, unit)} 已按比例分给其他获奖项目" if passed > 0 else
                 f"多出的 {_show(a.excess, unit)} 留在预算中")
        out.append(f"按申报额封顶：{shown}{more}" + (f"；{where}" if where else "") + f" / {len(a.capped)} project(s) "
                   "capped at the amount requested" + (f"; {_show(passed, unit)} went to the other winners"
                                                       if passed > 0 else ""))
    if a.unallocated > 0 and not keep:  # passed on to the others until none could take more
        out.append(f"{_show(a.unallocated, unit)} 未分配：获奖项目均已达申报额 / {_show(a.unallocated, unit)} left "
                   "unallocated: every awarded project is at its cap")
    return out


def allocate(pot: Fraction, weights: dict[str, Fraction], caps: dict[str, Fraction | None], unit: Fraction,
             order: Sequence[str]) -> dict[str, Fraction]:
    """Split ``pot`` by ``weights``; nobody above their cap (excess goes to the others);
    whole multiples of ``unit`` by largest remainder (ties of remainder go to the
    earlier project in ``order``).  The sum is the pot rounded down to the unit
    unless every project with a weight is at its cap.

    A cap counts as the whole units below it (a cap of 250 in units of 100 is 200), so the
    money a capped project cannot take in whole units goes to the others, not astray."""
    caps = {p: None if c is None else floor(c / unit) * unit for p, c in caps.items()}
    zero = Fraction(0)
    weighted = [pid for pid in order if weights[pid] > 0]   # everyone else gets 0
    exact: dict[str, Fraction] = {pid: zero for pid in weighted}
    active = list(weighted)
    remaining = pot
    while active:
        wsum = sum((weights[p] for p in active), Fraction(0))
        over = [p for p in active if caps[p] is not None and remaining * weights[p] / wsum > caps[p]]
        if not over:
            for p in active:
                exact[p] = remaining * weights[p] / wsum
            break
        for p in over:
            exact[p] = caps[p]
            remaining -= caps[p]
            active.remove(p)
    units = {p: floor(exact[p] / unit) for p in weighted}
    target = floor(sum(exact.values(), zero) / unit)
    leftover = target - sum(units.values())
    rank = {p: i for i, p in enumerate(weighted)}

    def room(p: str) -> bool:
        return caps[p] is None or (units[p] + 1) * unit <= caps[p]

    candidates = sorted((p for p in weighted if exact[p] / unit - units[p] > 0 and room(p)),
                        key=lambda p: (-(exact[p] / unit - units[p]), rank[p]))
    for p in candidates[:max(leftover, 0)]:
        units[p] += 1
    return {p: units[p] * unit if p in units else zero for p in order}


def decimal(x: float) -> Fraction:
    """``x`` as the decimal number it prints as: 0.1 -> 1/10 (``Fraction(0.1)`` would be
    3602879701896397/36028797018963968), so money splits like a person's arithmetic."""
    return Fraction(repr(float(x)))


def _show(x: Fraction, unit: str = "yuan") -> str:
    """Money for a message, in the one money format: ¥1,999,700, ¥12.50 (never 1.9997e+06)."""
    return money_text(x, unit)


def money(x: Fraction) -> int | float:
    """A grant as JSON-friendly number: int when whole."""
    return int(x) if x.denominator == 1 else float(x)
