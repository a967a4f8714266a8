"""What every sheet of the Excel workbook is built from: the one cell helper, styles, titles, headers,
column widths, A4 print setup and the estimate of the printed size.

What it does: :func:`put` is the only way a value enters a sheet (text cleaned and stored as text:
never a formula, never an illegal character); :func:`print_scale` estimates how small a sheet of
given column widths prints on A4 when it is fitted to the page width, so that the panel sheets can
switch to one judge per row before anything prints below :data:`MIN_PRINT_PT`.

What it does not do: decide what goes on a sheet (:mod:`judging.exports.xlsx`, :mod:`judging.exports.xlsx_panels`).
"""

from __future__ import annotations

import re
from typing import Iterable

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from judging.exports.text import clean

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
TOP_WRAP = Alignment(vertical="top", wrap_text=True)
MONO = Font(name="Consolas", size=10)
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")

BODY_PT = 11                     # openpyxl's default font (Calibri 11)
MIN_PRINT_PT = 8                 # nothing prints smaller than this
MARGIN_IN = 0.5                  # left and right page margins, inches
A4_MM = (210.0, 297.0)


def put(ws: Worksheet, row: int, col: int, value: object) -> Cell:
    """The one way a value enters the workbook: text is cleaned (:func:`judging.exports.text.clean`)
    and stored as text, so a name like ``=HYPERLINK(...)`` is shown, never run as a formula;
    numbers stay numbers, None stays an empty cell."""
    c = ws.cell(row, col)
    if isinstance(value, str):
        c.value = clean(value)
        c.data_type = "s"
    else:
        c.value = value
    return c


def sheet_title(label: str, taken: Iterable[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters, not Excel's reserved 'History'."""
    base = _BAD_TITLE.sub("_", clean(label)).strip("' ") or "Sheet"
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


def title(ws: Worksheet, text: str, subtitle: str, width: int) -> None:
    put(ws, 1, 1, text).font = TITLE
    put(ws, 2, 1, subtitle).font = NOTE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))
    ws.row_dimensions[1].height = 24


def header_cell(ws: Worksheet, row: int, col: int, label: str) -> Cell:
    c = put(ws, row, col, label)
    c.font, c.fill, c.alignment, c.border = BOLD, HEAD_FILL, CENTER, GRID
    return c


def header(ws: Worksheet, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        header_cell(ws, row, col, label)


def note_line(ws: Worksheet, row: int, text: str, width: int, font: Font = NOTE) -> None:
    """A wrapped note across the table's width (a long line never runs off the printed page)."""
    c = put(ws, row, 1, text)
    c.font, c.alignment = font, TOP_WRAP
    if width > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    chars = sum(ws.column_dimensions[get_column_letter(i)].width or 8 for i in range(1, width + 1))
    lines = max(1, -(-_display_width(text) // max(int(chars * 0.95), 1)))
    ws.row_dimensions[row].height = 13 * lines + 2


def widths(ws: Worksheet, values: list[float]) -> None:
    for i, w in enumerate(values, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def column_mm(width_chars: float) -> float:
    """Printed width of an Excel column of ``width_chars`` characters at 100 % (7 px a character + 5 px
    padding at 96 dpi, as Excel draws Calibri 11)."""
    return (width_chars * 7 + 5) / 96 * 25.4


def print_scale(column_widths: Iterable[float], landscape: bool = True) -> float:
    """The zoom Excel uses to fit columns of these widths to the width of an A4 page (at most 1)."""
    paper = A4_MM[1] if landscape else A4_MM[0]
    printable = paper - 2 * MARGIN_IN * 25.4
    total = sum(column_mm(w) for w in column_widths)
    return min(1.0, printable / total) if total else 1.0


def readable(column_widths: Iterable[float], landscape: bool = True) -> bool:
    """True when a sheet with these columns, fitted to A4, prints its body text at MIN_PRINT_PT or more."""
    return print_scale(column_widths, landscape) * BODY_PT >= MIN_PRINT_PT


def print_setup(ws: Worksheet, header_rows: str, landscape: bool = True) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = header_rows
    ws.page_margins.left = ws.page_margins.right = MARGIN_IN
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _display_width(text: str) -> int:
    """Characters as Excel lays them out: a CJK character is about two Latin ones wide."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
