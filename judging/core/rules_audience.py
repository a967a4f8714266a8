"""The audience half of a rules file: ``kind = "audience"`` on a ``[[panels]]`` entry and ``[popularity]``
(pure).

What it does: checks the audience keys of a panel (``kind``, ``stars``, ``min_ballots``, ``fallback``) and the
``[popularity]`` table (最佳人气奖: ``label``, ``count``, ``amount``, ``choices``, ``breakers``) with the rules
parser's typed getters (:class:`judging.core.rules._Parser`), and returns the frozen :class:`Panel` and
:class:`Popularity` of :mod:`judging.core.rules_model`.  docs/AUDIENCE.md says what each key means.

What it does not do: read TOML, check the rest of a panel (:mod:`judging.core.rules`), or count any ballot
(:mod:`judging.core.scoring` scores an audience panel, :mod:`judging.core.popularity` the popularity vote).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from judging.core.money import exact
from judging.core.rules_model import AUDIENCE_FALLBACKS, PANEL_KINDS, Award, Grants, Panel, Popularity, fmt_num

PANEL_KEYS = ("kind", "stars", "min_ballots", "fallback")
POPULARITY_KEYS = {"id", "label", "count", "amount", "choices", "breakers"}
POPULARITY_BREAKERS = ("total", "shared")  # besides panel:<id>; "overtime" has no meaning for a vote
MAX_STARS = 10


def panel(p: Any, raw: dict, where: str, base: Panel, earlier: list[Panel]) -> Panel:
    """``base`` (the panel as read without the audience keys) with them: a judges' panel must not carry
    them; an audience panel has one overall mark (no rubric), 1..stars each, and is the only one."""
    kind = p.choice(raw, "kind", where, "judges", PANEL_KINDS)
    if kind != "audience":
        for key in PANEL_KEYS[1:]:
            if key in raw:
                raise p.fail(f"{where}.{key}", 'only an audience panel (kind = "audience") has this key')
        return base
    if any(e.audience for e in earlier):
        raise p.fail(f"{where}.kind", "only one panel can be the audience")
    if base.method not in ("mean", "median", "trimmed_mean"):
        raise p.fail(f"{where}.method", "an audience panel's score is its ballots' mean, median or trimmed_mean")
    if base.per != "judge":
        raise p.fail(f"{where}.per", 'an audience panel has one mark per ballot: per = "judge"')
    if "criteria" in raw:
        raise p.fail(f"{where}.criteria", "an audience ballot is one overall mark: no criteria")
    stars = p.int_(raw, "stars", where, 10, minimum=1)
    if stars > MAX_STARS:
        raise p.fail(f"{where}.stars", f"at most {MAX_STARS} stars fit a phone's row")
    return replace(base, kind="audience", criteria=(), stars=stars,
                   min_ballots=p.int_(raw, "min_ballots", where, 0),
                   fallback=p.choice(raw, "fallback", where, "reweight", AUDIENCE_FALLBACKS))


def popularity(p: Any, t: dict, present: bool, panels: tuple[Panel, ...],
               awards: tuple[Award, ...]) -> Popularity | None:
    if not present:
        return None
    pid = t.get("id", "popularity")
    if not isinstance(pid, str) or not pid.strip():
        raise p.fail("popularity.id", "must be a non-empty text")
    pid = pid.strip()
    if any(a.id == pid for a in awards):
        raise p.fail("popularity.id", f"{pid!r} is already an award tier's id")
    breakers = t.get("breakers", ["total", "shared"])
    if not isinstance(breakers, list) or not breakers or not all(isinstance(b, str) for b in breakers):
        raise p.fail("popularity.breakers", 'must be a list, e.g. ["total", "shared"]')
    breakers = [b.strip() for b in breakers]
    panel_ids = {x.id for x in panels}
    for b in breakers:
        kind, _, arg = b.partition(":")
        if b in POPULARITY_BREAKERS or (kind == "panel" and arg in panel_ids):
            continue
        raise p.fail("popularity.breakers", f"unknown breaker {b!r}: use total, shared or panel:<panel id>")
    if breakers[-1] != "shared":
        raise p.fail("popularity.breakers", 'must end with "shared" (a tie nothing else breaks is shared)')
    return Popularity(id=pid, label=p.label(t, "popularity", "最佳人气奖"),
                      count=p.int_(t, "count", "popularity", 1, minimum=1),
                      amount=p.num(t, "amount", "popularity", 0, minimum=0),
                      choices=p.int_(t, "choices", "popularity", 1, minimum=1),
                      breakers=tuple(breakers))


def check_budget(p: Any, tier: Popularity | None, awards: tuple[Award, ...], grants: Grants) -> None:
    """The popularity tier's money against ``[grants]``: its amount in whole ``grants.unit``, and with a budget
    the tier's ``count × amount`` (reserved first) plus, per tier, the scored tiers' amounts must fit in it."""
    if tier is None:
        return
    unit = exact(grants.unit)
    if (exact(tier.amount) / unit).denominator != 1:
        raise p.fail("popularity.amount", f"must be a whole multiple of grants.unit ({fmt_num(grants.unit)})")
    if grants.budget is None:
        return
    need = exact(tier.amount) * tier.count
    if grants.mode == "per_tier":
        need += sum((exact(a.amount) * a.count for a in awards if a.count is not None), exact(0))
    if need > exact(grants.budget):
        what = "the award tiers and the popularity tier need" if grants.mode == "per_tier" else "the popularity tier needs"
        raise p.fail("grants.budget", f"{what} {fmt_num(float(need))}, more than the budget {fmt_num(grants.budget)}")
