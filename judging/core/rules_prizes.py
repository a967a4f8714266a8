"""The prize half of a rules file: ``[[awards]]``, ``[grants]`` and ``[tracks]`` (pure).

What it does: checks those tables with the rules parser's typed getters (:class:`judging.core.rules._Parser`:
``num``, ``choice``, ``ident``, ``label``, ``fail``) and returns the frozen :class:`Award` tuple,
:class:`Grants` and :class:`Tracks` of :mod:`judging.core.rules_model`.

What it does not do: read TOML, check marks, panels or ties (:mod:`judging.core.rules`), or allocate any
money (:mod:`judging.core.awards`, :mod:`judging.core.tracks`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from judging.core.money import exact
from judging.core.rules_model import (GRANT_CAPS, GRANT_EXCESS, GRANT_MODES, GRANT_TIES, MONEY_UNITS, TRACK_MODES,
                                      TRACK_SPLITS, Award, Grants, Tracks, fmt_num)


def awards(p: Any, raw: Any) -> tuple[Award, ...]:
    out: list[Award] = []
    for where, a, aid in p.tables(raw, "awards", {"id", "label", "count", "min_score", "amount"}, "award"):
        if ("count" in a) == ("min_score" in a):
            raise p.fail(where, "needs exactly one of count = N or min_score = X")
        count = p.int_(a, "count", where, 0, minimum=1) if "count" in a else None
        if count is not None and any(o.min_score is not None for o in out):
            # places are counted from 1: a count tier after a threshold would hand out fewer places
            raise p.fail(f"{where}.count", "count tiers come before threshold (min_score) tiers")
        min_score = p.num(a, "min_score", where, 0) if "min_score" in a else None
        if min_score is not None:
            prev = [o.min_score for o in out if o.min_score is not None]
            if prev and min_score >= prev[-1]:
                raise p.fail(f"{where}.min_score", "threshold tiers go best first: must be below the previous one")
        out.append(Award(aid, p.label(a, where, aid), count, min_score,
                         p.num(a, "amount", where, 0, minimum=0)))
    return tuple(out)

def grants(p: Any, g: dict, awards: tuple[Award, ...]) -> Grants:
    mode = p.choice(g, "mode", "grants", "per_tier", GRANT_MODES)
    budget = p.num(g, "budget", "grants", 0, minimum=0) if "budget" in g else None
    unit = p.num(g, "unit", "grants", 1, positive=True)
    if mode == "proportional" and budget is None:
        raise p.fail("grants.budget", "proportional grants need a budget")
    if budget is not None and abs(budget / unit - round(budget / unit)) > 1e-9:
        raise p.fail("grants.budget", f"must be a whole multiple of grants.unit ({fmt_num(unit)})")
    if mode == "per_tier" and budget is not None:
        fixed = sum(a.amount * a.count for a in awards if a.count is not None)
        if fixed > budget + 1e-9:
            raise p.fail("grants.budget", f"the award tiers need {fmt_num(fixed)}, more than the budget "
                                             f"{fmt_num(budget)}")
    return Grants(mode, budget, p.choice(g, "cap", "grants", "requested", GRANT_CAPS), unit,
                  p.choice(g, "tie", "grants", "pool", GRANT_TIES),
                  p.choice(g, "money_unit", "grants", "yuan", MONEY_UNITS),
                  # per tier, a capped project's excess stays in the budget (a 三等奖 must not end up above
                  # a 二等奖); a budget split by score passes it on to the others
                  p.choice(g, "excess", "grants", "keep" if mode == "per_tier" else "redistribute",
                              GRANT_EXCESS))


def tracks(p: Any, t: dict, grants: Grants) -> Tracks:
    """``[tracks]`` checked with the rules parser ``p`` (its ``choice``/``num``/``fail``)."""
    mode = p.choice(t, "mode", "tracks", "none", TRACK_MODES)
    raw = t.get("budgets", {})
    if not isinstance(raw, dict):
        raise p.fail("tracks.budgets", 'must be a table of track = amount, e.g. "新锐" = 100000')
    split = p.choice(t, "split", "tracks", "budgets" if raw else "equal", TRACK_SPLITS)
    if mode == "none" and ("split" in t or raw):
        raise p.fail("tracks.mode", 'split and budgets apply only with mode = "separate"')
    if (split == "budgets") != bool(raw):
        raise p.fail("tracks.budgets", 'split = "budgets" needs a [tracks.budgets] table, and only it uses one')
    budgets = tuple((str(k).strip(), p.num(raw, k, "tracks.budgets", 0, minimum=0)) for k in raw)
    unit = exact(grants.unit)
    for name, amount in budgets:
        if not name:
            raise p.fail("tracks.budgets", "a track name must not be empty")
        if (exact(amount) / unit).denominator != 1:
            raise p.fail(f"tracks.budgets.{name}", f"must be a whole multiple of grants.unit ({grants.unit:g})")
    total = sum((exact(a) for _, a in budgets), Fraction(0))
    if grants.budget is not None and total > exact(grants.budget):
        raise p.fail("tracks.budgets", f"the tracks' budgets add up to {float(total):g}, more than grants.budget "
                                       f"{grants.budget:g}")
    if grants.mode == "proportional" and split == "budgets" and not total:
        raise p.fail("tracks.budgets", "proportional grants need a budget for the tracks")
    return Tracks(mode, split, budgets)
