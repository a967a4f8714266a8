"""Blank paper score sheets (issue 14): one A4 page per judge x roadshow with the judge, the project, the
rubric and a QR code that decodes (zbarimg) to the code the entry screen accepts; overtime rounds too.

Read with poppler's pdftotext / pdfinfo / pdftoppm and zbar's zbarimg (scripts/test installs them).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import ORG, Evening, create_contest, make_client, spread_marks


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def qr_of_page(path: Path, page: int, tmp: Path) -> list[str]:
    stem = tmp / f"page{page}"
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", "150", "-png", "-singlefile", str(path),
                    str(stem)], check=True)
    out = subprocess.run(["zbarimg", "-q", "--raw", f"{stem}.png"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def download(client, tmp: Path, query: str = "", cid: str = "c1") -> Path:
    r = client.get(f"/api/contests/{cid}/paper/sheets.pdf{query}", headers=ORG)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    path = tmp / f"sheets{abs(hash(query))}.pdf"
    path.write_bytes(r.content)
    return path


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path / "sheets.db") as c:
        yield c


def test_one_page_per_roadshow_with_judge_project_rubric_and_signature(client, tmp_path):
    state = client.get("/api/contests/c1", headers=ORG).json()
    order = state["setup"]["order"]
    names = {p["id"]: p["name"] for p in state["setup"]["projects"]}
    path = download(client, tmp_path, "?judge=E1")
    assert pages(path) == len(order) == 15, "E1 is recused from nothing: a sheet per roadshow"
    for n, pid in enumerate(order, start=1):
        text = pdf_text(path, n)
        assert "王建国（E1）" in text and "专家评审团" in text and pid in text and names[pid][:6] in text
        for label, mx in (("需求与问题", "25"), ("方案设计", "30"), ("成效与影响", "25"), ("团队与可持续", "20")):
            assert label in text and mx in text
        assert "合计" in text and "100" in text and "评委签名" in text and f"第 {n} 个" in text
        assert f"P:E1:{pid}:final" in text, "the code is printed under its QR code"


def test_recused_pairs_get_no_sheet_and_a_one_mark_panel_has_no_total_row(client, tmp_path):
    path = download(client, tmp_path, "?judge=U03")  # U03 is recused from P03
    assert pages(path) == 14
    text = pdf_text(path)
    assert "P:U03:P03:final" not in text and "总体评价" in text and "大众评审团" in text and "合计" not in text
    everyone = download(client, tmp_path, "?project=P03")
    assert pages(everyone) == 27 - 1, "every judge but the recused one"


def test_the_qr_code_decodes_to_the_code_the_entry_screen_accepts(client, tmp_path):
    path = download(client, tmp_path, "?judge=E2&project=P07")
    assert pages(path) == 1
    (code,) = qr_of_page(path, 1, tmp_path)
    assert code == "P:E2:P07:final"
    sheet = client.get("/api/contests/c1/paper/sheet", params={"code": code}, headers=ORG)
    assert sheet.status_code == 200 and (sheet.json()["judge"], sheet.json()["project"]) == ("E2", "P07")


def test_unknown_choices_are_a_clear_404(client):
    for query in ("?judge=NOBODY", "?round=overtime1", "?project=NOPE", "?judge=U03&project=P03"):
        r = client.get(f"/api/contests/c1/paper/sheets.pdf{query}", headers=ORG)
        assert r.status_code == 404 and r.json()["error"], query
    assert client.get("/api/contests/c1/paper/sheets.pdf").status_code == 401


def test_overtime_roadshows_get_sheets_and_take_paper_entries(tmp_path):
    with make_client(tmp_path / "ot.db", demo=False) as client:
        create_contest(client, {
            "id": "ot", "name": "加时赛测试", "rules_preset": "expert_public.toml",
            "projects": [{"id": f"P{i}", "name": f"项目{i}"} for i in range(1, 4)],
            "judges": [{"id": f"E{i}", "name": f"专家{i}", "panel": "expert"} for i in range(1, 6)]
            + [{"id": f"U{i}", "name": f"大众{i}", "panel": "public"} for i in range(1, 5)]})
        r = client.post("/api/contests/ot/draw", headers=ORG, json={"seed": "加时"})
        ev = Evening(client, "ot", r.json())
        level = {"P1": 0.9, "P2": 0.9, "P3": 0.6}  # P1 and P2 tie for first place
        ev.run(ev.state["setup"]["order"], lambda j, pid: spread_marks(j, level[pid], int(j["id"][1:])), confirm=True)
        assert sorted(ev.act("rank")["needs_overtime"][0]) == ["P1", "P2"]
        ev.act("start_overtime")
        path = download(client, tmp_path, "?judge=E5&round=overtime1", cid="ot")
        assert pages(path) == 2 and "加时赛 第 1 轮" in pdf_text(path)
        first = ev.state["order"][0]["id"] if isinstance(ev.state["order"][0], dict) else ev.state["order"][0]
        (code,) = qr_of_page(path, 1, tmp_path)
        assert code == f"P:E5:{first}:overtime1"
        everything = download(client, tmp_path, "?judge=E5", cid="ot")
        assert pages(everything) == 3 + 2, "the running order, then the overtime roadshows"
        ev.act("present", project=first)
        ev.act("open_scoring")
        marks = spread_marks({"panel": "expert"}, 0.8, 1)
        for who in ("张三", "李四"):
            r = client.post("/api/contests/ot/paper/entries", headers=ORG,
                            json={"code": code, "marks": marks, "entered_by": who})
            assert r.status_code == 201, r.text
        assert r.json()["status"] == "agreed" and r.json()["entry"]["round"] == "overtime1"
