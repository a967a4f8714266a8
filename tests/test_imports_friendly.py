"""Imports as an organizer's own workbook has them: errors name the row the organizer sees in the file or in
Excel (blank lines and a title row count), panels go by the words people write (专家, 大众评审团, the rules'
labels), an unknown panel lists the words accepted, and a title row above the header is skipped and said."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from judging.inputs.tables import parse, read_table
from judging.inputs.rules_file import load_rules
from tests.conftest import ROOT
from tests.helpers import ORG, make_client

PANELS = load_rules(ROOT / "scoring_rules" / "expert_public.toml").panels  # 专家评审团 Expert panel, 大众评审团 …
TITLE = "2026年XX街道公益创投大赛 评委名单"


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path / "imports.db") as c:
        yield c


def xlsx(rows: list[list], merge: str | None = None) -> bytes:
    """A workbook as Excel saves it: rows from A1 (None = an empty cell, [] = a blank row)."""
    wb = Workbook()
    ws = wb.active
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(r, c, v)
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, kind: str, data: bytes, name: str, dry: bool = True):
    return client.post(f"/api/contests/c1/import/{kind}", headers=ORG,
                       files={"file": (name, data)}, data={"dry_run": "1" if dry else "0"})


# ---------------------------------------------------------------- item 15: the row the organizer sees

PROJECTS = [["编号", "项目名称", "申报机构", "申请金额"],
            ["M1", "一老一小", "阳光中心", "30000"],
            ["M2", "楼道议事", "某机构", "20000"],
            [],                                   # a blank line between two blocks, as organizers leave them
            ["M3", "社区花园", "绿色之家", "10000"],
            ["M4", "", "某机构", "abc"]]          # file row 6: no name, a bad amount


def test_csv_row_numbers_count_blank_lines():
    text = "\n".join(",".join(r) for r in PROJECTS) + "\n"
    res = parse(read_table(text.encode(), "p.csv"), "projects")
    assert {(e["row"], e["field"]) for e in res.errors} == {(6, "name"), (6, "requested")}
    assert res.file_rows == [2, 3, 5, 6]
    assert [r["id"] for r in res.rows] == ["M1", "M2", "M3", "M4"]


def test_xlsx_row_numbers_are_the_sheet_rows():
    rows = [[], *PROJECTS]                     # the sheet starts on row 2, A1 left empty
    res = parse(read_table(xlsx(rows), "p.xlsx"), "projects")
    assert {(e["row"], e["field"]) for e in res.errors} == {(7, "name"), (7, "requested")}
    assert res.file_rows == [3, 4, 6, 7]


def test_blank_lines_do_not_shift_the_ids_made_up_for_rows_without_one():
    res = parse([["项目名称"], ["甲"], [], ["乙"], ["", ""], ["丙"]], "projects")
    assert [(r["id"], r["name"]) for r in res.rows] == [("P01", "甲"), ("P02", "乙"), ("P03", "丙")]
    assert res.file_rows == [2, 4, 6]


def test_api_preview_and_setup_errors_name_the_file_row(client):
    """A row the contest refuses (a bad id, checked after parsing) is named by its file row too."""
    data = f"编号,项目名称\nM1,甲\n\nM2,乙\n,\n{'M' * 41},丙\n".encode()  # "M 6" is a fine id now; 41 characters is not
    r = upload(client, "projects", data, "p.csv")
    assert r.status_code == 422, r.text
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [(6, "id")]
    assert r.json()["file_rows"] == [2, 4, 6]


# ---------------------------------------------------------------- item 16: panels by name, title rows

@pytest.mark.parametrize("word,panel", [
    ("大众评审", "public"), ("大众评审团", "public"), ("大众", "public"), ("大众评委", "public"),
    ("专家", "expert"), ("专家评委", "expert"), ("专家评审团", "expert"),
    ("专家评审团 Expert panel", "expert"), ("专家评审团  expert panel", "expert"), ("expert", "expert"),
    ("PUBLIC", "public"), (" 大众评审团 ", "public")])
def test_panels_by_the_words_people_write(word, panel):
    res = parse([["姓名", "评审团"], ["张三", word]], "judges", PANELS)
    assert res.errors == []
    assert res.rows[0]["panel"] == panel


def test_the_rules_own_panel_labels_are_accepted():
    """A rules file with other panels: its labels (full, or the Chinese part) are the words."""
    from dataclasses import replace
    panels = (replace(PANELS[0], id="pro", label="行业导师组 Mentors"), replace(PANELS[1], id="rep", label="居民代表"))
    res = parse([["姓名", "评审团"], ["甲", "行业导师组"], ["乙", "行业导师组 Mentors"], ["丙", "居民代表"],
                 ["丁", "专家"]], "judges", panels)
    assert [r["panel"] for r in res.rows[:3]] == ["pro", "pro", "rep"]
    assert [(e["row"], e["field"]) for e in res.errors] == [(5, "panel")], "专家 is no panel of these rules"
    assert "行业导师组" in res.errors[0]["message"] and "居民代表" in res.errors[0]["message"]


def test_an_unknown_panel_lists_the_words_accepted(client):
    data = "姓名,评审团\n张三,专家\n\n李四,评审专家\n".encode()
    r = upload(client, "judges", data, "j.csv")
    assert r.status_code == 422, r.text
    [err] = r.json()["errors"]
    assert (err["row"], err["field"]) == (4, "panel")
    zh = err["message"].split(" / ")[0]
    assert "「评审专家」" in zh
    for word in ("专家评审团", "专家", "专家评委", "大众评审团", "大众评审"):
        assert word in zh
    assert "expert, public" not in zh, "the Chinese part names words, not ids"


def test_an_empty_panel_says_what_to_write():
    res = parse([["姓名", "评审团"], ["张三", ""]], "judges", PANELS)
    assert res.errors[0]["field"] == "panel" and res.errors[0]["message"].startswith("请填写评审团，可填：专家评审团")


def test_a_merged_title_row_above_the_header_is_skipped_xlsx(client):
    rows = [[TITLE, None, None], ["编号", "姓名", "评审团"], ["J1", "张三", "专家"], ["J2", "李四", "大众评审"],
            [], ["J3", "", "大众"]]
    r = upload(client, "judges", xlsx(rows, merge="A1:C1"), "评委名单.xlsx")
    assert r.status_code == 422, r.text
    body = r.json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(6, "name")], "J3 is sheet row 6"
    assert body["file_rows"] == [3, 4, 6]
    assert [j["panel"] for j in body["rows"]] == ["expert", "public", "public"]
    assert any("第 1 行" in n and TITLE in n and "标题" in n for n in body["notices"])
    fixed = xlsx([row if row[:1] != ["J3"] else ["J3", "王五", "大众"] for row in rows], merge="A1:C1")
    r = upload(client, "judges", fixed, "评委名单.xlsx", dry=False)
    assert r.status_code == 200 and r.json()["applied"], r.text
    judges = r.json()["contest"]["setup"]["judges"]
    assert [(j["id"], j["name"], j["panel"]) for j in judges] == [
        ("J1", "张三", "expert"), ("J2", "李四", "public"), ("J3", "王五", "public")]


def test_a_title_row_in_a_csv_is_skipped_too():
    res = parse(read_table(f"{TITLE},,\n\n编号,姓名,评审团\nJ1,张三,专家\n".encode("gb18030"), "j.csv"), "judges", PANELS)
    assert res.errors == [] and res.file_rows == [4]
    assert res.notes and "第 1 行" in res.notes[0] and "表头在第 3 行" in res.notes[0]


def test_a_title_above_a_header_that_lacks_a_column_is_named_in_the_error():
    res = parse([[TITLE], ["编号", "名字", "类型"], ["J1", "张三", "专家"]], "judges", PANELS)
    assert {e["field"] for e in res.errors} == {"name", "panel"}
    assert all(e["row"] == 1 and TITLE[:10] in e["message"] and "标题" in e["message"] for e in res.errors)


def test_header_words_with_a_star_or_a_note_in_brackets():
    res = parse([["姓名*", "评审团（专家/大众）"], ["张三", "大众"]], "judges", PANELS)
    assert res.errors == [] and res.rows[0]["panel"] == "public"
