"""A scoring rules file as frozen data: what the engine, the live contest and the exports read (pure).

What it does: the dataclasses of a parsed rules file (:class:`Rules`, :class:`Panel`, :class:`Criterion`,
:class:`Award`, :class:`Grants`, :class:`Tracks` …), the choices each key allows, :class:`RulesError`,
and the exact checks of one mark against the rules (:meth:`Rules.mark_value`).

What it does not do: read or parse TOML (:mod:`judging.core.rules`), or score anything.  It imports
nothing of the core, so every other core module can import it without a circle.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

METHODS = ("mean", "sum", "median", "trimmed_mean", "trimmed_sum", "zscore", "rank_points")
PER = ("judge", "criterion")
COMBINE = ("weighted_sum", "sum")
ROUND_TOTALS = ("sum", "last", "mean")
ROUNDING_MODES = ("half_up", "half_even", "down")
ROUNDING_STEPS = ("criterion", "panel", "round", "total")
TIE_SCOPES = ("all", "award_boundary", "none")
GRANT_MODES = ("per_tier", "proportional")
GRANT_CAPS = ("none", "requested")
GRANT_TIES = ("pool",)
GRANT_EXCESS = ("keep", "redistribute")  # what a capped project could not take: stays in the budget, or goes to the others
MONEY_UNITS = ("yuan", "wan")
TRACK_MODES = ("none", "separate")
TRACK_SPLITS = ("equal", "projects", "budgets")
PANEL_KINDS = ("judges", "audience")  # judges: a roster with tokens; audience: any phone with the audience link
AUDIENCE_FALLBACKS = ("reweight", "zero")  # too few ballots: the other panels' weights scaled up, or a 0 score
OVERTIME_ROUND = re.compile(r"^overtime([1-9][0-9]*)$")


class RulesError(ValueError):
    """A rules file is invalid.  ``str(err)`` is ``file: key: what is wrong``."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source, self.key, self.message = source, key, message
        super().__init__(f"{source}: {key}: {message}")


@dataclass(frozen=True)
class MarkBounds:
    min: float = 0.0
    max: float = 100.0
    step: float = 0.01


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    max: float
    weight: float = 1.0


@dataclass(frozen=True)
class Panel:
    id: str
    label: str
    weight: float
    method: str = "mean"
    drop_high: int = 0
    drop_low: int = 0
    per: str = "judge"
    points: tuple[float, ...] = ()
    criteria: tuple[Criterion, ...] = ()  # the rubric this panel scores; () = one overall mark
    kind: str = "judges"       # "audience": ballots of phones (1..stars each), not marks of a roster
    stars: int = 10            # audience: a ballot is 1..stars; the panel's score is mean / stars * marks.max
    min_ballots: int = 0       # audience: fewer ballots than this for a roadshow and ``fallback`` applies
    fallback: str = "reweight" # audience, too few ballots: "reweight" (other panels' weights scaled to the
                               # whole) or "zero" (the audience part counts 0)

    @property
    def audience(self) -> bool:
        return self.kind == "audience"

    @property
    def criterion_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria) or ("",)

    @property
    def trimmed(self) -> bool:
        return self.method in ("trimmed_mean", "trimmed_sum")


@dataclass(frozen=True)
class Rounding:
    digits: int = 2
    mode: str = "half_up"
    steps: tuple[str, ...] = ("panel", "total")


@dataclass(frozen=True)
class Ties:
    scope: str = "award_boundary"
    breakers: tuple[str, ...] = ("shared",)
    max_overtime: int = 1  # overtime rounds to hold for one tie before the next breaker applies


@dataclass(frozen=True)
class Award:
    id: str
    label: str
    count: int | None = None
    min_score: float | None = None
    amount: float = 0.0


@dataclass(frozen=True)
class Popularity:
    """最佳人气奖: during a window the organizer opens, each audience phone votes for up to ``choices``
    projects; the ``count`` projects with the most votes get this tier (label, amount), beside the scored
    tiers.  Ties at the boundary go through ``breakers`` (``panel:<id>``, ``total``, ``shared``)."""

    id: str = "popularity"
    label: str = "最佳人气奖"
    count: int = 1
    amount: float = 0.0
    choices: int = 1
    breakers: tuple[str, ...] = ("total", "shared")


@dataclass(frozen=True)
class Advance:
    """``[advance]``: who goes on to the next stage (:mod:`judging.core.advance`): the top ``count`` (of each
    track when ``per_track``), or everyone with at least ``min_score`` (both: the top ``count`` of those);
    a tie at the line goes through ``breakers`` (the tie-breaker registry's; nothing breaks it: all advance)."""

    count: int | None = None
    min_score: float | None = None
    per_track: bool = False
    breakers: tuple[str, ...] = ("shared",)


@dataclass(frozen=True)
class Carry:
    """``[carry]``: this stage's total = (1 - weight) x its own total + weight x the previous stage's total."""

    weight: float = 0.0


@dataclass(frozen=True)
class Grants:
    mode: str = "per_tier"
    budget: float | None = None
    cap: str = "requested"      # 公益创投 never funds more than a project asked for
    unit: float = 1.0
    tie: str = "pool"
    money_unit: str = "yuan"    # how pages and papers write amounts: ¥250,000 or ¥25万 (judging.core.money)
    excess: str = "keep"        # a capped project's excess: "keep" (stays in the budget) or "redistribute"


