"""The audience panel's score of one round (pure, numpy): ballots -> score, ballot count, fallback.

What it does: an audience panel's marks are ballots (1..``stars``, one per voter, judge = the voter's hash,
criterion ""); :func:`audience_round` aggregates them per project with the panel's method (mean, median or
trimmed_mean), scales the result to the marks' range (``× marks.max / stars``; the caller rounds it where the
rules round panels), and says which roadshows have too few ballots (fewer than ``min_ballots``, none at all, or too
few to drop ``drop_high + drop_low``): those fall back as the panel says -- ``reweight`` (no audience score;
:func:`reweight_factor` scales the other panels up to the whole) or ``zero`` (the audience part counts 0).

What it does not do: build the mark table, combine the panels or decide which roadshows are present
(:mod:`judging.core.scoring` does, and the audience alone never makes a roadshow present), or count
popularity votes (:mod:`judging.core.popularity`).  Never raises on too few ballots.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from judging.core.panel_methods import aggregate
from judging.core.rules_model import Panel, Rules


@dataclass
class AudienceRound:
    """One round of the audience panel: arrays indexed by the table's project index."""

    panel: str
    ballots: np.ndarray   # int [P]: ballots counted
    score: np.ndarray     # float [P]: the scaled, rounded audience score; NaN where it fell back (or no ballot)
    fallback: np.ndarray  # bool [P]: too few ballots, ``panel.fallback`` applies
    mode: str             # the panel's fallback: "reweight" or "zero"

    def counted(self) -> np.ndarray:
        """The panel's score as it enters the total: the audience score, 0 where ``zero`` applies, NaN where
        ``reweight`` leaves the audience out."""
        return np.where(self.fallback, 0.0 if self.mode == "zero" else np.nan, self.score)

    def report(self, i: int) -> dict:
        """``{"ballots": 137, "score": 84.0 | None, "fallback": None | "reweight" | "zero"}`` for project ``i``."""
        fell = bool(self.fallback[i])
        return {"ballots": int(self.ballots[i]), "score": None if fell else float(self.score[i]),
                "fallback": self.mode if fell else None}


def audience_round(rules: Rules, panel: Panel, ballots: np.ndarray) -> AudienceRound:
    """``ballots``: [projects, voters] of stars, NaN where a voter gave none."""
    n = np.sum(~np.isnan(ballots), axis=1)
    raw = aggregate(ballots, panel)
    with np.errstate(invalid="ignore"):
        score = raw * (rules.marks.max / panel.stars)
    enough = max(panel.min_ballots, panel.drop_high + panel.drop_low + 1, 1)
    fallback = n < enough
    return AudienceRound(panel.id, n.astype(np.int64), np.where(fallback, np.nan, score), fallback, panel.fallback)


def reweight_factor(rules: Rules, audience: Panel) -> float:
    """What the other panels' weighted sum is multiplied by when ``reweight`` leaves the audience out:
    Σ of all weights / Σ of the others' (exact in decimal: 1.0 / 0.9, not 1.0000000000000002 / 0.8999999999999999).
    0 when the other panels weigh nothing."""
    def w(p: Panel) -> Decimal:
        return Decimal(repr(float(p.weight))) if rules.combine == "weighted_sum" else Decimal(1)

    whole = sum((w(p) for p in rules.panels), Decimal(0))
    others = whole - w(audience)
    return float(whole / others) if others > 0 else 0.0
