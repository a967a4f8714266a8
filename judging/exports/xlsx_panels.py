"""One sheet per panel in the Excel workbook: every judge's marks for every roadshow, print-ready.

What it does: lays a panel's marks out wide (a row per roadshow, a column per judge and criterion)
when that fits an A4 landscape page at a readable size, else long (a row per roadshow and judge,
a column per criterion), so that nothing prints below :data:`judging.exports.xlsx_cells.MIN_PRINT_PT`.
Marks and judge totals carry a number format from the rules' mark step (20.0 beside 17.7), panel
scores the rules' rounding digits; the marks a trimmed panel dropped are struck through, voided
ones too; recusals say 回避, organizer corrections carry their reason as a cell comment.

What it does not do: compute anything (panel scores are the engine's; the struck marks are
:func:`judging.core.scoring.explain_panel`'s explanation of them).
"""

from __future__ import annotations

from openpyxl.comments import Comment
from openpyxl.worksheet.worksheet import Worksheet

from judging.exports.rows import STATUS_LABELS, judge_sheet, rounds_of
from judging.exports.text import clean
from judging.core.vocabulary import file_round
from judging.exports.snapshot import Snapshot, step_digits
from judging.core.model import mark_total
from judging.core.rules import Panel, short_label
from judging.core.panel_methods import explain_panel
from judging.core import rules_words
from judging.exports.xlsx_cells import (CENTER, DROP_FILL, GRID, STRUCK, WRAP, header, header_cell, number_format, print_setup,
                         put, readable, title, widths)

FIXED = ["序号", "编号", "项目名称", "轮次"]
FIXED_WIDTHS = [5, 7, 30, 9]
MARK_WIDTH, SCORE_WIDTH, JUDGE_WIDTH, NOTE_WIDTH = 8, 11, 16, 22


def wide_widths(n_judges: int, per_judge: int) -> list[float]:
    return [*FIXED_WIDTHS, *([MARK_WIDTH] * (per_judge * n_judges)), SCORE_WIDTH]


def panel_sheet(ws: Worksheet, snap: Snapshot, panel: Panel) -> str:
    """Fill ``ws`` with ``panel``'s marks; returns the layout used: "wide" or "long"."""
    rt = snap.rt
    judges = rt.contest.panel_judges(panel.id)
    crits = [(c.id, short_label(c.label)) for c in panel.criteria] or [("", "总分")]
    per_judge = len(crits) + (1 if len(crits) > 1 else 0)  # criteria (+ the judge's total)
    layout = "wide" if readable(wide_widths(len(judges), per_judge)) else "long"
    summary = next((line for line in rules_words.summary(rt.contest.rules, any(p.track for p in rt.contest.projects)) if line.startswith(short_label(panel.label) + "：")), panel.label)
    how = "每行一个项目、每位评委一组列" if layout == "wide" else "每行一位评委对一个项目的评分"
    width = (len(FIXED) + per_judge * len(judges) + 1) if layout == "wide" else (len(FIXED) + 1 + per_judge + 2)
    title(ws, f"{rt.contest.name} · {short_label(panel.label)}评分明细",
          f"{summary}。{how}。删除线 = 去掉的最高分 / 最低分；回避 = 该评委回避此项目。", width)
    if layout == "wide":
        _wide(ws, snap, panel, judges, crits, per_judge, width)
    else:
        _long(ws, snap, panel, judges, crits, per_judge)
    return layout


def _context(snap: Snapshot, panel: Panel, judges):
    """Per roadshow: (position, project, round, the judges' sheet lines, the dropped judges, the panel score)."""
    rt = snap.rt
    sheets = {j.id: {(r.project, r.round): r for r in judge_sheet(snap, j)} for j in judges}
    for round_name, projects in rounds_of(rt):
        for pos, pid in enumerate(projects, start=1):
            active = {j.id: mark_total(panel, m.values) for j in judges
                      if (m := rt.marks.get((pid, round_name, j.id))) and m.status == "active"
                      and rt.closed(pid, round_name)}
            dropped = {line.judge for line in explain_panel(panel, active) if line.dropped}
            lines = {j.id: sheets[j.id].get((pid, round_name)) for j in judges}
            yield pos, pid, round_name, lines, dropped, _panel_score(rt, panel.id, pid, round_name)


