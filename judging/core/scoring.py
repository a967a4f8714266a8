"""Marks -> judge totals -> panel scores -> round scores (pure, numpy).

What it does: holds the marks in a columnar :class:`MarkTable`, aggregates every
(round, panel) with the panel's method, combines panels, applies round factors
and rounds where the rules say.  Each panel method (mean, trimmed, median, zscore,
rank points) and the explanation of one panel's result for the big screen (which marks
were dropped) live in :mod:`judging.core.panel_methods`.
An audience panel's ballots are scored by :mod:`judging.core.audience_scoring` (scaled to the
marks' range; too few ballots fall back, reweighting the other panels or counting 0), and only
the judges' panels make a roadshow present.

What it does not do: rank, break ties or hand out awards (see
:mod:`judging.core.ranking` and :mod:`judging.core.awards`); read files or talk to a
database.  Missing marks are NaN; a judge who is recused simply has no marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from judging.core.audience_scoring import AudienceRound, audience_round, reweight_factor
from judging.core.panel_methods import aggregate  # noqa: F401 (scoring's one use of a panel's method)
from judging.core.rules_model import OVERTIME_ROUND, Panel, Rules
from judging.core.text import natural_key  # noqa: F401 (imported from here by the engine, ranking, exports)


class ScoringError(ValueError):
    """Marks that cannot be scored under the rules.

    ``where`` names the offending marks (project / round / panel / judge /
    criterion, and ``row`` = index of the mark in the input when known) so that
    a caller can point at a file line.
    """

    def __init__(self, message: str, **where: object) -> None:
        super().__init__(message)
        self.where = where


@dataclass(frozen=True)
class Mark:
    project: str
    round: str
    panel: str
    judge: str
    criterion: str
    score: float
    factor: float | None = None


def is_overtime(round_name: str) -> bool:
    return OVERTIME_ROUND.match(round_name) is not None


def overtime_number(round_name: str) -> int:
    m = OVERTIME_ROUND.match(round_name)
    return int(m.group(1)) if m else 0


# ----------------------------------------------------------------- rounding

def round_value(x: float, digits: int, mode: str) -> float:
    """Scalar form of :func:`round_array` (same bits, by construction)."""
    return float(round_array(np.asarray([x], dtype=float), digits, mode)[0])


def round_array(x: np.ndarray, digits: int, mode: str) -> np.ndarray:
    """Round like a person with a calculator: 2.675 -> 2.68 under half_up, not 2.67.

    Float noise is removed first (the value is cleaned at 9 decimals), then the
    decimal value is rounded with ``mode`` (half_up is symmetric: -2.5 -> -3).
    """
    scale = 10.0 ** digits
    scaled = np.round(np.asarray(x, dtype=float) * scale, 9 - digits if digits < 9 else 0)
    if mode == "half_up":
        out = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    elif mode == "half_even":
        out = np.round(scaled)
    else:
        out = np.trunc(scaled)
    return out / scale


def denoise(x: np.ndarray) -> np.ndarray:
    """Drop binary float noise (0.1 + 0.2 -> 0.3) by rounding at 9 decimals.

    Used on values that are compared or published without a rounding step, so that
    equal decimal results compare equal."""
    return np.round(np.asarray(x, dtype=float), 9)


# ----------------------------------------------------------------- the table

@dataclass
class MarkTable:
    """Marks in columns: one row per mark, categorical columns as indices."""

    projects: list[str]
    rounds: list[str]
    judges: list[str]
    judge_panel: list[str]
    criteria: list[str]
    p: np.ndarray
    r: np.ndarray
    j: np.ndarray
    c: np.ndarray
    score: np.ndarray
    factors: dict[tuple[int, int], float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.score)

    @classmethod
    def from_marks(cls, marks: Iterable[Mark]) -> "MarkTable":
        """Build the table; refuses duplicates, judges in two panels, clashing factors.

        Columns are built with one pass per field and checked with numpy; when the marks have
        several problems, the one at the earliest row is reported."""
        marks = marks if isinstance(marks, list) else list(marks)
        projects, p = _codes([m.project for m in marks])
        rounds, r = _codes([m.round for m in marks])
        judges, j = _codes([m.judge for m in marks])
        criteria, c = _codes([m.criterion for m in marks])
        panel_names, pc = _codes([m.panel for m in marks])
        score = np.fromiter((m.score for m in marks), dtype=float, count=len(marks))
        first_of_judge = np.unique(j, return_index=True)[1]   # codes follow first appearance
        judge_panel = [panel_names[k] for k in pc[first_of_judge]]
        problems: list[tuple[int, ScoringError]] = []
        clash = np.flatnonzero(pc != pc[first_of_judge][j])
        if clash.size:
            row = int(clash[0])
            m = marks[row]
            problems.append((row, ScoringError(
                f"评委属于两个评审团 / judge {m.judge!r} is in panel {judge_panel[j[row]]!r} and also in {m.panel!r}",
                row=row, judge=m.judge)))
        key = ((p.astype(np.int64) * len(rounds) + r) * len(judges) + j) * len(criteria) + c
        order = np.argsort(key, kind="stable")     # equal keys keep their row order
        sorted_keys = key[order]
        again = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1]) + 1
        if again.size:
            row = int(order[again].min())
            first = int(order[np.searchsorted(sorted_keys, key[row])])
            m = marks[row]
            problems.append((row, ScoringError(
                f"重复评分 / duplicate mark: judge {m.judge!r}, project {m.project!r}, round {m.round!r}"
                + (f", criterion {m.criterion!r}" if m.criterion else "") + " given twice",
                row=row, first_row=first, project=m.project, round=m.round, judge=m.judge)))
        factors: dict[tuple[int, int], float] = {}
        factor_row: dict[tuple[int, int], int] = {}
        for row in [k for k, m in enumerate(marks) if m.factor is not None]:
            m = marks[row]
            fk = (int(p[row]), int(r[row]))
            if fk in factors and factors[fk] != m.factor:
                problems.append((row, ScoringError(
                    f"系数不一致 / project {m.project!r} round {m.round!r}: factor {m.factor:g} differs from "
                    f"{factors[fk]:g} given earlier", row=row, first_row=factor_row[fk])))
                break
            factors[fk], factor_row[fk] = m.factor, row
        if problems:
            raise min(problems, key=lambda x: x[0])[1]
        table = cls(projects=projects, rounds=rounds, judges=judges, judge_panel=judge_panel, criteria=criteria,
                    p=p, r=r, j=j, c=c, score=score, factors=factors)
        return table.canonical()

    def canonical(self) -> "MarkTable":
        """The same marks with projects, rounds, judges and criteria numbered in natural order.

        The arithmetic (and so its float rounding) then does not depend on the order of the
        input rows: the same marks give the same bits however they were listed.  Row order (and
        so the ``row`` of an error) is kept."""
        projects, p_new = _natural_order(self.projects)
        rounds, r_new = _natural_order(self.rounds)
        judges, j_new = _natural_order(self.judges)
        criteria, c_new = _natural_order(self.criteria)
        judge_panel = [""] * len(judges)
        for old, new in enumerate(j_new):
            judge_panel[new] = self.judge_panel[old]
        return MarkTable(projects=projects, rounds=rounds, judges=judges, judge_panel=judge_panel,
                         criteria=criteria, p=p_new[self.p], r=r_new[self.r], j=j_new[self.j], c=c_new[self.c],
                         score=self.score, factors={(int(p_new[pi]), int(r_new[ri])): v
                                                    for (pi, ri), v in self.factors.items()})


def _codes(values: list[str]) -> tuple[list[str], np.ndarray]:
    """Distinct values in order of first appearance, and each value's index among them."""
    index: dict[str, int] = {}
    codes = [index.setdefault(v, len(index)) for v in values]
    return list(index), np.array(codes, dtype=np.int32)


