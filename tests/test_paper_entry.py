"""Paper marks entered twice (issue 14, the paper fallback): two agreeing entries count, disagreeing ones never do.

Covers: agreeing entries become the judge's mark set (source paper) and count once the roadshow closes;
disagreeing entries never count and the console snapshot shows both values per criterion; a third entry
settles; one person entering twice is recorded; refusals (locked, before scoring opened, bad values,
recused judge, unknown sheet code) store nothing; replacing a phone mark set needs the flag and is a
correction; the audit has paper.entry / paper.mismatch / paper.agreed; a restart keeps pending entries; a
discarded entry never counts; the exports say 来源 纸质 and the archive carries the entries.
"""

from __future__ import annotations

import csv
import io
import subprocess

import pytest
from openpyxl import load_workbook

from judging.core.paper import parse_sheet_code, sheet_code
from tests.helpers import EXPERT, ORG, Evening, contest, create_contest, judges, make_client, spread_marks, submit_ok

OTHER = dict(EXPERT, need=19)  # one criterion off


def enter(client, code: str, marks: dict, who: str, cid: str = "c1", **extra):
    return client.post(f"/api/contests/{cid}/paper/entries", headers=ORG,
                       json={"code": code, "marks": marks, "entered_by": who, **extra})


def enter_ok(client, code: str, marks: dict, who: str, cid: str = "c1", **extra) -> dict:
    r = enter(client, code, marks, who, cid, **extra)
    assert r.status_code == 201, r.text
    return r.json()


def paper_audit(client, cid: str = "c1") -> list[dict]:
    r = client.get(f"/api/contests/{cid}/audit?kind=paper", headers=ORG)
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def mark_of(client, project: str, judge: str, cid: str = "c1") -> dict | None:
    return next((m for m in contest(client, cid)["marks"] if (m["project"], m["judge"]) == (project, judge)), None)


def phones(ev: Evening, project: str, but: str) -> None:
    """Every judge but ``but`` (and the recused) scores ``project`` on the phone."""
    for k, j in enumerate(ev.judges):
        if j["id"] != but and (j["id"], project) not in {("U03", "P03"), ("U10", "P11")}:
            ev.submit_ok(j, project, "final", spread_marks(j, 0.8, k))


@pytest.fixture
def open_roadshow(tmp_path):
    """The demo contest with its first roadshow open for scoring: (client, evening, project)."""
    with make_client(tmp_path / "paper.db") as client:
        ev = Evening(client)
        ev.act("start")
        project = ev.state["setup"]["order"][0]
        ev.act("present", project=project)
        ev.act("open_scoring")
        yield client, ev, project


def test_two_agreeing_entries_become_the_judges_mark_set_and_count(open_roadshow):
    client, ev, p = open_roadshow
    code = sheet_code("E1", p, "final")
    first = enter_ok(client, code, EXPERT, "张三")
    assert first["status"] == "pending" and mark_of(client, p, "E1") is None, "one entry never counts"
    second = enter_ok(client, code, EXPERT, "李四")
    assert second["status"] == "agreed"
    mark = mark_of(client, p, "E1")
    assert mark["values"] == {k: float(v) for k, v in EXPERT.items()} and mark["submission_id"].startswith("paper:")
    assert second["sheet"]["current"]["source"] == "paper"
    phones(ev, p, but="E1")
    ev.act("close_scoring")
    marks = list(csv.reader(io.StringIO(client.get("/api/contests/c1/export/marks.csv", headers=ORG)
                                        .content.decode("utf-8-sig"))))
    head, rows = marks[0], marks[1:]
    src = head.index("来源")
    e1 = [r for r in rows if r[head.index("评委编号")] == "E1"]
    assert len(e1) == 4 and {r[src] for r in e1} == {"纸质"}, "the paper mark set counts and is marked 纸质"
    assert {r[src] for r in rows if r[head.index("评委编号")] != "E1"} == {"手机"}
    agreed = [e for e in paper_audit(client) if e["action"] == "paper.agreed"]
    assert len(agreed) == 1 and agreed[0]["detail"]["entered_by"] == ["张三", "李四"]
    assert agreed[0]["detail"]["same_person"] is False


