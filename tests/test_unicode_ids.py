"""IDs accept any text a person would type (judging.core.text.id_problem): a rules file whose criteria, panel
and award ids are Chinese, one whose ids have spaces inside ("Skating Skills"), and projects and judges with
Chinese ids -- scored end to end through the API (setup, judges submit, close, results, exports) and offline
through ``run.py score`` on the exported marks; control characters and over-long ids are refused clearly."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import uuid
import zipfile

import pytest
from starlette.testclient import TestClient

from judging.core.rules import RulesError, parse_rules
from judging.core.text import ID_MAX
from judging.web.app import create_app
from tests.conftest import ORGANIZER_KEY, ROOT

ORG = {"authorization": f"Bearer {ORGANIZER_KEY}"}

CHINESE = """
name = "社区公益创投（中文编号）"
[marks]
min = 0
max = 100
step = 1
[[criteria]]
id = "创新性"
label = "创新性 Innovation"
max = 50
[[criteria]]
id = " 社会影响 "          # trimmed
label = "社会影响 Impact"
max = 50
[[panels]]
id = "专家评审团"
label = "专家评审团 Expert panel"
weight = 1
[ties]
scope = "all"
breakers = ["criterion: 创新性", "shared"]
[[awards]]
id = "一等奖"
label = "一等奖"
count = 1
amount = 30000
[[awards]]
id = "二等奖"
label = "二等奖"
count = 2
amount = 10000
"""

SPACES = """
name = "Skating"
[marks]
min = 0
max = 10
step = 0.25
[[criteria]]
id = "Skating Skills"
max = 10
[[criteria]]
id = "Program Components"
max = 10
[[panels]]
id = "technical panel"
weight = 1
[ties]
scope = "all"
breakers = ["criterion:Skating Skills", "shared"]
[[awards]]
id = "gold medal"
count = 1
[[awards]]
id = "silver medal"
count = 1
"""

# project -> per judge, one mark per criterion (in rules order)
CASES = {
    "chinese": (CHINESE, ("创新性", "社会影响"), {"项目 甲": [(45, 40), (44, 41)], "项目 乙": [(40, 45), (41, 44)],
                                               "项目 丙": [(30, 30), (31, 29)]}, ("评委 张", "评委 李"), "专家评审团",
                ("一等奖", "二等奖")),
    "spaces": (SPACES, ("Skating Skills", "Program Components"), {"Team A": [(9.5, 8), (9.25, 8.25)],
                                                                  "Team B": [(8, 9.5), (8.25, 9.25)],
                                                                  "Team C": [(6, 6), (6.5, 5.5)]},
               ("Judge One", "Judge Two"), "technical panel", ("gold medal", "silver medal")),
}


def test_rules_ids_are_trimmed_and_may_be_chinese_or_have_spaces():
    r = parse_rules(CHINESE, "中文.toml")
    assert [c.id for c in r.criteria] == ["创新性", "社会影响"]
    assert r.ties.breakers == ("criterion:创新性", "shared") and [a.id for a in r.awards] == ["一等奖", "二等奖"]
    s = parse_rules(SPACES, "skating.toml")
    assert s.criteria[0].id == "Skating Skills" and s.panels[0].id == "technical panel"
    assert s.ties.breakers[0] == "criterion:Skating Skills"


@pytest.mark.parametrize("bad, message", [
    ('id = "创新\\u0007性"', "control character (U+0007)"),
    ('id = "创新\\t性"', "control character (U+0009)"),
    ('id = "   "', "must not be empty"),
    (f'id = "{"长" * (ID_MAX + 1)}"', f"at most {ID_MAX} characters"),
    ("id = 7", "must be text"),
])
def test_bad_rules_ids_are_refused_with_a_clear_message(bad, message):
    text = CHINESE.replace('id = "创新性"', bad, 1).replace('"criterion: 创新性", ', "")
    with pytest.raises(RulesError) as info:
        parse_rules(text, "中文.toml")
    assert "criteria[0].id" in str(info.value) and message in str(info.value)
    assert "编号" in str(info.value)  # Chinese first


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(str(tmp_path / "unicode.db"), organizer_key=ORGANIZER_KEY, demo=False)) as c:
        yield c


def _setup(case: str) -> dict:
    rules, _crit, scores, judges, panel, _awards = CASES[case]
    return {"name": f"测试 {case}", "rules_text": rules, "rules_name": f"{case}.toml",
            "projects": [{"id": pid, "name": f"{pid} 的项目"} for pid in scores],
            "judges": [{"id": jid, "name": jid, "panel": panel} for jid in judges],
            "order": list(scores)}


def _act(client, cid: str, action: str) -> dict:
    r = client.post(f"/api/contests/{cid}/actions", headers=ORG, json={"action": action, "confirm": True})
    assert r.status_code == 200, (action, r.text)
    return r.json()


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_evening_with_text_ids_end_to_end(client, tmp_path, case):
    rules, crit, scores, judges, _panel, awards = CASES[case]
    r = client.post("/api/contests", headers=ORG, json=_setup(case))
    assert r.status_code in (200, 201), r.text
    snap = r.json()
    cid = snap["contest"]["id"]
    tokens = {j["id"]: j["token"] for j in snap["setup"]["judges"]}
    assert set(tokens) == set(judges)
    _act(client, cid, "start")
    for pid, per_judge in scores.items():
        state = _act(client, cid, "present")
        assert state["current"]["id"] == pid
        _act(client, cid, "open_scoring")
        for jid, values in zip(judges, per_judge):
            me = client.get("/api/judge/state", headers={"authorization": f"Bearer {tokens[jid]}"}).json()
            assert [c["id"] for c in me["rubric"]["criteria"]] == list(crit)
            r = client.post("/api/judge/submit", headers={"authorization": f"Bearer {tokens[jid]}"},
                            json={"submission_id": uuid.uuid4().hex, "project": pid, "round": "final",
                                  "marks": dict(zip(crit, values))})
            assert r.status_code == 200, r.text
        _act(client, cid, "close_scoring")
        _act(client, cid, "show_result")
        _act(client, cid, "next")
    state = _act(client, cid, "rank")
    ranked = {row["project"]: row for row in state["results"]}
    first, second, third = scores  # the marks rank them in the order given
    # first and second tie on the total (85 + 85 / 17.5 + 17.5) and the criterion breaker (创新性 / Skating
    # Skills) splits them: the registry's key read the criterion named by its text id
    assert ranked[first]["total"] == ranked[second]["total"]
    assert (ranked[first]["rank"], ranked[second]["rank"], ranked[third]["rank"]) == (1, 2, 3)
    assert ranked[first]["award"] == awards[0] and ranked[second]["award"] == awards[1]
    tie = next(t for t in state["ties"] if first in t["projects"])
    assert tie["resolved_by"] == f"criterion:{crit[0]}" and "得分高者胜" in tie["how"]

    results = client.get(f"/api/contests/{cid}/results", headers=ORG)
    assert results.status_code == 200 and results.json()["results"][0]["project"] == first

    # exports carry the ids as typed: the people's CSV, the workbook, the machine marks CSV
    people = client.get(f"/api/contests/{cid}/export/results.csv", headers=ORG)
    assert people.status_code == 200 and first in people.content.decode("utf-8-sig")
    xlsx = client.get(f"/api/contests/{cid}/export/results.xlsx", headers=ORG)
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as z:
        strings = z.read("xl/sharedStrings.xml").decode("utf-8") if "xl/sharedStrings.xml" in z.namelist() else \
            "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert first in strings and judges[0] in strings
    machine = client.get(f"/api/contests/{cid}/export/marks-machine.csv", headers=ORG)
    assert machine.status_code == 200
    rows = list(csv.DictReader(io.StringIO(machine.content.decode("utf-8-sig"))))
    assert {row["criterion"] for row in rows} == set(crit) and {row["judge"] for row in rows} == set(judges)

    # offline: run.py score on the exported marks gives the same results
    (tmp_path / "rules.toml").write_text(rules, encoding="utf-8")
    (tmp_path / "marks.csv").write_bytes(machine.content)
    proc = subprocess.run([sys.executable, "run.py", "score", "--rules", str(tmp_path / "rules.toml"),
                           "--marks", str(tmp_path / "marks.csv"), "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    offline = {row["project"]: row for row in json.loads(proc.stdout)["results"]}
    assert {p: (row["rank"], row["total"], row["award"]) for p, row in offline.items()} == \
        {p: (row["rank"], row["total"], row["award"]) for p, row in ranked.items()}


@pytest.mark.parametrize("field, value, message", [
    ("projects", "项目\x01甲", "控制字符"),
    ("projects", "项" * (ID_MAX + 1), f"最多 {ID_MAX} 个字符"),
    ("judges", "评委\u202e张", "控制字符"),
])
def test_setup_refuses_control_characters_and_long_ids(client, field, value, message):
    data = _setup("chinese")
    data[field][0]["id"] = value
    if field == "projects":
        data["order"][0] = value
    r = client.post("/api/contests", headers=ORG, json=data)
    assert r.status_code == 422, r.text  # the API's "invalid setup": a clear 4xx naming the field
    body = r.json()
    assert message in body["error"] or any(message in m for m in body["errors"].values()), body
    assert f"{field}[0].id" in body["errors"]
    assert client.get("/api/contests", headers=ORG).json().get("contests", []) == []  # nothing was stored
