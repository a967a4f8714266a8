"""Blank paper score sheets (A4 PDF, reportlab): the fallback when a judge's phone dies, or for a paper evening.

What it does: :func:`chosen_sheets` lists the sheets asked for -- every judge (or some) x every roadshow of the
running order and of each overtime round that has started (or one round, one project), never a recused pair --
and :func:`blank_sheets` lays them out, one sheet per page: the contest, the judge's name and panel, the
project, the round, the rubric (each criterion with its maximum and an empty box), the total box, the mark
bounds and step, a signature and date line, two lines for the scorekeepers who type it in, and a QR code (with
the same text printed under it) naming judge + roadshow: the code ``P:<judge>:<project>:<round>``
(:func:`judging.core.paper.sheet_code`) that the entry screen ``/console/<cid>/paper`` accepts typed or scanned.
The CJK font is the one the other PDFs embed (:func:`judging.exports.pdf_sheets.ensure_font`).

What it does not do: print marks (the filled-in sheets are the judges' own; the marks' sheets are
:mod:`judging.exports.pdf_sheets`), print link tokens, or store anything.
"""

from __future__ import annotations

import io
from typing import Sequence

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from judging.app.paper import roadshows
from judging.app.runtime import Runtime
from judging.core.model import Contest
from judging.core.paper import sheet_code
from judging.core.rules import short_label
from judging.core.vocabulary import round_label
from judging.exports.pdf_sheets import BODY, FONT, HEAD_BG, SMALL, SUBTITLE, TITLE, WIDTH, _p, ensure_font
from judging.exports.snapshot import fmt_mark
from judging.exports.text import clean

Sheet = tuple[str, str, str, int]  # (judge, project, round, position in that round's running order)
QR_SIZE = 34 * mm


def chosen_sheets(rt: Runtime, judges: Sequence[str] | None = None, round_name: str | None = None,
                  project: str | None = None) -> list[Sheet]:
    """The sheets to print, judge by judge, each judge's in running order (regular round, then overtime).
    LookupError (Chinese / English) for an unknown judge, round or project."""
    c = rt.contest
    if judges:
        unknown = [j for j in judges if c.judge(j) is None]
        if unknown:
            raise LookupError(f"没有这个评委 / no judge {unknown[0]!r}")
    rounds = roadshows(rt)
    if round_name is not None and round_name not in dict(rounds):
        raise LookupError(f"没有「{round_name}」这一轮 / no round {round_name!r}")
    if project is not None and c.project(project) is None:
        raise LookupError(f"没有这个项目 / no project {project!r}")
    out: list[Sheet] = []
    for j in c.judges:
        if judges and j.id not in judges:
            continue
        for r, projects in rounds:
            if round_name is not None and r != round_name:
                continue
            for n, pid in enumerate(projects, start=1):
                if (project is None or pid == project) and not c.is_recused(j.id, pid):
                    out.append((j.id, pid, r, n))
    if not out:
        raise LookupError("没有要打印的评分表 / no sheet matches")
    return out


def _qr(code: str) -> Drawing:
    widget = QrCodeWidget(code, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    d = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0])
    d.add(widget)
    return d


