"""``run.py score`` with the audience (judging/inputs/marks_csv.py, judging/cli/main.py): ballots as rows of the
audience panel (judge = the voter's hash, score = the stars), popularity votes as rows of round "popularity";
the same results as compute() is given them, and a clear ``file:line: message`` (exit 2) for stars out of
range, a popularity row without [popularity], more than ``choices`` votes, a voter twice for one roadshow.
Expected values are worked out by hand in the comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judging.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
PRESET = ROOT / "scoring_rules" / "expert_public_audience.toml"
HEADER = "project,round,panel,judge,criterion,score"

RULES = '''name = "t"
[marks]
max = 100
step = 0.1
[[panels]]
id = "jury"
weight = 0.8
[[panels]]
id = "aud"
kind = "audience"
weight = 0.2
stars = 5
min_ballots = 2
[popularity]
amount = 1000
choices = 2
'''


def run(capsys, tmp_path: Path, rows: list[str], rules: str | Path = RULES, fmt: str = "json"):
    rules_path = rules if isinstance(rules, Path) else tmp_path / "r.toml"
    if not isinstance(rules, Path):
        rules_path.write_text(rules, encoding="utf-8")
    marks = tmp_path / "m.csv"
    marks.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    code = main(["score", "--rules", str(rules_path), "--marks", str(marks), "--format", fmt])
    out = capsys.readouterr()
    return code, out.out, out.err


JURY = ["P1,final,jury,J1,,80", "P2,final,jury,J1,,90"]


def test_ballots_and_votes_score_offline(tmp_path, capsys):
    rows = JURY + ["P1,final,aud,a1f3,,5", "P1,final,aud,9bc0,,4",   # mean 4.5 of 5 -> 90; 0.8 × 80 + 0.2 × 90 = 82
                   "P2,final,aud,a1f3,,1",                           # 1 < 2 ballots: reweight, 0.8 × 90 / 0.8 = 90
                   "P1,popularity,,a1f3,,1", "P2,popularity,,a1f3,,1", "P1,popularity,aud,9bc0,,1"]
    code, out, err = run(capsys, tmp_path, rows)
    assert code == 0, err
    data = json.loads(out)
    got = {r["project"]: r for r in data["results"]}
    assert got["P1"]["total"] == 82.0 and got["P2"]["total"] == 90.0
    assert got["P1"]["audience"] == {"final": {"ballots": 2, "score": 90.0, "fallback": None}}
    assert got["P2"]["audience"] == {"final": {"ballots": 1, "score": None, "fallback": "reweight"}}
    # votes P1 2, P2 1 -> P1 the popularity tier, 1000 on top
    assert got["P1"]["popularity"] == {"votes": 2, "place": 1, "award": "popularity", "grant": 1000}
    assert got["P2"]["popularity"]["votes"] == 1 and data["popularity"]["held"] is True


def test_without_popularity_rows_the_vote_is_not_held(tmp_path, capsys):
    code, out, err = run(capsys, tmp_path, JURY + ["P1,final,aud,v1,,5", "P1,final,aud,v2,,5"])
    assert code == 0, err
    assert json.loads(out)["popularity"]["held"] is False


def test_csv_and_table_carry_the_audience(tmp_path, capsys):
    rows = JURY + ["P1,final,aud,v1,,5", "P1,final,aud,v2,,4", "P2,final,aud,v1,,1", "P2,popularity,,v1,,1"]
    code, out, err = run(capsys, tmp_path, rows, fmt="csv")
    assert code == 0, err
    lines = out.lstrip("\ufeff").splitlines()
    assert lines[0] == "rank,project,name,track,panel:jury,panel:aud,total,tie,award,grant,ballots,popularity_votes," \
                       "popularity_award"
    # P2: 90 (reweighted), no audience score; P1: 82
    assert lines[1] == "1,P2,,,90,,90,,,1000,1,1,popularity"
    assert lines[2] == "2,P1,,,80,90,82,,,0,2,0,"
    code, out, err = run(capsys, tmp_path, rows, fmt="table")
    assert code == 0, err
    assert "观众票" in out and "人气票" in out and "人气投票 popularity (最佳人气奖): P2 (1)" in out


def test_preset_end_to_end(tmp_path, capsys):
    # expert_public_audience.toml: expert 4-part rubric, public overall, audience 1-10 stars trimmed 1 + 1,
    # min 20 ballots.  P1: 3 experts 20/25/20/15 = 80 each -> 80; 3 public 70 -> 70; 22 ballots: 2 × 10 (one
    # dropped), 19 × 8, 1 × 1 (dropped) -> (10 + 19 × 8) / 20 = 162 / 20 = 8.1 -> 81.
    # total 0.6 × 80 + 0.3 × 70 + 0.1 × 81 = 48 + 21 + 8.1 = 77.1
    rows = []
    for j in ("E1", "E2", "E3"):
        rows += [f"P1,final,expert,{j},need,20", f"P1,final,expert,{j},design,25", f"P1,final,expert,{j},impact,20",
                 f"P1,final,expert,{j},team,15"]
    rows += [f"P1,final,public,U{k},overall,70" for k in range(3)]
    stars = [10, 10] + [8] * 19 + [1]
    rows += [f"P1,final,audience,h{k:02d},,{s}" for k, s in enumerate(stars)]
    rows += [f"P1,popularity,,h{k:02d},,1" for k in range(5)]
    code, out, err = run(capsys, tmp_path, rows, rules=PRESET)
    assert code == 0, err
    r = json.loads(out)["results"][0]
    assert r["panels"] == {"expert": 80.0, "public": 70.0, "audience": 81.0} and r["total"] == 77.1
    assert r["audience"]["final"] == {"ballots": 22, "score": 81.0, "fallback": None}
    # the popularity tier: 5000 on top of the 一等奖's 50000
    assert r["grant_parts"] == {"scored": 50000, "popularity": 5000} and r["grant"] == 55000


ERRORS = [
    (["P1,final,aud,v1,,6"], RULES, 4, "mark 6: 须为 1–5 的整数 must be a whole number 1–5"),
    (["P1,final,aud,v1,,0"], RULES, 4, "mark 0: 须为 1–5 的整数"),
    (["P1,final,aud,v1,,4.5"], RULES, 4, "mark 4.5: 须为 1–5 的整数"),
    (["P1,final,aud,v1,,4", "P1,final,aud,v1,,5"], RULES, 5,
     "同一观众对同一路演投了两票 / voter 'v1' has two ballots for project 'P1', round 'final' (first at line 4)"),
    (["P1,popularity,,v1,,1", "P2,popularity,,v1,,1", "P2,popularity,,v2,,1", "P1,popularity,,v1,,1"], RULES, 7,
     "同一观众两次投给同一项目 / voter 'v1' voted for project 'P1' twice (first at line 4)"),
    (["P1,popularity,,v1,,1", "P2,popularity,,v1,,1", "P3,popularity,,v1,,1"], RULES, 6,
     "每位观众最多投 2 个项目 / voter 'v1' has more than 2 popularity votes"),
    (["P1,popularity,,v1,,2"], RULES, 4, "人气投票的 score 须为 1 / a popularity vote's score must be 1, got '2'"),
    (["P1,popularity,jury,v1,,1"], RULES, 4, "人气投票行的 panel 须为空或 'popularity'"),
    (["P1,popularity,,,,1"], RULES, 4, "judge 为空 / judge is empty"),
    (["P1,popularity,,v1,,1"], RULES.split("[popularity]")[0], 4,
     "评分规则没有人气投票 [popularity]，不能有 round = popularity 的行 / the rules have no popularity vote"),
]


@pytest.mark.parametrize("rows, rules, line, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_bad_audience_rows_name_the_line(tmp_path, capsys, rows, rules, line, message):
    code, out, err = run(capsys, tmp_path, JURY + rows, rules)
    assert code == 2 and out == ""
    assert f"m.csv:{line}: {message}" in err, err


def test_write_marks_round_trips_ballots_and_votes():
    from judging.core.rules import parse_rules
    from judging.core.scoring import Mark
    from judging.inputs.marks_csv import parse_marks, write_marks
    rules = parse_rules(RULES)
    marks = [Mark("P1", "final", "jury", "J1", "", 80.0), Mark("P1", "final", "aud", "a1f3", "", 4.0)]
    text = write_marks(marks, [("a1f3", "P1"), ("a1f3", "P2"), ("9bc0", "P2")])
    assert text.splitlines()[-3:] == ["P1,popularity,,a1f3,,1", "P2,popularity,,a1f3,,1", "P2,popularity,,9bc0,,1"]
    back = parse_marks(text, rules)
    assert back.marks == marks and back.votes == {"P1": 1, "P2": 2}
