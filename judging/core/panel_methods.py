"""The panel methods: how one panel's marks for a project become its score, and which were dropped (pure, numpy).

What it does: :func:`aggregate` applies a panel's method (mean, sum, median, trimmed mean or sum, zscore,
rank points) along the judges' axis; :func:`explain_panel` says which of one project's judge totals a
trimmed panel drops (for the big screen and the score sheets).

What it does not do: read marks into a table, combine panels or round (:mod:`judging.core.scoring`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from judging.core.rules_model import Panel
from judging.core.text import natural_key


# ----------------------------------------------------------------- aggregation

def aggregate(x: np.ndarray, panel: Panel) -> np.ndarray:
    """Aggregate along the last axis (judges); NaN = no mark.  Result NaN where no marks."""
    n = np.sum(~np.isnan(x), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if panel.method == "mean":
            out = np.nansum(x, axis=-1) / n
        elif panel.method == "sum":
            out = np.where(n > 0, np.nansum(x, axis=-1), np.nan)
        elif panel.method == "median":
            out = _nanmedian(x, n)
        elif panel.trimmed:
            s = np.sort(x, axis=-1)  # NaN sort last
            idx = np.arange(x.shape[-1])
            keep = (idx >= panel.drop_low) & (idx < (n - panel.drop_high)[..., None])
            total = np.where(keep, s, 0.0).sum(axis=-1)
            kept = n - panel.drop_low - panel.drop_high
            out = total if panel.method == "trimmed_sum" else total / kept
            out = np.where(kept > 0, out, np.nan)
        elif panel.method == "zscore":
            out = _zscore(x)
        elif panel.method == "rank_points":
            out = _rank_points(x, panel.points)
        else:  # pragma: no cover - rules.py refuses unknown methods
            raise ValueError(panel.method)
    return out


def _nanmedian(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    s = np.sort(x, axis=-1)
    lo = np.clip((n - 1) // 2, 0, None)[..., None]
    hi = np.clip(n // 2, 0, None)[..., None]
    out = (np.take_along_axis(s, lo, -1) + np.take_along_axis(s, hi, -1))[..., 0] / 2
    return np.where(n > 0, out, np.nan)


def _zscore(x: np.ndarray) -> np.ndarray:
    """x: [projects, judges].  Standardize each judge over the projects they scored,
    average per project, rescale to the panel's overall raw mean and SD."""
    present = ~np.isnan(x)
    cnt = present.sum(axis=0)
    mean_j = np.where(cnt > 0, np.nansum(x, axis=0) / np.maximum(cnt, 1), 0.0)
    dev = np.where(present, x - mean_j, 0.0)
    sd_j = np.sqrt((dev ** 2).sum(axis=0) / np.maximum(cnt, 1))
    z = np.where(present & (sd_j > 0), dev / np.where(sd_j > 0, sd_j, 1.0), 0.0)
    n = present.sum(axis=1)
    z_avg = np.where(n > 0, z.sum(axis=1) / np.maximum(n, 1), np.nan)
    raw = x[present]
    if raw.size == 0:
        return z_avg
    return raw.mean() + z_avg * raw.std()


def _rank_points(x: np.ndarray, points: Sequence[float]) -> np.ndarray:
    """x: [projects, judges].  Each judge ranks the projects they scored (highest
    first) and gives points[rank]; equal marks share the points of their places."""
    n_proj = x.shape[0]
    table = np.zeros(n_proj + 1)
    table[: min(len(points), n_proj)] = points[:n_proj]
    out = np.zeros(n_proj)
    for col in x.T:
        idx = np.flatnonzero(~np.isnan(col))
        if idx.size == 0:
            continue
        vals = col[idx]
        order = np.argsort(-vals, kind="stable")
        sorted_vals = vals[order]
        # blocks of equal marks share the mean of their places' points
        starts = np.flatnonzero(np.r_[True, sorted_vals[1:] != sorted_vals[:-1]])
        ends = np.r_[starts[1:], len(sorted_vals)]
        cum = np.r_[0.0, np.cumsum(table[: len(sorted_vals)])]
        block_pts = (cum[ends] - cum[starts]) / (ends - starts)
        pts = np.repeat(block_pts, ends - starts)
        out[idx[order]] += pts
    counted = (~np.isnan(x)).any(axis=1)
    return np.where(counted, out, np.nan)


# ----------------------------------------------------------------- a round

# ----------------------------------------------------------------- explanation

@dataclass(frozen=True)
class MarkLine:
    judge: str
    total: float
    dropped: str | None  # "high" | "low" | None


def explain_panel(panel: Panel, judge_totals: dict[str, float]) -> list[MarkLine]:
    """Which of one project's judge totals a trimmed panel drops (for the big screen).

    Equal marks are struck in judge order, so the display is stable."""
    items = sorted(judge_totals.items(), key=lambda kv: (kv[1], natural_key(kv[0])))
    n = len(items)
    out = []
    for i, (judge, total) in enumerate(items):
        dropped = None
        if panel.trimmed and i < panel.drop_low:
            dropped = "low"
        elif panel.trimmed and i >= n - panel.drop_high:
            dropped = "high"
        out.append(MarkLine(judge, total, dropped))
    return out