@dataclass(frozen=True)
class Tracks:
    """How the 赛道 column is treated.  ``none`` (default): one ranking and one set of awards for all
    projects, the track is only a label.  ``separate``: each track is ranked and awarded on its own with
    the whole tier list, and the grant budget is split between the tracks -- ``equal`` parts, in
    proportion to the number of ``projects``, or the fixed ``budgets`` per track -- so that the tracks
    together never exceed it."""

    mode: str = "none"
    split: str = "equal"
    budgets: tuple[tuple[str, float], ...] = ()

    @property
    def separate(self) -> bool:
        return self.mode == "separate"


@dataclass(frozen=True)
class Rules:
    name: str
    marks: MarkBounds
    criteria: tuple[Criterion, ...]
    panels: tuple[Panel, ...]
    combine: str = "weighted_sum"
    rounds_total: str = "sum"
    rounds_factor: float = 1.0
    use_entry_factor: bool = False
    rounding: Rounding = field(default_factory=Rounding)
    ties: Ties = field(default_factory=Ties)
    awards: tuple[Award, ...] = ()
    grants: Grants = field(default_factory=Grants)
    tracks: Tracks = field(default_factory=Tracks)
    popularity: Popularity | None = None  # [popularity]: the audience's own award tier, or none
    advance: Advance | None = None        # [advance]: who goes on to the next stage (judging.core.advance)
    carry: Carry | None = None            # [carry]: the previous stage's total's weight in this one's
    source: str = "<rules>"
    text: str = ""  # the TOML text as loaded, so a contest can keep its own copy

    def panel(self, panel_id: str) -> Panel:
        for p in self.panels:
            if p.id == panel_id:
                return p
        raise KeyError(panel_id)

    @property
    def panel_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.panels)

    @property
    def audience_panel(self) -> Panel | None:
        """The panel of ``kind = "audience"`` (at most one), or None."""
        return next((p for p in self.panels if p.audience), None)

    @property
    def has_audience(self) -> bool:
        """Does this contest take audience ballots at all (an audience panel, or a popularity vote)?"""
        return self.audience_panel is not None or self.popularity is not None

    def bounds(self, panel: Panel, criterion_id: str) -> tuple[float, float]:
        """Allowed range of one mark for ``criterion_id`` ("" = the overall mark)."""
        for c in panel.criteria:
            if c.id == criterion_id:
                return self.marks.min, c.max
        return self.marks.min, self.marks.max

    def mark_value(self, panel: Panel, criterion_id: str, raw: object) -> tuple[float | None, str | None]:
        """``raw`` (a JSON number, or the text typed or read from a CSV) as the mark to store, or why it is
        not one.  Exact, in decimal: within [min, max] and a whole number of steps above min, no tolerance
        (``-1e-10`` and ``100.0000000009`` are refused).  A float counts as the decimal of its shortest
        repr (17.7 is 17.7, the double nearest to it).  The value returned is the canonical one: the
        double nearest to that decimal, ``-0.0`` as ``0.0``.  Messages are Chinese-first."""
        if criterion_id not in panel.criterion_ids:
            return None, f"未知评分项 unknown criterion {criterion_id!r}"
        value = as_decimal(raw)
        if value is None:
            return None, "不是数字 not a number"
        if panel.audience:  # a ballot: a whole number of stars
            if value != value.to_integral_value() or not 1 <= value <= panel.stars:
                return None, f"须为 1–{panel.stars} 的整数 must be a whole number 1–{panel.stars}"
            return float(value), None
        lo, hi = self.bounds(panel, criterion_id)
        if value < as_decimal(lo) or value > as_decimal(hi):
            return None, f"超出范围 out of range {fmt_num(lo)}–{fmt_num(hi)}"
        step = self.marks.step
        if step > 0:
            with localcontext() as ctx:
                ctx.prec = 60  # exact for every value as_decimal lets through (at most 40 characters)
                if (value - as_decimal(self.marks.min)) % as_decimal(step) != 0:
                    return None, f"须为 {fmt_num(step)} 的整数倍 must be a multiple of {fmt_num(step)}"
        return (0.0 if value == 0 else float(value)), None

    def check_mark(self, panel: Panel, criterion_id: str, value: object) -> str | None:
        """Why ``value`` is not a valid mark, or None (see :meth:`mark_value`)."""
        return self.mark_value(panel, criterion_id, value)[1]


_DECIMAL_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")


def as_decimal(raw: object) -> Decimal | None:
    """A number as the exact decimal it stands for, or None: an int; a finite float by its shortest repr
    (``repr(17.7) == '17.7'``); plain decimal text of at most 40 characters (``' 17.70 '``, ``'1e1'``).
    Booleans, NaN, infinities, ``'1_000'``, ``'0x10'`` and the like are not numbers here."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if math.isfinite(raw) else None
    if isinstance(raw, str):
        text = raw.strip()
        return Decimal(text) if len(text) <= 40 and _DECIMAL_TEXT.match(text) else None
    return None


def short_label(label: str) -> str:
    """The Chinese part of a bilingual label: '专家评审团 Expert panel' -> '专家评审团'."""
    return label.split()[0] if label.strip() else label


def fmt_num(x: float) -> str:
    return f"{x:g}" if float(x) != int(x) else str(int(x))
