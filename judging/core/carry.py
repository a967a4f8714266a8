"""The carry of an earlier stage's total into a later stage's (pure).

A later stage's rules may say ``[carry] weight = w`` (0 <= w < 1).  Each project's total there is then

    total = (1 - w) x (this stage's own total) + w x (its total in the previous stage)

rounded as the rules round a total (``[rounding] digits`` and ``mode`` when ``"total"`` is one of the
``steps``; float noise dropped otherwise), so ties are equal published totals as everywhere else.  Without
``[carry]`` the weight is 0: the own total stands (the previous stage's total is still shown beside it).  A
project with no previous total (it did not come from the previous stage) keeps its own total.

What it does not do: find the previous totals (the stage commands keep them, :mod:`judging.app.stages`) or
rank anything (:mod:`judging.core.engine` ranks the carried totals).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from judging.core.rules_model import Rules
from judging.core.scoring import denoise, round_array


def weight_of(rules: Rules) -> float:
    return rules.carry.weight if rules.carry else 0.0


def carried(rules: Rules, own: np.ndarray, previous: Sequence[float | None]) -> np.ndarray:
    """``own`` totals (one per project, NaN where a project has none) with the previous stage's weighed in."""
    w = weight_of(rules)
    if w == 0:
        return own
    prev = np.array([np.nan if p is None else float(p) for p in previous], dtype=float)
    mixed = np.where(np.isnan(prev), own, (1.0 - w) * own + w * prev)
    digits, mode = rules.rounding.digits, rules.rounding.mode
    return round_array(mixed, digits, mode) if "total" in rules.rounding.steps else denoise(mixed)


def carried_total(rules: Rules, own: float, previous: float | None) -> float:
    """One project's total (:func:`carried` for a single value: the same bits)."""
    return float(carried(rules, np.array([own], dtype=float), [previous])[0])