def test_disagreeing_entries_never_count_and_the_console_shows_both_values(open_roadshow):
    client, ev, p = open_roadshow
    code = sheet_code("E2", p, "final")
    enter_ok(client, code, EXPERT, "张三")
    r = enter_ok(client, code, OTHER, "李四")
    assert r["status"] == "mismatch" and mark_of(client, p, "E2") is None
    snap = contest(client)
    sheets = snap["paper"]["sheets"]
    assert snap["paper"]["mismatches"] == 1 and [s["code"] for s in sheets] == [code]
    assert sheets[0]["mismatches"][0]["differences"] == {"need": [20.0, 19.0]}, "both values of the criterion"
    phones(ev, p, but="E2")
    ev.act("close_scoring", confirm=True)
    assert mark_of(client, p, "E2") is None, "closing the roadshow does not make a disputed sheet count"
    assert ",E2," not in client.get("/api/contests/c1/marks.csv", headers=ORG).text, "not among the counted marks"
    # a third entry agreeing with one of them settles the sheet; the other is superseded
    third = enter_ok(client, code, OTHER, "王五")
    assert third["status"] == "agreed" and mark_of(client, p, "E2")["values"]["need"] == 19.0
    assert contest(client)["paper"]["sheets"] == [] and contest(client)["paper"]["agreed"] == 1
    assert ",E2," in client.get("/api/contests/c1/marks.csv", headers=ORG).text
    actions = [e["action"] for e in paper_audit(client)]
    assert sorted(actions) == sorted(["paper.entry"] * 3 + ["paper.mismatch", "paper.agreed"])


def test_one_person_entering_twice_is_recorded(open_roadshow):
    client, _, p = open_roadshow
    code = sheet_code("E3", p, "final")
    enter_ok(client, code, EXPERT, "张三")
    r = enter_ok(client, code, EXPERT, " 张三 ")
    assert r["status"] == "agreed"
    agreed = next(e for e in paper_audit(client) if e["action"] == "paper.agreed")
    assert agreed["detail"]["same_person"] is True and agreed["detail"]["entered_by"] == ["张三", "张三"]
    entries = [e for e in paper_audit(client) if e["action"] == "paper.entry"]
    assert [e["detail"]["entered_by"] for e in entries] == ["张三", "张三"] and all(e["actor"] for e in entries)
    page = client.get("/api/contests/c1/audit/entries?kind=paper", headers=ORG).json()["entries"]
    assert any("同一人录入两次" in e["extra"] for e in page), "the readable audit says so too"


def test_bad_input_is_refused_and_nothing_is_stored(open_roadshow):
    client, _, p = open_roadshow
    before = len(paper_audit(client))
    code = sheet_code("E1", p, "final")
    cases = [
        (enter(client, code, dict(EXPERT, need=26), "张三"), 422),        # over the criterion's maximum
        (enter(client, code, dict(EXPERT, need=20.05), "张三"), 422),     # off the step
        (enter(client, code, {"need": 20}, "张三"), 422),                 # criteria missing
        (enter(client, code, dict(EXPERT, extra=1), "张三"), 422),        # unknown criterion
        (enter(client, code, EXPERT, ""), 422),                           # who typed it is required
        (enter(client, code, EXPERT, "张" * 41), 422),
        (enter(client, "P:NOBODY:P01:final", EXPERT, "张三"), 404),        # unknown judge
        (enter(client, "hello", EXPERT, "张三"), 404),                     # not a sheet code
        (enter(client, sheet_code("E1", p, "overtime3"), EXPERT, "张三"), 404),  # no such round
        (enter(client, sheet_code("U03", "P03", "final"), {"overall": 80}, "张三"), 409),  # recused
        (enter(client, sheet_code("E1", "P01" if p != "P01" else "P02", "final"), EXPERT, "张三"), 409),  # not open
        (client.post("/api/contests/c1/paper/entries", headers=ORG, content=b"{"), 400),
    ]
    for r, status in cases:
        assert r.status_code == status, (status, r.text)
        assert isinstance(r.json()["error"], str) and r.json()["error"]
    assert len(paper_audit(client)) == before and contest(client)["paper"]["entries"] == 0, "nothing stored"
    assert client.get("/api/contests/c1/paper/sheet?code=P:E1:NOPE:final", headers=ORG).status_code == 404
    assert client.get("/api/contests/c1/paper", headers={}).status_code == 401, "organizer only"


def test_recused_judge_refused_with_its_reason(open_roadshow):
    client, _, _ = open_roadshow
    r = enter(client, "P:U03:P03", {"overall": 80}, "张三")
    assert r.status_code == 409 and "回避" in r.json()["error"] and r.json()["code"] in ("recused", "not_open")


