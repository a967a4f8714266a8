"""Snapshots pushed to clients: what each role may see (pure functions of the runtime).

What it does: builds the full-state JSON for the big screen (public: never a mark before that roadshow's
scoring has closed, never an award before it is revealed), for the console (everything; a season's stage:
:mod:`judging.live.stage_views`) and for one judge (only their own task and marks).  See docs/PROTOCOL.md.

What it does not do: send anything (:mod:`judging.live.publisher`, :mod:`judging.live.hub`), find out who
is connected (the publisher passes it in) or change state.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Collection

from judging.app.brand import screen_json as brand_screen
from judging.core import contest as machine
from judging.live import audience_views
from judging.core.model import Judge, mark_total
from judging.core.money import money_text, summary_json
from judging.app.nudges import MESSAGE as NUDGE_MESSAGE, active_nudge
from judging.core import rules_words, vocabulary
from judging.core.rules import short_label
from judging.core.panel_methods import explain_panel
from judging.core.tiebreakers import how_settled, tie_text
from judging.core.tracks import track_notice
from judging.live import stage_views
from judging.live.judges_board import current_totals, judges_status, outlier_flags

if TYPE_CHECKING:
    from judging.app.runtime import Runtime
    from judging.app.service import Service


# the console's step button says the action's label in both languages ('开始比赛 Start'; core/vocabulary.py)
ACTION_LABELS = {action: vocabulary.both("action", action) for action in vocabulary.ACTIONS}


def _base(svc: "Service", rt: "Runtime", role: str) -> dict:
    s, c = rt.state, rt.contest
    now = svc.clock()
    projects = {p.id: p for p in c.projects}
    order = []
    settled = s.phase in SETTLED
    # once the roadshows are over (ranking, reveal, locked) the running order is the whole evening's, every
    # roadshow done, also after an overtime round (whose own order lists only the tied projects)
    for i, pid in enumerate(c.order if settled and c.order else (s.order or c.order), start=1):
        p = projects.get(pid)
        status = "done" if settled or pid in s.done else ("current" if pid == s.current else "pending")
        order.append({**p.to_json(), "position": i, "status": status} if p else {"id": pid, "position": i})
    current = None
    if s.current and s.current in projects:
        pos = (s.order.index(s.current) + 1) if s.current in s.order else None
        current = {**projects[s.current].to_json(), "position": pos, "of": len(s.order)}
    return {"type": "state", "role": role, "seq": svc.sequence.next(now), "boot": svc.boot, "server_time": now,
            "contest": {"id": c.id, "name": c.name, "rules": c.rules.name, "digits": c.rules.rounding.digits,
                        "date": c.date, "venue": c.venue, "rehearsal": c.rehearsal},
            "phase": s.phase, "version": s.version, "round": s.round, "overtime": s.overtime,
            "phase_label": _pair(vocabulary.label("phase", s.phase)), "round_label": _pair(vocabulary.round_label(s.round)),
            "round_badge": round_badge(s),
            "overtime_groups": [[_pj(projects, p) for p in g] for g in s.overtime_groups],
            "order": order, "current": current,
            "timer": {**s.to_json(now)["timer"], "shown": s.phase not in SETTLED},  # no timer once it is over
            "holding": s.holding, "hide_marks": s.hide_marks, "timer_autostart": s.timer_autostart}


SETTLED = ("ranking", "reveal", "locked")


def _pair(zh_en: tuple[str, str]) -> dict[str, str]:
    """A label as the pages' vocabulary writes it: {"zh": ..., "en": ...}."""
    return {"zh": zh_en[0], "en": zh_en[1]}


def round_badge(s: machine.LiveState) -> str | None:
    """"加时赛 第 1 轮 Overtime 1" while an overtime round's roadshows run; None otherwise (also after it)."""
    if s.overtime and s.phase not in SETTLED:
        return " ".join(vocabulary.round_label(f"overtime{s.overtime}"))
    return None


