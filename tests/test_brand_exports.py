"""Branding on the exports: the PDF summary sheet carries the logo (an image in the PDF, pdfimages) and the
sponsor line (pdftotext); the Excel summary sheet carries the logo and the line; the JSON archive carries the
branding (logo as base64) and importing it restores it; without branding the sheets are as before."""

from __future__ import annotations

import base64
import io
import json
import subprocess

import pytest
from openpyxl import load_workbook
from PIL import Image

from judging.exports.archive import checksum
from tests.helpers import ORG, make_client
from tests.test_brand import png_bytes

SPONSORS = "主办：示范街道办事处；承办：示范社会组织服务中心、示范公益基金会"


def _brand(client, cid="c1", logo=True):
    r = client.patch(f"/api/contests/{cid}/brand", headers=ORG,
                     json={"primary": "#1f4e79", "accent": "#ffd166", "sponsor_text": SPONSORS})
    assert r.status_code == 200, r.text
    if logo:
        r = client.put(f"/api/contests/{cid}/brand/logo", headers=ORG, content=png_bytes((800, 300), (10, 120, 60)))
        assert r.status_code == 200, r.text
        return r.json()["brand"]["logo"]
    return None


def _pdf(client, tmp_path, name="s.pdf") -> str:
    r = client.get("/api/contests/c1/export/scoresheets.pdf", headers=ORG)
    assert r.status_code == 200, r.text
    path = tmp_path / name
    path.write_bytes(r.content)
    return str(path)


def _images(path: str) -> list[tuple[int, int]]:
    out = subprocess.run(["pdfimages", "-list", path], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    return [(int(r[3]), int(r[4])) for r in rows]


def _text(path: str, first: int = 1, last: int = 1) -> str:
    return subprocess.run(["pdftotext", "-f", str(first), "-l", str(last), "-layout", path, "-"],
                          capture_output=True, text=True, check=True).stdout


def test_pdf_summary_sheet_has_the_logo_and_the_sponsor_line(tmp_path):
    with make_client(tmp_path / "a.db") as client:
        plain = _pdf(client, tmp_path, "plain.pdf")
        assert _images(plain) == [], "no image without branding"
        assert "示范公益基金会" not in _text(plain)
        _brand(client)
        branded = _pdf(client, tmp_path, "branded.pdf")
    assert (800, 300) in _images(branded), "the logo's pixels, as re-encoded"
    text = _text(branded)
    assert "主办：示范街道办事处" in text and "示范公益基金会" in text
    assert text.index("示范街道办事处") < text.index("比赛状态"), "a letterhead above the summary"


def test_pdf_sponsor_line_without_a_logo(tmp_path):
    with make_client(tmp_path / "a.db") as client:
        _brand(client, logo=False)
        path = _pdf(client, tmp_path)
    assert _images(path) == [] and "示范社会组织服务中心" in _text(path)


def test_xlsx_summary_sheet_has_the_logo_and_the_sponsor_line(tmp_path):
    with make_client(tmp_path / "a.db") as client:
        plain = client.get("/api/contests/c1/export/results.xlsx", headers=ORG).content
        _brand(client)
        branded = client.get("/api/contests/c1/export/results.xlsx", headers=ORG).content
    ws = load_workbook(io.BytesIO(plain)).worksheets[0]
    assert ws._images == [] and not any(SPONSORS in str(c.value) for row in ws.iter_rows() for c in row)
    wb = load_workbook(io.BytesIO(branded))
    ws = wb.worksheets[0]
    assert ws.title == "成绩汇总" and len(ws._images) == 1
    image = ws._images[0]
    assert image.anchor._from.col >= 10, "to the right of the table, over no cell in use"
    assert Image.open(io.BytesIO(image._data())).size == (800, 300)
    assert any(SPONSORS in str(c.value) for row in ws.iter_rows() for c in row)
    assert all(not other._images for other in wb.worksheets[1:]), "only the summary sheet"


def test_no_branding_leaves_the_sheets_as_they_were(tmp_path):
    """The hook adds nothing for a contest without branding: the same PDF, byte for byte, as an empty brand."""
    from judging.core.brand import Brand
    from judging.exports.brand_sheets import pdf_letterhead
    from judging.exports.pdf_sheets import scoresheets
    from judging.exports.snapshot import Snapshot
    with make_client(tmp_path / "a.db") as client:
        rt = client.app.state.service.get("c1")
        snap = Snapshot(rt, taken_at=1_800_000_000.0)
        story = [object()]
        assert pdf_letterhead(snap, story, str) is story
        before = scoresheets(snap)
        rt.brand = Brand()
        assert scoresheets(snap) == before


def test_archive_carries_the_branding_and_import_restores_it(tmp_path):
    with make_client(tmp_path / "a.db") as client:
        plain = client.get("/api/contests/c1/export/archive.json", headers=ORG).json()
        assert "brand" not in plain, "an archive without branding is as before"
        logo = _brand(client)
        client.post("/api/contests/c1/brand/sponsors", headers=ORG, content=png_bytes((120, 60), (200, 200, 0)))
        archive = client.get("/api/contests/c1/export/archive.json", headers=ORG).content
    data = json.loads(archive)
    assert data["brand"]["primary"] == "#1f4e79" and data["brand"]["sponsor_text"] == SPONSORS
    png = base64.b64decode(data["brand"]["logo"]["png_base64"])
    assert Image.open(io.BytesIO(png)).size == (800, 300) and len(data["brand"]["sponsors"]) == 1
    with make_client(tmp_path / "b.db", demo=False) as fresh:
        r = fresh.post("/api/contests/import", headers=ORG, params={"as": "copy"}, content=archive)
        assert r.status_code == 201, r.text
        brand = fresh.get("/api/contests/copy/brand", headers=ORG).json()["brand"]
        assert (brand["primary"], brand["accent"], brand["sponsor_text"]) == ("#1f4e79", "#ffd166", SPONSORS)
        assert brand["logo"]["sha256"] == logo["sha256"] and len(brand["sponsors"]) == 1
        assert fresh.get(brand["logo"]["url"]).status_code == 200
    with make_client(tmp_path / "b.db", demo=False) as again:  # and it was stored, not only kept in memory
        assert again.get("/api/contests/copy/brand", headers=ORG).json()["brand"]["logo"]["sha256"] == logo["sha256"]


def test_an_archive_with_a_bad_brand_image_is_refused_whole(tmp_path):
    with make_client(tmp_path / "a.db") as client:
        _brand(client)
        data = client.get("/api/contests/c1/export/archive.json", headers=ORG).json()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for bad_brand in ({**data["brand"], "logo": {"png_base64": base64.b64encode(svg).decode()}},
                      {**data["brand"], "logo": {"png_base64": "not base64!!"}},
                      {**data["brand"], "primary": "#ffff00"}):
        bad = {**data, "brand": bad_brand}
        bad["sha256"] = checksum(bad)
        with make_client(tmp_path / "c.db", demo=False) as fresh:
            r = fresh.post("/api/contests/import", headers=ORG, params={"as": "x"}, json=bad)
            assert r.status_code == 422 and "brand" in r.json()["errors"], r.text
            assert fresh.get("/api/contests", headers=ORG).json()["contests"] == [], "nothing stored"
