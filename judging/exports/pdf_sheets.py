"""Printable PDF score sheets (reportlab): the results summary and one A4 sheet per judge.

What it does: :func:`scoresheets` lays out, in one A4 document, the results summary (rank,
project, organization, panel scores, total, award, grant, tie/overtime notes, the money line,
the audit anchor, signature lines for the chair 评审组长 and the supervisor 监督, then the rules
in words) and then, each on a
new page, every judge's score sheet (each project in running order with their marks per
criterion and total, recusals as 回避, voids and corrections with their reasons, overtime
rounds, a signature line 评委签名 and a date).  Table headers repeat on page breaks; every
page carries the contest name, the sheet's title and "第 i / n 页" counted per sheet.
Every character is drawn with a subset of a CJK TrueType font embedded in the file (WenQuanYi
Micro Hei from the Debian package ``fonts-wqy-microhei``, which ``scripts/test`` and
``scripts/serve`` install), so a PC without Chinese fonts prints the same sheet; reportlab embeds
TrueType outlines only (not the CFF of ``fonts-noto-cjk``).  Without such a font the PDF export
raises :class:`FontMissing` naming the package; nothing else of the server depends on it.

What it does not do: compute anything, or print link tokens.
"""

from __future__ import annotations

import functools
import io
import os
from typing import Iterable, Sequence

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (Flowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table,
                                TableStyle)
from xml.sax.saxutils import escape

from judging.exports.audience_rows import summary_lines as audience_summary
from judging.exports.brand_sheets import pdf_letterhead
from judging.exports.text import clean
from judging.exports.rows import STATUS_LABELS, audit_anchor, judge_sheet, rules_in_words, summary_rows
from judging.core.vocabulary import file_round, zh
from judging.exports.snapshot import NOT_FINAL, Snapshot, fmt_mark, fmt_score, fmt_step, fmt_time, step_digits
from judging.core.model import Judge
from judging.core.money import money_text
from judging.core.rules import short_label

FONT = "RoadshowCJK"
FONT_PACKAGE = "fonts-wqy-microhei"
FONT_FILES: tuple[tuple[str, int], ...] = (  # (TrueType file, index in a .ttc), the first found is used
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),            # Debian fonts-wqy-microhei
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),  # Debian fonts-droid-fallback
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),                # Debian fonts-arphic-uming
)
_font_file: str | None = None


class FontMissing(ValueError):
    """No CJK TrueType font to embed: the PDF cannot be made on this machine."""


def ensure_font() -> str:
    """Register the CJK font once; its file.  ``JUDGING_PDF_FONT`` (a .ttf / .ttc path) comes first."""
    global _font_file
    if _font_file is None:
        env = os.environ.get("JUDGING_PDF_FONT")
        candidates = ((env, 0),) + FONT_FILES if env else FONT_FILES
        found = next(((path, i) for path, i in candidates if os.path.isfile(path)), None)
        if found is None:
            raise FontMissing(f"PDF 需要可嵌入的中文字体，请安装 Debian 软件包 {FONT_PACKAGE}（sudo apt-get install "
                              f"{FONT_PACKAGE}） / the PDF needs a CJK TrueType font to embed: install the Debian "
                              f"package {FONT_PACKAGE}")
        pdfmetrics.registerFont(TTFont(FONT, found[0], subfontIndex=found[1]))
        _font_file = found[0]
    return _font_file
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 15 * mm, 20 * mm, 18 * mm
WIDTH = A4[0] - 2 * MARGIN_X
GRID = colors.HexColor("#888888")
HEAD_BG = colors.HexColor("#E4EAF1")
SUB_BG = colors.HexColor("#F3F3F3")
AWARD_BG = colors.HexColor("#FFF6DE")

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=TA_CENTER, spaceAfter=2 * mm)
SUBTITLE = ParagraphStyle("subtitle", fontName=FONT, fontSize=13, leading=18, alignment=TA_CENTER,
                          spaceAfter=4 * mm)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=15, wordWrap="CJK")
SMALL = ParagraphStyle("small", fontName=FONT, fontSize=8.5, leading=12, wordWrap="CJK",
                       textColor=colors.HexColor("#333333"))
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
CELL_C = ParagraphStyle("cellc", parent=CELL, alignment=TA_CENTER)
WARN = ParagraphStyle("warn", parent=BODY, textColor=colors.HexColor("#B3261E"))
HEAD = ParagraphStyle("head", parent=CELL_C, fontSize=8, leading=10.5)