def options(s: machine.LiveState) -> list[dict]:
    """The console's screen and timer switches: each with its label, whether it is on, and the action that
    flips it (the state machine's OPTIONS; none changes the phase)."""
    rows = [("holding", "hold_screen", "release_screen"), ("hide_marks", "hide_marks", "show_marks"),
            ("timer_autostart", "autostart_on", "autostart_off")]
    return [{"id": key, "label": vocabulary.both("option", key), "on": getattr(s, key),
             "action": off if getattr(s, key) else on} for key, on, off in rows]


def _pj(projects: dict, pid: str) -> dict:
    p = projects.get(pid)
    return {"id": pid, "name": p.name if p else pid, "organization": p.organization if p else ""}


def judge_labels(rt: "Runtime") -> dict[str, str]:
    """Anonymous labels for the big screen: '专家 1', '大众 3' (by panel, in judge order)."""
    out = {}
    counters: dict[str, int] = {}
    for j in rt.contest.judges:
        panel = rt.contest.rules.panel(j.panel)
        counters[j.panel] = counters.get(j.panel, 0) + 1
        out[j.id] = f"{short_label(panel.label)} {counters[j.panel]}"
    return out


def progress(rt: "Runtime") -> dict | None:
    s = rt.state
    if s.phase not in ("scoring", "closed") or not s.current:
        return None
    expected = rt.contest.expected_judges(s.current)
    done = sum(1 for j in expected if (m := rt.marks.get((s.current, s.round, j.id))) and m.status == "active")
    return {"submitted": done, "expected": len(expected)}


def roadshow_result(rt: "Runtime", project: str, round_name: str, labels: dict[str, str],
                    with_names: bool = False) -> dict | None:
    """One roadshow's marks per panel, with the dropped ones, panel scores and total."""
    res = rt.results
    if res is None or round_name not in res.rounds or not rt.closed(project, round_name):
        return None
    scored = res.rounds[round_name]
    try:
        i = res.table.projects.index(project)
    except ValueError:
        return None
    if not scored.present[i]:
        return None
    rules = rt.contest.rules
    panels = []
    for panel in rules.panels:
        totals = {}
        for j in rt.contest.panel_judges(panel.id):
            m = rt.marks.get((project, round_name, j.id))
            if m and m.status == "active":
                totals[j.id] = mark_total(panel, m.values)
        lines = explain_panel(panel, totals)
        names = {j.id: j.name for j in rt.contest.judges}
        score = float(scored.panels[panel.id][i])  # NaN: an audience panel left out by its fallback
        panels.append({"id": panel.id, "label": panel.label, "kind": panel.kind, "weight": panel.weight,
                       "method": panel.method, "drop_high": panel.drop_high, "drop_low": panel.drop_low,
                       "score": None if math.isnan(score) else score,
                       **({"audience": scored.audience.report(i)} if panel.audience and scored.audience else {}),
                       "marks": [{"label": labels.get(l.judge, l.judge), "total": l.total, "dropped": l.dropped,
                                  **({"judge": l.judge, "name": names.get(l.judge, "")} if with_names else {})}
                                 for l in sorted(lines, key=lambda l: list(labels).index(l.judge)
                                                 if l.judge in labels else 0)]})
    by = res.by_project()
    return {"project": project, "round": round_name, "round_label": _pair(vocabulary.round_label(round_name)),
            "panels": panels, "score": float(scored.score[i]),
            "total": by[project].total if project in by else None,
            "rank": by[project].rank if project in by else None}


def _results_rows(rt: "Runtime", shown: set[str] | None, awards: bool) -> list[dict]:
    if rt.results is None:
        return []
    rows = []
    rules = rt.contest.rules
    ties = {t.id: t for t in rt.results.ties}
    for r in rt.results.results:
        if shown is not None and r.project not in shown:
            continue
        d = r.to_json()
        p = rt.contest.project(r.project)
        d["organization"] = p.organization if p else ""
        d["community"] = p.community if p else ""
        d["grant_text"] = money_text(r.grant, rules.grants.money_unit)   # pages show this, never re-format
        d["tie_text"] = tie_text(ties[r.tie], rules.rounding.digits, rules) if r.tie in ties else ""
        if not awards:
            for k in ("award", "award_label", "grant", "grant_text"):
                d.pop(k)
        rows.append(d)
    return rows


