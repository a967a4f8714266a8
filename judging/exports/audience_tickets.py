"""The strict mode's ballot tickets (选票码) as a PDF: one ticket per code, 24 to an A4 page, to cut apart.

What it does: :func:`tickets_pdf` draws each code large (8 characters without 0/O/1/I, spaced in two groups
of four), the contest's name, the audience link to scan or type and a line saying the code works on one
phone only.  The CJK font is the one the score sheets embed (:func:`judging.exports.pdf_sheets.ensure_font`;
:class:`~judging.exports.pdf_sheets.FontMissing` when there is none).

What it does not do: generate codes (:mod:`judging.app.audience`) or know who used which.
"""

from __future__ import annotations

import io
from typing import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from judging.exports.pdf_sheets import FONT, ensure_font

COLUMNS, ROWS = 3, 8
MARGIN = 10 * mm


def tickets_pdf(contest_name: str, link: str, codes: Sequence[str]) -> bytes:
    ensure_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"{contest_name} 选票码")
    w, h = (A4[0] - 2 * MARGIN) / COLUMNS, (A4[1] - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    for start in range(0, max(1, len(codes)), per_page):
        for k, code in enumerate(codes[start:start + per_page]):
            x = MARGIN + (k % COLUMNS) * w
            y = A4[1] - MARGIN - (k // COLUMNS + 1) * h
            c.setStrokeColor(colors.HexColor("#999999"))
            c.setDash(2, 2)
            c.rect(x, y, w, h)
            c.setFillColor(colors.black)
            c.setFont(FONT, 8)
            c.drawCentredString(x + w / 2, y + h - 5 * mm, contest_name[:28])
            c.setFont(FONT, 7)
            c.drawCentredString(x + w / 2, y + h - 9 * mm, "观众选票码 Ballot code")
            c.setFont(FONT, 20)
            c.drawCentredString(x + w / 2, y + h / 2 - 4 * mm, f"{code[:4]} {code[4:]}")
            c.setFont(FONT, 6.5)
            c.drawCentredString(x + w / 2, y + 7 * mm, link[:60])
            c.drawCentredString(x + w / 2, y + 3.5 * mm, "扫码后输入此码；一码只能在一部手机上使用 / one phone only")
        c.showPage()
    c.save()
    return buf.getvalue()