def scoresheets(snap: Snapshot, judges: Sequence[str] | None = None, summary: bool = True,
                sheets: bool = True) -> bytes:
    """The PDF: the summary (if ``summary``) then a sheet per judge (all, or the ids in ``judges``).

    Raises ValueError for an unknown judge id or when nothing is asked for, :class:`FontMissing`
    when no CJK font can be embedded."""
    ensure_font()
    contest = snap.rt.contest
    chosen: list[Judge] = list(contest.judges)
    if judges:
        unknown = [j for j in judges if contest.judge(j) is None]
        if unknown:
            raise ValueError(f"没有这个评委 / unknown judge {unknown[0]!r}")
        chosen = [j for j in contest.judges if j.id in set(judges)]
    if not summary and not (sheets and chosen):
        raise ValueError("没有要打印的内容 / nothing to print")
    story: list[Flowable] = []
    if summary:
        story += pdf_letterhead(snap, _summary(snap), lambda text: _p(text, CELL_C))  # logo, sponsors (if any)
    if sheets:
        for j in chosen:
            if story:
                story.append(PageBreak())
            story += _judge_sheet(snap, j)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                            bottomMargin=MARGIN_BOTTOM, title=f"{clean(contest.name)} 评分表", author="路演评审",
                            subject="成绩汇总与评委评分表", creator="roadshow-judging", invariant=True,
                            initialFontName=FONT)  # never a non-embedded Helvetica
    doc.build(story, canvasmaker=functools.partial(_Canvas, contest=clean(contest.name),
                                                   stamp=f"导出时间 {fmt_time(snap.taken_at)}"))
    return buf.getvalue()


# ------------------------------------------------------------------ page furniture

