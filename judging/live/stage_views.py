"""What the pages are sent about a contest's stage: the console's season panel (the series, the review's
progress and deadline, who would advance and why, where this stage's projects came from) and a review
judge's list of applications (已评 / 未评, their own marks).

What it does: plain JSON built from the runtime, the stage commands' results and the core's decisions, with
every label from the vocabulary.  A contest of one stage gets no ``stage`` part at all
(:func:`judging.live.snapshots.console` adds it only for a stage of a season).

What it does not do: decide anything (who advances: :mod:`judging.core.advance`; what the review takes:
:mod:`judging.core.review`), or change anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from judging.core import review, vocabulary
from judging.core.model import Judge, mark_total

if TYPE_CHECKING:
    from judging.app.runtime import Runtime
    from judging.app.service import Service


def _pair(kind: str, key: str) -> dict:
    z, e = vocabulary.label(kind, key)
    return {"zh": z, "en": e}


def stage_name(info) -> str:
    return info.label or vocabulary.zh("stage", "stage").format(n=info.stage)


def console(svc: "Service", rt: "Runtime") -> dict:
    info = svc.stage_of(rt)
    c = rt.contest
    now = svc.clock()
    nxt = svc.next_stage(rt)
    out: dict = {**info.to_json(), "name": stage_name(info), "kind_label": _pair("stage", info.kind),
                 "series_stages": [{"id": r.contest.id, "name": r.contest.name, "stage": svc.stage_of(r).stage,
                                    "label": stage_name(svc.stage_of(r)), "kind": svc.stage_of(r).kind,
                                    "kind_label": _pair("stage", svc.stage_of(r).kind), "phase": r.state.phase,
                                    "current": r is rt} for r in svc.series(rt)],
                 "next": ({"id": nxt.contest.id, "name": nxt.contest.name, "label": stage_name(svc.stage_of(nxt)),
                           "projects": len(nxt.contest.projects)} if nxt else None),
                 "carry_weight": c.rules.carry.weight if c.rules.carry else None,
                 "earlier_text": [vocabulary.score_text(r.total, c.rules.rounding.digits) for r in info.earlier],
                 "server_time": now}
    if info.is_review:
        scored = [(j, p) for (p, _r, j), m in rt.marks.items() if m.status == "active"]
        prog = review.progress([p.id for p in c.projects], [j.id for j in c.judges], c.recusals, scored)
        names = {j.id: j.name for j in c.judges}
        pnames = {p.id: p.name for p in c.projects}
        for row in prog["judges"]:
            row["name"] = names.get(row["judge"], row["judge"])
        for row in prog["projects"]:
            row["name"] = pnames.get(row["project"], row["project"])
        out["review"] = {**info.review.to_json(), "phase_label": _pair("stage", f"review_{info.review.phase}"),
                         "taking_marks": review.taking_marks(info.review, now),
                         "past_deadline": info.review.phase == "open" and info.review.deadline is not None
                         and now >= info.review.deadline, "progress": prog}
    adv, why = svc.advancement(rt)
    results, _ = svc.stage_results(rt)
    out["advancement"] = {**adv.to_json(), "error": None} if adv else {"error": why}
    if results is not None and info.is_review:  # a review has no live results table: its ranking goes here
        going = set(adv.advancing) if adv else set()
        out["ranking"] = [{"rank": r.rank, "project": r.project, "name": r.name, "track": r.track, "total": r.total,
                           "total_text": vocabulary.score_text(r.total, c.rules.rounding.digits),
                           "advancing": r.project in going} for r in results.results]
    out["can_advance"] = bool(nxt and adv and adv.decided and (
        (info.is_review and info.review.phase == "closed") or (not info.is_review and rt.state.phase == "locked")))
    return out


def judge_review(svc: "Service", rt: "Runtime", j: Judge) -> dict:
    """A review judge's phone: every application with their own status and marks, the rubric, the deadline.
    Sent over the judge's socket (``/ws/j/<token>``: :func:`judging.live.snapshots.judge` hands a review stage's
    judges this instead of the live task) after every change, and by ``GET /api/judge/review``."""
    c = rt.contest
    info = svc.stage_of(rt)
    panel = c.rules.panel(j.panel)
    now = svc.clock()
    items = []
    for p in c.projects:
        recused = c.is_recused(j.id, p.id)
        m = rt.marks.get((p.id, c.regular_round, j.id))
        mine = m if m is not None and m.status == "active" else None
        status = "recused" if recused else ("scored" if mine else "unscored")
        items.append({"id": p.id, "name": p.name, "organization": p.organization, "community": p.community,
                      "track": p.track, "status": status,
                      "status_label": _pair("status", "recused") if recused else _pair("stage", status),
                      "values": mine.values if mine else None,
                      "total": mark_total(panel, mine.values) if mine else None})
    due = [i for i in items if i["status"] != "recused"]
    return {"type": "review", "seq": svc.sequence.next(now), "boot": svc.boot,  # newer than the shown one?
            "contest": {"id": c.id, "name": c.name}, "stage": stage_name(info),
            "me": {"id": j.id, "name": j.name, "panel": j.panel, "panel_label": panel.label},
            "rubric": {"min": c.rules.marks.min, "max": c.rules.marks.max, "step": c.rules.marks.step,
                       "criteria": [{"id": cr.id, "label": cr.label, "min": c.rules.marks.min, "max": cr.max,
                                     "weight": cr.weight} for cr in panel.criteria]
                       or [{"id": "", "label": vocabulary.both("mark", "overall"), "min": c.rules.marks.min,
                            "max": c.rules.marks.max, "weight": 1.0}]},
            "review": {**info.review.to_json(), "phase_label": _pair("stage", f"review_{info.review.phase}"),
                       "taking_marks": review.taking_marks(info.review, now),
                       "refusal": None if review.taking_marks(info.review, now) else review.refusal(info.review, now)},
            "server_time": now, "items": items,
            "done": sum(i["status"] == "scored" for i in due), "of": len(due)}
