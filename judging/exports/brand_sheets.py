"""The branding on the exported summary sheets: the contest's logo and sponsor line as a letterhead.

What it does: :func:`pdf_letterhead` puts the logo (a reportlab ``Image``, at most 60×22 mm) and the sponsor
line above the PDF summary's title; :func:`xlsx_letterhead` anchors the logo (an openpyxl ``Image``) to the
right of the Excel summary's table, where it covers no cell in use, and writes the sponsor line under the
sheet's notes.  A contest without branding gets its sheets untouched: the files are byte for byte what they
were without this module.  The images are the PNGs the server re-encoded (:mod:`judging.inputs.brand_image`).

What it does not do: lay out the rest of the sheets (:mod:`judging.exports.pdf_sheets`,
:mod:`judging.exports.xlsx`) or decide anything about the branding (:mod:`judging.app.brand`).
"""

from __future__ import annotations

import io
from typing import Callable

from openpyxl.drawing.image import Image as XlImage
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Spacer

from judging.app.brand import brand_of
from judging.exports.snapshot import Snapshot
from judging.exports.xlsx_cells import NOTE, note_line

PDF_BOX = (60 * mm, 22 * mm)
XLSX_BOX = (240, 90)  # pixels
SPONSORS = "主办与支持单位："


def _fit(w: int, h: int, box: tuple[float, float], grow: bool = True) -> tuple[float, float]:
    """(w, h) scaled to fit ``box`` (never enlarged when not ``grow``)."""
    scale = min(box[0] / w, box[1] / h, *(() if grow else (1.0,)))
    return w * scale, h * scale


def sponsor_line(snap: Snapshot) -> str:
    text = brand_of(snap.rt).sponsor_text
    return text if text.startswith(("主办", "承办", "支持", "协办", "指导")) or not text else SPONSORS + text


def brand_text(d: dict) -> str:
    """A branding as an audit entry stores it (judging.app.brand), in words: '主色 #1f4e79 · 标志 800×300 (5df77188…)'."""
    parts = [f"{label} {d[key]}" for key, label in (("primary", "主色"), ("accent", "强调色")) if d.get(key)]
    if d.get("sponsor_text"):
        parts.append(f"赞助单位「{d['sponsor_text']}」")
    logo = d.get("logo")
    if isinstance(logo, dict):
        parts.append(f"标志 {logo.get('width')}×{logo.get('height')}（{str(logo.get('sha256', ''))[:8]}…）")
    if d.get("sponsors"):
        parts.append(f"赞助单位标志 {len(d['sponsors'])} 个")
    return " · ".join(parts) or "默认样式"


def pdf_letterhead(snap: Snapshot, summary: list[Flowable], paragraph: Callable[[str], Flowable]) -> list[Flowable]:
    """The summary's flowables with the logo and the sponsor line after its first one (the section marker)."""
    brand = brand_of(snap.rt)
    if not brand.logo and not brand.sponsor_text:
        return summary
    head: list[Flowable] = []
    if brand.logo:
        w, h = _fit(brand.logo.width, brand.logo.height, PDF_BOX)
        image = Image(io.BytesIO(brand.logo.png), width=w, height=h)
        image.hAlign = "CENTER"
        head += [image, Spacer(1, 2 * mm)]
    if brand.sponsor_text:
        head += [paragraph(sponsor_line(snap)), Spacer(1, 1 * mm)]
    return summary[:1] + head + summary[1:]


def xlsx_letterhead(ws: Worksheet, snap: Snapshot) -> None:
    """The logo beside the summary's title, the sponsor line under its last note (nothing without branding)."""
    brand = brand_of(snap.rt)
    width = ws.max_column
    if brand.sponsor_text:
        note_line(ws, ws.max_row + 2, sponsor_line(snap), width, NOTE)
    if brand.logo:
        image = XlImage(io.BytesIO(brand.logo.png))
        image.width, image.height = _fit(brand.logo.width, brand.logo.height, XLSX_BOX, grow=False)
        ws.add_image(image, f"{get_column_letter(width + 2)}1")
