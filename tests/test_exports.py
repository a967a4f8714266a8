"""Exports of a complete small evening: Excel, CSV, PDF score sheets, `run.py export`.

One evening is run in-process once for the module (Starlette TestClient): 6 projects, 5 expert and
6 public judges (70/30 preset), a recusal, an amendment, a judge who missed a roadshow, a tie for
first place -> overtime, an organizer correction and a void (with reasons), the awards reveal and
the lock.  Then every export is opened with its own library and checked against the live results.
Rendered PDF pages land in artifacts/pdf/ for a human to look at.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from starlette.testclient import TestClient

from judging.cli.main import main as run_py
from judging.app.demo import PROJECTS, REQUESTED
from tests.conftest import ROOT
from tests.helpers import ORG, Evening, create_contest, make_client
CID = "final26"
NAME = "2026年社区治理创新大赛决赛（测试场）"
EXPERTS = ["王建国", "李慧敏", "张卫东", "陈晓燕", "刘志强"]
PUBLIC = ["周红梅", "吴海涛", "郑丽", "孙国庆", "马晓军", "朱桂兰"]
TIED, WINNER = ("P1", "P4"), "P1"
CORRECTION = "评委笔误，经本人确认更正"
VOID = "该评委设备重复提交，经监督确认作废"


def setup_body() -> dict:
    return {
        "id": CID, "name": NAME, "rules_preset": "expert_public.toml", "timer_seconds": 300,
        "projects": [{"id": f"P{i}", "name": n, "organization": org, "community": com, "requested": req}
                     for i, ((_, n, org, com), req) in enumerate(zip(PROJECTS[:6], REQUESTED), start=1)],
        "judges": [{"id": f"E{i}", "name": n, "panel": "expert"} for i, n in enumerate(EXPERTS, 1)]
        + [{"id": f"U{i}", "name": n, "panel": "public"} for i, n in enumerate(PUBLIC, 1)],
        "recusals": [{"judge": "U3", "project": "P3"}],
    }


def marks_for(judge: dict, level: float, rng: random.Random) -> dict:
    if judge["panel"] == "expert":
        parts = {"need": 25, "design": 30, "impact": 25, "team": 20}
        return {k: round(min(m, max(0, m * level + rng.uniform(-1.5, 1.5))), 1) for k, m in parts.items()}
    return {"overall": round(min(100, max(0, 100 * level + rng.uniform(-5, 5))), 1)}


class ExportEvening(Evening):
    """The contest of this module, created and drawn; ``show`` runs one roadshow (U3 is recused from P3)."""

    def __init__(self, client: TestClient) -> None:
        create_contest(client, setup_body())
        r = client.post(f"/api/contests/{CID}/draw", headers=ORG, json={"seed": "测试-2026"})
        super().__init__(client, CID, r.json())

    def show(self, pid: str, round_name: str, marks: dict[str, dict], skip: tuple[str, ...] = ()) -> None:
        self.roadshow(pid, lambda j: None if (j["id"], pid) == ("U3", "P3") or j["id"] in skip else marks[j["id"]],
                      round_name, confirm=True)

    def correct(self, op: str, **body) -> None:
        r = self.c.post(f"/api/contests/{CID}/marks/{op}", headers=ORG, json=body)
        assert r.status_code == 200, r.text


def run_evening(client: TestClient) -> ExportEvening:
    ev = ExportEvening(client)
    rng = random.Random(7)
    levels = {"P1": 0.95, "P2": 0.80, "P3": 0.70, "P4": 0.95, "P5": 0.75, "P6": 0.62}
    tied = {j["id"]: marks_for(j, 0.95, rng) for j in ev.judges}
    ev.act("start")
    for item in ev.state["order"]:
        pid = item["id"]
        marks = tied if pid in TIED else {j["id"]: marks_for(j, levels[pid], rng) for j in ev.judges}
        if pid == "P2":  # E2 amends while scoring is open
            ev.act("present", project=pid)
            ev.act("open_scoring")
            e2 = next(j for j in ev.judges if j["id"] == "E2")
            ev.submit_ok(e2, pid, "final", {"need": 10, "design": 10, "impact": 10, "team": 10})
            for j in ev.judges:
                ev.submit_ok(j, pid, "final", marks[j["id"]])
            ev.act("close_scoring")
            ev.act("show_result")
            ev.correct("correct", project="P2", round="final", judge="E3", reason=CORRECTION,
                       marks={"need": 20, "design": 24, "impact": 20, "team": 16})
        else:
            ev.show(pid, "final", marks, skip=("E5",) if pid == "P6" else ())
        if pid == "P5":
            ev.correct("void", project="P5", round="final", judge="U6", reason=VOID)
        if pid != ev.state["order"][-1]["id"]:
            ev.act("next")
    ranking = ev.act("rank")
    assert ranking["needs_overtime"] == [list(TIED)], ranking["needs_overtime"]
    ev.act("start_overtime")
    for pid in TIED:
        ev.show(pid, "overtime1", {j["id"]: marks_for(j, 0.93 if pid == WINNER else 0.85, rng)
                                       for j in ev.judges})
    final = ev.act("rank")
    assert final["needs_overtime"] == [] and final["results"][0]["project"] == WINNER
    ev.act("start_reveal")
    for _ in range(4):
        ev.act("reveal_next")
    ev.act("lock")
    return ev


@pytest.fixture(scope="module")
def evening(tmp_path_factory):
    db = tmp_path_factory.mktemp("exports") / "evening.db"
    with make_client(db, demo=False) as client:
        ev = run_evening(client)
        ev.db = db  # type: ignore[attr-defined]
        ev.results = client.get(f"/api/contests/{CID}/results", headers=ORG).json()  # type: ignore[attr-defined]
        yield ev


def get(ev: Evening, what: str, **params) -> bytes:
    r = ev.c.get(f"/api/contests/{CID}/export/{what}", headers=ORG, params=params)
    assert r.status_code == 200, r.text
    return r.content


def secrets_of(ev: Evening) -> list[str]:
    return [j["token"] for j in ev.judges] + [ev.screen_token]


def assert_no_tokens(blob: str, ev: Evening) -> None:
    for token in secrets_of(ev):
        assert token not in blob, "a link token leaked into an export"


# ------------------------------------------------------------------ Excel

def test_workbook_summary_panels_rules_and_corrections(evening, tmp_path):
    data = get(evening, "results.xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert_no_tokens("".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()), evening)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["成绩汇总", "专家评审团", "大众评审团", "评分规则", "规则文件", "比赛设置", "更正记录",
                             "审计日志"]

    ws = wb["成绩汇总"]
    assert ws["A1"].value == NAME and ws.freeze_panes == "A5"
    header = [c.value for c in ws[4]]
    assert header == ["名次", "编号", "项目名称", "申报机构", "社区", "专家评审团", "大众评审团", "总分",
                      "并列 / 加时赛", "奖项", "创投资金（元）"]
    live = evening.results["results"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_row=4 + len(live))]
    assert [r[1] for r in rows] == [r["project"] for r in live]
    for row, res in zip(rows, live):
        rank, pid, name, org, _, expert, public, total, note, award, grant = row
        assert (rank, pid, name, total) == (res["rank"], res["project"], res["name"], res["total"])
        assert (expert, public) == (res["panels"]["expert"], res["panels"]["public"])
        assert (award or None, grant) == (res["award_label"], res["grant"])
        assert org == next(p["organization"] for p in setup_body()["projects"] if p["id"] == pid)
    first, second = rows[0], rows[1]
    assert first[1] == WINNER and first[9] == "一等奖" and first[10] == 50000 and second[9] == "二等奖"
    assert "加时赛决出" in first[8] and "加时赛1" in first[8] and "P4" in first[8], first[8]
    assert ws.cell(5, 8).number_format == "0.00" and ws.cell(5, 6).number_format == "0.00"
    assert ws.cell(5, 11).number_format == '"¥"#,##0'  # one money format (issue 9)
    assert ws.column_dimensions["C"].width >= 30

    experts = wb["专家评审团"]  # 5 judges x 5 columns would print too small: one judge per row
    assert [c.value for c in experts[4]] == ["序号", "编号", "项目名称", "轮次", "评委", "需求与问题", "方案设计",
                                            "成效与影响", "团队与可持续", "合计", "备注", "评审团得分"]
    cells = {(r[1].value, r[3].value, r[4].value): [c.value for c in r] for r in experts.iter_rows(min_row=5)}
    assert cells[("P2", "正式路演", "张卫东（E3）")][5:10] == [20, 24, 20, 16, 80], "the corrected marks"
    assert cells[("P6", "正式路演", "刘志强（E5）")][5] == "未评分"
    assert {k[:2] for k in cells} >= {("P1", "加时赛1"), ("P4", "加时赛1")}
    assert ("P2", "加时赛1") not in {k[:2] for k in cells}
    assert experts.freeze_panes == "F5"
    struck = [c for row in experts.iter_rows(min_row=5, max_row=9) for c in row if c.font and c.font.strike]
    assert len(struck) == 2 * 5, "one highest and one lowest judge struck through, all five columns each"

    public = wb["大众评审团"]
    p3 = next(r for r in public.iter_rows(min_row=6) if r[1].value == "P3")
    assert "回避" in [c.value for c in p3]
    p5 = next(r for r in public.iter_rows(min_row=6) if r[1].value == "P5")
    assert any(isinstance(c.value, str) and c.value.startswith("作废") for c in p5)

    texts = [r[1].value for r in wb["评分规则"].iter_rows(min_row=4) if r[1].value]
    assert any("四舍五入" in t for t in texts) and not any("method =" in t for t in texts), "in words"
    assert 'method = "trimmed_mean"' in [r[0].value for r in wb["规则文件"].iter_rows()], "the TOML on its own sheet"
    fixes = [[c.value for c in r] for r in wb["更正记录"].iter_rows(min_row=5)]
    assert {r[8] for r in fixes} == {CORRECTION, VOID}
    assert any(r[2] == "组织者更正评分" and "= 80" in r[7] for r in fixes)
    setup = [[c.value for c in r] for r in wb["比赛设置"].iter_rows()]
    assert ["抽签种子", "测试-2026"] in [r[:2] for r in setup]
    audit = wb["审计日志"]
    entries = evening.c.get(f"/api/contests/{CID}/audit", headers=ORG).json()["entries"]
    assert audit.max_row - 4 == len(entries)
    (tmp_path / "results.xlsx").write_bytes(data)


def test_sheet_titles_are_always_valid():
    from judging.exports.xlsx import sheet_title

    assert sheet_title("专家评审团", []) == "专家评审团"
    assert sheet_title("a/b:c*d?e[f]g\\h", []) == "a_b_c_d_e_f_g_h"
    long = sheet_title("评" * 40, [])
    assert len(long) == 31
    assert sheet_title("评" * 40, [long]) == "评" * 27 + " (2)"
    assert sheet_title("History", []) != "History" and sheet_title("", []) == "Sheet"


# ------------------------------------------------------------------ CSV

def score_offline(tmp_path: Path, marks: bytes, projects: bytes, rules: bytes, fmt: str = "json") -> str:
    for name, blob in (("marks.csv", marks), ("projects.csv", projects), ("rules.toml", rules)):
        (tmp_path / name).write_bytes(blob)
    out = subprocess.run([sys.executable, "run.py", "score", "--rules", str(tmp_path / "rules.toml"), "--marks",
                          str(tmp_path / "marks.csv"), "--projects", str(tmp_path / "projects.csv"), "--format", fmt],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_marks_csv_rescored_offline_equals_the_live_results(evening, tmp_path):
    marks, projects = get(evening, "marks-machine.csv"), get(evening, "projects-machine.csv")
    rules = evening.c.get(f"/api/contests/{CID}/rules.toml", headers=ORG).content
    assert marks.startswith(b"\xef\xbb\xbfproject,round,panel,judge,criterion,score\n"), "the run.py score columns"
    rows = list(csv.DictReader(io.StringIO(marks.decode("utf-8-sig"))))
    assert not any(r["judge"] == "U6" and r["project"] == "P5" for r in rows), "a voided mark is not counted"
    assert {r["round"] for r in rows} == {"final", "overtime1"}
    offline = json.loads(score_offline(tmp_path, marks, projects, rules))
    live = {k: v for k, v in evening.results.items() if k not in ("error", "phase")}
    assert offline == live, "run.py score on the exported files gives the live results, bit for bit"
    # without the BOM (a file saved by another program) run.py score reads it the same
    assert json.loads(score_offline(tmp_path, marks[3:], projects[3:], rules)) == live
    assert_no_tokens((marks + projects).decode(), evening)


def test_results_machine_csv_has_a_bom_and_the_run_py_score_columns(evening, tmp_path):
    data = get(evening, "results-machine.csv")
    assert data.startswith(b"\xef\xbb\xbf"), "Excel / WPS need the BOM to read UTF-8 Chinese"
    text = data.decode("utf-8-sig")
    rules = evening.c.get(f"/api/contests/{CID}/rules.toml", headers=ORG).content
    offline = score_offline(tmp_path, get(evening, "marks-machine.csv"), get(evening, "projects-machine.csv"), rules,
                            "csv")
    assert text == offline.lstrip("\ufeff"), "the same rows as run.py score --format csv"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["project"] == WINNER and rows[0]["award"] == "一等奖" and "“" in rows[0]["name"]


def test_download_headers_and_errors(evening):
    r = evening.c.get(f"/api/contests/{CID}/export/results.xlsx", headers=ORG)
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="final26-results.xlsx"')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"{NAME}-成绩.xlsx"
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert r.headers["cache-control"] == "no-store"
    assert evening.c.get(f"/api/contests/{CID}/export/results.xlsx").status_code == 401
    assert evening.c.get("/api/contests/nope/export/marks.csv", headers=ORG).status_code == 404
    assert evening.c.get(f"/api/contests/{CID}/export/scoresheets.pdf", headers=ORG,
                         params={"judge": "X9"}).status_code == 404
    assert evening.c.get(f"/api/contests/{CID}/export/scoresheets.pdf", headers=ORG,
                         params={"part": "cover"}).status_code == 422
    one = evening.c.get(f"/api/contests/{CID}/export/scoresheets.pdf", headers=ORG, params={"judge": "E1"})
    assert 'filename="final26-scoresheet-E1.pdf"' in one.headers["content-disposition"]
    assert unquote(one.headers["content-disposition"].split("''")[1]) == f"{NAME}-评分表-王建国.pdf"


# ------------------------------------------------------------------ PDF

def pdf_text(data: bytes) -> tuple[int, str]:
    """Page count and the text with all white space removed (table cells wrap at any character)."""
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "".join("".join(p.extract_text() for p in reader.pages).split())


def test_score_sheets_pdf_has_names_totals_and_signature_lines(evening):
    pages, text = pdf_text(get(evening, "scoresheets.pdf"))
    assert pages >= 1 + 11, "the summary, then a sheet per judge"
    assert NAME in text and "成绩汇总表" in text and "评审组长签名" in text and "监督签名" in text
    assert text.count("评委签名") == 11 and text.count("评委评分表") >= 11
    for name in EXPERTS + PUBLIC:
        assert f"评委：{name}" in text
    for res in evening.results["results"]:
        assert f"{res['total']:.2f}" in text and res["name"] in text
    assert "一等奖" in text and "50,000" in text and "加时赛1" in text
    assert "回避" in text and CORRECTION in text and VOID in text and "未评分" in text
    assert_no_tokens(text, evening)


def test_one_judges_sheet_only(evening):
    pages, text = pdf_text(get(evening, "scoresheets.pdf", judge="E3"))
    assert pages == 1 and "张卫东" in text and "王建国" not in text and "评审组长签名" not in text
    assert "需求与问题" in text and "80" in text and CORRECTION in text and "加时赛1" in text
    assert "第1/1页" in text
    summary_pages, summary = pdf_text(get(evening, "scoresheets.pdf", part="summary"))
    assert summary_pages == 1 and "评委签名" not in summary and "监督签名" in summary


def test_pdf_pages_render_to_png_for_review(evening, artifacts):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: scripts/test installs poppler-utils")
    out = artifacts / "pdf"
    out.mkdir(exist_ok=True)
    kinds = {"summary": {"part": "summary"}, "sheet-expert-E3": {"judge": "E3"}, "sheet-public-U3": {"judge": "U3"},
             "sheet-expert-E5": {"judge": "E5"}}
    for kind, params in kinds.items():
        pdf = out / f"{kind}.pdf"
        pdf.write_bytes(get(evening, "scoresheets.pdf", **params))
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(out / kind)], check=True, timeout=60)
        png = out / f"{kind}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


# ------------------------------------------------------------------ run.py export

def test_run_py_export_every_format(evening, tmp_path, capsys):
    db = str(evening.db)
    expected = {"xlsx": b"PK", "pdf": b"%PDF", "json": b"{", "toml": b"#"}
    for fmt, magic in expected.items():
        out = tmp_path / f"out.{fmt}"
        assert run_py(["export", "--db", db, "--contest", CID, "--format", fmt, "--out", str(out)]) == 0
        assert out.read_bytes().startswith(magic), fmt
    for what in ("results", "marks", "projects", "results-machine", "marks-machine", "projects-machine"):
        out = tmp_path / f"{what}.csv"
        assert run_py(["export", "--db", db, "--contest", CID, "--format", "csv", "--what", what,
                       "--out", str(out)]) == 0
        assert out.read_bytes() == get(evening, f"{what}.csv")
    assert load_workbook(tmp_path / "out.xlsx")["成绩汇总"]["A1"].value == NAME
    assert json.loads((tmp_path / "out.json").read_bytes())["results"]["results"] == evening.results["results"]
    assert run_py(["export", "--db", db, "--contest", CID, "--format", "pdf", "--judge", "U1",
                   "--out", str(tmp_path / "u1.pdf")]) == 0
    assert "周红梅" in pdf_text((tmp_path / "u1.pdf").read_bytes())[1]
    capsys.readouterr()


def test_run_py_export_refuses_bad_input_with_exit_2(evening, tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "run.py", "export", *args], cwd=ROOT, capture_output=True, text=True)

    missing = run("--db", str(tmp_path / "nope.db"), "--contest", CID, "--format", "csv", "--out", "x.csv")
    assert missing.returncode == 2 and "no such database" in missing.stderr
    assert not (tmp_path / "nope.db").exists(), "a missing database is not created"
    unknown = run("--db", str(evening.db), "--contest", "c9", "--format", "csv", "--out", str(tmp_path / "x.csv"))
    assert unknown.returncode == 2 and "no contest 'c9'" in unknown.stderr and CID in unknown.stderr
    junk = tmp_path / "junk.db"
    junk.write_text("not a database", encoding="utf-8")
    bad = run("--db", str(junk), "--contest", CID, "--format", "json", "--out", str(tmp_path / "x.json"))
    assert bad.returncode == 2 and "not a judging database" in bad.stderr
    helptext = run("--help")
    assert "--what marks" in helptext.stdout and "run.py score" in helptext.stdout


def test_a_long_sheet_repeats_its_header_and_counts_pages_per_sheet():
    from judging.core.contest import LiveState
    from judging.exports.snapshot import Snapshot
    from judging.core.model import Contest, Judge, Project
    from judging.exports.pdf_sheets import scoresheets
    from judging.app.service import Runtime, load_preset

    projects = tuple(Project(f"X{i:02d}", f"第{i}个社区项目：邻里互助与议事协商") for i in range(1, 61))
    contest = Contest("long", "长名单测试", load_preset("expert_public.toml"), projects,
                      (Judge("E1", "王建国", "expert"), Judge("U1", "周红梅", "public")),
                      order=tuple(p.id for p in projects))
    snap = Snapshot(Runtime(contest, LiveState()), taken_at=0.0)
    reader = PdfReader(io.BytesIO(scoresheets(snap, summary=False)))
    texts = ["".join(p.extract_text().split()) for p in reader.pages]
    counters = [tuple(map(int, re.search(r"第(\d+)/(\d+)页", t).groups())) for t in texts]
    sections = [counters[:counters[0][1]], counters[counters[0][1]:]]
    assert all(len(s) >= 2 and s == [(i, len(s)) for i in range(1, len(s) + 1)] for s in sections), counters
    assert all("序号" in t and "项目名称" in t for t in texts), "the table header repeats on every page"
    last_pages = {len(sections[0]) - 1, len(texts) - 1}
    assert {i for i, t in enumerate(texts) if "评委签名" in t} == last_pages, "one signature line, after the table"
    assert "王建国" in texts[0] and "周红梅" in texts[-1] and "X60" in texts[len(sections[0]) - 1]


def test_exports_before_the_lock_work_and_say_they_are_not_final(evening, tmp_path):
    with make_client(tmp_path / "early.db") as client:
        def fetch(what: str, **params) -> bytes:
            r = client.get(f"/api/contests/c1/export/{what}", headers=ORG, params=params)
            assert r.status_code == 200, (what, r.text)
            return r.content

        assert fetch("marks-machine.csv") == b"\xef\xbb\xbfproject,round,panel,judge,criterion,score\n"
        wb = load_workbook(io.BytesIO(fetch("results.xlsx")))
        assert wb["成绩汇总"]["A3"].value.startswith("注意：比赛结果尚未锁定")
        assert "成绩尚无法计算" in wb["成绩汇总"]["A5"].value
        pages, text = pdf_text(fetch("scoresheets.pdf", part="summary"))
        assert pages == 1 and "比赛结果尚未锁定" in text and "监督签名" in text
        _, sheet = pdf_text(fetch("scoresheets.pdf", judge="U03"))
        assert sheet.count("未路演") == 14 and "回避" in sheet, "P03 is a recusal, the other 14 not held yet"
    _, final = pdf_text(get(evening, "scoresheets.pdf", part="summary"))
    assert "尚未锁定" not in final, "the locked evening's summary is final"
