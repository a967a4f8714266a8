"""The Excel workbook of a contest (openpyxl): what goes to the street office.

Sheets: 成绩汇总 (rank, project, organization, panel scores, total, tie/overtime note, award,
grant, in the rules' rounding), one sheet per panel (every judge's marks per criterion and
their total for each roadshow, overtime rounds included; the marks a trimmed panel dropped
are struck through), 评分规则 (summary + the TOML text), 比赛设置 (projects, judges without
their link tokens, recusals, running order and draw seed), 更正记录 (organizer corrections and
voids with reasons) and 审计日志 (the readable audit trail).  Frozen headers, column widths,
A4 print setup with repeated header rows.

What it does not do: compute anything (the engine's results are copied as they are).
"""

from __future__ import annotations

import io
import re
from typing import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .audit_trail import describe
from .export_rows import STATUS_LABELS, audit_anchor, corrections, judge_sheet, rounds_of, summary_rows
from .exports import NOT_FINAL, PHASE_LABELS, Snapshot, fmt_time, round_label
from .model import mark_total
from .money import xlsx_money_format
from .rules import Panel, short_label
from .scoring import explain_panel
from .views import rules_summary

TITLE = Font(size=14, bold=True)
BOLD = Font(bold=True)
NOTE = Font(color="555555", size=9)
STRUCK = Font(strike=True, color="808080")
HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")
DROP_FILL = PatternFill("solid", fgColor="EEEEEE")
AWARD_FILL = PatternFill("solid", fgColor="FFF4D6")
THIN = Side(style="thin", color="999999")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="center", wrap_text=True)
MONO = Font(name="Consolas", size=10)
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def sheet_title(label: str, taken: Iterable[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters, not Excel's reserved 'History'."""
    base = _BAD_TITLE.sub("_", label).strip("' ") or "Sheet"
    if base.lower() == "history":
        base = "History_"
    taken_lower = {t.lower() for t in taken}
    title, n = base[:31], 2
    while title.lower() in taken_lower:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    return title


def number_format(digits: int) -> str:
    return "0" if digits <= 0 else "0." + "0" * digits


def workbook(snap: Snapshot) -> bytes:
    wb = Workbook()
    _summary(wb.active, snap)
    for panel in snap.rt.contest.rules.panels:
        _panel_sheet(wb.create_sheet(sheet_title(short_label(panel.label) or panel.id, wb.sheetnames)),
                     snap, panel)
    _rules_sheet(wb.create_sheet(sheet_title("评分规则", wb.sheetnames)), snap)
    _setup_sheet(wb.create_sheet(sheet_title("比赛设置", wb.sheetnames)), snap)
    _corrections_sheet(wb.create_sheet(sheet_title("更正记录", wb.sheetnames)), snap)
    _audit_sheet(wb.create_sheet(sheet_title("审计日志", wb.sheetnames)), snap)
    wb.properties.title = snap.rt.contest.name
    wb.properties.creator = "路演评审 roadshow-judging"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------ helpers

def _title(ws: Worksheet, text: str, subtitle: str, width: int) -> None:
    ws.cell(1, 1, text).font = TITLE
    ws.cell(2, 1, subtitle).font = NOTE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))
    ws.row_dimensions[1].height = 24