def test_replacing_a_phone_mark_set_needs_the_flag_and_is_a_correction(open_roadshow):
    client, ev, p = open_roadshow
    e4 = judges(client)["E4"]
    submit_ok(client, e4, p, EXPERT)
    code = sheet_code("E4", p, "final")
    r = enter(client, code, OTHER, "张三")
    assert r.status_code == 409 and r.json()["code"] == "has_marks" and "手机" in r.json()["error"]
    assert contest(client)["paper"]["entries"] == 0
    enter_ok(client, code, OTHER, "张三", replace=True)
    r = enter_ok(client, code, OTHER, "李四", replace=True)
    assert r["status"] == "agreed" and mark_of(client, p, "E4")["values"]["need"] == 19.0
    fix = client.get("/api/contests/c1/audit?kind=correction", headers=ORG).json()["entries"]
    assert len(fix) == 1 and fix[0]["reason"] == "纸质评分表 / paper sheet"
    assert fix[0]["detail"]["before"]["values"]["need"] == 20.0 and fix[0]["detail"]["after"]["values"]["need"] == 19.0
    # an agreed paper sheet is itself a mark set: another entry for it needs the flag again
    assert enter(client, code, EXPERT, "王五").json()["code"] == "has_marks"


def test_entered_after_the_roadshow_closed_and_counted(open_roadshow):
    client, ev, p = open_roadshow
    phones(ev, p, but="E5")
    ev.act("close_scoring", confirm=True)
    ev.act("show_result")
    code = sheet_code("E5", p, "final")
    enter_ok(client, code, EXPERT, "张三")
    assert enter_ok(client, code, EXPERT, "李四")["status"] == "agreed"
    results = client.get("/api/contests/c1/results", headers=ORG).json()
    assert any(r["project"] == p for r in results["results"])
    assert ",E5," in client.get("/api/contests/c1/marks.csv", headers=ORG).text, "it counts at once"


def test_a_discarded_entry_never_counts(open_roadshow):
    client, _, p = open_roadshow
    code = sheet_code("E6", p, "final")
    bad = enter_ok(client, code, OTHER, "张三")["entry"]["id"]
    enter_ok(client, code, EXPERT, "李四")
    r = client.post(f"/api/contests/c1/paper/entries/{bad}/discard", headers=ORG, json={"reason": ""})
    assert r.status_code == 422
    r = client.post(f"/api/contests/c1/paper/entries/{bad}/discard", headers=ORG, json={"reason": "录入笔误"})
    assert r.status_code == 200 and r.json()["entry"]["status"] == "discarded"
    assert mark_of(client, p, "E6") is None, "discarding one of two leaves one entry: still not counted"
    assert client.post(f"/api/contests/c1/paper/entries/{bad}/discard", headers=ORG,
                       json={"reason": "again"}).status_code == 409
    again = enter_ok(client, code, OTHER, "王五")  # equal to the discarded entry, which is out of the game
    assert again["status"] == "mismatch" and bad not in again["sheet"]["mismatches"][0]["entries"]
    assert enter_ok(client, code, EXPERT, "赵六")["status"] == "agreed"
    assert mark_of(client, p, "E6")["values"]["need"] == 20.0
    assert "paper.discard" in [e["action"] for e in paper_audit(client)]


def test_a_restart_keeps_pending_entries_and_mismatches(tmp_path):
    db = tmp_path / "restart.db"
    with make_client(db) as client:
        ev = Evening(client)
        ev.act("start")
        p = ev.state["setup"]["order"][0]
        ev.act("present", project=p)
        ev.act("open_scoring")
        code = sheet_code("E1", p, "final")
        enter_ok(client, code, EXPERT, "张三")
        enter_ok(client, code, OTHER, "李四")
        enter_ok(client, sheet_code("E2", p, "final"), EXPERT, "张三")
    with make_client(db) as client:
        paper = contest(client)["paper"]
        assert paper["entries"] == 3 and paper["mismatches"] == 1 and len(paper["sheets"]) == 2
        assert enter_ok(client, code, EXPERT, "王五")["status"] == "agreed", "entries from before the restart agree"
        assert enter_ok(client, sheet_code("E2", p, "final"), EXPERT, "李四")["status"] == "agreed"
        assert mark_of(client, p, "E1")["submission_id"].startswith("paper:")


