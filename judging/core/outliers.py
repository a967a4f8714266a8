"""The console's 异常分提醒 (outlier warning): which of one roadshow's judge totals a scorer would query.

What it does: a pure function of one panel's judge totals for one roadshow.  A total is flagged only when
it is both far in points and far for this panel's spread:

* at least ``min_gap`` (15 %) of the mark range away from the **median of the other judges** (a 83 among
  marks averaging 81 is never flagged, whatever the spread), and
* a robust z-score (the gap over 1.4826 × the others' median absolute deviation, with a floor of 1 % of
  the range so that identical marks do not make every small gap infinite) of at least ``z_limit`` (3.5);
* a mark the panel's rule drops anyway (去掉最高分/最低分) only when it is far out: ``dropped_gap``
  (25 %) of the range; a dropped typo (30 where the others gave ~79) is still flagged.

Flags come worst first (largest gap, then judge order).  The reasons are Chinese first, English after.

With :func:`panel_flags` the mark range and the struck marks come from the rules (the panel's rubric
and its trimming).

What it does not do: change any mark or result, know about judges' names or the live state (the console
snapshot in :mod:`judging.live.snapshots` calls it per panel), or decide what the page shows beyond the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Iterable, Mapping

from judging.core.panel_methods import explain_panel
from judging.core.rules_model import Panel, Rules

MIN_MARKS = 3          # with fewer there are not enough "others" to compare with
MIN_GAP = 0.15         # share of the mark range a total must be from the others' median
DROPPED_GAP = 0.25     # the same for a total the rule drops anyway
Z_LIMIT = 3.5          # robust z-score (MAD-based) a total must reach as well
MAD_FLOOR = 0.01       # share of the range below which the others' spread is not taken as smaller


@dataclass(frozen=True)
class Flag:
    judge: str
    total: float
    median: float      # of the panel's other judges
    gap: float         # total - median (signed: below the others is negative)
    z: float           # robust z-score of the gap
    dropped: bool      # the panel's rule drops this total anyway
    message: str

    def to_json(self) -> dict:
        return {"judge": self.judge, "total": self.total, "median": self.median, "gap": round(self.gap, 6),
                "z": round(self.z, 3), "dropped": self.dropped, "message": self.message}


def flag_outliers(totals: Mapping[str, float], mark_range: float, dropped: Iterable[str] = (), *,
                  min_gap: float = MIN_GAP, dropped_gap: float = DROPPED_GAP, z_limit: float = Z_LIMIT) -> list[Flag]:
    """The totals of one panel for one roadshow a scorer would query, worst first.

    ``mark_range``: the span of a judge's possible total (max − min) in points; ``dropped``: the judges
    whose total the panel's rule drops (the trimmed high and low marks)."""
    if len(totals) < MIN_MARKS or not mark_range > 0:
        return []
    struck = set(dropped)
    ids = list(totals)
    flags = []
    for order, jid in enumerate(ids):
        x = float(totals[jid])
        others = [float(totals[o]) for o in ids if o != jid]
        med = median(others)
        mad = median(abs(v - med) for v in others)
        spread = 1.4826 * max(mad, MAD_FLOOR * mark_range)
        gap = x - med
        z = abs(gap) / spread
        is_dropped = jid in struck
        need = (dropped_gap if is_dropped else min_gap) * mark_range
        if abs(gap) >= need and z >= z_limit:
            flags.append((-abs(gap), order, Flag(jid, x, med, gap, z, is_dropped, _message(x, med, gap, is_dropped))))
    return [f for *_, f in sorted(flags, key=lambda t: (t[0], t[1]))]


def _num(x: float) -> str:
    return f"{round(x, 2):g}"


def _message(total: float, med: float, gap: float, dropped: bool) -> str:
    side = ("低", "below") if gap < 0 else ("高", "above")
    zh = f"比本组其他评委的中位数 {_num(med)} {side[0]} {_num(abs(gap))} 分"
    en = f"{_num(abs(gap))} points {side[1]} the median of the panel's other judges ({_num(med)})"
    if dropped:
        zh += "（此分按规则会被去掉，但差距过大，请核对）"
        en += "; the rule drops it, but it is far out: check it"
    return f"{zh} / {en}"


def panel_flags(rules: Rules, panel: Panel, totals: dict[str, float]) -> list["Flag"]:
    """The outlier warnings of one panel's totals for one roadshow (:func:`judging.core.outliers.flag_outliers`):
    the mark range is the span of a judge's total, the dropped marks are those the panel's rule strikes."""
    if panel.criteria:
        span = sum(cr.weight * (cr.max - rules.marks.min) for cr in panel.criteria)
    else:
        span = rules.marks.max - rules.marks.min
    struck = [line.judge for line in explain_panel(panel, totals) if line.dropped]
    return flag_outliers(totals, abs(span), struck)
