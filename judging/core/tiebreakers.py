"""The tie-breakers: every rule that can order tied projects, one registry entry each (pure).

What it does: :data:`BREAKERS` maps each breaker of a rules file's ``[ties] breakers`` -- a plain id
(``overtime``, ``countback``, ``givers``, ``shared``) or a kind with an argument (``panel:<panel id>``,
``criterion:<criterion id>``) -- to one :class:`Breaker`: what its argument names (validation, used by
:mod:`judging.core.rules`), its ordering key (used by :mod:`judging.core.ranking` through the facts the
engine provides, :class:`BreakerFacts`), and its label and description in Chinese and English (used by the
snapshots, the exports and, through :func:`judging.core.vocabulary.for_pages`, the pages).  It also words how
one tie was settled (:func:`how_settled`, :func:`tie_text`: "并列 94.00，加时赛决出").

A new tie-break rule is one :class:`Breaker` entry here plus its test.

What it does not do: find ties or decide which ties need breaking (:mod:`judging.core.ranking`), compute
scores (:mod:`judging.core.engine` passes them in), or lay text out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Hashable, Protocol, Sequence

from judging.core.rules_model import Rules, short_label


Pair = tuple[str, str]

# how a tie stands, besides the breaker that settled it (the pages read these through the vocabulary)
OUTCOMES: dict[str, Pair] = {
    "tied": ("并列", "Tied"), "pending": ("待加时赛", "Overtime pending"),
    "not_across": ("未跨奖项界线，名次并列", "Within one award tier: place shared"),
}


class TieLike(Protocol):
    """What the wording reads of a :class:`judging.core.ranking.Tie`."""

    total: float
    crosses_boundary: bool
    resolved_by: str | None


class BreakerFacts(Protocol):
    """What the ordering keys read about one tied project (the engine answers, from the regular rounds)."""

    def panel_total(self, panel_id: str, project: str) -> float: ...

    def criterion_mean(self, criterion_id: str, project: str) -> float: ...

    def judge_totals(self, project: str) -> list[float]: ...


# facts, the breaker's argument ("" when it takes none), the tied projects -> project -> key (higher is better)
KeyFn = Callable[[BreakerFacts, str, Sequence[str]], dict[str, Hashable]]


@dataclass(frozen=True)
class Breaker:
    kind: str                # the id in [ties] breakers, or the part before ":" (panel, criterion)
    names: str | None        # what the part after ":" names ("panel", "criterion"), None when it takes none
    label: Pair              # how a tie settled by it reads ("{name}": the panel's or criterion's label)
    description: Pair        # the rules summary's words for it
    key: KeyFn | None = None  # the ordering key; None for overtime (its rounds) and shared (it never splits)
    ends: bool = False       # nothing after it in the list can apply

    @property
    def example(self) -> str:
        return f"{self.kind}:<id>" if self.names else self.kind


def _countback(facts: BreakerFacts, _arg: str, group: Sequence[str]) -> dict[str, Hashable]:
    """More top marks wins: compare how many judges gave each value, from the highest value down."""
    totals = {p: facts.judge_totals(p) for p in group}
    values = sorted({v for vals in totals.values() for v in vals}, reverse=True)
    counts = {p: Counter(vals) for p, vals in totals.items()}
    return {p: tuple(counts[p][v] for v in values) for p in group}


BREAKERS: dict[str, Breaker] = {b.kind: b for b in (
    Breaker("overtime", None, ("加时赛决出", "Decided by an overtime roadshow"), ("加时赛", "an overtime roadshow")),
    Breaker("panel", "panel", ("{name}得分高者胜", "Higher {name} score wins"), ("{name}得分高者", "higher {name} score"),
            key=lambda f, arg, group: {p: f.panel_total(arg, p) for p in group}),
    Breaker("criterion", "criterion", ("“{name}”得分高者胜", "Higher “{name}” score wins"),
            ("“{name}”得分高者", "higher “{name}” score"),
            key=lambda f, arg, group: {p: f.criterion_mean(arg, p) for p in group}),
    Breaker("countback", None, ("比较高分个数决出", "Decided by countback"), ("比较各评委高分个数", "countback of top marks"),
            key=_countback),
    Breaker("givers", None, ("给分评委多者胜", "More judges scoring wins"), ("给分评委多者", "more judges scoring"),
            key=lambda f, _arg, group: {p: sum(1 for v in f.judge_totals(p) if v > 0) for p in group}),
    Breaker("shared", None, ("名次并列", "Place shared"), ("并列", "shared place"), ends=True),
)}


def canonical(breaker: str) -> str:
    """A breaker as written, trimmed on both sides of the ":" (``criterion: 创新性`` -> ``criterion:创新性``)."""
    kind, sep, arg = breaker.partition(":")
    return f"{kind.strip()}{sep}{arg.strip()}"


def breaker_of(breaker: str) -> tuple[Breaker | None, str]:
    """``'panel:expert'`` -> (the panel entry, ``'expert'``); an unknown id -> (None, …)."""
    kind, sep, arg = breaker.partition(":")
    entry = BREAKERS.get(kind)
    if entry is None or bool(sep) != bool(entry.names):
        return None, arg
    return entry, arg


def breaker_problem(breaker: object, panels: Sequence[str], criteria: Sequence[str]) -> str | None:
    """Why ``breaker`` cannot stand in ``[ties] breakers`` with these panel and criterion ids, or None."""
    entry, arg = breaker_of(breaker) if isinstance(breaker, str) else (None, "")
    known = {"panel": panels, "criterion": criteria}
    if entry is not None and (entry.names is None or arg in known[entry.names]):
        return None
    return f"unknown breaker {breaker!r} ({', '.join(b.example for b in BREAKERS.values())})"


def ordering(breaker: str, facts: BreakerFacts, group: Sequence[str]) -> dict[str, Hashable]:
    """Each tied project's key under ``breaker`` (higher is better); ValueError for overtime and shared."""
    entry, arg = breaker_of(breaker)
    if entry is None or entry.key is None:
        raise ValueError(breaker)
    return entry.key(facts, arg, group)


