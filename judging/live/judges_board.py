"""The console's judge rows for the roadshow on stage: who is connected, has submitted, can be nudged, and
the outlier warnings (pure reading of a runtime).

What it does: :func:`judges_status` (one row per judge of the contest) and :func:`outlier_flags` (every panel's
outlier warnings, worst first), for :func:`judging.live.snapshots.console`.

What it does not do: build the rest of a snapshot (:mod:`judging.live.snapshots`) or decide who is missing
(the service's ``missing_judges``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Collection

from judging.app.nudges import active_nudge
from judging.core.model import mark_total
from judging.core.outliers import panel_flags

if TYPE_CHECKING:
    from judging.app.runtime import Runtime
    from judging.app.service import Service


def judges_status(svc: "Service", rt: "Runtime", connected: Collection[str] = frozenset()) -> list[dict]:
    s, c = rt.state, rt.contest
    missing = {j.id for j in svc.missing_judges(rt)} if s.phase == "scoring" else set()
    rows = []
    for j in c.judges:
        m = rt.marks.get((s.current, s.round, j.id)) if s.current else None
        active = m is not None and m.status == "active"
        total = mark_total(c.rules.panel(j.panel), m.values) if active else None
        rows.append({"id": j.id, "name": j.name, "panel": j.panel, "connected": j.id in connected,
                     "recused": bool(s.current and c.is_recused(j.id, s.current)),
                     "submitted": active, "total": total, "values": m.values if active else None,
                     "updated_at": m.updated_at if m else None, "outlier": None,
                     # 请尽快提交: the console offers a nudge for a judge missing while scoring is open
                     "can_nudge": j.id in missing,
                     "nudged_at": n.at if (n := active_nudge(rt, j.id)) else None})
    flags = {f.judge: f for f in outlier_flags(rt, current_totals(rt))}
    for row in rows:
        row["outlier"] = flags[row["id"]].message if row["id"] in flags else None
    return rows


def current_totals(rt: "Runtime") -> dict[str, dict[str, float]]:
    """The current roadshow's active judge totals, by panel."""
    s, c = rt.state, rt.contest
    out: dict[str, dict[str, float]] = {}
    for j in c.judges:
        m = rt.marks.get((s.current, s.round, j.id)) if s.current else None
        if m is not None and m.status == "active":
            out.setdefault(j.panel, {})[j.id] = mark_total(c.rules.panel(j.panel), m.values)
    return out


def outlier_flags(rt: "Runtime", totals: dict[str, dict[str, float]]) -> list:
    """Every panel's outlier warnings for the current roadshow, worst first (largest gap in points)."""
    rules = rt.contest.rules
    flags = [f for panel_id, panel_totals in totals.items()
             for f in panel_flags(rules, rules.panel(panel_id), panel_totals)]
    return sorted(flags, key=lambda f: -abs(f.gap))
