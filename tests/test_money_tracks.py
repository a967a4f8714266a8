"""Money and tracks (赛道): one money format, amounts as organizers write them, grants never above the
request, tracks that never multiply the budget, and tie notes the big screen shows.

Each test failed on the code before issue 9 (items 10-13 and 18): 10 tracks gave 10 一等奖 and twice
the budget, a project that asked ¥80,000.5 got ¥250,000, ``#,##0`` showed it as 80,001, ``¥30000``
was refused, and the screen never said how a tie was settled.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from judging.core.engine import ProjectInfo
from judging.core.money import parse_amount
from judging.core.money import money_text, xlsx_money_format
from judging.core.rules import RulesError
from judging.core.scoring import ScoringError
from tests.engine_kit import awards, grants, marks, ranks, rules, run
from tests.helpers import ORG, Evening, act, contest, create_contest, make_client


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path / "money.db") as c:
        yield c


# ------------------------------------------------------------------ item 13: amounts as organizers write them

@pytest.mark.parametrize("text, value", [
    ("¥30000", 30000), ("￥30000", 30000), ("¥30,000", 30000), ("￥３００００", 30000), ("30,000元", 30000),
    ("3万元", 30000), ("￥3万", 30000), ("RMB 30000", 30000), ("人民币 2万元", 20000), ("80,000.5", 80000.5),
    ("３万", 30000), ("30，000", 30000), (" 4.5 万元 ", 45000),
])
def test_amounts_with_currency_signs_and_full_width_digits_are_read(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["三万", "¥", "30000 40000", "1e5", "0x10", "1,2,3", "30000.123", "¥-5", "abc元",
                                  "nan", "万"])
def test_garbage_amounts_are_refused_with_a_reason(text):
    with pytest.raises(ValueError) as e:
        parse_amount(text)
    assert "/" in str(e.value) and any("\u4e00" <= ch <= "\u9fff" for ch in str(e.value)), "Chinese first, English"


def test_import_preview_reads_yen_signs_and_refuses_words(client):
    csv = "编号,项目名称,申请金额\nX1,甲,¥30000\nX2,乙,￥30000\nX3,丙,\"30,000元\"\nX4,丁,３万\n"
    r = client.post("/api/contests/c1/import/projects", headers=ORG, json={"csv": csv})
    assert r.status_code == 200, r.text
    assert [row["requested"] for row in r.json()["rows"]] == [30000, 30000, 30000, 30000]
    r = client.post("/api/contests/c1/import/projects", headers=ORG,
                    json={"csv": "编号,项目名称,申请金额\nX1,甲,三万\n", "dry_run": 0})
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "requested" and "三万" in err["message"] and "¥30,000" in err["message"]
    assert len(contest(client)["setup"]["projects"]) == 15, "nothing applied"


# ------------------------------------------------------------------ item 12: one money format

@pytest.mark.parametrize("x, yuan, wan", [
    (80000.5, "¥80,000.50", "¥8.00005万"), (250000, "¥250,000", "¥25万"), (Fraction(160001, 2), "¥80,000.50", "¥8.00005万"),
    (0, "¥0", "¥0"), (1234567.89, "¥1,234,567.89", "¥123.456789万"), (45000, "¥45,000", "¥4.5万"),
    (None, "", ""),
])
def test_money_text(x, yuan, wan):
    assert money_text(x) == yuan
    assert money_text(x, "wan") == wan


def test_xlsx_money_format_keeps_cents_only_when_there_are_any():
    assert xlsx_money_format([250000, 0, None]) == '"¥"#,##0'
    assert xlsx_money_format([250000, 80000.5]) == '"¥"#,##0.00'


# ------------------------------------------------------------------ item 10: tracks never multiply prizes or money


TIERS = ('[ties]\nscope = "none"\n'
         '[[awards]]\nid = "first"\nlabel = "一等奖"\ncount = 1\namount = 50000\n'
         '[[awards]]\nid = "second"\nlabel = "二等奖"\ncount = 2\namount = 40000\n'
         '[[awards]]\nid = "third"\nlabel = "三等奖"\ncount = 3\namount = 30000\n')


def tracked(n_tracks: int, per_track: int) -> tuple[list, dict[str, ProjectInfo]]:
    """``n_tracks`` tracks of ``per_track`` projects with distinct totals (better in earlier tracks)."""
    scores, infos = {}, {}
    for t in range(n_tracks):
        for k in range(per_track):
            pid = f"T{t:02d}P{k}"
            scores[pid] = [90 - t - k * 0.1]
            infos[pid] = ProjectInfo(pid, pid, f"赛道{t:02d}")
    return marks(scores), infos


def total_granted(res) -> Fraction:
    return sum((r.grant for r in res.results), Fraction(0))


def test_ten_tracks_without_a_track_rule_are_one_ranking_with_one_first_prize():
    # before: 10 tracks gave 10 一等奖 and ¥400,000 against a budget of ¥200,000, without a word
    ms, infos = tracked(10, 3)
    res = run(rules(TIERS + '[grants]\nbudget = 400000\nunit = 100\n'), ms, infos)
    assert list(awards(res).values()).count("first") == 1
    assert sorted(ranks(res).values()) == list(range(1, 31)), "one ranking across every track"
    assert total_granted(res) == 50000 + 2 * 40000 + 3 * 30000 <= 400000
    assert {r.track for r in res.results} == {f"赛道{t:02d}" for t in range(10)}, "the track stays a label"
    assert res.money.awarded == total_granted(res) and res.money.budget == 400000


@pytest.mark.parametrize("grant_toml", [
    '[grants]\nbudget = 400000\nunit = 100\n',                                 # tier amounts, scaled to the share
    '[grants]\nmode = "proportional"\nbudget = 200000\nunit = 100\n',          # budget split by score
    '[grants]\nmode = "proportional"\nbudget = 200001\nunit = 1\n',            # shares that do not divide evenly
])
@pytest.mark.parametrize("split", ['split = "equal"', 'split = "projects"'])
@pytest.mark.parametrize("n_tracks, per_track", [(1, 6), (3, 2), (10, 3), (17, 1), (40, 2)])
def test_separate_tracks_never_allocate_more_than_the_budget(grant_toml, split, n_tracks, per_track):
    ms, infos = tracked(n_tracks, per_track)
    r = rules(TIERS + grant_toml + f'[tracks]\nmode = "separate"\n{split}\n')
    res = run(r, ms, infos)
    assert list(awards(res).values()).count("first") == n_tracks, "each track its own 一等奖"
    assert total_granted(res) <= Fraction(str(r.grants.budget))
    for t in res.money.tracks:
        assert t.awarded <= t.budget
    assert sum((t.budget for t in res.money.tracks), Fraction(0)) == Fraction(str(r.grants.budget)), \
        "the shares add up to the budget exactly"
    if "proportional" in grant_toml:
        assert total_granted(res) == Fraction(str(r.grants.budget)), "nobody capped: every yuan handed out"


def test_equal_and_project_count_splits():
    # 新锐 1 project, 魅力 3 projects; budget 100,000 split by score within each track
    infos = {"N1": ProjectInfo("N1", track="新锐"), **{f"M{i}": ProjectInfo(f"M{i}", track="魅力") for i in (1, 2, 3)}}
    ms = marks({"N1": [80], "M1": [90], "M2": [60], "M3": [50]})
    body = ('[ties]\nscope = "none"\n[[awards]]\nid = "funded"\ncount = 3\n'
            '[grants]\nmode = "proportional"\nbudget = 100000\nunit = 100\n[tracks]\nmode = "separate"\n')
    res = run(rules(body + 'split = "equal"\n'), ms, infos)
    assert {t.track: t.budget for t in res.money.tracks} == {"新锐": 50000, "魅力": 50000}
    assert grants(res) == {"N1": 50000, "M1": 22500, "M2": 15000, "M3": 12500}
    res = run(rules(body + 'split = "projects"\n'), ms, infos)
    assert {t.track: t.budget for t in res.money.tracks} == {"新锐": 25000, "魅力": 75000}
    assert grants(res)["N1"] == 25000 and ranks(res) == {"N1": 1, "M1": 1, "M2": 2, "M3": 3}


def test_fixed_budgets_per_track():
    infos = {"N1": ProjectInfo("N1", track="新锐"), "M1": ProjectInfo("M1", track="魅力")}
    ms = marks({"N1": [80], "M1": [90]})
    body = ('[ties]\nscope = "none"\n[[awards]]\nid = "first"\ncount = 1\namount = 50000\n[grants]\nbudget = 80000\n'
            '[tracks]\nmode = "separate"\n[tracks.budgets]\n"新锐" = 30000\n"魅力" = 50000\n')
    res = run(rules(body), ms, infos)
    assert grants(res) == {"N1": 30000, "M1": 50000}, "新锐's first prize scaled to its own budget"
    assert any(w.startswith("新锐: ") and "超出预算 ¥30,000" in w for w in res.warnings), res.warnings
    # a track the budgets do not name cannot be awarded: a clear error, not a guess
    with pytest.raises(ScoringError, match="赛道「公益」"):
        run(rules(body), marks({"N1": [80], "G1": [70]}), {**infos, "G1": ProjectInfo("G1", track="公益")})


@pytest.mark.parametrize("tracks_toml, message", [
    ('[tracks]\nmode = "both"\n', "tracks.mode"),
    ('[tracks]\nsplit = "equal"\n', "only with mode"),
    ('[tracks]\nmode = "separate"\nsplit = "budgets"\n', r"needs a \[tracks\.budgets\]"),
    ('[tracks]\nmode = "separate"\n[tracks.budgets]\n"甲" = 150000\n"乙" = 260000\n', "more than grants.budget"),
    ('[tracks]\nmode = "separate"\n[tracks.budgets]\n"甲" = 150.5\n', "whole multiple of grants.unit"),
    ('[tracks]\nmode = "separate"\nbudgets = 5\n', "track = amount"),
])
def test_track_rules_are_checked(tracks_toml, message):
    with pytest.raises(RulesError, match=message):
        rules(TIERS + '[grants]\nbudget = 400000\nunit = 100\n' + tracks_toml)


def test_the_budget_guard_in_the_engine_refuses_an_overspend(monkeypatch):
    # the guard is not decoration: a broken split (here: every track given the whole budget, the old
    # behaviour) stops the computation instead of printing a result above the budget
    import judging.core.engine as engine

    ms, infos = tracked(3, 6)
    r = rules(TIERS + '[grants]\nbudget = 300000\nunit = 100\n[tracks]\nmode = "separate"\n')
    monkeypatch.setattr(engine, "track_budgets", lambda rules, sizes: {t: Fraction(300000) for t in sizes})
    with pytest.raises(AssertionError, match="exceed the budget"):
        run(r, ms, infos)


def expert_public_text(extra: str = "") -> str:
    from pathlib import Path

    return (Path(__file__).parent.parent / "scoring_rules" / "expert_public.toml").read_text(encoding="utf-8") + extra


TRACK_CSV = ("编号,项目名称,赛道,申请金额\n" + "".join(f"X{i:02d},项目{i},{'新锐魅力公益'[2 * (i % 3):2 * (i % 3) + 2]},50000\n"
                                                for i in range(1, 13)))


def test_import_preview_warns_when_tracks_are_filled_but_ranked_together(client):
    r = client.post("/api/contests/c1/import/projects", headers=ORG, json={"csv": TRACK_CSV})
    assert r.status_code == 200, r.text
    notices = r.json()["notices"]
    assert len(notices) == 1 and "统一排名" in notices[0] and "3 个" in notices[0] and 'mode = "separate"' in notices[0]
    r = client.post("/api/contests/c1/import/projects", headers=ORG,
                    json={"csv": "编号,项目名称\nX1,甲\n"})
    assert r.json()["notices"] == [], "no 赛道 column, nothing to say"


def test_import_preview_says_how_many_tracks_prizes_and_money_result(client):
    r = client.patch("/api/contests/c1", headers=ORG,
                     json={"rules_text": expert_public_text('\n[tracks]\nmode = "separate"\nsplit = "equal"\n')})
    assert r.status_code == 200, r.text
    r = client.post("/api/contests/c1/import/projects", headers=ORG, json={"csv": TRACK_CSV})
    notices = r.json()["notices"]
    # 3 tracks of 4 projects, tiers 1 + 2 + 3 + 9 = 15 places each -> 4 prizes per track, 12 in all
    assert "3 个赛道" in notices[0] and "共 12 个奖项" in notices[0] and "一等奖 1 名" in notices[0]
    assert "预算 ¥400,000 平均分给各赛道" in notices[1] and "¥133,400" in notices[1] and "¥133,300" in notices[1]


def test_fixed_track_budgets_refuse_an_import_with_an_unbudgeted_track(client):
    two = "编号,项目名称,赛道\nY1,甲,新锐\nY2,乙,魅力\n"
    assert client.post("/api/contests/c1/import/projects", headers=ORG, json={"csv": two, "dry_run": 0}).json()["applied"]
    extra = '\n[tracks]\nmode = "separate"\n[tracks.budgets]\n"新锐" = 200000\n"魅力" = 200000\n'
    assert client.patch("/api/contests/c1", headers=ORG, json={"rules_text": expert_public_text(extra)}).status_code == 200
    r = client.post("/api/contests/c1/import/projects", headers=ORG, json={"csv": TRACK_CSV, "dry_run": 0})
    assert r.status_code == 422
    bad = {(e["row"], e["field"]) for e in r.json()["errors"]}
    assert bad == {(3, "track"), (6, "track"), (9, "track"), (12, "track")} and all(f == "track" for _, f in bad), "the 公益 rows, by file row"
    assert "公益" in r.json()["errors"][0]["message"]
    assert [p["id"] for p in contest(client)["setup"]["projects"]] == ["Y1", "Y2"], "nothing applied"


# ------------------------------------------------------------------ items 11, 12, 18 through a whole small evening

MONEY_RULES = """name = "测试：按奖项发放创投资金"
[marks]
min = 0
max = 100
step = 0.5
[[panels]]
id = "judges"
label = "评审团 Judges"
method = "mean"
[ties]
scope = "award_boundary"
breakers = ["overtime", "shared"]
[[awards]]
id = "first"
label = "一等奖"
count = 1
amount = 250000
[[awards]]
id = "second"
label = "二等奖"
count = 3
amount = 100000
[grants]
budget = 600000
unit = 0.5
excess = "redistribute"
"""
# P1 wins but asked for ¥80,000.5 only (before: it got ¥250,000); P3 and P4 tie inside 二等奖
MONEY_SCORES = {"P1": 90, "P2": 85, "P3": 80, "P4": 80, "P5": 70}


def money_evening(client, cid: str = "m1", rules_text: str = MONEY_RULES, lock: bool = True,
                  tracks: dict[str, str] | None = None) -> dict:
    """A contest of 5 projects and 3 judges run to the ranking (and the lock); returns the console snapshot.
    ``client``: a TestClient or an httpx client of a live server."""
    body = {"id": cid, "name": "资金测试场", "rules_text": rules_text, "timer_seconds": 60,
            "projects": [{"id": p, "name": f"项目{p}", "organization": f"机构{p}", "track": (tracks or {}).get(p, ""),
                          "requested": "￥80,000.5" if p == "P1" else None} for p in MONEY_SCORES],
            "judges": [{"id": f"J{i}", "name": f"评委{i}", "panel": "judges"} for i in (1, 2, 3)]}
    create_contest(client, body)
    ev = Evening(client, cid, client.post(f"/api/contests/{cid}/order", headers=ORG,
                                          json={"order": list(MONEY_SCORES)}).json())
    ev.run(list(MONEY_SCORES), lambda j, pid: {"": MONEY_SCORES[pid]})
    snap = ev.act("rank")
    if lock:
        snap = ev.act("start_reveal", "reveal_next", "reveal_next", "lock")
    return snap


def screen_snapshot(client: TestClient, cid: str = "m1") -> dict:
    from judging.live import snapshots as views

    svc = client.app.state.service
    return views.screen(svc, svc.get(cid))


def test_grants_never_exceed_the_request_and_the_console_says_where_the_excess_went(client):
    snap = money_evening(client)
    rows = {r["project"]: r for r in snap["results"]}
    assert rows["P1"]["award_label"] == "一等奖" and rows["P1"]["grant"] == 80000.5, "capped at the request"
    assert rows["P1"]["grant_text"] == "¥80,000.50"
    # the ¥169,999.50 P1 could not take goes to the three 二等奖 by their tier amounts (1:1:1)
    assert [rows[p]["grant"] for p in ("P2", "P3", "P4")] == [156666.5] * 3 and rows["P5"]["grant"] == 0
    money = snap["money"]
    assert money["awarded"] == 550000 and money["budget"] == 600000 and money["unallocated"] == 50000
    assert money["line"] == "预算 ¥600,000 · 已分配 ¥550,000 · 未分配 ¥50,000"
    assert money["notes"] == ["P1 按申报额封顶，多出的 ¥169,999.50 按比例分给其他获奖项目"]
    assert money["tracks"][0]["capped"] == [{"project": "P1", "grant": 80000.5, "uncapped": 250000}]
    assert any("按申报额封顶" in w and "P1 获 ¥80,000.50" in w for w in snap["warnings"]), snap["warnings"]
    # the same numbers offline: the run.py score --format json output carries the money summary too
    assert client.get("/api/contests/m1/results", headers=ORG).json()["money"]["awarded"] == 550000


def test_presets_with_money_cap_at_the_request():
    from pathlib import Path

    from judging.inputs.rules_file import load_rules

    for path in sorted((Path(__file__).parent.parent / "scoring_rules").glob("*.toml")):
        r = load_rules(path)
        if r.grants.mode == "proportional" or any(a.amount for a in r.awards):
            assert r.grants.cap == "requested", f"{path.name}: 公益创投 never funds more than asked"


def test_snapshots_carry_money_text_and_the_screen_gets_amounts_only_when_locked(client):
    snap = money_evening(client, lock=False)
    assert snap["money"]["line"].startswith("预算 ¥600,000"), "the console sees the money as soon as it is computed"
    scr = screen_snapshot(client)
    assert scr["money"] is None and all("grant_text" not in r for r in scr["leaderboard"]), "nothing before the lock"
    act(client, "start_reveal", "reveal_next", cid="m1")
    scr = screen_snapshot(client)
    tier = scr["reveal"]["tiers"][-1]
    assert tier["label"] == "二等奖" and tier["amount_text"] == "¥100,000"
    assert {p["grant_text"] for p in tier["projects"]} == {"¥156,666.50"}
    act(client, "reveal_next", "lock", cid="m1")
    scr = screen_snapshot(client)
    assert scr["money"]["awarded_text"] == "¥550,000" and scr["money"]["notes"]
    assert {r["project"]: r["grant_text"] for r in scr["leaderboard"]}["P1"] == "¥80,000.50"


def test_money_in_wan_when_the_rules_say_so(client):
    snap = money_evening(client, rules_text=MONEY_RULES.replace("unit = 0.5\n", 'unit = 0.5\nmoney_unit = "wan"\n'))
    rows = {r["project"]: r for r in snap["results"]}
    assert rows["P1"]["grant_text"] == "¥8.00005万" and rows["P2"]["grant_text"] == "¥15.66665万"
    assert snap["money"]["line"] == "预算 ¥60万 · 已分配 ¥55万 · 未分配 ¥5万"
    assert snap["setup"]["grants"]["budget_text"] == "¥60万"


def test_excel_and_pdf_keep_the_cents(client):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    money_evening(client)
    wb = load_workbook(io.BytesIO(client.get("/api/contests/m1/export/results.xlsx", headers=ORG).content))
    ws = wb["成绩汇总"]
    header = [c.value for c in ws[4]]
    col = next(i for i, h in enumerate(header, start=1) if h and str(h).startswith("创投资金"))
    cells = {ws.cell(r, 2).value: ws.cell(r, col) for r in range(5, 10)}
    assert cells["P1"].value == 80000.5 and cells["P1"].number_format == '"¥"#,##0.00', "not 80,001"
    requested = [c for other in wb.worksheets if other is not ws for row in other.iter_rows() for c in row
                 if c.value == 80000.5]   # the setup sheet's 申请金额
    assert requested and all(c.number_format == '"¥"#,##0.00' for c in requested), "the requested amount too"
    pdf = client.get("/api/contests/m1/export/scoresheets.pdf", headers=ORG, params={"part": "summary"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "¥80,000.50" in text and "¥156,666.50" in text


# ------------------------------------------------------------------ item 18: the screen says how a tie was settled

def test_tie_text_for_each_way_a_tie_ends():
    from judging.core.tiebreakers import tie_text

    body = ('[[panels]]\nid = "expert"\nmethod = "mean"\n[[panels]]\nid = "public"\nlabel = "大众评审团 Public"\n'
            'method = "mean"\n[[awards]]\nid = "first"\ncount = 1\n[[awards]]\nid = "second"\ncount = 3\n')
    r = rules(body + '[ties]\nscope = "award_boundary"\nbreakers = ["overtime", "panel:public", "shared"]\n')
    # totals A 90 + 60 = B 80 + 70 = 150 across the first-prize line; C = D = 130 inside 二等奖
    regular = marks({"A": [90], "B": [80], "C": [70], "D": [60]}, panel="expert") + \
        marks({"A": [60], "B": [70], "C": [60], "D": [70]}, panel="public")
    res = run(r, regular)
    pending = next(t for t in res.ties if t.crosses_boundary)
    assert tie_text(pending, 2, r) == "并列 150.00，待加时赛"
    shared = next(t for t in res.ties if not t.crosses_boundary)
    assert tie_text(shared, 2, r) == "并列 130.00，名次并列"
    overtime = marks({"A": [95], "B": [90]}, panel="expert", round="overtime1") + \
        marks({"A": [80], "B": [80]}, panel="public", round="overtime1")
    t = next(t for t in run(r, regular + overtime).ties if t.crosses_boundary)
    assert tie_text(t, 2, r) == "并列 150.00，加时赛决出"
    equal = marks({"A": [90], "B": [90]}, panel="expert", round="overtime1") + \
        marks({"A": [80], "B": [80]}, panel="public", round="overtime1")
    t = next(t for t in run(r, regular + equal).ties if t.crosses_boundary)
    assert tie_text(t, 2, r) == "并列 150.00，大众评审团得分高者胜", "a panel breaker by its label, not 'panel:public'"


def test_screen_and_console_carry_the_tie_text(client):
    money_evening(client, lock=False)
    scr = screen_snapshot(client)
    rows = {r["project"]: r for r in scr["leaderboard"]}
    assert rows["P3"]["tie_text"] == rows["P4"]["tie_text"] == "并列 80.00，名次并列"
    assert rows["P1"]["tie_text"] == ""
    con = contest(client, "m1")
    assert {t["text"] for t in con["ties"]} == {"并列 80.00，名次并列"}


# ------------------------------------------------------------------ run.py score --projects keeps working

def test_run_py_score_with_tracks_and_the_money_line(tmp_path, capsys):
    from judging.cli.main import main

    rules_file = tmp_path / "r.toml"
    simple = ('name = "t"\n[[panels]]\nid = "judges"\nmethod = "mean"\n' + TIERS
              + '[grants]\nbudget = 400000\nunit = 100\n')
    marks_file = tmp_path / "m.csv"
    marks_file.write_text("project,round,panel,judge,criterion,score\n" + "".join(
        f"T{t}P{k},final,judges,J1,,{90 - t - k}\n" for t in range(10) for k in range(3)), encoding="utf-8")
    projects = tmp_path / "p.csv"
    projects.write_text("project,name,track,requested\n" + "".join(
        f"T{t}P{k},项目{t}{k},赛道{t},{'30000' if (t, k) == (0, 0) else ''}\n" for t in range(10) for k in range(3)),
        encoding="utf-8")
    # 10 tracks, no [tracks]: one ranking, one 一等奖, capped at the ¥30,000 asked; the money line follows
    rules_file.write_text(simple, encoding="utf-8")
    assert main(["score", "--rules", str(rules_file), "--marks", str(marks_file), "--projects", str(projects)]) == 0
    out = capsys.readouterr().out
    assert out.count("一等奖") == 1 and "赛道0" in out
    assert "资金 grants: 预算 ¥400,000 · 已分配 ¥200,000 · 未分配 ¥200,000" in out and "多出的 ¥20,000 留在预算中" in out
    # separate tracks: 10 一等奖, but all of them within the ¥400,000
    rules_file.write_text(simple + '[tracks]\nmode = "separate"\n', encoding="utf-8")
    assert main(["score", "--rules", str(rules_file), "--marks", str(marks_file), "--projects", str(projects),
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["award"] for r in data["results"]].count("first") == 10
    assert sum(Fraction(str(r["grant"])) for r in data["results"]) <= 400000 and data["money"]["awarded"] <= 400000
    # fixed budgets that leave a track out: exit 2 with the file line of that track's first mark
    rules_file.write_text(simple + '[tracks]\nmode = "separate"\n[tracks.budgets]\n"赛道0" = 100000\n', encoding="utf-8")
    assert main(["score", "--rules", str(rules_file), "--marks", str(marks_file), "--projects", str(projects)]) == 2
    err = capsys.readouterr().err
    assert "m.csv:5:" in err and "赛道「赛道1」" in err, err


def test_the_rules_summary_says_how_tracks_and_caps_work(client):
    summary = contest(client)["setup"]["rules"]["summary"]
    assert "创投资金不超过项目申请金额，超出部分留在预算中" in summary   # the demo is per tier: excess = "keep"
    assert not any("赛道" in line for line in summary), "no track filled, nothing to say"
    two = "编号,项目名称,赛道\nY1,甲,新锐\nY2,乙,魅力\n"
    client.post("/api/contests/c1/import/projects", headers=ORG, json={"csv": two, "dry_run": 0})
    assert "赛道仅作标签：全部项目统一排名、统一评奖" in contest(client)["setup"]["rules"]["summary"]
    setup = contest(client)["setup"]
    assert setup["tracks"]["mode"] == "none" and "统一排名" in setup["tracks"]["notices"][0]
    client.patch("/api/contests/c1", headers=ORG,
                 json={"rules_text": expert_public_text('\n[tracks]\nmode = "separate"\nsplit = "projects"\n')})
    setup = contest(client)["setup"]
    assert "分赛道评奖：每个赛道各自排名，各设全部奖项；预算按各赛道项目数比例分配，各赛道合计不超过预算" in setup["rules"]["summary"]
    assert "新锐 ¥200,000" in setup["tracks"]["notices"][1]


@settings(max_examples=60, deadline=None)
@given(tracks=st.lists(st.integers(1, 4), min_size=1, max_size=12),
       mode=st.sampled_from(["per_tier", "proportional"]), split=st.sampled_from(["equal", "projects"]),
       budget=st.integers(0, 500).map(lambda x: x * 1000), asked=st.lists(st.one_of(st.none(), st.integers(0, 90000)),
                                                                         min_size=48, max_size=48))
def test_any_tracks_any_requests_never_more_than_the_budget_nor_a_request(tracks, mode, split, budget, asked):
    scores, infos, n = {}, {}, 0
    for t, size in enumerate(tracks):
        for k in range(size):
            pid = f"T{t}P{k}"
            scores[pid] = [50 + (n * 7) % 41]
            infos[pid] = ProjectInfo(pid, track=f"t{t}", requested=asked[n])
            n += 1
    grant = f'[grants]\nmode = "{mode}"\nbudget = {max(budget, 220000) if mode == "per_tier" else budget}\nunit = 100\n'
    r = rules(TIERS + grant + f'[tracks]\nmode = "separate"\nsplit = "{split}"\n')
    res = run(r, marks(scores), infos)
    assert total_granted(res) <= Fraction(str(r.grants.budget))
    for x in res.results:
        req = infos[x.project].requested
        assert req is None or x.grant <= Fraction(str(req)), "never above the request"


def test_a_budget_below_the_tracks_budgets_is_refused_in_words(client):
    two = "编号,项目名称,赛道\nY1,甲,新锐\nY2,乙,魅力\n"
    client.post("/api/contests/c1/import/projects", headers=ORG, json={"csv": two, "dry_run": 0})
    extra = '\n[tracks]\nmode = "separate"\n[tracks.budgets]\n"新锐" = 200000\n"魅力" = 200000\n'
    assert client.patch("/api/contests/c1", headers=ORG, json={"rules_text": expert_public_text(extra)}).status_code == 200
    r = client.patch("/api/contests/c1", headers=ORG, json={
        "budget": 300000, "awards": [{"id": "first", "label": "一等奖", "count": 1, "amount": 50000}]})
    assert r.status_code in (400, 422), r.text
    assert "各赛道预算合计 400000，超过总预算 300000" in r.json()["errors"]["budget"]
    assert contest(client)["setup"]["grants"]["budget"] == 400000, "nothing changed"


def test_a_typed_amount_that_is_not_one_is_refused_on_its_field_with_the_reason(client):
    projects = contest(client)["setup"]["projects"]
    projects[2]["requested"] = "三万"
    r = client.patch("/api/contests/c1", headers=ORG, json={"projects": projects})
    assert r.status_code in (400, 422)
    assert "三万" in r.json()["errors"]["projects[2].requested"] and "¥30,000" in r.json()["errors"]["projects[2].requested"]
    projects[2]["requested"] = "￥3万"
    r = client.patch("/api/contests/c1", headers=ORG, json={"projects": projects})
    assert r.status_code == 200 and r.json()["setup"]["projects"][2]["requested"] == 30000


def test_every_export_of_results_shows_the_track(client):
    """Item 10: the track is shown wherever results are: the PDF summary, the Excel summary and the CSV."""
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    money_evening(client, cid="m9", rules_text=MONEY_RULES + '[tracks]\nmode = "separate"\n',
                  tracks={"P1": "新锐", "P2": "新锐", "P3": "新锐", "P4": "魅力", "P5": "魅力"})
    pdf = client.get("/api/contests/m9/export/scoresheets.pdf", headers=ORG, params={"part": "summary"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    words = text.split()
    assert words[words.index("申报机构") + 1] == "赛道", "a 赛道 column after 申报机构"
    assert words[words.index("机构P4") + 1] == "魅力" and words[words.index("机构P1") + 1] == "新锐"
    ws = load_workbook(io.BytesIO(client.get("/api/contests/m9/export/results.xlsx", headers=ORG).content))["成绩汇总"]
    header = [c.value for c in ws[4]]
    col = header.index("赛道") + 1
    assert {ws.cell(r, 2).value: ws.cell(r, col).value for r in range(5, 10)} == {
        "P1": "新锐", "P2": "新锐", "P3": "新锐", "P4": "魅力", "P5": "魅力"}
    csv_text = client.get("/api/contests/m9/export/results.csv", headers=ORG).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].split(",").count("赛道") == 1 and csv_text.count("魅力") == 2
