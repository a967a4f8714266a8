"""The Excel sheet 观众投票 (openpyxl): the audience's part of the results.

What it does: :func:`audience_sheet` writes, for a contest whose rules have an audience part, one table of
the audience score per judged roadshow (round, project, ballots, audience score, the fallback note) and one
of the popularity vote (place, project, votes, award, grant), then the summary lines of
:func:`judging.exports.audience_rows.summary_lines`.  Values go through :func:`judging.exports.xlsx_cells.put`.

What it does not do: list the raw ballots (the marks CSV and the archive carry them) or compute anything.
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from judging.core.money import xlsx_money_format
from judging.core.vocabulary import zh
from judging.exports.audience_rows import ballot_rows, summary_lines, vote_rows
from judging.exports.snapshot import Snapshot
from judging.exports.xlsx_cells import (AWARD_FILL, BOLD, CENTER, GRID, WRAP, header, note_line, number_format,
                                        print_setup, put, title, widths)

WIDTH = 7


def audience_sheet(ws: Worksheet, snap: Snapshot) -> None:
    rt = snap.rt
    rules = rt.contest.rules
    widths(ws, [10, 8, 34, 10, 12, 30, 14])
    title(ws, f"{rt.contest.name} · 观众投票", f"评分规则：{rules.name}", WIDTH)
    row = 4
    fmt = number_format(rules.rounding.digits)
    if rules.audience_panel is not None:
        put(ws, row, 1, f"{zh('audience', 'window_score')}（{rules.audience_panel.label}）").font = BOLD
        row += 1
        header(ws, row, ["轮次", "编号", "项目名称", "票数", "观众评分", "说明"])
        row += 1
        for b in ballot_rows(rt):
            for col, v in enumerate([b.round, b.project, b.name, b.ballots, b.score, b.note], start=1):
                c = put(ws, row, col, v)
                c.border, c.alignment = GRID, WRAP if isinstance(v, str) else CENTER
            ws.cell(row, 5).number_format = fmt
            row += 1
        row += 1
    if rules.popularity is not None:
        votes = vote_rows(rt)
        put(ws, row, 1, f"{zh('audience', 'window_popularity')}（{rules.popularity.label}）").font = BOLD
        row += 1
        header(ws, row, ["名次", "编号", "项目名称", "票数", "奖项", "", "奖金（元）"])
        row += 1
        money_fmt = xlsx_money_format([v.grant for v in votes])
        for v in votes:
            for col, value in enumerate([v.place, v.project, v.name, v.votes, v.award, None, v.grant], start=1):
                c = put(ws, row, col, value)
                c.border, c.alignment = GRID, WRAP if isinstance(value, str) else CENTER
                if v.award:
                    c.fill = AWARD_FILL
            ws.cell(row, 7).number_format = money_fmt
            row += 1
        if not votes:
            note_line(ws, row, f"人气投票{zh('audience', 'popularity_idle')}。", WIDTH)
            row += 1
        row += 1
    for line in summary_lines(rules, rt.results):
        note_line(ws, row, line, WIDTH)
        row += 1
    print_setup(ws, "4:4", landscape=False)
