"""The exports of the results' audience parts (judging/exports/audience_rows.py, xlsx_audience.py, the PDF
summary, the results CSV): the sheet 观众投票 (ballots, audience score, the fallback note; the popularity vote),
one PDF summary line per window kind (read back with pdftotext), the CSV's audience columns -- and nothing of
it when the rules have no audience part.  Expected values are worked out by hand in the comments."""

from __future__ import annotations

import csv
import io
import subprocess

from openpyxl import load_workbook

from judging.app.service import Runtime, load_preset
from judging.core.contest import LiveState
from judging.core.engine import ProjectInfo, compute
from judging.core.model import Contest, Judge, Project
from judging.core.scoring import Mark
from judging.exports.csv_sheets import results_csv
from judging.exports.pdf_sheets import scoresheets
from judging.exports.snapshot import Snapshot
from judging.exports.xlsx import workbook

PROJECTS = (Project("P1", "社区花园"), Project("P2", "长者食堂"))
JUDGES = tuple(Judge(f"E{k}", f"专家{k}", "expert") for k in (1, 2, 3)) + \
    tuple(Judge(f"U{k}", f"大众{k}", "public") for k in (1, 2, 3))
EXPERT = {"need": 20, "design": 25, "impact": 20, "team": 15}  # 80


def snapshot(preset: str, ballots: dict[str, list[int]], votes: dict[str, int] | None) -> Snapshot:
    rules = load_preset(preset)
    marks = [Mark(p, "final", "expert", j.id, c, float(v)) for p in ("P1", "P2") for j in JUDGES[:3]
             for c, v in EXPERT.items()]
    marks += [Mark(p, "final", "public", j.id, "overall", 70.0) for p in ("P1", "P2") for j in JUDGES[3:]]
    marks += [Mark(p, "final", "audience", f"h{k:03d}", "", float(s)) for p, row in ballots.items()
              for k, s in enumerate(row)]
    infos = {p.id: ProjectInfo(p.id, p.name) for p in PROJECTS}
    results = compute(rules, marks, infos, votes) if rules.has_audience else compute(rules, marks, infos)
    contest = Contest("c1", "决赛", rules, PROJECTS, JUDGES, order=("P1", "P2"))
    return Snapshot(Runtime(contest, LiveState(), results=results), taken_at=0.0)


# P1: 22 ballots, trimmed 1 + 1: 2 × 10 (one dropped), 19 × 8, 1 (dropped) -> 162 / 20 = 8.1 -> 81.00;
# total 0.6 × 80 + 0.3 × 70 + 0.1 × 81 = 77.10.  P2: 12 ballots < 20: not counted, (48 + 21) / 0.9 = 76.67.
BALLOTS = {"P1": [10, 10] + [8] * 19 + [1], "P2": [9] * 12}
VOTES = {"P1": 40, "P2": 97}


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "s.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_sheet_audience_votes(tmp_path):
    wb = load_workbook(io.BytesIO(workbook(snapshot("expert_public_audience.toml", BALLOTS, VOTES))))
    assert "观众投票" in wb.sheetnames and "现场观众" not in wb.sheetnames  # no per-voter panel sheet
    rows = [[c for c in row] for row in wb["观众投票"].iter_rows(values_only=True)]
    flat = [[c for c in r if c is not None] for r in rows]
    assert ["轮次", "编号", "项目名称", "票数", "观众评分", "说明"] in flat
    assert ["正式路演", "P1", "社区花园", 22, 81.0] in flat
    assert ["正式路演", "P2", "长者食堂", 12, "票数不足 12 < 20，按规则不计入"] in flat
    assert ["名次", "编号", "项目名称", "票数", "奖项", "奖金（元）"] in flat
    assert [1, "P2", "长者食堂", 97, "最佳人气奖", 5000] in flat
    assert [2, "P1", "社区花园", 40, 0] in flat
    text = " ".join(str(c) for r in flat for c in r)
    assert "观众评分：2 场路演共 34 票" in text and "1 场票数不足 20 票，按规则不计入" in text
    assert "人气投票（最佳人气奖）：共 137 票，获奖 P2 长者食堂（97 票），奖金合计 ¥5,000。" in text


def test_the_pdf_summary_has_a_line_per_window_kind(tmp_path):
    text = pdf_text(scoresheets(snapshot("expert_public_audience.toml", BALLOTS, VOTES), summary=True, judges=[]),
                    tmp_path)
    flat = "".join(text.split())
    assert "观众评分：2场路演共34票" in flat and "1场票数不足20票，按规则不计入" in flat
    assert "人气投票（最佳人气奖）：共137票，获奖P2长者食堂（97票），奖金合计¥5,000。" in flat
    before = "".join(pdf_text(scoresheets(snapshot("expert_public_audience.toml", BALLOTS, None), summary=True,
                                          judges=[]), tmp_path).split())
    assert "人气投票（最佳人气奖）：未开始。" in before


def test_the_results_csv_has_the_audience_columns():
    data = results_csv(snapshot("expert_public_audience.toml", BALLOTS, VOTES)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    head = rows[0]
    assert head[-5:] == ["观众票数", "观众分说明", "人气票数", "人气名次", "人气奖"]
    assert "现场观众得分" in head
    got = {r[1]: dict(zip(head, r)) for r in rows[1:]}
    assert got["P1"]["总分"] == "77.10" and got["P1"]["现场观众得分"] == "81.00" and got["P1"]["观众票数"] == "22"
    assert got["P2"]["总分"] == "76.67" and got["P2"]["现场观众得分"] == ""
    assert got["P2"]["观众分说明"] == "票数不足 12 < 20，按规则不计入"
    assert (got["P2"]["人气票数"], got["P2"]["人气名次"], got["P2"]["人气奖"]) == ("97", "1", "最佳人气奖")
    assert got["P2"]["创投资金（元）"] == "45000"  # 二等奖 40000 + 人气奖 5000


def test_no_audience_part_no_audience_exports(tmp_path):
    snap = snapshot("expert_public.toml", {}, None)
    wb = load_workbook(io.BytesIO(workbook(snap)))
    assert wb.sheetnames == ["成绩汇总", "专家评审团", "大众评审团", "评分规则", "规则文件", "比赛设置", "更正记录", "审计日志"]
    head = next(csv.reader(io.StringIO(results_csv(snap).decode("utf-8-sig"))))
    assert head == ["名次", "项目编号", "项目名称", "申报机构", "社区", "专家评审团得分", "大众评审团得分", "总分",
                    "并列 / 加时赛", "奖项", "创投资金（元）"]
    flat = "".join(pdf_text(scoresheets(snap, summary=True, judges=[]), tmp_path).split())
    assert "观众评分" not in flat and "人气投票" not in flat
