"""Load and validate a scoring rules file (``scoring_rules/*.toml``): marks, criteria, panels, rounding, ties.

What it does: parses TOML into the frozen dataclasses of :mod:`judging.core.rules_model` and checks every
key, so the engine can trust what it gets.  Errors read ``file: key: what is wrong``.  The prize half of the
file (``[[awards]]``, ``[grants]``, ``[tracks]``) is checked by :mod:`judging.core.rules_prizes`, the tie
breakers by the registry :mod:`judging.core.tiebreakers`, ids and labels by :mod:`judging.core.text`.
The rules' types are re-exported here, so ``from judging.core.rules import Rules`` keeps working.

What it does not do: read files (:func:`judging.inputs.rules_file.load_rules` reads one and calls
:func:`parse_rules`); it reads no marks and computes nothing.  Checks that need
the marks (e.g. enough judges for the trimming) happen in :mod:`judging.core.scoring`.
"""

from __future__ import annotations

import tomllib
from typing import Any

from judging.core import rules_audience, rules_prizes, rules_stages
from judging.core.rules_model import (COMBINE, GRANT_CAPS, GRANT_EXCESS, GRANT_MODES, GRANT_TIES, METHODS,  # noqa: F401
                                      MONEY_UNITS, OVERTIME_ROUND, PER, ROUND_TOTALS, ROUNDING_MODES, ROUNDING_STEPS,
                                      TIE_SCOPES, TRACK_MODES, TRACK_SPLITS, Award, Criterion, Grants, MarkBounds,
                                      Panel, Rounding, Rules, RulesError, Ties, Tracks, as_decimal, fmt_num,
                                      short_label)
from judging.core.text import DOCUMENT, LINE, id_problem, text_problem
from judging.core.tiebreakers import BREAKERS, breaker_problem, canonical


# ---------------------------------------------------------------- parsing

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
        """An id as a person types it (:func:`judging.core.text.id_problem`: Chinese and spaces inside are
        fine, trimmed, at most 40 characters, no control characters)."""
        v = d.get("id")
        v = v.strip() if isinstance(v, str) else v
        if problem := id_problem(v, ("编号", "the id")):
            raise self.fail(f"{where}.id", f"must be a short id (any text up to 40 characters): {problem}")
        return v

    def tables(self, raw: Any, key: str, known: set[str], kind: str):
        """Each table of the array ``[[key]]`` as ``(where, table, id)``: a table, no unknown key, its id unique."""
        if not isinstance(raw, list):
            raise self.fail(key, f"must be an array of tables ([[{key}]])")
        ids: set[str] = set()
        for i, t in enumerate(raw):
            where = f"{key}[{i}]"
            if not isinstance(t, dict):
                raise self.fail(where, "must be a table")
            self.no_unknown(t, known, where)
            tid = self.ident(t, where)
            if tid in ids:
                raise self.fail(f"{where}.id", f"duplicate {kind} id {tid!r}")
            ids.add(tid)
            yield where, t, tid

    # sections --------------------------------------------------------------
    def rules(self, data: dict, text: str) -> Rules:
        self.no_unknown(data, {"name", "marks", "criteria", "panels", "combine", "rounds", "rounding",
                               "ties", "awards", "grants", "tracks", "popularity", "description",
                               *rules_stages.SECTIONS}, "")
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
        advance, carry = rules_stages.sections(self, data, panels, criteria)  # [advance], [carry]: a season's stages
        awards = rules_prizes.awards(self, data.get("awards", []))
        grants = rules_prizes.grants(self, self.table(data, "grants", {"mode", "budget", "cap", "unit", "tie", "money_unit", "excess"}),
                             awards)
        tracks = rules_prizes.tracks(self, self.table(data, "tracks", {"mode", "split", "budgets"}), grants)
        popularity = rules_audience.popularity(self, self.table(data, "popularity", rules_audience.POPULARITY_KEYS),
                                               "popularity" in data, panels, awards)
        rules_audience.check_budget(self, popularity, awards, grants)
        return Rules(name=name, marks=marks, criteria=criteria, panels=panels, combine=combine,
                     rounds_total=rounds_total, rounds_factor=rounds_factor, use_entry_factor=use_entry_factor,
                     rounding=rounding, ties=ties, awards=awards, grants=grants, tracks=tracks, popularity=popularity,
                     advance=advance, carry=carry, source=self.source,
                     text=text)

    def criteria(self, raw: Any, marks: MarkBounds) -> tuple[Criterion, ...]:
        out: list[Criterion] = []
        for where, c, cid in self.tables(raw, "criteria", {"id", "label", "max", "weight"}, "criterion"):
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
        known = {"id", "label", "weight", "method", "drop_high", "drop_low", "per", "points", "criteria",
                 *rules_audience.PANEL_KEYS}
        for where, p, pid in self.tables(raw, "panels", known, "panel"):
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
                ids = [x.strip() for x in ids]
                for cid in ids:
                    if cid not in known:
                        raise self.fail(f"{where}.criteria", f"unknown criterion {cid!r}")
                rubric = tuple(known[cid] for cid in ids)
            panel = Panel(id=pid, label=self.label(p, where, pid),
                          weight=self.num(p, "weight", where, 1.0, minimum=0), method=method,
                          drop_high=drop_high, drop_low=drop_low, per=per,
                          points=tuple(float(x) for x in points_raw), criteria=rubric)
            out.append(rules_audience.panel(self, p, where, panel, out))
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
        breakers = [canonical(b) for b in breakers]
        for b in breakers:
            if problem := breaker_problem(b, [p.id for p in panels], [c.id for c in criteria]):
                raise self.fail("ties.breakers", problem)
        for b in breakers[:-1]:
            if BREAKERS[b.partition(":")[0]].ends:
                raise self.fail("ties.breakers", f"\"{b}\" ends the list; breakers after it never apply")
        return Ties(scope, tuple(breakers), self.int_(t, "max_overtime", "ties", 1, minimum=1))
