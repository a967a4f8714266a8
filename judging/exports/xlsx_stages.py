"""The Excel sheets of a later stage of a season: the previous stage's ranking and who advanced, and this
stage's totals beside the previous stage's (with the carry weight).

What it does: :func:`stage_sheets` adds them to a workbook (:func:`judging.exports.xlsx.workbook` calls it for
every contest; a contest of one stage, or a first stage, gets no such sheet: its workbook is as before).

What it does not do: compute anything (the results and the stage's frozen copy of the previous ranking,
:class:`judging.core.stages.StageInfo`, are read as they are).
"""

from __future__ import annotations

from openpyxl import Workbook

from judging.exports.snapshot import Snapshot
from judging.exports.xlsx_cells import GRID, WRAP, header, note_line, number_format, print_setup, put, sheet_title, \
    title, widths


def stage_sheets(wb: Workbook, snap: Snapshot) -> None:
    info = snap.rt.contest.stage
    if info is None or not info.came_from:
        return
    rules = snap.rt.contest.rules
    fmt = number_format(rules.rounding.digits)
    prev_name = info.came_from_label or info.came_from
    ws = wb.create_sheet(sheet_title(f"{prev_name}排名", wb.sheetnames), 1)
    labels = ["名次", "项目编号", "项目名称", "赛道", f"{prev_name}得分", "是否晋级", "说明"]
    title(ws, f"{snap.rt.contest.name} · 上一阶段：{prev_name}",
          f"「{prev_name}」的排名与晋级名单（晋级时记录）：{sum(r.advanced for r in info.earlier)} 个项目进入本阶段。",
          len(labels))
    header(ws, 4, labels)
    for i, r in enumerate(info.earlier, start=5):
        for col, v in enumerate([r.rank, r.project, r.name, r.track, r.total, "晋级" if r.advanced else "未晋级",
                                 r.reason.split(" / ")[0]], start=1):
            c = put(ws, i, col, v)
            c.border, c.alignment = GRID, WRAP
            if col == 5:
                c.number_format = fmt
    ws.freeze_panes = "A5"
    widths(ws, [6, 10, 26, 10, 12, 9, 40])
    print_setup(ws, "4:4")
    _both_stages(wb, snap, prev_name, fmt)


def _both_stages(wb: Workbook, snap: Snapshot, prev_name: str, fmt: str) -> None:
    res = snap.rt.results
    weight = res.carry_weight if res is not None and res.carry_weight is not None else 0.0
    ws = wb.create_sheet(sheet_title("两阶段得分", wb.sheetnames), 2)
    labels = ["名次", "项目编号", "项目名称", f"{prev_name}得分", "本阶段得分", "总分"]
    title(ws, f"{snap.rt.contest.name} · 两阶段得分",
          f"总分 = {1 - weight:g} × 本阶段得分 + {weight:g} × {prev_name}得分（按评分规则的位数与方式舍入）。",
          len(labels))
    header(ws, 4, labels)
    row = 5
    for r in (res.results if res is not None else []):
        for col, v in enumerate([r.rank, r.project, r.name, r.previous, r.stage_total, r.total], start=1):
            c = put(ws, row, col, v)
            c.border, c.alignment = GRID, WRAP
            if col >= 4:
                c.number_format = fmt
        row += 1
    if row == 5:
        note_line(ws, 5, "尚无成绩。", len(labels))
    widths(ws, [6, 10, 26, 12, 12, 12])
    print_setup(ws, "4:4")