def _ties(rt: "Runtime") -> list[dict]:
    if rt.results is None:
        return []
    projects = {p.id: p for p in rt.contest.projects}
    rules = rt.contest.rules
    return [{**t.to_json(), "names": [projects[p].name if p in projects else p for p in t.projects],
             "how": how_settled(t, rules), "text": tie_text(t, rules.rounding.digits, rules)}
            for t in rt.results.ties]


def _reveal(rt: "Runtime") -> dict | None:
    s = rt.state
    if s.phase not in ("reveal", "locked") or rt.results is None:
        return None
    tiers = list(rt.contest.rules.awards)
    step = len(tiers) if s.phase == "locked" else s.reveal_step
    revealed = tiers[len(tiers) - step:] if step else []
    out = []
    unit = rt.contest.rules.grants.money_unit
    for tier in reversed(revealed):  # lowest first, in the order they were revealed
        winners = [r for r in rt.results.results if r.award is not None and r.award.id == tier.id]
        out.append({"id": tier.id, "label": tier.label, "amount": tier.amount,
                    "amount_text": money_text(tier.amount, unit),
                    "projects": [{"id": r.project, "name": r.name, "total": r.total, "rank": r.rank,
                                  "grant": r.to_json()["grant"], "grant_text": money_text(r.grant, unit),
                                  "track": r.track,
                                  "organization": (rt.contest.project(r.project).organization
                                                   if rt.contest.project(r.project) else "")}
                                 for r in winners]})
    return {"step": step, "total_tiers": len(tiers), "tiers": out}


def screen(svc: "Service", rt: "Runtime") -> dict:
    s = rt.state
    snap = _base(svc, rt, "screen")
    labels = judge_labels(rt)
    snap["progress"] = progress(rt)
    snap["result"] = (roadshow_result(rt, s.current, s.round, labels)
                      if s.phase == "result" and s.current else None)
    if snap["result"] and s.hide_marks:  # the organizers do not show each judge's mark: not even sent
        for panel in snap["result"]["panels"]:
            panel["marks"] = []
    settled = s.phase in ("ranking", "reveal", "locked") or s.overtime > 0
    # in 'closed' the roadshow just closed already counts in the results: its score, and every rank, tie and
    # order it changes, appear together with its result, not before (leaving it out would still leak it via
    # the ranks)
    public = s.phase != "closed"
    snap["leaderboard"] = _results_rows(rt, None, awards=s.phase == "locked") if public else []
    snap["ties"] = [t for t in _ties(rt) if t["crosses_boundary"]] if settled and public else []
    snap["needs_overtime"] = ([[_pj({p.id: p for p in rt.contest.projects}, x) for x in g]
                               for g in rt.results.needs_overtime] if settled and public and rt.results else [])
    snap["panels"] = [{"id": p.id, "label": p.label, "weight": p.weight} for p in rt.contest.rules.panels]
    snap["reveal"] = _reveal(rt)
    snap["money"] = _money(rt) if s.phase == "locked" else None  # amounts only once every tier is public
    # logo, colours, sponsor strip (None: the house look); the join card, phones, window and chart
    return audience_views.screen_part(svc, rt, {**snap, "brand": brand_screen(rt)})


WATCH_ROWS = 10  # leaderboard rows a phone following the screen gets


def watch(svc: "Service", rt: "Runtime") -> dict:
    """The small public snapshot for phones following the big screen (``/ws/s/<token>?view=watch``): the
    screen's fields, trimmed — the running order without descriptions, the result's scores without the
    individual marks, the top of the leaderboard.  It shows nothing the screen does not (see
    docs/PROTOCOL.md)."""
    snap = screen(svc, rt)
    snap["role"] = "watch"
    snap["order"] = [{k: o.get(k) for k in ("id", "name", "position", "status")}
                     for o in snap["order"]]
    if snap["current"]:
        snap["current"] = {k: snap["current"].get(k) for k in ("id", "name", "organization", "position", "of")}
    if snap["result"]:
        snap["result"] = {**snap["result"], "panels": [{**p, "marks": []} for p in snap["result"]["panels"]]}
    snap["leaderboard"] = [{k: v for k, v in row.items() if k != "rounds"} for row in snap["leaderboard"][:WATCH_ROWS]]
    return snap


