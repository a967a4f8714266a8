"""Load and validate a scoring rules file (``scoring_rules/*.toml``).

What it does: parses TOML into frozen dataclasses and checks every key, so the
engine can trust what it gets.  Errors read ``file: key: what is wrong``.

What it does not do: it reads no marks and computes nothing.  Checks that need
the marks (e.g. enough judges for the trimming) happen in :mod:`judging.core.scoring`.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

from judging.core.text import DOCUMENT, LINE, text_problem
from judging.core.tracks import Tracks, parse_tracks

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
OVERTIME_ROUND = re.compile(r"^overtime([1-9][0-9]*)$")
_ID = re.compile(r"^[A-Za-z0-9_\-]+$")


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
class Grants:
    mode: str = "per_tier"
    budget: float | None = None
    cap: str = "requested"      # 公益创投 never funds more than a project asked for
    unit: float = 1.0
    tie: str = "pool"
    money_unit: str = "yuan"    # how pages and papers write amounts: ¥250,000 or ¥25万 (judging.core.money)
    excess: str = "keep"        # a capped project's excess: "keep" (stays in the budget) or "redistribute"


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


# ---------------------------------------------------------------- loading

def load_rules(path: str | Path) -> Rules:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RulesError(str(path), "-", f"cannot read file ({e.strerror})") from None
    return parse_rules(text, str(path))


def parse_rules(text: str, source: str = "<rules>") -> Rules:
    if problem := text_problem(text, DOCUMENT, ("评分规则", "the rules text")):
        raise RulesError(source, "-", problem)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RulesError(source, "-", f"not valid TOML ({e})") from None
    return _Parser(source).rules(data, text)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> RulesError:
        return RulesError(self.source, key, message)

    # typed getters -------------------------------------------------------
    def table(self, data: dict, key: str, known: set[str]) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        self.no_unknown(value, known, key)
        return value

    def no_unknown(self, value: dict, known: set[str], where: str) -> None:
        for k in value:
            if k not in known:
                raise self.fail(f"{where}.{k}" if where else k, f"unknown key (known: {', '.join(sorted(known))})")

    def num(self, d: dict, key: str, where: str, default: Any, *, positive: bool = False,
            minimum: float | None = None) -> float:
        v = d.get(key, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(f"{where}.{key}", f"must be a number, got {v!r}")
        v = float(v)
        if v != v or v in (float("inf"), float("-inf")):
            raise self.fail(f"{where}.{key}", "must be a finite number")
        if positive and v <= 0:
            raise self.fail(f"{where}.{key}", f"must be positive, got {fmt_num(v)}")
        if minimum is not None and v < minimum:
            raise self.fail(f"{where}.{key}", f"must be at least {fmt_num(minimum)}, got {fmt_num(v)}")
        return v

    def int_(self, d: dict, key: str, where: str, default: int, *, minimum: int = 0) -> int:
        v = d.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(f"{where}.{key}", f"must be a whole number, got {v!r}")
        if v < minimum:
            raise self.fail(f"{where}.{key}", f"must be at least {minimum}, got {v}")
        return v

    def choice(self, d: dict, key: str, where: str, default: str, options: tuple[str, ...]) -> str:
        v = d.get(key, default)
        if v not in options:
            raise self.fail(f"{where}.{key}", f"unknown value {v!r} (one of: {', '.join(options)})")
        return v

    def text(self, d: dict, key: str, where: str, default: str) -> str:
        v = d.get(key, default)
        if not isinstance(v, str):
            raise self.fail(f"{where}.{key}", f"must be a string, got {v!r}")
        return v

    def shown(self, v: str, key: str, where: str) -> str:
        """A name or label: what every screen and sheet shows, so no control characters (:mod:`judging.core.text`)."""
        if problem := text_problem(v, LINE, ("名称", f"the {key}")):
            raise self.fail(f"{where}.{key}" if where else key, problem)
        return v

    def label(self, d: dict, where: str, default: str) -> str:
        """A display label: what every screen, sheet and export shows, so never blank."""
        v = self.shown(self.text(d, "label", where, default).strip(), "label", where)
        if not v:
            raise self.fail(f"{where}.label", "must not be empty (leave the key out to use the id)")
        return v

    def ident(self, d: dict, where: str) -> str:
        v = d.get("id")
        if not isinstance(v, str) or not _ID.match(v):
            raise self.fail(f"{where}.id", f"must be a short id of letters, digits, _ or -, got {v!r}")
        return v

    # sections --------------------------------------------------------------
    def rules(self, data: dict, text: str) -> Rules:
        self.no_unknown(data, {"name", "marks", "criteria", "panels", "combine", "rounds", "rounding",
                               "ties", "awards", "grants", "tracks", "description"}, "")
        name = self.shown(self.text(data, "name", "", ""), "name", "")
        if not name.strip():
            raise self.fail("name", "is required")
        m = self.table(data, "marks", {"min", "max", "step"})
        marks = MarkBounds(self.num(m, "min", "marks", 0), self.num(m, "max", "marks", 100),
                           self.num(m, "step", "marks", 0.01, minimum=0))
        if marks.max <= marks.min:
            raise self.fail("marks.max", f"must be above marks.min ({fmt_num(marks.min)})")
        criteria = self.criteria(data.get("criteria", []), marks)
        panels = self.panels(data.get("panels"), criteria)
        c = self.table(data, "combine", {"method"})
        combine = self.choice(c, "method", "combine", "weighted_sum", COMBINE)
        r = self.table(data, "rounds", {"total", "factor", "use_entry_factor"})
        rounds_total = self.choice(r, "total", "rounds", "sum", ROUND_TOTALS)
        rounds_factor = self.num(r, "factor", "rounds", 1.0, positive=True)
        use_entry_factor = r.get("use_entry_factor", False)
        if not isinstance(use_entry_factor, bool):
            raise self.fail("rounds.use_entry_factor", "must be true or false")
        rounding = self.rounding(self.table(data, "rounding", {"digits", "mode", "steps"}))
        ties = self.ties(self.table(data, "ties", {"scope", "breakers", "max_overtime"}), panels, criteria)
        awards = self.awards(data.get("awards", []))
        grants = self.grants(self.table(data, "grants", {"mode", "budget", "cap", "unit", "tie", "money_unit", "excess"}),
                             awards)
        tracks = parse_tracks(self, self.table(data, "tracks", {"mode", "split", "budgets"}), grants)
        return Rules(name=name, marks=marks, criteria=criteria, panels=panels, combine=combine,
                     rounds_total=rounds_total, rounds_factor=rounds_factor, use_entry_factor=use_entry_factor,
                     rounding=rounding, ties=ties, awards=awards, grants=grants, tracks=tracks, source=self.source,
                     text=text)

    def criteria(self, raw: Any, marks: MarkBounds) -> tuple[Criterion, ...]:
        if not isinstance(raw, list):
            raise self.fail("criteria", "must be an array of tables ([[criteria]])")
        out: list[Criterion] = []
        for i, c in enumerate(raw):
            where = f"criteria[{i}]"
            if not isinstance(c, dict):
                raise self.fail(where, "must be a table")
            self.no_unknown(c, {"id", "label", "max", "weight"}, where)
            cid = self.ident(c, where)
            if any(o.id == cid for o in out):
                raise self.fail(f"{where}.id", f"duplicate criterion id {cid!r}")
            cmax = self.num(c, "max", where, marks.max)
            if cmax <= marks.min or cmax > marks.max:
                raise self.fail(f"{where}.max", f"must be above marks.min and at most marks.max, got {fmt_num(cmax)}")
            out.append(Criterion(cid, self.label(c, where, cid), cmax,
                                 self.num(c, "weight", where, 1.0, positive=True)))
        return tuple(out)

    def panels(self, raw: Any, criteria: tuple[Criterion, ...]) -> tuple[Panel, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail("panels", "at least one [[panels]] table is required")
        out: list[Panel] = []
        for i, p in enumerate(raw):
            where = f"panels[{i}]"
            if not isinstance(p, dict):
                raise self.fail(where, "must be a table")
            self.no_unknown(p, {"id", "label", "weight", "method", "drop_high", "drop_low", "per", "points",
                                "criteria"}, where)
            pid = self.ident(p, where)
            if any(o.id == pid for o in out):
                raise self.fail(f"{where}.id", f"duplicate panel id {pid!r}")
            method = self.choice(p, "method", where, "mean", METHODS)
            drop_high = self.int_(p, "drop_high", where, 0)
            drop_low = self.int_(p, "drop_low", where, 0)
            if (drop_high or drop_low) and method not in ("trimmed_mean", "trimmed_sum"):
                raise self.fail(f"{where}.drop_high", f"only trimmed_mean and trimmed_sum drop marks, not {method}")
            per = self.choice(p, "per", where, "judge", PER)
            if per == "criterion" and method in ("zscore", "rank_points"):
                raise self.fail(f"{where}.per", f"{method} ranks whole mark sets; use per = \"judge\"")
            points_raw = p.get("points", [])
            if not isinstance(points_raw, list) or any(isinstance(x, bool) or not isinstance(x, (int, float))
                                                       for x in points_raw):
                raise self.fail(f"{where}.points", "must be a list of numbers")
            if method == "rank_points" and not points_raw:
                raise self.fail(f"{where}.points", "rank_points needs points, e.g. [12, 10, 8, 7, 6, 5, 4, 3, 2, 1]")
            if any(b > a for a, b in zip(points_raw, points_raw[1:])):
                raise self.fail(f"{where}.points", "must not increase (best rank first)")
            ids = p.get("criteria")
            if ids is None:
                rubric = criteria
            else:
                if not isinstance(ids, list) or not all(isinstance(x, str) for x in ids):
                    raise self.fail(f"{where}.criteria", "must be a list of criterion ids")
                known = {c.id: c for c in criteria}
                for cid in ids:
                    if cid not in known:
                        raise self.fail(f"{where}.criteria", f"unknown criterion {cid!r}")
                rubric = tuple(known[cid] for cid in ids)
            out.append(Panel(id=pid, label=self.label(p, where, pid),
                             weight=self.num(p, "weight", where, 1.0, minimum=0), method=method,
                             drop_high=drop_high, drop_low=drop_low, per=per,
                             points=tuple(float(x) for x in points_raw), criteria=rubric))
        return tuple(out)

    def rounding(self, r: dict) -> Rounding:
        digits = self.int_(r, "digits", "rounding", 2)
        if digits > 6:
            raise self.fail("rounding.digits", f"at most 6, got {digits}")
        steps = r.get("steps", ["panel", "total"])
        if not isinstance(steps, list) or any(s not in ROUNDING_STEPS for s in steps):
            raise self.fail("rounding.steps", f"must be a list of: {', '.join(ROUNDING_STEPS)}; got {steps!r}")
        return Rounding(digits, self.choice(r, "mode", "rounding", "half_up", ROUNDING_MODES), tuple(steps))

    def ties(self, t: dict, panels: tuple[Panel, ...], criteria: tuple[Criterion, ...]) -> Ties:
        scope = self.choice(t, "scope", "ties", "award_boundary", TIE_SCOPES)
        breakers = t.get("breakers", ["shared"])
        if not isinstance(breakers, list) or not all(isinstance(b, str) for b in breakers):
            raise self.fail("ties.breakers", "must be a list of strings")
        for b in breakers:
            kind, _, arg = b.partition(":")
            if kind == "panel" and arg in {p.id for p in panels}:
                continue
            if kind == "criterion" and arg in {c.id for c in criteria}:
                continue
            if b in ("overtime", "countback", "givers", "shared"):
                continue
            raise self.fail("ties.breakers", f"unknown breaker {b!r} (overtime, panel:<id>, criterion:<id>, "
                                             "countback, givers, shared)")
        if "shared" in breakers[:-1]:
            raise self.fail("ties.breakers", "\"shared\" ends the list; breakers after it never apply")
        return Ties(scope, tuple(breakers), self.int_(t, "max_overtime", "ties", 1, minimum=1))

    def awards(self, raw: Any) -> tuple[Award, ...]:
        if not isinstance(raw, list):
            raise self.fail("awards", "must be an array of tables ([[awards]])")
        out: list[Award] = []
        for i, a in enumerate(raw):
            where = f"awards[{i}]"
            if not isinstance(a, dict):
                raise self.fail(where, "must be a table")
            self.no_unknown(a, {"id", "label", "count", "min_score", "amount"}, where)
            aid = self.ident(a, where)
            if any(o.id == aid for o in out):
                raise self.fail(f"{where}.id", f"duplicate award id {aid!r}")
            if ("count" in a) == ("min_score" in a):
                raise self.fail(where, "needs exactly one of count = N or min_score = X")
            count = self.int_(a, "count", where, 0, minimum=1) if "count" in a else None
            if count is not None and any(o.min_score is not None for o in out):
                # places are counted from 1: a count tier after a threshold would hand out fewer places
                raise self.fail(f"{where}.count", "count tiers come before threshold (min_score) tiers")
            min_score = self.num(a, "min_score", where, 0) if "min_score" in a else None
            if min_score is not None:
                prev = [o.min_score for o in out if o.min_score is not None]
                if prev and min_score >= prev[-1]:
                    raise self.fail(f"{where}.min_score", "threshold tiers go best first: must be below the previous one")
            out.append(Award(aid, self.label(a, where, aid), count, min_score,
                             self.num(a, "amount", where, 0, minimum=0)))
        return tuple(out)

    def grants(self, g: dict, awards: tuple[Award, ...]) -> Grants:
        mode = self.choice(g, "mode", "grants", "per_tier", GRANT_MODES)
        budget = self.num(g, "budget", "grants", 0, minimum=0) if "budget" in g else None
        unit = self.num(g, "unit", "grants", 1, positive=True)
        if mode == "proportional" and budget is None:
            raise self.fail("grants.budget", "proportional grants need a budget")
        if budget is not None and abs(budget / unit - round(budget / unit)) > 1e-9:
            raise self.fail("grants.budget", f"must be a whole multiple of grants.unit ({fmt_num(unit)})")
        if mode == "per_tier" and budget is not None:
            fixed = sum(a.amount * a.count for a in awards if a.count is not None)
            if fixed > budget + 1e-9:
                raise self.fail("grants.budget", f"the award tiers need {fmt_num(fixed)}, more than the budget "
                                                 f"{fmt_num(budget)}")
        return Grants(mode, budget, self.choice(g, "cap", "grants", "requested", GRANT_CAPS), unit,
                      self.choice(g, "tie", "grants", "pool", GRANT_TIES),
                      self.choice(g, "money_unit", "grants", "yuan", MONEY_UNITS),
                      # per tier, a capped project's excess stays in the budget (a 三等奖 must not end up above
                      # a 二等奖); a budget split by score passes it on to the others
                      self.choice(g, "excess", "grants", "keep" if mode == "per_tier" else "redistribute",
                                  GRANT_EXCESS))
