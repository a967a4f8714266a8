"""``run.py score``: json / csv / table output, the shipped presets end to end, and bad input
(exit code 2, ``file:line: message``).  Most tests call :func:`judging.cli.main.main` in-process; two run
the real ``run.py`` in a subprocess.  Expected values are worked out by hand in the comments."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from judging.cli.main import display_width, main

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "scoring_rules"
HEADER = "project,round,panel,judge,criterion,score"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def marks_csv(path: Path, scores: dict[str, list[float]], panel: str = "judges", round: str = "final",
              header: bool = True) -> Path:
    rows = [HEADER] if header else []
    rows += [f"{p},{round},{panel},J{k + 1},,{s:g}" for p, row in scores.items() for k, s in enumerate(row)]
    return write(path, "\n".join(rows) + "\n")


def score(capsys, *args: str | Path) -> tuple[int, str, str]:
    code = main(["score", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


# standard.toml: 5 judges, drop the highest and the lowest, mean, 2 decimals half up
STANDARD = {
    "P1": [80, 85, 90, 95, 70],        # drop 95, 70: (80 + 85 + 90) / 3 = 85
    "P2": [88, 88, 88, 60, 99],        # drop 99, 60: 88
    "P3": [85, 85, 85, 85, 85],        # 85 -> ties P1 on places 2-3, both 二等奖: stays shared
    "P4": [70.5, 72.3, 71.1, 90, 50],  # drop 90, 50: (70.5 + 72.3 + 71.1) / 3 = 213.9 / 3 = 71.3
    "P5": [60, 61, 62.5, 63, 64],      # drop 64, 60: (61 + 62.5 + 63) / 3 = 186.5 / 3 = 62.1666… -> 62.17
}


# ------------------------------------------------------------------ json

def test_json_shape_and_values(tmp_path, capsys):
    code, out, err = score(capsys, "--rules", RULES / "standard.toml", "--marks",
                           marks_csv(tmp_path / "m.csv", STANDARD), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"results", "ties", "needs_overtime"}
    for r in data["results"]:
        assert set(r) >= {"project", "rank", "total", "panels", "rounds", "award", "grant", "tie"}
    got = [(r["project"], r["rank"], r["total"], r["award"], r["tie"]) for r in data["results"]]
    assert got == [("P2", 1, 88, "first", None), ("P1", 2, 85, "second", "T1"), ("P3", 2, 85, "second", "T1"),
                   ("P4", 4, 71.3, "third", None), ("P5", 5, 62.17, "third", None)]
    assert data["results"][0]["panels"] == {"judges": 88} and data["results"][0]["rounds"] == {"final": 88}
    assert data["ties"] == [{"id": "T1", "projects": ["P1", "P3"], "total": 85, "crosses_boundary": False,
                             "resolved_by": "shared", "breakers_used": [], "order": [["P1", "P3"]]}]
    assert data["needs_overtime"] == []


def test_json_tie_at_the_top_needs_overtime_then_overtime_settles_it(tmp_path, capsys):
    # P1 and P2 both 88 for the one 一等奖: overtime due
    base = {"P1": [88, 88, 88, 80, 90], "P2": [88, 87, 89, 70, 99], "P3": [70, 70, 70, 70, 70]}
    m = marks_csv(tmp_path / "m.csv", base)
    code, out, _ = score(capsys, "--rules", RULES / "standard.toml", "--marks", m, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["needs_overtime"] == [["P1", "P2"]]
    assert data["ties"][0]["crosses_boundary"] is True and data["ties"][0]["resolved_by"] is None
    assert [(r["project"], r["rank"], r["award"]) for r in data["results"][:2]] == [("P1", 1, None), ("P2", 1, None)]
    # overtime1: P2 (90+91+92)/3 = 91 > P1 (89+90+91)/3 = 90 (drop 1 + 1 of 5)
    ot = marks_csv(tmp_path / "ot.csv", {"P1": [89, 90, 91, 50, 99], "P2": [90, 91, 92, 50, 99]},
                   round="overtime1", header=False)
    write(m, m.read_text(encoding="utf-8") + ot.read_text(encoding="utf-8"))
    code, out, _ = score(capsys, "--rules", RULES / "standard.toml", "--marks", m, "--format", "json")
    data = json.loads(out)
    assert data["needs_overtime"] == [] and data["ties"][0]["resolved_by"] == "overtime"
    assert [(r["project"], r["rank"], r["total"], r["award"]) for r in data["results"]] == [
        ("P2", 1, 88, "first"), ("P1", 2, 88, "second"), ("P3", 3, 70, "second")]


# ------------------------------------------------------------------ csv and table

def test_csv_for_excel(tmp_path, capsys):
    projects = write(tmp_path / "p.csv", "project,name\nP1,阳光助老\nP2,\"社区,青少年\"\nP3,x\nP4,y\nP5,z\n")
    code, out, _ = score(capsys, "--rules", RULES / "standard.toml", "--marks", marks_csv(tmp_path / "m.csv", STANDARD),
                         "--projects", projects, "--format", "csv")
    assert code == 0 and out.startswith("\ufeff")         # BOM: Excel / WPS read UTF-8
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert list(rows[0]) == ["rank", "project", "name", "track", "panel:judges", "total", "tie", "award", "grant"]
    assert [(r["rank"], r["project"], r["name"], r["total"], r["award"]) for r in rows] == [
        ("1", "P2", "社区,青少年", "88", "一等奖"), ("2", "P1", "阳光助老", "85", "二等奖"),
        ("2", "P3", "x", "85", "二等奖"), ("4", "P4", "y", "71.3", "三等奖"), ("5", "P5", "z", "62.17", "三等奖")]


def test_table_aligns_chinese_names(tmp_path, capsys):
    projects = write(tmp_path / "p.csv", "project,name\nP1,阳光助老服务中心\nP2,Kids club\nP3,社区青少年成长营地计划\n"
                                         "P4,绿色\nP5,E\n")
    code, out, _ = score(capsys, "--rules", RULES / "standard.toml", "--marks", marks_csv(tmp_path / "m.csv", STANDARD),
                         "--projects", projects)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["名次", "项目", "名称", "judges", "总分", "并列", "奖项"]
    rows = [line for line in lines[2:] if line[:1].isdigit()]
    assert len(rows) == 5
    # the award column starts at the same display column on every line (CJK characters are 2 wide)
    starts = {display_width(line[:line.index(award)]) for line, award in
              zip([lines[0], *rows], ["奖项", "一等奖", "二等奖", "二等奖", "三等奖", "三等奖"])}
    assert len(starts) == 1, out
    assert "T1: P1, P3 tied at 85.00 -> shared" in out


# ------------------------------------------------------------------ presets end to end

def test_star_rating_preset(tmp_path, capsys):
    # 3 experts, rubric need/design/impact/team; a judge total is the sum; panel = plain mean
    def judge_rows(p: str, totals: list[float]) -> list[str]:
        out = []
        for k, t in enumerate(totals):   # need 25, design 30, impact 25, rest to team (<= 20)
            parts = {"need": min(t, 25), "design": min(max(t - 25, 0), 30), "impact": min(max(t - 55, 0), 25)}
            parts["team"] = t - sum(parts.values())
            out += [f"{p},review,expert,E{k + 1},{c},{v:g}" for c, v in parts.items()]
        return out
    rows = (judge_rows("A", [90, 91, 92])         # (90 + 91 + 92) / 3 = 91 -> 五星
            + judge_rows("B", [80, 80, 81])       # 241 / 3 = 80.333 -> 80.33 -> 四星
            + judge_rows("C", [70, 70, 70])       # 70 -> 三星 (at the line)
            + judge_rows("D", [70, 69.5, 70])     # 209.5 / 3 = 69.8333 -> 69.83 -> no star
            + judge_rows("E", [95, 90, 88]))      # 273 / 3 = 91 -> 五星, ties A: same tier, shared rank 1
    m = write(tmp_path / "m.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    code, out, err = score(capsys, "--rules", RULES / "star_rating.toml", "--marks", m, "--format", "json")
    assert code == 0, err
    got = [(r["project"], r["rank"], r["total"], r["award"], r["grant"]) for r in json.loads(out)["results"]]
    assert got == [("A", 1, 91, "five_star", 30000), ("E", 1, 91, "five_star", 30000),
                   ("B", 3, 80.33, "four_star", 20000), ("C", 4, 70, "three_star", 10000), ("D", 5, 69.83, None, 0)]


def test_venture_grants_preset(tmp_path, capsys):
    # 14 projects, judge totals T + d with d = +4, -4, 0, +1, -1 over 5 judges: dropping the highest
    # (T + 4) and the lowest (T - 4) leaves (T + T + 1 + T - 1) / 3 = T.  T = 95, 90, …, 30.
    # The 12 best (95 … 40, sum (95 + 40) x 12 / 2 = 810) are funded from 1,000,000.
    # P01 asked for 100,000 < 1,000,000 x 95 / 810 = 117,284: capped; the other 900,000 go to
    # P02..P12 by T / 715 (715 = 810 - 95), in units of 100: 9000 units x T / 715 = 1800 T / 143:
    #   T=90 1132.867  85 1069.930  80 1006.993  75 944.056  70 881.119  65 818.182
    #   60 755.245  55 692.308  50 629.371  45 566.434  40 503.497
    # floors add up to 8995; the 5 units left go to the largest remainders: T=80 (.993), 85 (.930),
    # 90 (.867), 40 (.497), 45 (.434).
    expected = {"P01": 100000, "P02": 113300, "P03": 107000, "P04": 100700, "P05": 94400, "P06": 88100,
                "P07": 81800, "P08": 75500, "P09": 69200, "P10": 62900, "P11": 56700, "P12": 50400,
                "P13": 0, "P14": 0}
    rows = []
    for i in range(14):
        p, t = f"P{i + 1:02d}", 95 - 5 * i
        rest = t - 15
        fill = {}
        for c, cap in (("design", 25), ("impact", 25), ("team", 15), ("budget", 15)):
            fill[c] = min(cap, rest)
            rest -= fill[c]
        for k, d in enumerate([4, -4, 0, 1, -1]):
            rows.append(f"{p},review,expert,E{k + 1},need,{15 + d}")
            rows += [f"{p},review,expert,E{k + 1},{c},{v}" for c, v in fill.items()]
    m = write(tmp_path / "m.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    projects = write(tmp_path / "p.csv", "project,name,track,requested\nP01,助老,,100000\n"
                     + "".join(f"P{i:02d},项目{i},,300000\n" for i in range(2, 15)))
    code, out, err = score(capsys, "--rules", RULES / "venture_grants.toml", "--marks", m, "--projects", projects,
                           "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert {r["project"]: r["total"] for r in data["results"]} == {f"P{i + 1:02d}": 95 - 5 * i for i in range(14)}
    assert {r["project"]: r["grant"] for r in data["results"]} == expected
    assert sum(expected.values()) == 1000000


def test_real_run_py_entry_point(tmp_path):
    proc = subprocess.run([sys.executable, "run.py", "score", "--rules", str(RULES / "standard.toml"), "--marks",
                           str(marks_csv(tmp_path / "m.csv", STANDARD)), "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert [r["project"] for r in json.loads(proc.stdout)["results"]] == ["P2", "P1", "P3", "P4", "P5"]


# ------------------------------------------------------------------ bad input

GOOD = [f"P{i},final,judges,J{k},,{70 + i + k}" for i in (1, 2) for k in (1, 2, 3, 4, 5)]   # lines 2..11


def bad_marks(tmp_path: Path, lines: list[str], header: str = HEADER) -> Path:
    return write(tmp_path / "bad.csv", header + "\n" + "\n".join(lines) + "\n")


BAD_MARKS = [
    # (marks lines after the header, line number in the message, message fragment)
    (GOOD[:3] + ["P1,final,jury,X1,,70"] + GOOD[3:], 5, "未知评审团 / unknown panel 'jury' for judge 'X1'"),
    (GOOD[:2] + ["P1,final,judges,J9,,100.5"] + GOOD[2:], 4, "mark 100.5: 超出范围 out of range 0–100"),
    (GOOD[:2] + ["P1,final,judges,J9,,-3"] + GOOD[2:], 4, "out of range"),
    (GOOD[:2] + ["P1,final,judges,J9,,70.25"] + GOOD[2:], 4, "must be a multiple of 0.1"),
    (GOOD + ["P2,final,judges,J3,,80"], 12, "重复评分 / duplicate mark: judge 'J3', project 'P2', round 'final' given twice "
                                            "(first at line 9)"),
    (GOOD[:5] + GOOD[5:7], 7, "round 'final', project 'P2': panel 'judges' has 2 judges, too few to drop 1 highest "
                              "and 1 lowest"),
    (GOOD[:1] + ["P1,final,judges,J2,,eighty"] + GOOD[2:], 3, "score: 不是数字 / 'eighty' is not a number"),
    (GOOD[:1] + ["P1,final,judges,J2,,nan"] + GOOD[2:], 3, "score: 不是有效数字 / 'nan' is not a finite number"),
    (GOOD[:1] + ["P1,final,judges,J2"] + GOOD[2:], 3, "列数不符 / 4 fields, the header has 6"),
    (GOOD[:1] + [",final,judges,J2,,80"] + GOOD[2:], 3, "project 为空 / project is empty"),
    (GOOD[:1] + ["P1,final,judges,J2,need,80"] + GOOD[2:], 3, "criterion 'need' 80: 未知评分项 unknown criterion"),
    (["P1,final,judges,J1,,80", "P1,final,judges,J1,,80"], 3, "duplicate mark"),
]


@pytest.mark.parametrize("lines, line, message", BAD_MARKS, ids=[b[2].split(" / ")[-1][:30] for b in BAD_MARKS])
def test_bad_marks_exit_2_with_file_and_line(tmp_path, capsys, lines, line, message):
    m = bad_marks(tmp_path, lines)
    code, out, err = score(capsys, "--rules", RULES / "standard.toml", "--marks", m)
    assert code == 2 and out == ""
    assert f"{m}:{line}: " in err and message in err, err


def test_bad_marks_files(tmp_path, capsys):
    cases = [
        (write(tmp_path / "empty.csv", ""), f"{tmp_path / 'empty.csv'}: 文件是空的 / the file is empty"),
        (write(tmp_path / "header.csv", HEADER + "\n"), "no marks in the file"),
        (write(tmp_path / "cols.csv", "project,round,judge,score\nP1,final,J1,80\n"),
         f"{tmp_path / 'cols.csv'}:1: 缺少列 / missing column(s): panel, criterion"),
        (tmp_path / "missing.csv", "cannot read file"),
    ]
    (tmp_path / "latin1.csv").write_bytes((HEADER + "\nP1,final,judges,J1,,80,\xe9\n").encode("latin-1"))
    cases.append((tmp_path / "latin1.csv", "not UTF-8 text"))
    for path, message in cases:
        code, out, err = score(capsys, "--rules", RULES / "standard.toml", "--marks", path)
        assert code == 2 and message in err, (path, err)


def test_bad_factor_and_missing_factor(tmp_path, capsys):
    head = HEADER + ",factor"
    rows = [f"D1,dive1,judges,J{k},,7,3.2" for k in range(1, 8)]
    m = write(tmp_path / "f.csv", head + "\n" + "\n".join(rows[:3] + ["D1,dive1,judges,J4,,7,0"] + rows[4:]) + "\n")
    code, _, err = score(capsys, "--rules", RULES / "diving_fina.toml", "--marks", m)
    assert code == 2 and f"{m}:5: factor: 系数须为正数 / '0' must be positive" in err, err
    m = write(tmp_path / "g.csv", HEADER + "\n" + "\n".join(r.rsplit(",", 1)[0] for r in rows) + "\n")
    code, _, err = score(capsys, "--rules", RULES / "diving_fina.toml", "--marks", m)
    assert code == 2 and f"{m}:2: 缺少系数 / round 'dive1', project 'D1': the rules use a factor per entry" in err, err


BAD_PROJECTS = [
    ("project,name\nP1,a\nP1,b\n", 3, "项目重复 / project 'P1' is listed twice"),
    ("project,requested\nP1,lots\nP2,\n", 2, "requested: 不是数字 / 'lots' is not a number"),
    ("project,requested\nP1,-5\nP2,\n", 2, "requested: 不能为负数 / must not be negative"),
    ("project,name\n,a\n", 2, "project 为空 / project is empty"),
    ("name\nP1\n", 1, "缺少列 / missing column(s): project"),
    ("project\nP1\n", 7, "项目不在名单中 / project 'P2' is not in the project list"),    # reported in the marks file
]


@pytest.mark.parametrize("text, line, message", BAD_PROJECTS, ids=[b[2].split(" / ")[-1][:25] for b in BAD_PROJECTS])
def test_bad_projects_file(tmp_path, capsys, text, line, message):
    p = write(tmp_path / "projects.csv", text)
    m = bad_marks(tmp_path, GOOD)
    code, _, err = score(capsys, "--rules", RULES / "standard.toml", "--marks", m, "--projects", p)
    where = m if "not in the project list" in message else p
    assert code == 2 and f"{where}:{line}: {message}" in err, err


def test_bad_rules_file(tmp_path, capsys):
    r = write(tmp_path / "r.toml", 'name = "x"\n[[panels]]\nid = "judges"\nmethod = "average"\n')
    code, _, err = score(capsys, "--rules", r, "--marks", bad_marks(tmp_path, GOOD))
    assert code == 2 and f"{r}: panels[0].method: unknown value 'average'" in err, err


def test_projects_without_marks_are_named_on_stderr(tmp_path, capsys):
    p = write(tmp_path / "p.csv", "project\nP1\nP2\nP9\n")
    code, out, err = score(capsys, "--rules", RULES / "standard.toml", "--marks", bad_marks(tmp_path, GOOD),
                           "--projects", p, "--format", "json")
    assert code == 0 and "project 'P9' has no marks" in err
    assert [r["project"] for r in json.loads(out)["results"]] == ["P2", "P1"]


def test_real_run_py_bad_input_exit_code(tmp_path):
    m = bad_marks(tmp_path, GOOD + ["P2,final,judges,J3,,80"])
    proc = subprocess.run([sys.executable, "run.py", "score", "--rules", str(RULES / "standard.toml"), "--marks",
                           str(m)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and f"{m}:12: 重复评分 / duplicate mark" in proc.stderr and proc.stdout == ""