def _money(rt: "Runtime") -> dict | None:
    """Budget, awarded, unallocated and where capped projects' excess went, with the texts pages show."""
    res = rt.results
    return summary_json(res.money, rt.contest.rules.grants.money_unit) if res is not None and res.money else None


def console(svc: "Service", rt: "Runtime", connected: Collection[str] = frozenset()) -> dict:
    """The organizer's console; ``connected``: the judges whose phones are connected (given by the publisher)."""
    s, c = rt.state, rt.contest
    snap = _base(svc, rt, "console")
    labels = judge_labels(rt)
    snap["progress"] = progress(rt)
    snap["result"] = roadshow_result(rt, s.current, s.round, labels, with_names=True) if s.current else None
    snap["results"] = _results_rows(rt, None, awards=True)
    snap["results_error"] = rt.results_error
    snap["ties"] = _ties(rt)
    snap["needs_overtime"] = rt.results.needs_overtime if rt.results else []
    snap["warnings"] = rt.results.warnings if rt.results else []
    snap["money"] = _money(rt)
    snap["reveal"] = _reveal(rt)
    facts = svc.facts(rt)
    nxt = machine.next_step(s, facts)
    snap["next_step"] = ({"action": nxt[0], "project": nxt[1], "label": ACTION_LABELS.get(nxt[0], nxt[0])}
                         if nxt else None)
    snap["can_go_back"] = bool(s.history) and s.phase != "locked"
    snap["allowed"] = svc.allowed_actions(rt)   # the buttons the console enables (the server decides)
    snap["refused"] = refused(svc, rt, snap["allowed"])   # and why each other one is not: "原因 / reason"
    snap["options"] = options(s)
    snap["judges_status"] = judges_status(svc, rt, connected)
    names = {j["id"]: j for j in snap["judges_status"]}
    snap["outliers"] = [{**f.to_json(), "name": names[f.judge]["name"], "panel": names[f.judge]["panel"]}
                        for f in outlier_flags(rt, current_totals(rt))]
    snap["setup"] = {
        "name": c.name, "date": c.date, "venue": c.venue,
        "timer_seconds": c.timer_seconds, "rules": {"name": c.rules.name, "source": c.rules.source,
                                                                     "text": c.rules.text, "summary": rules_summary(rt)},
        "projects": [p.to_json() for p in c.projects],
        "judges": [{**j.to_json(with_token=True), "link": f"/j/{j.token}"} for j in c.judges],
        "recusals": [{"judge": j, "project": p} for j, p in sorted(c.recusals)],
        "order": list(c.order), "draw_seed": c.draw_seed, "screen_link": f"/s/{c.screen_token}",
        "panels": [{"id": p.id, "label": p.label,
                    "criteria": [{"id": cr.id, "label": cr.label, "max": cr.max, "weight": cr.weight}
                                 for cr in p.criteria]
                    or [{"id": "", "label": vocabulary.both("mark", "overall"), "max": c.rules.marks.max, "weight": 1.0}]}
                   for p in c.rules.panels],
        "marks_bounds": {"min": c.rules.marks.min, "max": c.rules.marks.max, "step": c.rules.marks.step},
        "awards": [{"id": a.id, "label": a.label, "count": a.count, "min_score": a.min_score, "amount": a.amount}
                   for a in c.rules.awards],
        "grants": {"mode": c.rules.grants.mode, "budget": c.rules.grants.budget, "unit": c.rules.grants.unit,
                   "cap": c.rules.grants.cap, "money_unit": c.rules.grants.money_unit,
                   "budget_text": money_text(c.rules.grants.budget, c.rules.grants.money_unit)},
        "tracks": {"mode": c.rules.tracks.mode, "split": c.rules.tracks.split,
                   "notices": track_notice(c.rules, [(p.id, p.track) for p in c.projects])},
    }
    snap["marks"] = [m.to_json() for m in rt.marks.values()]
    snap["paper"] = svc.paper_view(rt)  # pending paper entries and mismatches (judging.app.paper)
    snap["storage"] = {"ok": not svc.store.full, "message": STORAGE_FULL if svc.store.full else None}
    snap.update({"stage": stage_views.console(svc, rt)} if c.stage is not None else {})  # a season's stage only
    return audience_views.console_with(svc, rt, snap)


