"""The audit trail, readable: each stored audit entry as one line a person can check (Chinese).

What it does: :func:`describe` turns an entry (``seq, at, actor, action, detail, reason,
client, hash``) into time / who (judge names, not ids) / what / project / before -> after /
reason / client address; :func:`query_page` reads one page of a contest's log through the
repository (:mod:`judging.storage.repository`) with filters by project, judge and kind, newest or oldest first, so a log of 100 000
entries costs one indexed query per page; :func:`raw_page` pages the stored entries as they
are (the JSON API's /audit), filtered in SQL too; :func:`verify` checks the whole hash chain.

What it does not do: write or change anything, or decide whether an action was allowed.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Mapping

from judging.core.vocabulary import file_round, zh
from judging.exports.brand_sheets import brand_text
from judging.exports.snapshot import fmt_mark, fmt_time
from judging.core.model import Contest, mark_total
from judging.core.rules import short_label
from judging.storage import repository as repo
from judging.storage.records import Actions
from judging.storage.repository import verify_chain

if TYPE_CHECKING:
    from judging.storage.store import Store

KINDS = {  # kind -> (label, which actions: the repository turns it into its query)
    "setup": ("设置", Actions(prefixes=("contest.", "brand."), but=("contest.import",))),  # branding is setup
    "order": ("出场顺序", Actions(prefixes=("order.",))),
    "state": ("流程", Actions(prefixes=("state.",))),
    "mark": ("评委评分", Actions(names=("mark.submit", "mark.amend"))),
    "correction": ("更正 / 作废", Actions(names=("mark.correct", "mark.void"))),
    "import": ("导入", Actions(names=("contest.import",))),
    "nudge": ("提醒", Actions(names=("judge.nudge",))),
    "paper": ("纸质评分", Actions(prefixes=("paper.",))),
}
MAX_PAGE = 500


def kind_of(action: str) -> str:
    if action in ("mark.submit", "mark.amend"):
        return "mark"
    if action in ("mark.correct", "mark.void"):
        return "correction"
    if action == "contest.import":
        return "import"
    prefix = action.split(".")[0]
    return {"contest": "setup", "brand": "setup", "order": "order", "state": "state", "judge": "nudge",
            "paper": "paper"}.get(prefix, "other")


def who(actor: str, contest: Contest) -> str:
    if actor.startswith("judge:"):
        j = contest.judge(actor[6:])
        return f"评委 {j.name}（{j.id}）" if j else f"评委 {actor[6:]}"
    if actor.startswith("staff:"):  # a staff member (judging.app.staff): staff:<id>:<name>
        _, staff_id, name = (actor.split(":", 2) + [""])[:3]
        return f"工作人员 {name}（{staff_id}）" if name else f"工作人员 {staff_id}"
    return {"organizer": "组织者（控制台）", "organizer:api": "组织者（API 密钥）", "organizer:cli": "组织者（命令行）",
            "system": "系统"}.get(actor, actor)


def marks_text(values: Mapping[str, float] | None, contest: Contest, judge_id: str | None) -> str:
    """'需求与问题 20 · 方案设计 25 = 45' (criteria in rubric order, then the judge's total)."""
    if not values:
        return ""
    labels = {c.id: short_label(c.label) for c in contest.rules.criteria}
    judge = contest.judge(judge_id) if judge_id else None
    try:
        panel = contest.rules.panel(judge.panel) if judge else None
    except KeyError:
        panel = None
    order = [c.id for c in panel.criteria] if panel else sorted(values)
    keys = [k for k in order if k in values] + sorted(k for k in values if k not in order)
    parts = [f"{labels.get(k, k or '总分')} {fmt_mark(values[k])}" for k in keys]
    total = mark_total(panel, values) if panel else sum(values.values())
    return " · ".join(parts) + (f" = {fmt_mark(total)}" if len(parts) > 1 else "")


def _ids(ids: list[str] | None) -> str:
    if not ids:
        return "（未设置）"
    return "、".join(ids)


def _setup_change(before: dict, after: dict) -> tuple[str, str]:
    b, a = [], []
    if before.get("name") != after.get("name"):
        b.append(f"名称 {before.get('name')}")
        a.append(f"名称 {after.get('name')}")
    if before.get("rules") != after.get("rules"):
        b.append(f"规则 {before.get('rules')}")
        a.append(f"规则 {after.get('rules')}")
    for key, label in (("date", "日期"), ("venue", "地点")):
        if before.get(key, "") != after.get(key, ""):
            b.append(f"{label} {before.get(key) or '（未填）'}")
            a.append(f"{label} {after.get(key) or '（未填）'}")
    if before.get("timer_seconds") != after.get("timer_seconds"):
        b.append(f"路演 {before.get('timer_seconds')} 秒")
        a.append(f"路演 {after.get('timer_seconds')} 秒")
    for key, label in (("projects", "项目"), ("judges", "评委")):
        old = {x["id"]: x for x in before.get(key) or []}
        new = {x["id"]: x for x in after.get(key) or []}
        if old != new:
            added, removed = sorted(set(new) - set(old)), sorted(set(old) - set(new))
            changed = sorted(k for k in set(old) & set(new) if old[k] != new[k])
            b.append(f"{label} {len(old)} 个")
            a.append(f"{label} {len(new)} 个" + (f"，新增 {'、'.join(added)}" if added else "")
                     + (f"，删除 {'、'.join(removed)}" if removed else "")
                     + (f"，修改 {'、'.join(changed)}" if changed else ""))
    if before.get("recusals") != after.get("recusals"):
        fmt = lambda rs: "、".join(f"{j}/{p}" for j, p in rs or []) or "无"  # noqa: E731
        b.append(f"回避 {fmt(before.get('recusals'))}")
        a.append(f"回避 {fmt(after.get('recusals'))}")
    if before.get("order") != after.get("order"):
        b.append(f"出场顺序 {_ids(before.get('order'))}")
        a.append(f"出场顺序 {_ids(after.get('order'))}")
    return "；".join(b), "；".join(a) or "（无变化）"


def describe(e: Mapping[str, Any], contest: Contest) -> dict:
    """One entry as a table row of the audit page (and the workbook's 审计日志 sheet)."""
    action, d = str(e["action"]), dict(e["detail"] or {})
    imported = d.get("imported") if isinstance(d.get("imported"), dict) else None
    judge_id = str(e["actor"])[6:] if str(e["actor"]).startswith("judge:") else d.get("judge")
    project_id = d.get("project")
    before, after, extra = "", "", ""
    if action in ("mark.submit", "mark.amend"):
        before = marks_text(d.get("before"), contest, judge_id)
        after = marks_text(d.get("after"), contest, judge_id)
    elif action in ("mark.correct", "mark.void"):
        old, new = d.get("before") or {}, d.get("after") or {}
        before = marks_text(old.get("values"), contest, judge_id) + ("（已作废）" if old.get("status") == "voided" else "")
        after = "作废（不计入成绩）" if action == "mark.void" else marks_text(new.get("values"), contest, judge_id)
    elif action.startswith("state."):
        before, after = zh("phase", d.get("from", "")), zh("phase", d.get("to", ""))
        if d.get("missing"):
            extra = "未提交：" + "、".join(_judge_name(contest, j) for j in d["missing"])
        if d.get("undone"):
            extra = f"撤回了「{zh('phase', d['undone'])}」"
    elif action.startswith("order."):
        before, after = _ids(d.get("before")), _ids(d.get("after"))
        if d.get("seed"):
            extra = f"抽签种子 {d['seed']}"
    elif action.startswith("paper."):
        before, after, extra = _paper_change(action, d, contest, judge_id)
    elif action == "judge.nudge":
        after = "请尽快提交"
        extra = "一并提醒所有未提交的评委" if d.get("all_missing") else ""
    elif action == "contest.create":
        a = d.get("after") or {}
        after = (f"{a.get('name', '')}：{len(a.get('projects') or [])} 个项目、{len(a.get('judges') or [])} 位评委，"
                 f"规则「{a.get('rules', '')}」")
    elif action == "contest.update":
        before, after = _setup_change(d.get("before") or {}, d.get("after") or {})
    elif action.startswith("brand."):
        before, after = brand_text(d.get("before") or {}), brand_text(d.get("after") or {})
    elif action == "contest.import":
        after = (f"来自存档：原大赛编号 {d.get('source_contest', '')}，导出于 {fmt_time(d.get('exported_at'))}，"
                 f"复制 {d.get('entries', 0)} 条审计记录")
        extra = f"存档 SHA-256 {str(d.get('archive_sha256', ''))[:16]}…"
    at = float(imported["at"]) if imported and "at" in imported else float(e["at"])
    p = contest.project(project_id) if project_id else None
    return {
        "seq": e["seq"], "at": at, "time": fmt_time(at), "actor": e["actor"], "who": who(str(e["actor"]), contest),
        "action": action, "kind": kind_of(action), "what": zh("audit", action),
        "project": project_id, "project_name": p.name if p else "",
        "round": d.get("round"), "round_label": file_round(d["round"]) if d.get("round") else "",
        "judge": judge_id, "judge_name": _judge_name(contest, judge_id) if judge_id else "",
        "before": before, "after": after, "extra": extra, "reason": e.get("reason") or "",
        "client": e.get("client") or "", "hash": e.get("hash", ""),
        "imported": bool(imported), "imported_at": fmt_time(float(e["at"])) if imported else "",
    }


def _paper_change(action: str, d: dict, contest: Contest, judge_id: str | None) -> tuple[str, str, str]:
    """(before, after, extra) of a paper entry's audit entry (judging.app.paper)."""
    if action == "paper.entry":
        return "", marks_text(d.get("values"), contest, judge_id), (
            f"录入人 {d.get('entered_by', '')}" + ("（替换已有评分）" if d.get("replace") else ""))
    if action == "paper.agreed":
        who = "、".join(d.get("entered_by") or [])
        return "", marks_text(d.get("values"), contest, judge_id), (
            f"两次录入一致（{who}）" + ("，同一人录入两次" if d.get("same_person") else "") + "，计入成绩")
    if action == "paper.mismatch":
        labels = {c.id: short_label(c.label) for c in contest.rules.criteria}
        diffs = {k: v for against in (d.get("against") or {}).values() for k, v in against.items()}
        return "", "不一致，不计入", "；".join(f"{labels.get(k, k or '总分')} {fmt_mark(a)} ≠ {fmt_mark(b)}"
                                           for k, (a, b) in diffs.items())
    return marks_text(d.get("values"), contest, judge_id), "作废（不计入）", ""


def _judge_name(contest: Contest, jid: str) -> str:
    j = contest.judge(jid)
    return j.name if j else jid


# ------------------------------------------------------------------ reading

def kind_actions(kind: str | None) -> Actions | None:
    """The actions of a kind (None: every kind); raises ValueError for an unknown kind."""
    if not kind:
        return None
    if kind not in KINDS:
        raise ValueError(f"未知的类别 / unknown kind {kind!r} ({', '.join(KINDS)})")
    return KINDS[kind][1]


async def query_page(store: "Store", contest: Contest, *, project: str | None = None, judge: str | None = None,
                     kind: str | None = None, newest_first: bool = True, offset: int = 0,
                     limit: int = 100) -> dict:
    """One page of the contest's audit log, described, plus the number of matching entries."""
    limit = max(1, min(int(limit), MAX_PAGE))
    offset = max(0, int(offset))
    total, rows = await repo.audit_page(store, contest.id, project=project, judge=judge, actions=kind_actions(kind),
                                        newest_first=newest_first, offset=offset, limit=limit)
    entries = [describe(r, contest) for r in rows]
    return {"entries": entries, "total": total, "offset": offset, "limit": limit,
            "order": "newest" if newest_first else "oldest"}


RAW_LIMIT, RAW_MAX = 1000, 5000


async def raw_page(store: "Store", cid: str, *, project: str | None = None, judge: str | None = None,
                   kind: str | None = None, newest_first: bool = False, after_seq: int | None = None,
                   before_seq: int | None = None, limit: int = RAW_LIMIT) -> dict:
    """One page of the contest's stored audit entries as they are (``AuditEntry.to_json``), filtered in SQL.

    Pages follow ``seq``: oldest first, the next page starts after ``next["after_seq"]``; newest first, it
    starts before ``next["before_seq"]``.  ``more`` says whether entries are left beyond this page, so no
    entry is ever left out without saying so; ``total`` counts every matching entry (cursors aside)."""
    limit = max(1, min(int(limit), RAW_MAX))
    total, rows = await repo.audit_raw(store, cid, project=project, judge=judge, actions=kind_actions(kind),
                                       newest_first=newest_first, after_seq=after_seq, before_seq=before_seq,
                                       limit=limit + 1)
    more = len(rows) > limit
    entries = rows[:limit]
    cursor = "before_seq" if newest_first else "after_seq"
    return {"entries": entries, "total": total, "limit": limit, "order": "newest" if newest_first else "oldest",
            "more": more, "next": {cursor: entries[-1]["seq"]} if more else None}


async def verify(store: "Store") -> dict:
    """The whole database's chain (every contest shares one chain), checked off the event loop."""
    ok, message = await asyncio.to_thread(verify_chain, store.path)
    return {"ok": ok, "message": message}


async def contest_head(store: "Store", cid: str) -> dict:
    """How many audit entries the contest has, and its last one's number and hash: what the signed
    summary sheet prints, so anyone can compare the paper with the audit page."""
    return await repo.audit_head(store, cid)