class _Section(Flowable):
    """Invisible marker: the pages from here on belong to the sheet ``title``."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = title

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.section = self.title  # type: ignore[attr-defined]


class _Canvas(canvas.Canvas):
    """Draws the header and "第 i / n 页" once the page count of every sheet is known."""

    def __init__(self, *args, contest: str = "", stamp: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.section = ""
        self._contest, self._stamp = contest, stamp
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        counts: dict[int, int] = {}
        starts: list[int] = []
        for i, page in enumerate(self._pages):
            if i == 0 or page["section"] != self._pages[i - 1]["section"]:
                starts.append(i)
            counts[starts[-1]] = counts.get(starts[-1], 0) + 1
        for i, page in enumerate(self._pages):
            self.__dict__.update(page)
            start = max(s for s in starts if s <= i)
            self._furniture(page["section"], i - start + 1, counts[start], i + 1, len(self._pages))
            super().showPage()
        super().save()

    def _furniture(self, section: str, n: int, of: int, page: int, pages: int) -> None:
        w, h = A4
        self.saveState()
        self.setFont(FONT, 8.5)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawString(MARGIN_X, h - 12 * mm, self._contest)
        self.drawRightString(w - MARGIN_X, h - 12 * mm, section)
        self.setStrokeColor(colors.HexColor("#BBBBBB"))
        self.setLineWidth(0.5)
        self.line(MARGIN_X, h - 13.5 * mm, w - MARGIN_X, h - 13.5 * mm)
        self.drawCentredString(w / 2, 10 * mm, f"{section}　第 {n} / {of} 页")
        self.drawString(MARGIN_X, 10 * mm, self._stamp)
        self.drawRightString(w - MARGIN_X, 10 * mm, f"{page} / {pages}")
        self.restoreState()


def _p(text: object, style: ParagraphStyle = CELL) -> Paragraph:
    return Paragraph(escape(clean(text)), style)


def _head(*lines: str) -> Paragraph:
    """A header cell; each line on its own line (no break inside a short Chinese label)."""
    return Paragraph("<br/>".join(escape(clean(x)) for x in lines), HEAD)


def _info(pairs: list[tuple[str, str]]) -> Table:
    """Label: value lines above a table (the judge, the panel, the rules)."""
    t = Table([[f"{k}：", _p(v, BODY)] for k, v in pairs], colWidths=[22 * mm, WIDTH - 22 * mm], hAlign="LEFT")
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return t


def _signatures(labels: Iterable[str]) -> Table:
    rows = [[f"{label}：", "", "日期：", "　　　　年　　月　　日"] for label in labels]
    t = Table(rows, colWidths=[28 * mm, 60 * mm, 14 * mm, 50 * mm], rowHeights=14 * mm, hAlign="LEFT")
    style = [("FONT", (0, 0), (-1, -1), FONT, 11), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
             ("ALIGN", (0, 0), (0, -1), "RIGHT"), ("ALIGN", (2, 0), (2, -1), "RIGHT")]
    for r in range(len(rows)):
        style += [("LINEBELOW", (1, r), (1, r), 0.8, colors.black), ("LINEBELOW", (3, r), (3, r), 0.8, colors.black)]
    t.setStyle(TableStyle(style))
    return t


def _base_style(header_rows: int = 1) -> list:
    return [("FONT", (0, 0), (-1, -1), FONT, 9), ("GRID", (0, 0), (-1, -1), 0.5, GRID),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_BG), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"), ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3), ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3)]


# ------------------------------------------------------------------ the summary

def _summary(snap: Snapshot) -> list[Flowable]:
    rt = snap.rt
    rules = rt.contest.rules
    digits = rules.rounding.digits
    panels = list(rules.panels)
    title = "成绩汇总表"
    c = rt.contest
    out: list[Flowable] = [_Section(title), _p(c.name, TITLE), Paragraph(title, SUBTITLE),
                           _info([*((k, v) for k, v in (("比赛日期", c.date), ("比赛地点", c.venue)) if v),
                                  ("评分规则", rules.name),
                                  ("比赛状态", zh("phase", rt.state.phase))]),
                           Spacer(1, 3 * mm)]
    if rt.state.phase != "locked":
        out += [_p(NOT_FINAL, WARN), Spacer(1, 2 * mm)]
    rows = summary_rows(rt)
    if not rows:
        out.append(_p(f"成绩尚无法计算：{rt.results_error or '还没有已结束的路演'}", BODY))
    else:
        tracks = any(p.track for p in c.projects)  # the track is shown wherever results are
        score_w, fixed = 17 * mm, 10 * mm + 11 * mm + 14 * mm + 17 * mm + (14 * mm if tracks else 0)
        rest = WIDTH - fixed - score_w * (len(panels) + 1)
        widths = [10 * mm, 11 * mm, rest * 0.58, rest * 0.42, *([14 * mm] if tracks else []),
                  *([score_w] * (len(panels) + 1)), 14 * mm, 17 * mm]
        head = [_head("名次"), _head("编号"), _head("项目名称"), _head("申报机构"), *([_head("赛道")] if tracks else []),
                *(_head(short_label(p.label)) for p in panels), _head("总分"), _head("奖项"), _head("创投资金")]
        data: list[list] = [head]
        style = _base_style()
        notes = []
        for i, r in enumerate(rows, start=1):
            mark = ""
            if r.note:
                notes.append(f"{r.project} {r.name}：{r.note}")
                mark = " *"
            data.append([str(r.rank), r.project, _p(r.name + mark), _p(r.organization),
                         *([_p(r.track, CELL_C)] if tracks else []),
                         *(fmt_score(r.panels.get(p.id), digits) for p in panels), fmt_score(r.total, digits),
                         _p(r.award, CELL_C), money_text(r.grant, rules.grants.money_unit) if r.grant else ""])
            if r.award:
                style.append(("BACKGROUND", (0, i), (-1, i), AWARD_BG))
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle(style))
        out += [t, Spacer(1, 3 * mm)]
        for n in notes:
            out.append(_p("* " + n, SMALL))
        out.append(_p(_money_line(rt), BODY))
        out += [_p(line, BODY) for line in audience_summary(rules, rt.results)]  # 观众评分 / 人气投票, when held
        for w in rt.results.warnings if rt.results else []:
            out.append(_p(f"提示：{w}", SMALL))
    out += [_p(line, SMALL) for line in audit_anchor(snap)]
    # the signatures follow the results and the audit anchor they vouch for; the rules in words come after,
    # so a short final signs on its first page
    out.append(KeepTogether([Spacer(1, 6 * mm), _p("以上成绩经评审组审核确认。", BODY), Spacer(1, 2 * mm),
                             _signatures(["评审组长签名", "监督签名"])]))
    out += [Spacer(1, 5 * mm), _p("评分规则说明：", SMALL)] + [_p(f"{n}. {line}", SMALL)
                                                             for n, line in enumerate(rules_in_words(snap), start=1)]
    return out


def _money_line(rt) -> str:
    """The engine's money summary in the one money format (the capped projects' notes are among the warnings)."""
    money, unit = rt.results.money, rt.contest.rules.grants.money_unit
    line = f"创投资金合计：{money_text(money.awarded, unit)}"
    if money.budget is not None:
        line += f"；预算 {money_text(money.budget, unit)}，结余 {money_text(money.unallocated, unit)}"
    return line + "。"


# ------------------------------------------------------------------ a judge's sheet

def _judge_sheet(snap: Snapshot, judge: Judge) -> list[Flowable]:
    rt = snap.rt
    panel = rt.contest.rules.panel(judge.panel)
    crits = [(c.id, short_label(c.label), c.max) for c in panel.criteria] or [
        ("", "总分", rt.contest.rules.marks.max)]
    with_total = len(crits) > 1
    mark_digits = step_digits(rt.contest.rules.marks.step)  # 20.0 beside 17.7, as on the Excel sheets
    title = f"评委评分表（{clean(judge.name)}）"
    out: list[Flowable] = [_Section(title), _p(rt.contest.name, TITLE), Paragraph("评委评分表", SUBTITLE),
                           _info([("评委", f"{judge.name}（{judge.id}）"), ("评审团", panel.label),
                                  ("评分规则", rt.contest.rules.name)]), Spacer(1, 3 * mm)]
    crit_w = 18.5 * mm if len(crits) > 1 else 26 * mm
    note_w = 28 * mm
    fixed = 8 * mm + 10 * mm + crit_w * len(crits) + (12 * mm if with_total else 0) + note_w
    widths = [8 * mm, 10 * mm, WIDTH - fixed, *([crit_w] * len(crits)), *([12 * mm] if with_total else []), note_w]
    head = [_head("序号"), _head("编号"), _head("项目名称"),
            *(_head(label, f"（{fmt_mark(mx)} 分）") for _, label, mx in crits),
            *([_head("合计")] if with_total else []), _head("备注")]
    data: list[list] = [head]
    style = _base_style() + [("LEFTPADDING", (0, 0), (-1, 0), 1.5), ("RIGHTPADDING", (0, 0), (-1, 0), 1.5)]
    first_mark, last_mark = 3, 3 + len(crits) - (0 if with_total else 1)
    current_round = None
    for line in judge_sheet(snap, judge):
        if line.round != current_round:
            current_round = line.round
            if line.round != rt.contest.regular_round:
                data.append([f"{file_round(line.round)}（加时赛只决定并列项目的先后，不改变总分）"] + [""] * (len(head) - 1))
                r = len(data) - 1
                style += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), SUB_BG),
                          ("ALIGN", (0, r), (-1, r), "LEFT")]
        r = len(data)
        note = line.note if line.status in ("scored", "voided", "missing") else ""
        if line.values is None or line.status == "pending":
            cells = [STATUS_LABELS.get(line.status, "—")] + [""] * (last_mark - first_mark)
            style.append(("SPAN", (first_mark, r), (last_mark, r)))
        else:
            cells = [fmt_step(line.values.get(cid), mark_digits) for cid, _, _ in crits]
            if with_total:
                cells.append(fmt_step(line.total, mark_digits))
            if line.status != "scored":
                note = "；".join(x for x in (STATUS_LABELS[line.status], note) if x)
                style.append(("TEXTCOLOR", (first_mark, r), (last_mark, r), colors.HexColor("#888888")))
        data.append([str(line.position), line.project, _p(line.name), *cells, _p(note, SMALL)])
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle(style))
    out += [t, KeepTogether([Spacer(1, 6 * mm),
                             _p("本人确认：以上评分为本人独立评定，真实无误；回避项目未参与评分。", BODY),
                             Spacer(1, 2 * mm), _signatures(["评委签名"])])]
    return out