def _natural_order(names: list[str]) -> tuple[list[str], np.ndarray]:
    """``names`` sorted naturally, and the new index of each old index."""
    order = sorted(range(len(names)), key=lambda i: (natural_key(names[i]), names[i]))
    new_of_old = np.empty(len(names), dtype=np.int32)
    new_of_old[order] = np.arange(len(names), dtype=np.int32)
    return [names[i] for i in order], new_of_old


@dataclass
class RoundScores:
    """Scores of one round: arrays indexed by project index of the table."""

    name: str
    present: np.ndarray                 # bool [P]: project has marks this round
    panels: dict[str, np.ndarray]       # panel id -> score [P]
    score: np.ndarray                   # combined, factored, rounded [P]
    judge_totals: dict[str, np.ndarray] # panel id -> [P, J_panel] judge totals (NaN = no mark)
    criterion_scores: dict[str, np.ndarray] = field(default_factory=dict)  # per=criterion panels: [P, C]
    audience: AudienceRound | None = None  # the audience panel's ballots, score and fallback (or no such panel)


def score_round(rules: Rules, table: MarkTable, round_index: int) -> RoundScores:
    rounding = rules.rounding
    name = table.rounds[round_index]
    rows = table.r == round_index
    n_proj = len(table.projects)
    judge_panel = np.asarray(table.judge_panel, dtype=object)
    cube = _cube(table, rows)
    audience = rules.audience_panel
    # a roadshow is present when a judges' panel marked it: the audience alone never makes it present
    jury = cube if audience is None else cube[:, np.flatnonzero(judge_panel != audience.id)]
    present = ~np.isnan(jury).all(axis=(1, 2))
    del jury
    aud: AudienceRound | None = None
    panels: dict[str, np.ndarray] = {}
    judge_totals: dict[str, np.ndarray] = {}
    criterion_scores: dict[str, np.ndarray] = {}
    combined = np.zeros(n_proj)
    for panel in rules.panels:
        in_panel = judge_panel == panel.id
        pj = np.flatnonzero(in_panel)
        dense = _dense(table, cube, panel, in_panel, rows, name)
        weights = np.asarray([c.weight for c in panel.criteria] or [1.0])
        totals = _judge_totals(dense, weights, table, panel, pj, name)
        judge_totals[panel.id] = totals
        n = np.sum(~np.isnan(totals), axis=1)
        if panel.audience:  # ballots: never too few to score the roadshow, the panel's fallback applies
            aud = audience_round(rules, panel, totals)
            if "panel" in rounding.steps:
                aud.score = round_array(aud.score, rounding.digits, rounding.mode)
            score = np.where(present, aud.counted(), np.nan)
            panels[panel.id] = score
            w = panel.weight if rules.combine == "weighted_sum" else 1.0
            combined = combined + w * np.nan_to_num(score)
            continue
        if panel.trimmed:
            short = np.flatnonzero((n > 0) & (n <= panel.drop_low + panel.drop_high))
            if short.size:
                p = table.projects[short[0]]
                raise ScoringError(
                    f"round {name!r}, project {p!r}: panel {panel.id!r} has {n[short[0]]} judges, too few to drop "
                    f"{panel.drop_high} highest and {panel.drop_low} lowest", project=p, round=name, panel=panel.id)
        if panel.per == "criterion":
            crit = aggregate(np.moveaxis(dense, 1, 2), panel)  # [P, C]
            if "criterion" in rounding.steps:
                crit = round_array(crit, rounding.digits, rounding.mode)
            criterion_scores[panel.id] = crit
            score = np.where(n > 0, (crit * weights).sum(axis=1), np.nan)
        else:
            score = aggregate(totals, panel)
        if "panel" in rounding.steps:
            score = round_array(score, rounding.digits, rounding.mode)
        missing = np.flatnonzero(present & np.isnan(score))
        if missing.size:
            p = table.projects[missing[0]]
            raise ScoringError(f"缺少评审团评分 / round {name!r}, project {p!r}: no marks from panel {panel.id!r}",
                               project=p, round=name, panel=panel.id)
        panels[panel.id] = score
        w = panel.weight if rules.combine == "weighted_sum" else 1.0
        combined = combined + w * np.nan_to_num(score)
    if aud is not None and aud.mode == "reweight":  # Σ wᵢsᵢ / Σ wᵢ over the panels that scored, × Σ all weights
        combined = np.where(aud.fallback, combined * reweight_factor(rules, audience), combined)
    combined = combined * rules.rounds_factor
    if rules.use_entry_factor:
        f = np.full(n_proj, np.nan)
        for (pi, ri), v in table.factors.items():
            if ri == round_index:
                f[pi] = v
        lacking = np.flatnonzero(present & np.isnan(f))
        if lacking.size:
            p = table.projects[lacking[0]]
            raise ScoringError(f"缺少系数 / round {name!r}, project {p!r}: the rules use a factor per entry, but the marks "
                               "give none", project=p, round=name)
        combined = combined * np.nan_to_num(f)
    if "round" in rounding.steps:
        combined = round_array(combined, rounding.digits, rounding.mode)
    combined = np.where(present, combined, np.nan)
    return RoundScores(name, present, panels, combined, judge_totals, criterion_scores, aud)


