"""A complete evening through the JSON API and the sockets, in-process (Starlette TestClient).

Demo contest: 15 roadshows, 27 judges (7 expert, 20 public), the 70/30 preset.  Two projects get
identical marks from every judge, so they tie for first place (an award boundary) -> overtime ->
awards reveal -> lock.  The big-screen channel is watched all evening; the live results must equal
`run.py score` on the exported marks.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ROOT
from tests.helpers import ORG, Evening, make_client
TIED = ("P05", "P09")


def marks_for(judge: dict, project: str, rng: random.Random, level: float) -> dict:
    if judge["panel"] == "expert":
        parts = {"need": 25, "design": 30, "impact": 25, "team": 20}
        return {k: round(min(m, max(0, m * level + rng.uniform(-2, 2))), 1) for k, m in parts.items()}
    return {"overall": round(min(100, max(0, 100 * level + rng.uniform(-6, 6))), 1)}


class ScreenWatcher:
    """Reads the screen socket after every step; records the phases it saw, in order."""

    def __init__(self, ws) -> None:
        self.ws, self.phases, self.snapshots = ws, [], []

    def wait_for(self, phase: str, current: str | None = None) -> dict:
        while True:
            msg = self.ws.receive_json()
            if msg["type"] != "state":
                continue
            self.snapshots.append(msg)
            if not self.phases or self.phases[-1] != msg["phase"]:
                self.phases.append(msg["phase"])
            self.check_no_early_marks(msg)
            if msg["phase"] == phase and (current is None or (msg["current"] or {}).get("id") == current):
                return msg

    @staticmethod
    def check_no_early_marks(msg: dict) -> None:
        if msg["phase"] != "result":
            assert msg["result"] is None, "the screen must not show marks before the result step"
        if msg["phase"] != "locked":
            for row in msg["leaderboard"]:
                assert "award" not in row and "grant" not in row, "awards appear only when revealed"
        if msg["phase"] in ("presenting", "scoring") and msg["current"] and msg["round"] == "final":
            assert msg["current"]["id"] not in {r["project"] for r in msg["leaderboard"]}


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path / "evening.db") as c:
        c.app.state.publisher.coalescer.interval = 0.02  # still coalesced, but this evening is pressed very fast
        yield c


def test_complete_evening_with_tie_overtime_reveal_and_lock(client, tmp_path):
    ev = Evening(client)
    rng = random.Random(2026)
    screen_token = ev.state["setup"]["screen_link"].rsplit("/", 1)[1]
    levels = {p["id"]: 0.70 + 0.015 * i for i, p in enumerate(ev.state["setup"]["projects"])}
    levels[TIED[0]] = levels[TIED[1]] = 0.97  # clearly first, together
    tied_marks: dict[str, dict] = {}
    expert = next(j for j in ev.judges if j["panel"] == "expert")

    with client.websocket_connect(f"/ws/s/{screen_token}") as ws_screen, \
            client.websocket_connect(f"/ws/j/{expert['token']}") as ws_judge:
        screen = ScreenWatcher(ws_screen)
        first = screen.wait_for("setup")
        assert first["contest"]["name"].startswith("2026")
        assert ws_judge.receive_json()["task"]["kind"] == "wait"
        ev.act("start")
        screen.wait_for("idle")
        order = ev.state["order"]
        assert len(order) == 15

        for n, item in enumerate(order, start=1):
            pid = item["id"]
            ev.act("present")
            shown = screen.wait_for("presenting", pid)
            assert shown["current"]["position"] == n and shown["timer"]["duration"] == 300
            ev.act("open_scoring")
            screen.wait_for("scoring", pid)
            task = _latest(ws_judge, lambda m: m["task"]["kind"] == "score" and m["task"]["project"] == pid)
            assert task["me"]["id"] == expert["id"] and task["rubric"]["criteria"][0]["id"] == "need"
            for j in ev.judges:
                if pid in TIED:
                    marks = tied_marks.setdefault(j["id"], marks_for(j, pid, rng, levels[pid]))
                else:
                    marks = marks_for(j, pid, rng, levels[pid])
                r = ev.submit(j, pid, "final", marks)
                recused = (j["id"], pid) in {("U03", "P03"), ("U10", "P11")}
                assert r.status_code == (409 if recused else 200), r.text
            expected = 26 if pid in ("P03", "P11") else 27
            progress = screen.wait_for("scoring", pid)
            while progress["progress"]["submitted"] != expected:
                progress = screen.wait_for("scoring", pid)
            assert progress["progress"] == {"submitted": expected, "expected": expected}
            ev.act("close_scoring")
            closed = screen.wait_for("closed", pid)
            # nothing that the just-closed roadshow changed is public before its result: not its row, and not the
            # others' ranks either (they would tell where it landed)
            assert closed["leaderboard"] == [] and closed["ties"] == [] and closed["needs_overtime"] == []
            ev.act("show_result")
            result = screen.wait_for("result", pid)["result"]
            expert_panel = next(p for p in result["panels"] if p["id"] == "expert")
            assert [m["dropped"] for m in expert_panel["marks"]].count("high") == 1
            assert [m["dropped"] for m in expert_panel["marks"]].count("low") == 1
            assert all("judge" not in m and "name" not in m for m in expert_panel["marks"]), "screen is anonymous"
            if n < 15:
                ev.act("next")
                screen.wait_for("idle")

        ranking = ev.act("rank")
        board = screen.wait_for("ranking")
        tie = next(t for t in ranking["ties"] if t["crosses_boundary"])
        assert sorted(tie["projects"]) == sorted(TIED) and tie["resolved_by"] is None
        assert ranking["needs_overtime"] == [sorted(TIED)]
        assert [r["rank"] for r in ranking["results"][:3]] == [1, 1, 3]
        assert board["ties"] and board["needs_overtime"]
        totals_before = {r["project"]: r["total"] for r in ranking["results"]}

        # locking or revealing with the tie undecided is refused
        for action in ("lock", "start_reveal"):
            r = client.post("/api/contests/c1/actions", headers=ORG, json={"action": action})
            assert r.status_code == 409 and "tie" in r.json()["error"]

        ev.act("start_overtime")
        ot = screen.wait_for("idle")
        assert ot["round"] == "overtime1" and [p["id"] for p in ot["overtime_groups"][0]] == sorted(TIED)
        winner, runner_up = TIED[1], TIED[0]
        for pid in sorted(TIED):
            ev.act("present", project=pid)
            screen.wait_for("presenting", pid)
            ev.act("open_scoring")
            task = _latest(ws_judge, lambda m: m["task"]["kind"] == "score" and m["task"]["project"] == pid)
            assert task["task"]["overtime"] and task["round"] == "overtime1"
            for j in ev.judges:
                level = 0.95 if pid == winner else 0.85
                assert ev.submit(j, pid, "overtime1", marks_for(j, pid, rng, level)).status_code == 200
            ev.act("close_scoring")
            ev.act("show_result")
            screen.wait_for("result", pid)
        final = ev.act("rank")
        screen.wait_for("ranking")
        assert final["needs_overtime"] == []
        tie = next(t for t in final["ties"] if t["crosses_boundary"])
        assert tie["resolved_by"] == "overtime"
        assert [r["project"] for r in final["results"][:2]] == [winner, runner_up]
        assert [r["rank"] for r in final["results"][:2]] == [1, 2]
        assert {r["project"]: r["total"] for r in final["results"]} == totals_before, "overtime never changes totals"

        ev.act("start_reveal")
        screen.wait_for("reveal")
        labels = []
        for step in range(1, 5):
            ev.act("reveal_next")
            snap = screen.wait_for("reveal")
            while snap["reveal"]["step"] != step:
                snap = screen.wait_for("reveal")
            labels.append(snap["reveal"]["tiers"][-1]["label"])
        assert labels == ["优秀奖", "三等奖", "二等奖", "一等奖"]
        first_tier = snap["reveal"]["tiers"][-1]
        # 一等奖 is ¥50,000, never more than the project asked for (the demo's P09 asked ¥20,000; issue 9)
        setup = client.get("/api/contests/c1", headers=ORG).json()["setup"]
        asked = {p["id"]: p["requested"] for p in setup["projects"]}[winner]
        assert [p["id"] for p in first_tier["projects"]] == [winner]
        assert first_tier["projects"][0]["grant"] == min(50000, asked)
        ev.act("lock")
        locked = screen.wait_for("locked")
        assert locked["leaderboard"][0]["award_label"] == "一等奖"

    assert screen.phases[:3] == ["setup", "idle", "presenting"]
    assert screen.phases[-4:] == ["idle", "ranking", "reveal", "locked"] or screen.phases[-3:] == [
        "ranking", "reveal", "locked"]
    _assert_phase_order(screen.phases)

    # the live results equal `run.py score` on the exported marks and the contest's own rules
    marks = client.get("/api/contests/c1/marks.csv", headers=ORG)
    rules = client.get("/api/contests/c1/rules.toml", headers=ORG)
    (tmp_path / "marks.csv").write_text(marks.text, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(rules.text, encoding="utf-8")
    # with the projects (their requested amounts cap the grants, their tracks name the rankings)
    projects = client.get("/api/contests/c1/export/projects-machine.csv", headers=ORG)
    (tmp_path / "projects.csv").write_bytes(projects.content)
    out = subprocess.run([sys.executable, "run.py", "score", "--rules", str(tmp_path / "rules.toml"), "--marks",
                          str(tmp_path / "marks.csv"), "--projects", str(tmp_path / "projects.csv"),
                          "--format", "json"], cwd=ROOT, capture_output=True, text=True, check=True)
    offline = json.loads(out.stdout)
    live = client.get("/api/contests/c1/results", headers=ORG).json()
    key = ("project", "rank", "total", "panels", "award", "grant", "tie")
    assert [{k: r[k] for k in key} for r in offline["results"]] == [{k: r[k] for k in key} for r in live["results"]]
    assert offline["ties"] == live["ties"]

    # the evening is fully in the audit log, and nothing changes after the lock
    audit = client.get("/api/contests/c1/audit", headers=ORG).json()["entries"]
    actions = [e["action"] for e in audit]
    assert actions.count("mark.submit") == 15 * 27 - 2 + 2 * 27
    assert "state.lock" in actions and "order.draw" in actions
    r = client.post("/api/contests/c1/actions", headers=ORG, json={"action": "back"})
    assert r.status_code == 409


def _latest(ws, predicate):
    while True:
        msg = ws.receive_json()
        if msg["type"] == "state" and predicate(msg):
            return msg


def _assert_phase_order(phases: list[str]) -> None:
    """The screen never goes back.  It may skip phases forward: screen snapshots are coalesced (at most one
    build per ~0.1 s), and this test presses the buttons faster than that."""
    allowed_next = {
        "setup": {"idle"}, "idle": {"presenting", "ranking"}, "presenting": {"scoring"},
        "scoring": {"closed"}, "closed": {"result"}, "result": {"idle", "presenting", "ranking"},
        "ranking": {"idle", "reveal", "locked"}, "reveal": {"locked"},
    }
    forward = ["setup", "idle", "presenting", "scoring", "closed", "result", "ranking", "reveal", "locked"]
    for a, b in zip(phases, phases[1:]):
        assert b in allowed_next[a] or forward.index(b) > forward.index(a), f"screen saw {a} -> {b}"


def test_amend_resend_and_close_with_missing_judges(client):
    ev = Evening(client)
    ev.act("start")
    pid = ev.act("present")["current"]["id"]
    e1 = next(j for j in ev.judges if j["id"] == "E1")
    u1 = next(j for j in ev.judges if j["id"] == "U01")
    r = ev.submit(e1, pid, "final", {"need": 20, "design": 25, "impact": 20, "team": 15})
    assert r.status_code == 409 and "not open" in r.json()["error"]
    ev.act("open_scoring")
    sid = uuid.uuid4().hex
    first = ev.submit(e1, pid, "final", {"need": 20, "design": 25, "impact": 20, "team": 15}, sid)
    assert first.json() == {**first.json(), "status": "saved", "duplicate": False, "total": 80.0}
    again = ev.submit(e1, pid, "final", {"need": 20, "design": 25, "impact": 20, "team": 15}, sid)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    amended = ev.submit(e1, pid, "final", {"need": 21, "design": 25, "impact": 20, "team": 15})
    assert amended.json()["total"] == 81.0
    # a late resend of the first submission does not overwrite the amendment
    late = ev.submit(e1, pid, "final", {"need": 20, "design": 25, "impact": 20, "team": 15}, sid)
    assert late.json()["duplicate"] is True and late.json()["current"] is False
    state = client.get("/api/contests/c1", headers=ORG).json()
    row = next(j for j in state["judges_status"] if j["id"] == "E1")
    assert row["submitted"] and row["total"] == 81.0
    # invalid marks: rejected whole, with per-field errors
    bad = ev.submit(u1, pid, "final", {"overall": 100.5})
    assert bad.status_code == 422 and "overall" in bad.json()["errors"]
    bad = ev.submit(e1, pid, "final", {"need": 26, "design": 25.05, "impact": "x"})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"need", "design", "impact", "team"}
    assert next(j for j in client.get("/api/contests/c1", headers=ORG).json()["judges_status"]
                if j["id"] == "E1")["total"] == 81.0
    # closing with 26 judges missing needs confirmation; with too few marks to trim it is refused
    r = client.post("/api/contests/c1/actions", headers=ORG, json={"action": "close_scoring"})
    assert r.status_code == 409 and "confirm" in r.json()["error"]
    r = client.post("/api/contests/c1/actions", headers=ORG, json={"action": "close_scoring", "confirm": True})
    assert r.status_code == 409 and "uncomputable" in r.json()["error"]
    for j in ev.judges:
        if j["id"] not in ("E1", "E2", "U02"):
            marks = marks_for(j, pid, random.Random(j["id"]), 0.8)
            assert ev.submit(j, pid, "final", marks).status_code == 200
    r = client.post("/api/contests/c1/actions", headers=ORG, json={"action": "close_scoring", "confirm": True})
    assert r.status_code == 200
    audit = client.get("/api/contests/c1/audit", headers=ORG).json()["entries"]
    close = next(e for e in audit if e["action"] == "state.close_scoring")
    assert close["detail"]["missing"] == ["E2", "U02"]
    # too late for the judge; the organizer corrects with a reason
    late = ev.submit(next(j for j in ev.judges if j["id"] == "E2"), pid, "final",
                     {"need": 20, "design": 25, "impact": 20, "team": 15})
    assert late.status_code == 409 and "not counted" in late.json()["error"]
    no_reason = client.post("/api/contests/c1/marks/correct", headers=ORG,
                            json={"project": pid, "judge": "E1", "marks": {"need": 22, "design": 25, "impact": 20,
                                                                           "team": 15}})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["errors"]
    before = client.get("/api/contests/c1/results", headers=ORG).json()["results"][0]["total"]
    fixed = client.post("/api/contests/c1/marks/correct", headers=ORG,
                        json={"project": pid, "judge": "E1", "marks": {"need": 5, "design": 5, "impact": 5, "team": 5},
                              "reason": "评委口述 20 分误录为 5 分的更正测试"})
    assert fixed.status_code == 200
    voided = client.post("/api/contests/c1/marks/void", headers=ORG,
                         json={"project": pid, "judge": "U03", "reason": "duplicate device"})
    assert voided.status_code == 200
    after = client.get("/api/contests/c1/results", headers=ORG).json()["results"][0]["total"]
    assert after != before
    audit = client.get(f"/api/contests/c1/audit?judge=E1", headers=ORG).json()["entries"]
    corr = next(e for e in audit if e["action"] == "mark.correct")
    assert corr["reason"].startswith("评委口述") and corr["detail"]["before"]["values"]["need"] == 21
    # back one step re-opens scoring (logged), and the judge can then amend
    ev.act("back")
    assert ev.state["phase"] == "scoring"
    assert ev.submit(next(j for j in ev.judges if j["id"] == "E2"), pid, "final",
                     {"need": 20, "design": 25, "impact": 20, "team": 15}).status_code == 200


def test_draw_is_reproducible_from_its_recorded_seed(client):
    from judging.core.model import draw_order

    r = client.post("/api/contests/c1/draw", headers=ORG, json={"seed": "2026-11-24 公证处"})
    setup = r.json()["setup"]
    assert setup["draw_seed"] == "2026-11-24 公证处"
    assert tuple(setup["order"]) == draw_order([p["id"] for p in setup["projects"]], "2026-11-24 公证处")
    r2 = client.post("/api/contests/c1/draw", headers=ORG, json={})
    assert r2.json()["setup"]["draw_seed"] and r2.json()["setup"]["draw_seed"] != "2026-11-24 公证处"
    manual = list(reversed(setup["order"]))
    r3 = client.post("/api/contests/c1/order", headers=ORG, json={"order": manual})
    assert r3.json()["setup"]["order"] == manual and r3.json()["setup"]["draw_seed"] is None
    bad = client.post("/api/contests/c1/order", headers=ORG, json={"order": manual[:-1]})
    assert bad.status_code == 422 and "order" in bad.json()["errors"]


def test_create_contest_with_uploaded_rules_and_setup_errors(client):
    rules = (ROOT / "scoring_rules" / "standard.toml")
    text = rules.read_text(encoding="utf-8") if rules.exists() else (ROOT / "scoring_rules" /
                                                                     "expert_public.toml").read_text(encoding="utf-8")
    ok = client.post("/api/contests", headers=ORG, json={
        "name": "新锐赛道", "rules_text": text, "projects": [{"id": "A1", "name": "甲"}, {"id": "A2", "name": "乙"}],
        "judges": [], "order": ["A2", "A1"]})
    assert ok.status_code == 201, ok.text
    assert ok.json()["setup"]["rules"]["text"] == text
    bad = client.post("/api/contests", headers=ORG, json={
        "name": "", "projects": [{"id": "A\u00071", "name": ""}, {"id": "A2", "name": "x"}, {"id": "A2", "name": "y"}],
        "judges": [{"id": "J1", "name": "张三", "panel": "nobody"}]})
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert {"name", "projects[0].id", "projects[0].name", "projects[2].id", "judges[0].panel"} <= set(errors)
    bad_rules = client.post("/api/contests", headers=ORG, json={"name": "x", "rules_text": "name = 'x'\n[[panels]]\n"
                                                                                          "id='a'\nmethod='avg'\n"})
    assert bad_rules.status_code == 422 and "method" in bad_rules.json()["error"]
    junk = client.post("/api/contests", headers={**ORG, "content-type": "application/json"}, content=b"{not json")
    assert junk.status_code == 400 and junk.json()["error"]
    # setup cannot change once the evening has started
    client.post("/api/contests/c1/actions", headers=ORG, json={"action": "start"})
    r = client.patch("/api/contests/c1", headers=ORG, json={"name": "改名"})
    assert r.status_code == 409


def test_import_preview_then_apply(client):
    csv_text = "编号,项目名称,申报机构,社区,申请金额\nX1,“一老一小”服务,阳光中心,花园社区,\"30,000\"\nX2,,某机构,新港社区,abc\n"
    r = client.post("/api/contests/c1/import/projects", headers=ORG, json={"csv": csv_text})
    assert r.status_code == 422
    assert {(e["row"], e["field"]) for e in r.json()["errors"]} == {(3, "name"), (3, "requested")}
    good = "编号,项目名称,申报机构,社区,申请金额\nX1,“一老一小”服务,阳光中心,花园社区,\"30,000\"\nX2,楼道议事,某机构,新港社区,2万\n"
    r = client.post("/api/contests/c1/import/projects", headers=ORG, json={"csv": good.replace("2万", "20000")})
    assert r.status_code == 200 and r.json()["applied"] is False and r.json()["rows"][0]["requested"] == 30000
    r = client.post("/api/contests/c1/import/projects", headers=ORG,
                    json={"csv": good.replace("2万", "20000"), "dry_run": False})
    assert r.json()["applied"] is True
    assert [p["id"] for p in r.json()["contest"]["setup"]["projects"]] == ["X1", "X2"]
    assert r.json()["contest"]["setup"]["order"] == [], "a new project list needs a new draw"