def _named(breaker: str, rules: Rules | None, words: Callable[[Breaker], Pair]) -> Pair:
    entry, arg = breaker_of(breaker)
    if entry is None:
        return breaker, breaker
    name = arg
    if entry.names and rules is not None:
        items = rules.panels if entry.names == "panel" else rules.criteria
        name = short_label(next((x.label for x in items if x.id == arg), arg))
    z, e = words(entry)
    return z.format(name=name), e.format(name=name)


def breaker_label(breaker: str, rules: Rules | None = None) -> Pair:
    """'overtime' -> 加时赛决出; 'panel:expert' -> 专家评审团得分高者胜; 'criterion:impact' -> “成效与影响”得分高者胜."""
    return _named(breaker, rules, lambda b: b.label)


def breaker_description(breaker: str, rules: Rules | None = None) -> Pair:
    """The rules summary's words: 'panel:expert' -> 专家评审团得分高者; 'countback' -> 比较各评委高分个数."""
    return _named(breaker, rules, lambda b: b.description)


def how_settled(tie: TieLike, rules: Rules | None = None) -> str:
    """待加时赛 while overtime is pending; how it was decided when it crossed an award boundary (or a
    breaker split it anyway); 未跨奖项界线，名次并列 when it was simply shared."""
    if tie.crosses_boundary or tie.resolved_by not in (None, "shared"):
        return OUTCOMES["pending"][0] if tie.resolved_by is None else breaker_label(tie.resolved_by, rules)[0]
    return OUTCOMES["not_across"][0]


def tie_text(tie: TieLike, digits: int, rules: Rules | None = None) -> str:
    """The line for a tied project: '并列 94.00，加时赛决出', '并列 88.50，名次并列'."""
    how = how_settled(tie, rules)
    if how == OUTCOMES["not_across"][0]:
        how = breaker_label("shared")[0]
    return f"{OUTCOMES['tied'][0]} {tie.total:.{digits}f}，{how}"


def labels() -> dict[str, Pair]:
    """Each breaker's label, for the vocabulary the pages embed (``"{name}"`` left for the page to fill)."""
    return {kind: b.label for kind, b in BREAKERS.items()}