def _roadshow_cells(ws: Worksheet, row: int, snap: Snapshot, pos: int, pid: str, round_name: str) -> None:
    names = {p.id: p.name for p in snap.rt.contest.projects}
    for col, v in enumerate([pos, pid, names.get(pid, pid), file_round(round_name)], start=1):
        c = put(ws, row, col, v)
        c.border, c.alignment = GRID, WRAP if col == 3 else CENTER


def _marks(ws: Worksheet, row: int, start: int, line, crits, per_judge: int, mark_fmt: str, struck: bool) -> None:
    for n, v in enumerate(_judge_cells(line, crits, per_judge)):
        c = put(ws, row, start + n, v)
        c.border, c.alignment, c.number_format = GRID, CENTER, mark_fmt
        if struck:
            c.font, c.fill = STRUCK, DROP_FILL
        elif line is not None and line.status == "voided":
            c.font = STRUCK


def _wide(ws: Worksheet, snap: Snapshot, panel: Panel, judges, crits, per_judge: int, width: int) -> None:
    rules = snap.rt.contest.rules
    for col in range(1, len(FIXED) + 1):
        ws.merge_cells(start_row=4, start_column=col, end_row=5, end_column=col)
    header(ws, 4, FIXED)
    for k, j in enumerate(judges):
        start = len(FIXED) + 1 + k * per_judge
        header_cell(ws, 4, start, f"{j.name}（{j.id}）")
        if per_judge > 1:
            ws.merge_cells(start_row=4, start_column=start, end_row=4, end_column=start + per_judge - 1)
        for n, label in enumerate([label for _, label in crits] + (["合计"] if len(crits) > 1 else [])):
            header_cell(ws, 5, start + n, label)
    header_cell(ws, 4, width, "评审团得分")
    ws.merge_cells(start_row=4, start_column=width, end_row=5, end_column=width)
    mark_fmt = number_format(step_digits(rules.marks.step))
    score_fmt = number_format(rules.rounding.digits)
    row = 6
    for pos, pid, round_name, lines, dropped, score in _context(snap, panel, judges):
        _roadshow_cells(ws, row, snap, pos, pid, round_name)
        for k, j in enumerate(judges):
            start = len(FIXED) + 1 + k * per_judge
            _marks(ws, row, start, lines[j.id], crits, per_judge, mark_fmt, j.id in dropped)
            if lines[j.id] is not None and lines[j.id].note:
                ws.cell(row, start + per_judge - 1).comment = _comment(lines[j.id].note)
        c = put(ws, row, width, score)
        c.border, c.alignment, c.number_format = GRID, CENTER, score_fmt
        row += 1
    ws.freeze_panes = ws.cell(6, len(FIXED) + 1)
    widths(ws, wide_widths(len(judges), per_judge))
    print_setup(ws, "4:5")


def _long(ws: Worksheet, snap: Snapshot, panel: Panel, judges, crits, per_judge: int) -> None:
    rules = snap.rt.contest.rules
    labels = [*FIXED, "评委", *(label for _, label in crits), *(["合计"] if len(crits) > 1 else []), "备注",
              "评审团得分"]
    header(ws, 4, labels)
    mark_fmt = number_format(step_digits(rules.marks.step))
    score_fmt = number_format(rules.rounding.digits)
    first_mark = len(FIXED) + 2
    row = 5
    for pos, pid, round_name, lines, dropped, score in _context(snap, panel, judges):
        for j in judges:
            line = lines[j.id]
            _roadshow_cells(ws, row, snap, pos, pid, round_name)
            c = put(ws, row, len(FIXED) + 1, f"{j.name}（{j.id}）")
            c.border, c.alignment = GRID, WRAP
            _marks(ws, row, first_mark, line, crits, per_judge, mark_fmt, j.id in dropped)
            note = "；".join(x for x in (("去掉" if j.id in dropped else ""), line.note if line else "") if x)
            c = put(ws, row, first_mark + per_judge, note)
            c.border, c.alignment = GRID, WRAP
            c = put(ws, row, first_mark + per_judge + 1, score)
            c.border, c.alignment, c.number_format = GRID, CENTER, score_fmt
            row += 1
    ws.freeze_panes = ws.cell(5, len(FIXED) + 2)
    ws.auto_filter.ref = f"A4:{ws.cell(max(row - 1, 4), len(labels)).coordinate}"
    widths(ws, [*FIXED_WIDTHS, JUDGE_WIDTH, *([MARK_WIDTH] * per_judge), NOTE_WIDTH, SCORE_WIDTH])
    print_setup(ws, "4:4")


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


def _comment(text: str) -> Comment:
    c = Comment(clean(text), "路演评审")
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
