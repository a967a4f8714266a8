"""The Excel workbook of a contest (openpyxl): what goes to the street office.

Sheets: 成绩汇总 (the contest's date and venue, rank, project, organization, panel scores, total,
tie/overtime note, award, grant in the rules' rounding; the grants' total, the budget and what is
left of it; the audit anchor in plain Chinese), one sheet per judges' panel (:mod:`judging.exports.xlsx_panels`:
wide, or one judge per row when wide would print too small), 观众投票 when the rules have an audience part
(:mod:`judging.exports.xlsx_audience`), 评分规则 (the rules in Chinese words),
规则文件 (the TOML as the contest used it, wrapped), 比赛设置 (projects, judges without their link
tokens, recusals, running order and draw seed), 更正记录 (organizer corrections and voids with
reasons) and 审计日志 (the readable audit trail).  Frozen headers, column widths, A4 print setup
with repeated header rows; every value goes through :func:`judging.exports.xlsx_cells.put` (text is text:
no formula, no illegal character).

What it does not do: compute anything (the engine's results are copied as they are).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from judging.exports.audit_trail import describe
from judging.exports.brand_sheets import xlsx_letterhead
from judging.exports.rows import audit_anchor, corrections, rules_in_words, summary_rows
from judging.exports.text import clean
from judging.core.vocabulary import zh
from judging.exports.snapshot import NOT_FINAL, Snapshot, fmt_time
from judging.core.rules import short_label
from judging.exports.xlsx_cells import (AWARD_FILL, BOLD, CENTER, GRID, MONO, NOTE, TOP_WRAP, WRAP, header, note_line,
                         number_format, print_setup, put, sheet_title, title, widths)
from judging.exports.xlsx_audience import audience_sheet
from judging.exports.xlsx_panels import panel_sheet
from judging.exports.xlsx_stages import stage_sheets
from judging.core.awards import money as awards_money
from judging.core.money import xlsx_money_format

__all__ = ["workbook", "sheet_title", "put"]


def workbook(snap: Snapshot) -> bytes:
    wb = Workbook()
    _summary(wb.active, snap)
    xlsx_letterhead(wb.active, snap)  # the logo and sponsor line (nothing without branding)
    for panel in snap.rt.contest.rules.panels:
        if panel.audience:  # thousands of ballots are no judges' sheet: 观众投票 sums them up
            continue
        panel_sheet(wb.create_sheet(sheet_title(short_label(panel.label) or panel.id, wb.sheetnames)), snap, panel)
    if snap.rt.contest.rules.has_audience:
        audience_sheet(wb.create_sheet(sheet_title("观众投票", wb.sheetnames)), snap)
    _rules_sheet(wb.create_sheet(sheet_title("评分规则", wb.sheetnames)), snap)
    _rules_file_sheet(wb.create_sheet(sheet_title("规则文件", wb.sheetnames)), snap)
    _setup_sheet(wb.create_sheet(sheet_title("比赛设置", wb.sheetnames)), snap)
    _corrections_sheet(wb.create_sheet(sheet_title("更正记录", wb.sheetnames)), snap)
    _audit_sheet(wb.create_sheet(sheet_title("审计日志", wb.sheetnames)), snap)
    stage_sheets(wb, snap)  # a later stage of a season: the previous stage's ranking (judging.exports.xlsx_stages)
    wb.properties.title = clean(snap.rt.contest.name)
    wb.properties.creator = "路演评审 roadshow-judging"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _subtitle(snap: Snapshot) -> str:
    rt = snap.rt
    c = rt.contest
    when_where = "".join(f"{label}：{v}　　" for label, v in (("日期", c.date), ("地点", c.venue)) if v)
    return (f"{when_where}评分规则：{c.rules.name}　　状态：{zh('phase', rt.state.phase)}"
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
    widths(ws, [6, 8, 34, 26, 12, *([10] if tracks else []), *([11] * len(panels)), 10, 34, 10, 14])
    title(ws, rt.contest.name, _subtitle(snap), len(labels))
    if rt.state.phase != "locked":
        put(ws, 3, 1, NOT_FINAL).font = Font(bold=True, color="B3261E")
    header(ws, 4, labels)
    fmt = number_format(rules.rounding.digits)
    rows = summary_rows(rt)
    money_fmt = xlsx_money_format([r.grant for r in rows] + [rules.grants.budget])  # ¥, cents when any
    for i, r in enumerate(rows, start=5):
        values = [r.rank, r.project, r.name, r.organization, r.community, *([r.track] if tracks else []),
                  *(r.panels.get(p.id) for p in panels), r.total, r.note, r.award, r.grant]
        for col, v in enumerate(values, start=1):
            c = put(ws, i, col, v)
            c.border, c.alignment = GRID, WRAP if isinstance(v, str) else CENTER
        first_score = 6 + tracks
        for col in range(first_score, first_score + len(panels) + 1):
            ws.cell(i, col).number_format = fmt
        ws.cell(i, len(labels)).number_format = money_fmt
        if r.award:
            for col in range(1, len(labels) + 1):
                ws.cell(i, col).fill = AWARD_FILL
    row = 5 + len(rows)
    if not rows:
        put(ws, 5, 1, f"成绩尚无法计算：{rt.results_error or '还没有已结束的路演'}").font = NOTE
        row += 1
    else:
        row = _money_lines(ws, row, snap, len(labels), money_fmt)
    row += 1
    for line in ["说明：", *rules_in_words(snap), *(f"提示：{w}" for w in (rt.results.warnings if rt.results else [])),
                 *audit_anchor(snap)]:
        note_line(ws, row, line, len(labels))
        row += 1
    ws.freeze_panes = "A5"
    print_setup(ws, "4:4")


def _money_lines(ws: Worksheet, row: int, snap: Snapshot, width: int, money_fmt: str) -> int:
    """Below the results: the grants' total, and the budget with what is left when the rules set one
    (the engine's money summary, so the sheet, the PDF and the screens say the same)."""
    money = snap.rt.results.money
    lines = [("创投资金合计", money.awarded)]
    if money.budget is not None:
        lines += [("创投资金预算", money.budget), ("预算结余", money.unallocated)]
    for label, amount in lines:
        c = put(ws, row, 1, label)
        c.font, c.alignment, c.border = BOLD, Alignment(horizontal="right", vertical="center"), GRID
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width - 1)
        c = put(ws, row, width, awards_money(amount))
        c.font, c.alignment, c.border, c.number_format = BOLD, CENTER, GRID, money_fmt
        row += 1
    if money.budget is None:
        note_line(ws, row, "创投资金：评分规则未设总预算，按各奖项的固定金额发放。", width)
        row += 1
    return row


