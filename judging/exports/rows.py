"""The rows the Excel workbook and the PDF score sheets share (pure functions of a snapshot).

What it does: the results summary in rank order with a readable tie / overtime note, the
rounds held so far with their projects in running order, one judge's score sheet (scored,
recused 回避, missed, voided or corrected -- with the organizer's reasons -- or not yet held),
the organizer's corrections by roadshow, the rules in Chinese sentences, and the audit anchor
printed on the signed summary (what its hash proves, how to check it).

What it does not do: compute results (the engine's are copied) or lay anything out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from judging.core.paper import source_of
from judging.core.vocabulary import STATUSES, file_round, zh
from judging.exports.snapshot import AuditRow, Snapshot, fmt_score
from judging.core.model import Judge, mark_total
from judging.core.money import money_text
from judging.core.rules import fmt_num, short_label
from judging.core.scoring import is_overtime, natural_key
from judging.core.tiebreakers import how_settled
from judging.core.rules_words import summary as rules_summary

if TYPE_CHECKING:
    from judging.app.service import Runtime


@dataclass(frozen=True)
class SummaryRow:
    rank: int
    project: str
    name: str
    organization: str
    community: str
    track: str
    panels: dict[str, float]
    total: float
    note: str
    award: str
    grant: int | float
    pending: bool


def summary_rows(rt: "Runtime") -> list[SummaryRow]:
    """The results in rank order with a readable tie/overtime note (empty before any result)."""
    res = rt.results
    if res is None:
        return []
    ties = {t.id: t for t in res.ties}
    digits = rt.contest.rules.rounding.digits
    out = []
    for r in res.results:
        p = rt.contest.project(r.project)
        notes = []
        if r.tie and r.tie in ties:
            t = ties[r.tie]
            others = "、".join(x for x in t.projects if x != r.project)
            how = how_settled(t, rt.contest.rules)
            notes.append(f"与 {others} 同分 {fmt_score(t.total, digits)}（{how}）")
        for name, score in sorted(r.overtime.items(), key=lambda kv: natural_key(kv[0])):
            notes.append(f"{file_round(name)} {fmt_score(score, digits)} 分")
        j = r.to_json()
        out.append(SummaryRow(r.rank, r.project, r.name or (p.name if p else ""), p.organization if p else "",
                              p.community if p else "", r.track, dict(r.panels), r.total, "；".join(notes),
                              (j["award_label"] or "") + ("（待加时）" if r.pending else ""), j["grant"], r.pending))
    return out


@dataclass(frozen=True)
class SheetRow:
    """One line of a judge's score sheet: a roadshow they scored, were recused from, or missed."""

    position: int
    project: str
    name: str
    round: str
    status: str                      # scored | recused | missing | voided | open | pending
    values: dict[str, float] | None
    total: float | None
    corrected: bool = False
    note: str = ""


def rounds_of(rt: "Runtime") -> list[tuple[str, list[str]]]:
    """Every round held so far with its projects in running order: the regular round first,
    then each overtime round (projects that were called up or have marks in it)."""
    s, c = rt.state, rt.contest
    regular = list(c.order) or [p.id for p in c.projects]
    out = [(c.regular_round, regular)]
    names = {k[1] for k in rt.marks if is_overtime(k[1])}
    if s.overtime:
        names.add(s.round)
    for name in sorted(names, key=natural_key):
        members = {k[0] for k in rt.marks if k[1] == name}
        if name == s.round:
            members |= set(s.order)
            ordered = [p for p in s.order if p in members] + sorted(members - set(s.order), key=natural_key)
        else:
            ordered = sorted(members, key=lambda p: (regular.index(p) if p in regular else len(regular),
                                                    natural_key(p)))
        out.append((name, ordered))
    return out


def corrections(snap: Snapshot) -> dict[tuple[str, str, str], list[AuditRow]]:
    """Organizer corrections and voids by (project, round, judge), oldest first."""
    out: dict[tuple[str, str, str], list[AuditRow]] = {}
    for e in snap.audit:
        if e.action in ("mark.correct", "mark.void"):
            d = e.detail
            out.setdefault((d.get("project", ""), d.get("round", ""), d.get("judge", "")), []).append(e)
    return out