def _cube(table: MarkTable, rows: np.ndarray) -> np.ndarray:
    """[projects, judges, criteria + 1] of one round's marks, NaN where absent; the extra last
    criterion column stays NaN (it stands for a rubric criterion nobody marked)."""
    shape = (len(table.projects), len(table.judges), len(table.criteria) + 1)
    if rows.all():
        p, j, c, score = table.p, table.j, table.c, table.score
    else:
        p, j, c, score = table.p[rows], table.j[rows], table.c[rows], table.score[rows]
    size = shape[0] * shape[1] * shape[2]
    flat = p.astype(np.int32 if size < 2 ** 31 else np.int64)  # in place from here: no temporaries
    flat *= shape[1]
    flat += j
    flat *= shape[2]
    flat += c
    cube = np.full(size, np.nan)
    cube[flat] = score
    return cube.reshape(shape)


def _dense(table: MarkTable, cube: np.ndarray, panel: Panel, in_panel: np.ndarray, rows: np.ndarray,
           round_name: str) -> np.ndarray:
    """[projects, panel judges, panel criteria] of marks, NaN where absent."""
    crit_ids = panel.criterion_ids
    known = {cid: ci for ci, cid in enumerate(table.criteria)}
    cols = [known.get(cid, len(table.criteria)) for cid in crit_ids]
    panel_marks = cube[:, np.flatnonzero(in_panel)]
    outside = [ci for ci in range(len(table.criteria)) if ci not in cols]
    if outside and not np.isnan(panel_marks[:, :, outside]).all():
        bad = np.flatnonzero(rows & in_panel[table.j] & np.isin(table.c, outside))[0]
        raise ScoringError(f"评审团无此评分项 / panel {panel.id!r} has no criterion {table.criteria[table.c[bad]]!r}",
                           row=int(bad), panel=panel.id, round=round_name)
    return panel_marks[:, :, cols]


def _judge_totals(dense: np.ndarray, weights: np.ndarray, table: MarkTable, panel: Panel, pj: np.ndarray,
                  round_name: str) -> np.ndarray:
    have = ~np.isnan(dense)
    k = have.sum(axis=2)
    partial = np.argwhere((k > 0) & (k < dense.shape[2]))
    if partial.size:
        pi, jj = partial[0]
        lacking = [cid for cid, h in zip(panel.criterion_ids, have[pi, jj]) if not h]
        raise ScoringError(f"评分项缺失 / round {round_name!r}, project {table.projects[pi]!r}: judge "
                           f"{table.judges[pj[jj]]!r} gave no mark for {', '.join(lacking)}",
                           project=table.projects[pi], round=round_name, judge=table.judges[pj[jj]])
    return np.where(k > 0, np.where(have, dense, 0.0) @ weights, np.nan)