def _rules_sheet(ws: Worksheet, snap: Snapshot) -> None:
    rules = snap.rt.contest.rules
    widths(ws, [6, 100])
    title(ws, f"评分规则：{rules.name}", "本场比赛使用的评分规则（文字说明）；规则文件原文见“规则文件”工作表。", 2)
    row = 4
    for n, line in enumerate(rules_in_words(snap), start=1):
        put(ws, row, 1, f"{n}.").alignment = Alignment(horizontal="right", vertical="top")
        c = put(ws, row, 2, line)
        c.alignment = TOP_WRAP
        ws.row_dimensions[row].height = 15 * max(1, -(-sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) // 95))
        row += 1
    print_setup(ws, "1:1", landscape=False)


def _rules_file_sheet(ws: Worksheet, snap: Snapshot) -> None:
    rules = snap.rt.contest.rules
    widths(ws, [100])
    title(ws, f"规则文件原文：{rules.source}", "比赛使用的规则文件副本（TOML，供技术核对；run.py score --rules 可读）。", 1)
    row = 4
    for line in rules.text.splitlines():
        c = put(ws, row, 1, line)
        c.font, c.alignment = MONO, Alignment(wrap_text=True, vertical="top")
        row += 1
    print_setup(ws, "1:1", landscape=False)


def _setup_sheet(ws: Worksheet, snap: Snapshot) -> None:
    rt = snap.rt
    c = rt.contest
    title(ws, f"{c.name} · 比赛设置", "评委链接（令牌）属于登录凭证，不在导出文件中。", 6)
    row = 4
    for label, value in (("大赛编号", c.id), ("比赛日期", c.date or "（未填）"), ("比赛地点", c.venue or "（未填）"),
                         ("路演时长（秒）", c.timer_seconds),
                         ("抽签种子", c.draw_seed or "（手动排序）"),
                         ("抽签方法", "sha256(种子) → random.Random.shuffle(按编号排序的项目)" if c.draw_seed else ""),
                         ("当前状态", zh("phase", rt.state.phase))):
        put(ws, row, 1, label).font = BOLD
        put(ws, row, 2, value)
        row += 1
    row += 1
    put(ws, row, 1, "出场顺序与项目").font = BOLD
    row += 1
    header(ws, row, ["出场", "编号", "项目名称", "申报机构", "社区", "申请金额（元）"])
    position = {pid: i for i, pid in enumerate(c.order, start=1)}
    requested_fmt = xlsx_money_format(p.requested for p in c.projects)  # 80,000.5 is not 80,001
    for p in sorted(c.projects, key=lambda p: position.get(p.id, len(position) + 1)):
        row += 1
        for col, v in enumerate([position.get(p.id, ""), p.id, p.name, p.organization, p.community, p.requested],
                                start=1):
            put(ws, row, col, v).border = GRID
        ws.cell(row, 6).number_format = requested_fmt
    row += 2
    put(ws, row, 1, "评委").font = BOLD
    row += 1
    header(ws, row, ["编号", "姓名", "评审团", "回避项目"])
    for j in c.judges:
        row += 1
        recused = "、".join(sorted(p for jid, p in c.recusals if jid == j.id))
        for col, v in enumerate([j.id, j.name, c.rules.panel(j.panel).label, recused], start=1):
            put(ws, row, col, v).border = GRID
    widths(ws, [16, 12, 34, 26, 12, 14])
    print_setup(ws, "1:1", landscape=False)


def _corrections_sheet(ws: Worksheet, snap: Snapshot) -> None:
    contest = snap.rt.contest
    labels = ["时间", "操作人", "操作", "项目", "轮次", "评委", "原评分", "更正后", "原因", "客户端地址"]
    title(ws, f"{contest.name} · 更正记录", "组织者在评分结束后对评分的更正与作废（每条都写明原因）。", len(labels))
    header(ws, 4, labels)
    row = 5
    for entries in corrections(snap).values():
        for e in entries:
            d = describe({"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail,
                          "reason": e.reason, "client": e.client, "hash": e.hash}, contest)
            values = [d["time"], d["who"], d["what"], f"{d['project']} {d['project_name']}", d["round_label"],
                      d["judge_name"], d["before"], d["after"], d["reason"], d["client"]]
            for col, v in enumerate(values, start=1):
                c = put(ws, row, col, v)
                c.border, c.alignment = GRID, WRAP
            row += 1
    if row == 5:
        put(ws, 5, 1, "无更正或作废。")
    ws.freeze_panes = "A5"
    widths(ws, [17, 14, 12, 26, 8, 10, 30, 30, 26, 13])  # fits A4 landscape at >= 8 pt
    print_setup(ws, "4:4")


def _audit_sheet(ws: Worksheet, snap: Snapshot) -> None:
    contest = snap.rt.contest
    labels = ["序号", "时间", "操作人", "操作", "项目", "轮次", "变更前", "变更后", "说明", "原因", "客户端地址", "哈希"]
    title(ws, f"{contest.name} · 审计日志", "每条记录按哈希链接前一条；python run.py verify 可检查数据库是否被篡改。",
           len(labels))
    header(ws, 4, labels)
    for row, e in enumerate(snap.audit, start=5):
        d = describe({"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail,
                      "reason": e.reason, "client": e.client, "hash": e.hash}, contest)
        project = f"{d['project']} {d['project_name']}" if d["project"] else ""
        values = [d["seq"], d["time"], d["who"], d["what"], project, d["round_label"], d["before"], d["after"],
                  d["extra"] + ("（导入的记录）" if d["imported"] else ""), d["reason"], d["client"], e.hash[:16]]
        for col, v in enumerate(values, start=1):
            put(ws, row, col, v).alignment = WRAP
    ws.freeze_panes = "A5"
    widths(ws, [6, 17, 14, 14, 22, 8, 24, 24, 18, 16, 13, 17])  # fits A4 landscape at >= 8 pt
    print_setup(ws, "4:4")