def test_sheet_lookup_by_code_or_fields_and_the_overview(open_roadshow):
    client, _, p = open_roadshow
    by_code = client.get(f"/api/contests/c1/paper/sheet?code=p:E1:{p}", headers=ORG)  # typed: lower p, no round
    by_fields = client.get(f"/api/contests/c1/paper/sheet?judge=E1&project={p}&round=final", headers=ORG)
    assert by_code.status_code == by_fields.status_code == 200 and by_code.json() == by_fields.json()
    sheet = by_code.json()
    assert sheet["code"] == f"P:E1:{p}:final" and [c["id"] for c in sheet["criteria"]] == list(EXPERT)
    overview = client.get("/api/contests/c1/paper", headers=ORG).json()
    assert overview["roadshows"][0]["round"] == "final" and len(overview["roadshows"][0]["projects"]) == 15


def test_sheet_codes_round_trip_awkward_ids():
    for judge, project, round_name in [("E1", "P03", "final"), ("评委:甲", "项目 1", "overtime2"), ("a%3A", ":", "x")]:
        code = sheet_code(judge, project, round_name)
        assert code.count(":") == 3 and parse_sheet_code(code) == (judge, project, round_name)
    assert parse_sheet_code(" P:E1:P03 ", "final") == ("E1", "P03", "final")


def _small(client) -> Evening:
    body = {"id": "small", "name": "小型测试赛", "rules_preset": "expert_public.toml",
            "projects": [{"id": f"P{i}", "name": f"项目{i}"} for i in range(1, 4)],
            "judges": [{"id": f"E{i}", "name": f"专家{i}", "panel": "expert"} for i in range(1, 6)]
            + [{"id": f"U{i}", "name": f"大众{i}", "panel": "public"} for i in range(1, 5)]}
    create_contest(client, body)
    r = client.post("/api/contests/small/draw", headers=ORG, json={"seed": "纸质"})
    assert r.status_code == 200, r.text
    return Evening(client, "small", r.json())


def test_refused_once_locked_and_the_archive_carries_the_entries(tmp_path):
    with make_client(tmp_path / "lock.db") as client:
        ev = _small(client)
        levels = {"P1": 0.9, "P2": 0.7, "P3": 0.5}
        ev.run(["P1", "P2", "P3"], lambda j, pid: None if j["id"] == "E5" and pid == "P2"
               else spread_marks(j, levels[pid], int(j["id"][1:])), confirm=True)
        code = sheet_code("E5", "P2", "final")
        enter_ok(client, code, EXPERT, "张三", cid="small")
        enter_ok(client, code, EXPERT, "李四", cid="small")
        enter_ok(client, sheet_code("E4", "P3", "final"), OTHER, "张三", cid="small", replace=True)  # left pending
        ev.act("rank")
        ev.reveal_and_lock()
        r = enter(client, sheet_code("E4", "P3", "final"), OTHER, "李四", cid="small", replace=True)
        assert r.status_code == 409 and r.json()["code"] == "locked" and "锁定" in r.json()["error"]
        pending = contest(client, "small")["paper"]["sheets"][0]["pending"][0]["id"]
        assert client.post(f"/api/contests/small/paper/entries/{pending}/discard", headers=ORG,
                           json={"reason": "x"}).status_code == 409
        book = load_workbook(io.BytesIO(client.get("/api/contests/small/export/results.xlsx", headers=ORG).content))
        notes = [str(cell.value or "") + (cell.comment.text if cell.comment else "") for ws in book.worksheets
                 for row in ws.iter_rows() for cell in row]
        assert any("来源：纸质评分表" in n for n in notes), "the panel sheet marks the paper mark set"
        pdf = tmp_path / "e5.pdf"
        pdf.write_bytes(client.get("/api/contests/small/export/scoresheets.pdf?judge=E5", headers=ORG).content)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "来源：纸质评分表" in text, "and so does the judge's PDF sheet"
        archive = client.get("/api/contests/small/export/archive.json", headers=ORG).json()
        assert [e["status"] for e in archive["paper_entries"]] == ["agreed", "agreed", "pending"]
        r = client.post("/api/contests/import?as=small2", headers=ORG, json=archive)
        assert r.status_code == 201, r.text
        copy = contest(client, "small2")
        assert copy["paper"]["entries"] == 3 and copy["paper"]["agreed"] == 1 and len(copy["paper"]["sheets"]) == 1
        e5 = next(m for m in copy["marks"] if (m["project"], m["judge"]) == ("P2", "E5"))
        assert "paper:" in e5["submission_id"]
        text = client.get("/api/contests/small2/export/marks.csv", headers=ORG).content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {r["来源"] for r in rows if r["评委编号"] == "E5" and r["项目编号"] == "P2"} == {"纸质"}
