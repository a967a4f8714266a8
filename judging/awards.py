"""Award tiers and grant allocation (pure).

What it does: says which tier a place earns (:func:`tier_at`), hands tiers to an
ordered list of places (shared places get the best tier they span), and splits
grant money exactly: tier amounts or a budget split by score, capped at what a
project asked for with the excess redistributed, in whole multiples of a unit by
largest remainder.  Money is computed with fractions, never floats, and every
number from the rules or the results enters as the decimal it reads as (0.01 is
1/100, not the binary float next to it).

What it does not do: rank projects or break ties (:mod:`judging.ranking`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import floor
from typing import Sequence

from .rules import Award, Rules


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


def allocate_awards(rules: Rules, places: Sequence[Place], requested: dict[str, float | None]) -> Allocation:
    awards, g = rules.awards, rules.grants
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
        pot = decimal(g.budget or 0) if wanted > 0 else Fraction(0)
    else:
        pot = wanted
        if g.budget is not None and wanted > decimal(g.budget):
            pot = decimal(g.budget)
            warnings.append(f"奖金合计 {_show(wanted)} 超出预算 {_show(pot)}，已按比例缩减 / award amounts "
                            f"{_show(wanted)} exceed the budget {_show(pot)}; scaled down")
    caps: dict[str, Fraction | None] = dict.fromkeys(order)
    if g.cap == "requested":
        for pid in order:
            req = requested.get(pid)
            caps[pid] = None if req is None or not weight[pid] else decimal(req)
    grant = allocate(pot, weight, caps, decimal(g.unit), order)
    unallocated = pot - sum((v for v in grant.values() if v), zero)
    if unallocated > 0:
        warnings.append(f"{_show(unallocated)} 未分配：获奖项目均已达申报额 / {_show(unallocated)} left "
                        "unallocated: every awarded project is at its cap")
    return Allocation(award, grant, unallocated, tuple(warnings))


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


def _show(x: Fraction) -> str:
    """Money for a message: 1999700, 12.5 (never 1.9997e+06)."""
    return str(money(x)) if x.denominator == 1 else f"{float(x):.2f}"


def money(x: Fraction) -> int | float:
    """A grant as JSON-friendly number: int when whole."""
    return int(x) if x.denominator == 1 else float(x)