def _sheet(contest: Contest, judge_id: str, project_id: str, round_name: str, position: int) -> list:
    rules = contest.rules
    judge, project = contest.judge(judge_id), contest.project(project_id)
    panel = rules.panel(judge.panel)
    code = sheet_code(judge_id, project_id, round_name)
    zh_round, en_round = round_label(round_name)
    info = Table([[_p("评委 Judge", BODY), _p(f"{judge.name}（{judge.id}）", BODY)],
                  [_p("评审团 Panel", BODY), _p(panel.label, BODY)],
                  [_p("项目 Project", BODY), _p(f"{project.id}　{project.name}"
                                                + (f"（{project.organization}）" if project.organization else ""), BODY)],
                  [_p("轮次 Round", BODY), _p(f"{zh_round} {en_round}　出场顺序 第 {position} 个", BODY)]],
                 colWidths=[26 * mm, WIDTH - 26 * mm - QR_SIZE - 8 * mm])
    info.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    qr = Table([[_qr(code)], [_p(code, SMALL)]], colWidths=[QR_SIZE + 6 * mm])
    qr.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    top = Table([[info, qr]], colWidths=[WIDTH - QR_SIZE - 8 * mm, QR_SIZE + 8 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    criteria = [(short_label(c.label), c.max) for c in panel.criteria] or [("总分 Overall", rules.marks.max)]
    rows = [[_p("评分项 Criterion", BODY), _p("满分 Max", BODY), _p("得分 Mark", BODY)]]
    rows += [[_p(label, BODY), fmt_mark(mx), ""] for label, mx in criteria]
    if len(criteria) > 1:
        rows.append([_p("合计 Total", BODY), fmt_mark(sum(mx for _, mx in criteria)), ""])
    rubric = Table(rows, colWidths=[WIDTH - 80 * mm, 30 * mm, 50 * mm], rowHeights=[9 * mm] + [15 * mm] * (len(rows) - 1))
    style = [("FONT", (0, 0), (-1, -1), FONT, 12), ("GRID", (0, 0), (-1, -1), 0.8, colors.black),
             ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("ALIGN", (1, 0), (-1, -1), "CENTER")]
    if len(criteria) > 1:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 1.6, colors.black))
    rubric.setStyle(TableStyle(style))
    bounds = (f"每项填 {fmt_mark(rules.marks.min)} 到该项满分之间的分数"
              + (f"，以 {fmt_mark(rules.marks.step)} 分为单位" if rules.marks.step else "")
              + "；请用正楷书写数字，改动处请签名。 / Write each mark between "
              f"{fmt_mark(rules.marks.min)} and the criterion's maximum"
              + (f", in steps of {fmt_mark(rules.marks.step)}" if rules.marks.step else "") + "; initial any change.")
    sign = Table([["评委签名 Signature：", "", "日期 Date：", "　　年　　月　　日"]],
                 colWidths=[40 * mm, 55 * mm, 25 * mm, WIDTH - 120 * mm], rowHeights=16 * mm)
    sign.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 11), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                              ("LINEBELOW", (1, 0), (1, 0), 0.8, colors.black),
                              ("LINEBELOW", (3, 0), (3, 0), 0.8, colors.black)]))
    typed = Table([["录入 1 Entered by：", "", "录入 2 Entered by：", ""]],
                  colWidths=[36 * mm, WIDTH / 2 - 36 * mm, 36 * mm, WIDTH / 2 - 36 * mm], rowHeights=12 * mm)
    typed.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                               ("TEXTCOLOR", (0, 0), (-1, -1), colors.HexColor("#555555")),
                               ("LINEBELOW", (1, 0), (1, 0), 0.5, colors.HexColor("#888888")),
                               ("LINEBELOW", (3, 0), (3, 0), 0.5, colors.HexColor("#888888"))]))
    return [_p(contest.name, TITLE), Paragraph("纸质评分表 Paper score sheet", SUBTITLE), top, Spacer(1, 5 * mm),
            rubric, Spacer(1, 3 * mm), _p(bounds, SMALL), Spacer(1, 4 * mm), sign, Spacer(1, 8 * mm),
            _p("以下由工作人员填写：两人分别录入，两次一致才计分。 / For the scorekeepers: typed twice, counted when both "
               f"agree. 编号 Code：{code}", SMALL), typed]


def blank_sheets(contest: Contest, sheets: Sequence[Sheet]) -> bytes:
    """The PDF: one A4 page per sheet (see the module docstring)."""
    ensure_font()
    story: list = []
    for i, (judge, project, round_name, position) in enumerate(sheets):
        if i:
            story.append(PageBreak())
        story += _sheet(contest, judge, project, round_name, position)
    name = clean(contest.name)

    def furniture(canv, doc) -> None:
        canv.saveState()
        canv.setFont(FONT, 8.5)
        canv.setFillColor(colors.HexColor("#555555"))
        canv.drawString(15 * mm, A4[1] - 12 * mm, name)
        canv.drawRightString(A4[0] - 15 * mm, A4[1] - 12 * mm, "纸质评分表 Paper score sheet")
        canv.drawCentredString(A4[0] / 2, 10 * mm, f"第 {doc.page} / {len(sheets)} 张")
        canv.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=20 * mm,
                            bottomMargin=18 * mm, title=f"{name} 纸质评分表", author="路演评审",
                            subject="空白纸质评分表", creator="roadshow-judging", invariant=True, initialFontName=FONT)
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return buf.getvalue()