def judge_sheet(snap: Snapshot, judge: Judge) -> list[SheetRow]:
    """What ``judge`` gave each project, round by round, in running order."""
    rt = snap.rt
    panel = rt.contest.rules.panel(judge.panel)
    fixes = corrections(snap)
    names = {p.id: p.name for p in rt.contest.projects}
    rows = []
    for round_name, projects in rounds_of(rt):
        for pos, pid in enumerate(projects, start=1):
            m = rt.marks.get((pid, round_name, judge.id))
            fixed = fixes.get((pid, round_name, judge.id), [])
            note = "；".join(("作废" if f.action == "mark.void" else "更正") + f"：{f.reason}" for f in fixed)
            if m is not None and source_of(m.submission_id) == "paper":  # marked wherever a sheet row shows
                note = "；".join(x for x in (f"来源：{zh('source', 'paper')}评分表", note) if x)
            base = dict(position=pos, project=pid, name=names.get(pid, pid), round=round_name)
            if rt.contest.is_recused(judge.id, pid):
                rows.append(SheetRow(**base, status="recused", values=None, total=None, note=note))
            elif not rt.closed(pid, round_name):
                scoring = (rt.state.phase == "scoring" and rt.state.current == pid and rt.state.round == round_name)
                rows.append(SheetRow(**base, status="open" if scoring else "pending",
                                     values=dict(m.values) if m else None,
                                     total=mark_total(panel, m.values) if m else None))
            elif m is None:
                rows.append(SheetRow(**base, status="missing", values=None, total=None, note=note))
            else:
                rows.append(SheetRow(**base, status="scored" if m.status == "active" else "voided",
                                     values=dict(m.values), total=mark_total(panel, m.values),
                                     corrected=bool(fixed), note=note))
    return rows


def audit_anchor(snap: Snapshot) -> list[str]:
    """What the signed paper says about the audit log, in plain Chinese: the contest's last audit entry
    and its hash, what that proves, and how a street office checks it (empty without entries).
    Anyone who rewrites the database later (even recomputing every hash) cannot make it match again."""
    if not snap.audit:
        return []
    last = snap.audit[-1]
    cid = snap.rt.contest.id
    return [
        f"审计核对码：本表打印时，本大赛的审计日志共 {len(snap.audit)} 条，最后一条为第 {last.seq} 条，"
        f"哈希（前 16 位）为 {last.hash[:16]}。",
        "这个哈希证明什么：系统把每一次评分、更正、作废和操作都记入审计日志，每条记录都带着前一条记录的哈希，"
        "环环相扣。本表的成绩与打印时的审计日志一致；此后对已保存的评分或成绩的任何改动，都会在日志中新增记录，"
        "最后一条的编号和哈希随之改变；若有人绕过系统直接改写数据库，哈希链就对不上，无法再与本表吻合。",
        f"如何核对：请组织者在控制台打开“审计日志”页（/console/{cid}/audit），看页面顶部“最后一条为第几条、哈希”"
        "是否与上面的编号和哈希相同：相同，说明打印后成绩没有被改动；不同，请组织者说明新增的是哪些记录。"
        "信息技术人员还可在服务器上运行 python run.py verify --db judging.db，检查整条哈希链是否完整。",
    ]


def rules_in_words(snap: Snapshot) -> list[str]:
    """The rules as sentences: marks, criteria and their maxima per panel, then the console's summary
    (methods, weights, rounding, ties, awards), then the grants and the budget."""
    rt = snap.rt
    r = rt.contest.rules
    lines = [f"每个评分项的分数在 {fmt_num(r.marks.min)} 到 {fmt_num(r.marks.max)} 分之间，"
             f"最小单位 {fmt_num(r.marks.step)} 分。" if r.marks.step else
             f"每个评分项的分数在 {fmt_num(r.marks.min)} 到 {fmt_num(r.marks.max)} 分之间。"]
    summary = rules_summary(r, any(p.track for p in rt.contest.projects))
    for p in r.panels:
        said = next((x for x in summary if x.startswith(p.label)), p.label)
        maxima = "、".join(f"{short_label(c.label)} {fmt_num(c.max)} 分" for c in p.criteria)
        lines.append(f"{short_label(p.label)}（{len(rt.contest.panel_judges(p.id))} 位评委）"
                     f"{said[len(p.label):]}" + (f"；各项满分：{maxima}" if maxima else "") + "。")
    lines += [x + "。" for x in summary if not any(x.startswith(p.label) for p in r.panels)]
    unit = r.grants.money_unit
    amounts = [f"{a.label} 每项 {money_text(a.amount, unit)}" for a in r.awards if a.amount]
    if amounts:
        lines.append("创投资金：" + "，".join(amounts) + "。")
    g = r.grants
    if g.budget is not None:
        lines.append(f"创投资金总预算 {money_text(g.budget, unit)}" + ("，按得分比例分配" if g.mode == "proportional" else "")
                     + "。")
    return lines


STATUS_LABELS = {k: zh for k, (zh, _en) in STATUSES.items()}  # the sheets write Chinese (core/vocabulary.py)
