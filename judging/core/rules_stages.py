"""The stage half of a rules file: ``[advance]`` (who goes on to the next stage) and ``[carry]`` (the previous
stage's weight in this one's total) (pure).

What it does: checks both tables with the rules parser's typed getters (:class:`judging.core.rules._Parser`)
and returns the frozen :class:`Advance` and :class:`Carry` of :mod:`judging.core.rules_model`;
:func:`check_for_kind` refuses what a stage of a kind cannot do (``overtime`` in a review stage's
``[advance] breakers``: a review has no evening to hold it on).  docs/RULES.md says what each key means.

What it does not do: read TOML, decide who advances (:mod:`judging.core.advance`) or add totals
(:mod:`judging.core.engine` applies the carry).
"""

from __future__ import annotations

from typing import Any

from judging.core.rules_model import Advance, Carry, Criterion, Panel, Rules, RulesError
from judging.core.tiebreakers import BREAKERS, breaker_problem, canonical

SECTIONS = ("advance", "carry")
ADVANCE_KEYS = {"count", "min_score", "per_track", "breakers"}
CARRY_KEYS = {"weight"}
STAGE_KINDS = ("live", "review")


def sections(p: Any, data: dict, panels: tuple[Panel, ...],
             criteria: tuple[Criterion, ...]) -> tuple[Advance | None, Carry | None]:
    return advance(p, data, panels, criteria), carry(p, data)


def advance(p: Any, data: dict, panels: tuple[Panel, ...], criteria: tuple[Criterion, ...]) -> Advance | None:
    if "advance" not in data:
        return None
    t = p.table(data, "advance", ADVANCE_KEYS)
    count = p.int_(t, "count", "advance", 1, minimum=1) if "count" in t else None
    min_score = p.num(t, "min_score", "advance", 0) if "min_score" in t else None
    if count is None and min_score is None:
        raise p.fail("advance", "needs count (the top N advance) or min_score (everyone at or above it advances)")
    per_track = t.get("per_track", False)
    if not isinstance(per_track, bool):
        raise p.fail("advance.per_track", "must be true or false")
    breakers = t.get("breakers", ["shared"])
    if not isinstance(breakers, list) or not all(isinstance(b, str) for b in breakers) or not breakers:
        raise p.fail("advance.breakers", "must be a non-empty list of strings")
    breakers = [canonical(b) for b in breakers]
    for b in breakers:
        if problem := breaker_problem(b, [x.id for x in panels], [c.id for c in criteria]):
            raise p.fail("advance.breakers", problem)
    for b in breakers[:-1]:
        if BREAKERS[b.partition(":")[0]].ends:
            raise p.fail("advance.breakers", f"\"{b}\" ends the list; breakers after it never apply")
    return Advance(count, min_score, per_track, tuple(breakers))


def carry(p: Any, data: dict) -> Carry | None:
    if "carry" not in data:
        return None
    t = p.table(data, "carry", CARRY_KEYS)
    weight = p.num(t, "weight", "carry", 0.0, minimum=0)
    if weight >= 1:
        raise p.fail("carry.weight", f"must be below 1 (this stage's own marks must count), got {weight:g}")
    return Carry(weight)


def check_for_kind(rules: Rules, kind: str) -> None:
    """Raise :class:`RulesError` if a stage of ``kind`` cannot run these rules."""
    if kind not in STAGE_KINDS:
        raise RulesError(rules.source, "stage_kind", f"unknown stage kind {kind!r} (one of: {', '.join(STAGE_KINDS)})")
    if kind == "review" and rules.advance and "overtime" in rules.advance.breakers:
        raise RulesError(rules.source, "advance.breakers",
                         "书面评审阶段没有加时赛，请改用其他规则（如 panel:expert、countback、shared） / a review stage "
                         "holds no overtime roadshow: use another breaker (panel:<id>, countback, shared)")