def refused(svc: "Service", rt: "Runtime", allowed: list[str]) -> dict[str, str]:
    """Why each action not in ``allowed`` cannot be pressed now (:func:`judging.core.contest.refused_actions`);
    one the machine allows but the service holds back while the results cannot be computed says so."""
    reasons = machine.refused_actions(rt.state, svc.facts(rt, confirm=True))
    blocked = f"成绩暂时无法计算 / the results cannot be computed（{rt.results_error or ''}）"
    return {a: reasons.get(a, blocked) for a in machine.ACTIONS if a not in allowed}


STORAGE_FULL = ("存储空间已满：最近的评分或操作没有保存！请立即清理服务器磁盘空间；评委手机会自动重发未保存的评分。"
                " / Disk full: recent marks or actions were NOT saved. Free disk space on the server now; the judges' "
                "phones resend their unsaved marks by themselves.")


def judge(svc: "Service", rt: "Runtime", j: Judge) -> dict:
    if rt.contest.stage is not None and rt.contest.stage.is_review:  # 书面评审: the list of applications instead
        return stage_views.judge_review(svc, rt, j)
    s, c = rt.state, rt.contest
    snap = _base(svc, rt, "judge")
    panel = c.rules.panel(j.panel)
    snap["me"] = {"id": j.id, "name": j.name, "panel": j.panel, "panel_label": panel.label,
                  "recused": sorted(p for jid, p in c.recusals if jid == j.id)}  # marked 回避 in the running order
    snap["rubric"] = {"min": c.rules.marks.min, "max": c.rules.marks.max, "step": c.rules.marks.step,
                      "criteria": [{"id": cr.id, "label": cr.label, "min": c.rules.marks.min, "max": cr.max,
                                    "weight": cr.weight} for cr in panel.criteria]
                      or [{"id": "", "label": vocabulary.both("mark", "overall"), "min": c.rules.marks.min, "max": c.rules.marks.max,
                           "weight": 1.0}]}
    mine = rt.marks.get((s.current, s.round, j.id)) if s.current else None
    snap["my_marks"] = ({"project": mine.project, "round": mine.round, "values": mine.values,
                         "total": mark_total(panel, mine.values), "submission_id": mine.submission_id,
                         "status": mine.status, "updated_at": mine.updated_at} if mine else None)
    if s.current and c.is_recused(j.id, s.current):
        kind = "recused"
    elif s.phase == "scoring":
        kind = "score"
    elif s.phase in ("closed", "result") and s.current:
        kind = "closed"
    elif s.phase == "presenting":
        kind = "presenting"
    elif s.phase == "locked":
        kind = "finished"
    else:
        kind = "wait"
    nxt = s.pending[0] if s.pending and s.phase in ("idle", "result", "closed") else None
    snap["task"] = {"kind": kind, "project": s.current, "round": s.round, "open": s.phase == "scoring",
                    "overtime": s.overtime > 0}
    snap["next"] = _pj({p.id: p for p in c.projects}, nxt) if nxt else None
    n = active_nudge(rt, j.id)  # the organizer asked this judge to submit now (until they do)
    snap["nudge"] = {"at": n.at, "project": n.project, "round": n.round, "message": NUDGE_MESSAGE} if n else None
    return snap


def rules_summary(rt: "Runtime") -> list[str]:
    """A readable summary of what the rules do, for the console (:func:`judging.core.rules_words.summary`)."""
    return rules_words.summary(rt.contest.rules, any(p.track for p in rt.contest.projects))