def _header(ws: Worksheet, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        c = ws.cell(row, col, label)
        c.font, c.fill, c.alignment, c.border = BOLD, HEAD_FILL, CENTER, GRID


def _widths(ws: Worksheet, widths: list[float]) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _print_setup(ws: Worksheet, header_rows: str, landscape: bool = True) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = header_rows
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _subtitle(snap: Snapshot) -> str:
    rt = snap.rt
    return (f"评分规则：{rt.contest.rules.name}　　状态：{PHASE_LABELS.get(rt.state.phase, rt.state.phase)}"
            f"　　导出时间：{fmt_time(snap.taken_at)}")


# ------------------------------------------------------------------ sheets

def _summary(ws: Worksheet, snap: Snapshot) -> None:
    rt = snap.rt
    rules = rt.contest.rules
    ws.title = "成绩汇总"
    tracks = any(p.track for p in rt.contest.projects)
    panels = list(rules.panels)
    labels = ["名次", "编号", "项目名称", "申报机构", "社区", *(["赛道"] if tracks else []),
              *(short_label(p.label) for p in panels), "总分", "并列 / 加时赛", "奖项", "创投资金（元）"]
    _title(ws, rt.contest.name, _subtitle(snap), len(labels))
    if rt.state.phase != "locked":
        ws.cell(3, 1, NOT_FINAL).font = Font(bold=True, color="B3261E")
    _header(ws, 4, labels)
    fmt = number_format(rules.rounding.digits)
    rows = summary_rows(rt)
    money_fmt = xlsx_money_format(r.grant for r in rows)  # ¥, and the cents when any grant has them
    for i, r in enumerate(rows, start=5):
        values = [r.rank, r.project, r.name, r.organization, r.community, *([r.track] if tracks else []),
                  *(r.panels.get(p.id) for p in panels), r.total, r.note, r.award, r.grant]
        for col, v in enumerate(values, start=1):
            c = ws.cell(i, col, v)
            c.border, c.alignment = GRID, WRAP if isinstance(v, str) else CENTER
        first_score = 6 + tracks
        for col in range(first_score, first_score + len(panels) + 1):
            ws.cell(i, col).number_format = fmt
        ws.cell(i, len(labels)).number_format = money_fmt
        if r.award:
            for col in range(1, len(labels) + 1):
                ws.cell(i, col).fill = AWARD_FILL
    row = 5 + len(rows) + 1
    if not rows:
        ws.cell(5, 1, f"成绩尚无法计算：{rt.results_error or '还没有已结束的路演'}").font = NOTE
        row += 1
    for line in ["说明：", *rules_summary(rt), *(f"提示：{w}" for w in (rt.results.warnings if rt.results else [])),
                 audit_anchor(snap)]:
        ws.cell(row, 1, line).font = NOTE
        row += 1
    ws.freeze_panes = "A5"
    _widths(ws, [6, 8, 34, 26, 12, *([10] if tracks else []), *([11] * len(panels)), 10, 34, 10, 14])
    _print_setup(ws, "4:4")


def _panel_sheet(ws: Worksheet, snap: Snapshot, panel: Panel) -> None:
    rt = snap.rt
    rules = rt.contest.rules
    judges = rt.contest.panel_judges(panel.id)
    crits = [(c.id, short_label(c.label)) for c in panel.criteria] or [("", "总分")]
    per_judge = len(crits) + (1 if len(crits) > 1 else 0)  # criteria (+ the judge's total)
    fixed = ["序号", "编号", "项目名称", "轮次"]
    width = len(fixed) + per_judge * len(judges) + 1
    summary = next((line for line in rules_summary(rt) if line.startswith(panel.label)), panel.label)
    _title(ws, f"{rt.contest.name} · {short_label(panel.label)}评分明细",
           f"{summary}。删除线 = 去掉的最高分 / 最低分；回避 = 该评委回避此项目。", width)
    for col, label in enumerate(fixed, start=1):
        ws.merge_cells(start_row=4, start_column=col, end_row=5, end_column=col)
    _header(ws, 4, fixed)
    for k, j in enumerate(judges):
        start = len(fixed) + 1 + k * per_judge
        c = ws.cell(4, start, f"{j.name}（{j.id}）")
        c.font, c.fill, c.alignment, c.border = BOLD, HEAD_FILL, CENTER, GRID
        if per_judge > 1:
            ws.merge_cells(start_row=4, start_column=start, end_row=4, end_column=start + per_judge - 1)
        subs = [label for _, label in crits] + (["合计"] if len(crits) > 1 else [])
        for n, label in enumerate(subs):
            s = ws.cell(5, start + n, label)
            s.font, s.fill, s.alignment, s.border = BOLD, HEAD_FILL, CENTER, GRID
    last = ws.cell(4, width, "评审团得分")
    last.font, last.fill, last.alignment, last.border = BOLD, HEAD_FILL, CENTER, GRID
    ws.merge_cells(start_row=4, start_column=width, end_row=5, end_column=width)

    sheets = {j.id: {(r.project, r.round): r for r in judge_sheet(snap, j)} for j in judges}
    names = {p.id: p.name for p in rt.contest.projects}
    row = 6
    score_fmt = number_format(rules.rounding.digits)
    for round_name, projects in rounds_of(rt):
        for pos, pid in enumerate(projects, start=1):
            for col, v in enumerate([pos, pid, names.get(pid, pid), round_label(round_name)], start=1):
                c = ws.cell(row, col, v)
                c.border, c.alignment = GRID, WRAP if col == 3 else CENTER
            active = {j.id: mark_total(panel, m.values) for j in judges
                      if (m := rt.marks.get((pid, round_name, j.id))) and m.status == "active"
                      and rt.closed(pid, round_name)}
            dropped = {line.judge for line in explain_panel(panel, active) if line.dropped}
            for k, j in enumerate(judges):
                start = len(fixed) + 1 + k * per_judge
                line = sheets[j.id].get((pid, round_name))
                cells = _judge_cells(line, crits, per_judge)
                for n, v in enumerate(cells):
                    c = ws.cell(row, start + n, v)
                    c.border, c.alignment = GRID, CENTER
                    if j.id in dropped:
                        c.font, c.fill = STRUCK, DROP_FILL
                    elif line is not None and line.status == "voided":
                        c.font = STRUCK
                if line is not None and line.note:
                    ws.cell(row, start + per_judge - 1).comment = _comment(line.note)
            score = _panel_score(rt, panel.id, pid, round_name)
            c = ws.cell(row, width, score)
            c.border, c.alignment, c.number_format = GRID, CENTER, score_fmt
            row += 1
    ws.freeze_panes = ws.cell(6, len(fixed) + 1)
    _widths(ws, [5, 7, 30, 9, *([8] * (per_judge * len(judges))), 11])
    _print_setup(ws, "4:5")


def _judge_cells(line, crits: list[tuple[str, str]], per_judge: int) -> list:
    if line is None:
        return ["—"] * per_judge
    if line.values is None:
        return [STATUS_LABELS.get(line.status, "—")] + [""] * (per_judge - 1)
    cells: list = [line.values.get(cid) for cid, _ in crits]
    if per_judge > len(crits):
        cells.append(line.total)
    if line.status in ("voided", "open"):
        cells[-1] = f"{STATUS_LABELS[line.status]} {cells[-1]}"
    return cells


def _comment(text: str):
    from openpyxl.comments import Comment
    c = Comment(text, "路演评审")
    c.width, c.height = 300, 100
    return c


def _panel_score(rt, panel_id: str, pid: str, round_name: str) -> float | None:
    res = rt.results
    if res is None or round_name not in res.rounds or not rt.closed(pid, round_name):
        return None
    try:
        i = res.table.projects.index(pid)
    except ValueError:
        return None
    scored = res.rounds[round_name]
    return float(scored.panels[panel_id][i]) if scored.present[i] else None


def _rules_sheet(ws: Worksheet, snap: Snapshot) -> None:
    rules = snap.rt.contest.rules
    _title(ws, f"评分规则：{rules.name}", f"规则文件 {rules.source}（比赛使用的副本，原文如下）", 1)
    row = 4
    for line in rules_summary(snap.rt):
        ws.cell(row, 1, line)
        row += 1
    row += 1
    ws.cell(row, 1, "规则文件原文 (TOML)").font = BOLD
    row += 1
    for line in rules.text.splitlines():
        ws.cell(row, 1, line).font = MONO
        row += 1
    _widths(ws, [110])
    _print_setup(ws, "1:1", landscape=False)


def _setup_sheet(ws: Worksheet, snap: Snapshot) -> None:
    rt = snap.rt
    c = rt.contest
    _title(ws, f"{c.name} · 比赛设置", "评委链接（令牌）属于登录凭证，不在导出文件中。", 6)
    row = 4
    for label, value in (("大赛编号", c.id), ("路演时长（秒）", c.timer_seconds),
                         ("抽签种子", c.draw_seed or "（手动排序）"),
                         ("抽签方法", "sha256(种子) → random.Random.shuffle(按编号排序的项目)" if c.draw_seed else ""),
                         ("当前状态", PHASE_LABELS.get(rt.state.phase, rt.state.phase))):
        ws.cell(row, 1, label).font = BOLD
        ws.cell(row, 2, value)
        row += 1
    row += 1
    ws.cell(row, 1, "出场顺序与项目").font = BOLD
    row += 1
    _header(ws, row, ["出场", "编号", "项目名称", "申报机构", "社区", "申请金额（元）"])
    position = {pid: i for i, pid in enumerate(c.order, start=1)}
    requested_fmt = xlsx_money_format(p.requested for p in c.projects)  # 80,000.5 is not 80,001
    for p in sorted(c.projects, key=lambda p: position.get(p.id, len(position) + 1)):
        row += 1
        for col, v in enumerate([position.get(p.id, ""), p.id, p.name, p.organization, p.community, p.requested],
                                start=1):
            ws.cell(row, col, v).border = GRID
        ws.cell(row, 6).number_format = requested_fmt
    row += 2
    ws.cell(row, 1, "评委").font = BOLD
    row += 1
    _header(ws, row, ["编号", "姓名", "评审团", "回避项目"])
    for j in c.judges:
        row += 1
        recused = "、".join(sorted(p for jid, p in c.recusals if jid == j.id))
        for col, v in enumerate([j.id, j.name, c.rules.panel(j.panel).label, recused], start=1):
            ws.cell(row, col, v).border = GRID
    _widths(ws, [16, 12, 34, 26, 12, 14])
    _print_setup(ws, "1:1", landscape=False)


def _corrections_sheet(ws: Worksheet, snap: Snapshot) -> None:
    contest = snap.rt.contest
    labels = ["时间", "操作人", "操作", "项目", "轮次", "评委", "原评分", "更正后", "原因", "客户端地址"]
    _title(ws, f"{contest.name} · 更正记录", "组织者在评分结束后对评分的更正与作废（每条都写明原因）。", len(labels))
    _header(ws, 4, labels)
    row = 5
    for entries in corrections(snap).values():
        for e in entries:
            d = describe({"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail,
                          "reason": e.reason, "client": e.client, "hash": e.hash}, contest)
            values = [d["time"], d["who"], d["what"], f"{d['project']} {d['project_name']}", d["round_label"],
                      d["judge_name"], d["before"], d["after"], d["reason"], d["client"]]
            for col, v in enumerate(values, start=1):
                c = ws.cell(row, col, v)
                c.border, c.alignment = GRID, WRAP
            row += 1
    if row == 5:
        ws.cell(5, 1, "无更正或作废。")
    ws.freeze_panes = "A5"
    _widths(ws, [19, 16, 14, 30, 9, 10, 34, 34, 30, 14])
    _print_setup(ws, "4:4")


def _audit_sheet(ws: Worksheet, snap: Snapshot) -> None:
    contest = snap.rt.contest
    labels = ["序号", "时间", "操作人", "操作", "项目", "轮次", "变更前", "变更后", "说明", "原因", "客户端地址", "哈希"]
    _title(ws, f"{contest.name} · 审计日志", "每条记录按哈希链接前一条；python run.py verify 可检查数据库是否被篡改。",
           len(labels))
    _header(ws, 4, labels)
    for row, e in enumerate(snap.audit, start=5):
        d = describe({"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail,
                      "reason": e.reason, "client": e.client, "hash": e.hash}, contest)
        project = f"{d['project']} {d['project_name']}" if d["project"] else ""
        values = [d["seq"], d["time"], d["who"], d["what"], project, d["round_label"], d["before"], d["after"],
                  d["extra"] + ("（导入的记录）" if d["imported"] else ""), d["reason"], d["client"], e.hash[:16]]
        for col, v in enumerate(values, start=1):
            ws.cell(row, col, v)
    ws.freeze_panes = "A5"
    _widths(ws, [7, 19, 20, 16, 30, 9, 36, 36, 24, 24, 14, 18])
    _print_setup(ws, "4:4")
