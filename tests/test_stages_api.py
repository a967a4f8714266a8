"""The stages over the API (judging.app.stages, judging.web.stages_api): a review stage opened with a deadline,
judges scoring applications at any time and changing their marks, progress in the console, the deadline and
the close, advancement filling the next stage (same projects, audit on both), the final carrying the first
stage's totals; and every refusal a clear 4xx that changes nothing."""

from __future__ import annotations

import uuid

import pytest

from judging.app.setup_commands import load_preset
from tests.helpers import ORG, Evening, bearer, contest, create_contest, make_client
from tests.season_kit import NOW, Clock

BASE = '''name = "初审：专家评分"
[marks]
min = 0
max = 100
step = 0.1
[[criteria]]
id = "need"
max = 25
[[criteria]]
id = "design"
max = 30
[[criteria]]
id = "impact"
max = 25
[[criteria]]
id = "team"
max = 20
[[panels]]
id = "expert"
label = "专家评审团 Expert panel"
weight = 1
method = "mean"
'''
REVIEW_RULES = BASE + '''[advance]
count = 3
breakers = ["panel:expert", "shared"]
'''
FINAL_RULES = BASE + "[carry]\nweight = 0.3\n"
APPS = [{"id": f"A{i}", "name": f"申报项目{i}", "organization": f"机构{i}", "track": "社区", "requested": 10000 * i}
        for i in range(1, 6)]
JUDGES = [{"id": f"R{i}", "name": f"初审专家{i}", "panel": "expert"} for i in range(1, 4)]


@pytest.fixture
def env(tmp_path):
    clock = Clock()
    with make_client(tmp_path / "stages.db", demo=False, clock=clock) as c:
        yield c, clock, tmp_path / "stages.db"


def review_marks(level: float) -> dict:
    return {"need": round(25 * level, 1), "design": round(30 * level, 1), "impact": round(25 * level, 1),
            "team": round(20 * level, 1)}


def post(c, path, body=None, status=200):
    r = c.post(path, headers=ORG, json=body or {})
    assert r.status_code == status, (path, r.status_code, r.text)
    return r.json()


def review_submit(c, token, project, marks, sid=None):
    return c.post("/api/judge/review/submit", headers=bearer(token),
                  json={"submission_id": sid or uuid.uuid4().hex, "project": project, "marks": marks})


def setup_review(c):
    snap = create_contest(c, {"id": "rev", "name": "2026 公益创投", "rules_text": REVIEW_RULES, "rules_name": "r.toml",
                              "projects": APPS, "judges": JUDGES})
    post(c, "/api/contests/rev/stage", {"kind": "review", "label": "初审"})
    nxt = post(c, "/api/contests/rev/stages", {"id": "fin", "kind": "live", "label": "决赛", "rules_text": FINAL_RULES,
                                                "judges": [{"id": "E1", "name": "专家一", "panel": "expert"}]}, 201)
    return {j["id"]: j["token"] for j in snap["setup"]["judges"]}, nxt


def test_a_review_stage_to_a_final(env):
    c, clock, _ = env
    tokens, nxt = setup_review(c)
    assert nxt["stage"]["stage"] == 2 and nxt["stage"]["series"] == "rev" and nxt["setup"]["projects"] == []
    assert nxt["setup"]["rules"]["text"] == FINAL_RULES
    first = contest(c, "rev")["stage"]
    assert (first["kind"], first["label"], first["stage"]) == ("review", "初审", 1)
    assert [s["id"] for s in first["series_stages"]] == ["rev", "fin"]
    # not open yet: the judge's marks are refused, nothing stored
    r = review_submit(c, tokens["R1"], "A1", review_marks(0.9))
    assert r.status_code == 409 and "尚未开放" in r.json()["error"]
    post(c, "/api/contests/rev/review", {"action": "open", "deadline": NOW + 86400})
    # any order, any time; a judge changes their marks until the close
    levels = {"A1": 0.9, "A2": 0.8, "A3": 0.7, "A4": 0.6, "A5": 0.5}
    for jid, token in tokens.items():
        for pid, lv in levels.items():
            assert review_submit(c, token, pid, review_marks(lv)).status_code == 200
    clock.now += 3600
    ok = review_submit(c, tokens["R1"], "A5", review_marks(0.95))
    assert ok.status_code == 200 and ok.json()["review"]["done"] == 5
    listing = c.get("/api/judge/review", headers=bearer(tokens["R2"])).json()
    assert [i["status"] for i in listing["items"]] == ["scored"] * 5
    assert listing["items"][0]["status_label"]["zh"] == "已评"
    snap = contest(c, "rev")["stage"]
    assert snap["review"]["progress"]["judges"][0] == {"judge": "R1", "done": 5, "of": 5, "name": "初审专家1"}
    assert snap["review"]["progress"]["complete"] is True
    assert snap["advancement"].get("error") is None, snap["advancement"]
    # the ranking counts every mark; R1's change moved A5 up
    assert [r["project"] for r in snap["ranking"]][:3] == ["A1", "A2", "A3"]
    # the deadline passes: marks refused; the console says so
    clock.now = NOW + 86400
    r = review_submit(c, tokens["R1"], "A4", review_marks(0.1))
    assert r.status_code == 409 and "截止时间" in r.json()["error"]
    assert contest(c, "rev")["stage"]["review"]["past_deadline"] is True
    # advancing before the close is refused
    assert c.post("/api/contests/rev/advance", headers=ORG).status_code == 409
    post(c, "/api/contests/rev/review", {"action": "close"})
    final = post(c, "/api/contests/rev/advance")
    assert final["contest"]["id"] == "fin"
    assert [p["id"] for p in final["setup"]["projects"]] == ["A1", "A2", "A3"]
    assert final["setup"]["projects"][0] == {**APPS[0], "community": "", "requested": 10000.0}
    st = final["stage"]
    assert st["came_from"] == "rev" and st["came_from_label"] == "初审"
    assert [r["advanced"] for r in st["earlier"]] == [True, True, True, False, False]
    assert dict(map(tuple, st["previous"]))["A1"] == st["earlier"][0]["total"]
    assert contest(c, "rev")["stage"]["review"]["phase"] == "advanced"
    for cid in ("rev", "fin"):
        entries = c.get(f"/api/contests/{cid}/audit", headers=ORG).json()["entries"]
        adv = [e for e in entries if e["action"] == "stage.advance"]
        assert len(adv) == 1 and adv[0]["detail"]["advancing"] == ["A1", "A2", "A3"]
    # twice: refused
    assert c.post("/api/contests/rev/advance", headers=ORG).status_code == 409
    # the final: one judge's marks, the first stage's totals carried (0.3)
    e1 = final["setup"]["judges"][0]["token"]
    post(c, "/api/contests/fin/draw", {"seed": "s"})
    for a in ("start",):
        post(c, "/api/contests/fin/actions", {"action": a})
    order = contest(c, "fin")["setup"]["order"]
    for n, pid in enumerate(order):
        post(c, "/api/contests/fin/actions", {"action": "present", "project": pid})
        post(c, "/api/contests/fin/actions", {"action": "open_scoring"})
        r = c.post("/api/judge/submit", headers=bearer(e1), json={"submission_id": uuid.uuid4().hex, "project": pid,
                                                                   "round": "final", "marks": review_marks(0.8)})
        assert r.status_code == 200, r.text
        post(c, "/api/contests/fin/actions", {"action": "close_scoring", "confirm": True})
        post(c, "/api/contests/fin/actions", {"action": "show_result"})
        if n < len(order) - 1:
            post(c, "/api/contests/fin/actions", {"action": "next"})
    res = c.get("/api/contests/fin/results", headers=ORG).json()
    assert res["carry_weight"] == 0.3
    prev = dict(map(tuple, st["previous"]))
    for row in res["results"]:
        assert row["previous_total"] == prev[row["project"]]
        assert row["total"] == round(0.7 * row["stage_total"] + 0.3 * row["previous_total"], 2)
    # the final's exports show both stages; the first stage's and a lone contest's workbook have no such sheet
    import io

    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(c.get("/api/contests/fin/export/results.xlsx", headers=ORG).content))
    assert "初审排名" in wb.sheetnames and "两阶段得分" in wb.sheetnames
    ws = wb["初审排名"]
    rows = [[ws.cell(r, k).value for k in range(1, 7)] for r in range(5, 10)]
    assert [r[1] for r in rows] == [e["project"] for e in st["earlier"]]
    assert [r[5] for r in rows] == ["晋级"] * 3 + ["未晋级"] * 2
    both = wb["两阶段得分"]
    assert {both.cell(r, 2).value: both.cell(r, 4).value for r in range(5, 8)} == prev
    first = openpyxl.load_workbook(io.BytesIO(c.get("/api/contests/rev/export/results.xlsx", headers=ORG).content))
    assert not any("排名" in n or "两阶段" in n for n in first.sheetnames)
    archive = c.get("/api/contests/fin/export/archive.json", headers=ORG).json()
    assert archive["stage"]["came_from"] == "rev" and len(archive["stage"]["earlier"]) == 5
    assert all("previous_total" in r for r in archive["results"]["results"])


def test_the_stages_survive_a_restart(env, tmp_path):
    c, clock, db = env
    tokens, _ = setup_review(c)
    post(c, "/api/contests/rev/review", {"action": "open", "deadline": NOW + 86400})
    assert review_submit(c, tokens["R1"], "A1", review_marks(0.9)).status_code == 200
    c.__exit__(None, None, None)
    with make_client(db, demo=False, clock=clock) as again:
        st = contest(again, "rev")["stage"]
        assert st["review"]["phase"] == "open" and st["review"]["progress"]["done"] == 1
        assert contest(again, "fin")["stage"]["stage"] == 2
        page = again.get(f"/j/{tokens['R1']}")
        assert page.status_code == 200 and "judge_review" in page.text


def test_refusals_change_nothing(env):
    c, clock, _ = env
    create_contest(c, {"id": "solo", "name": "单场", "projects": APPS[:2], "judges": JUDGES[:1]})
    lone = contest(c, "solo")
    assert "stage" not in lone                       # a lone contest's snapshot is as before
    assert c.post("/api/contests/solo/review", headers=ORG, json={"action": "open", "deadline": NOW + 10}).status_code == 409
    assert c.post("/api/contests/solo/stage", headers=ORG, json={"kind": "paper"}).status_code == 422
    assert c.post("/api/contests/solo/stage", headers=ORG, json={"label": "x" * 30}).status_code == 422
    assert c.post("/api/contests/solo/advance", headers=ORG).status_code == 409      # no next stage
    # a review stage whose [advance] breaks ties by overtime is refused, with the reason
    bad = load_preset("expert_public.toml").text + '\n[advance]\ncount = 1\nbreakers = ["overtime", "shared"]\n'
    create_contest(c, {"id": "bad", "name": "b", "rules_text": bad, "projects": APPS[:2], "judges": JUDGES[:1]})
    r = c.post("/api/contests/bad/stage", headers=ORG, json={"kind": "review"})
    assert r.status_code == 422 and "加时赛" in r.json()["error"]
    assert "stage" not in contest(c, "bad")
    # a review stage has no evening to drive; a live judge's link does not work on the review endpoints
    tokens, nxt = setup_review(c)
    r = c.post("/api/contests/rev/actions", headers=ORG, json={"action": "start"})
    assert r.status_code == 409 and "书面评审" in r.json()["error"]
    live_judge = nxt["setup"]["judges"][0]["token"]
    assert c.get("/api/judge/review", headers=bearer(live_judge)).status_code == 409
    assert c.get("/api/judge/review", headers=bearer("nope")).status_code == 401
    # deadlines: in the past, not a number
    for body in ({"action": "open", "deadline": NOW - 1}, {"action": "open", "deadline": "tomorrow"},
                 {"action": "open"}, {"action": "launch", "deadline": NOW + 10}):
        assert c.post("/api/contests/rev/review", headers=ORG, json=body).status_code in (409, 422), body
    post(c, "/api/contests/rev/review", {"action": "open", "deadline": NOW + 100})
    for marks, status in (({"need": 99, "design": 1, "impact": 1, "team": 1}, 422), ({"need": 1}, 422)):
        assert review_submit(c, tokens["R1"], "A1", marks).status_code == status
    assert review_submit(c, tokens["R1"], "NOPE", review_marks(0.5)).status_code == 404
    # the submission id is the judge's own: a replay is a duplicate, another judge's use is refused
    sid = uuid.uuid4().hex
    assert review_submit(c, tokens["R1"], "A1", review_marks(0.5), sid).status_code == 200
    again = review_submit(c, tokens["R1"], "A1", review_marks(0.9), sid)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert review_submit(c, tokens["R2"], "A1", review_marks(0.5), sid).status_code == 409
    marks = contest(c, "rev")["marks"]
    assert [(m["judge"], m["values"]["need"]) for m in marks] == [("R1", 12.5)]
    # the stage kind cannot change once the review has marks; a second next stage is refused
    assert c.post("/api/contests/rev/stage", headers=ORG, json={"kind": "live"}).status_code == 409
    assert c.post("/api/contests/rev/stages", headers=ORG, json={"kind": "live"}).status_code == 409
    # the next stage's projects come only from the advancement
    assert c.post("/api/contests/fin/stages", headers=ORG,
                  json={"projects": APPS}).status_code == 422


def test_a_live_stage_advances_by_minimum_score_once_locked(env):
    c, clock, _ = env
    rules = BASE + "[advance]\nmin_score = 70\n"
    create_contest(c, {"id": "semi", "name": "复赛", "rules_text": rules, "projects": APPS, "judges": JUDGES})
    post(c, "/api/contests/semi/stage", {"label": "复赛"})
    post(c, "/api/contests/semi/stages", {"id": "fin", "label": "决赛"}, 201)
    assert contest(c, "fin")["setup"]["rules"]["text"] == rules          # copied
    post(c, "/api/contests/semi/draw", {"seed": "x"})
    ev = Evening(c, "semi")
    levels = {"A1": 0.9, "A2": 0.7, "A3": 0.69, "A4": 0.8, "A5": 0.5}
    ev.run(ev.state["setup"]["order"], lambda j, pid: review_marks(levels[pid]))
    ev.act("rank")
    r = c.post("/api/contests/semi/advance", headers=ORG)
    assert r.status_code == 409 and "锁定" in r.json()["error"]           # not before the lock
    ev.reveal_and_lock()
    final = post(c, "/api/contests/semi/advance")
    assert [p["id"] for p in final["setup"]["projects"]] == ["A1", "A2", "A4"]
    reasons = {r["project"]: r["reason"] for r in final["stage"]["earlier"]}
    assert "低于晋级分数线 70" in reasons["A3"] and "达到晋级分数线" in reasons["A2"]
    # the next stage's projects now exist, so its order can be drawn; advancing again is refused, nothing changes
    post(c, "/api/contests/fin/draw", {"seed": "y"})
    r = c.post("/api/contests/semi/advance", headers=ORG)
    assert r.status_code == 409 and "已经晋级" in r.json()["error"]
    assert len(contest(c, "fin")["setup"]["order"]) == 3


def test_a_duplicated_stage_is_a_lone_contest_and_the_season_keeps_its_own(env):
    """Last year's final copied for this year's: the setup comes along, the season's link does not (the copy
    would otherwise claim to be a second stage 2 of last year's season)."""
    c, clock, db = env
    setup_review(c)
    r = c.post("/api/contests/fin/duplicate", headers=ORG, json={"id": "fin2027"})
    assert r.status_code in (200, 201), r.text
    copy = contest(c, "fin2027")
    assert copy.get("stage") is None and copy["setup"]["rules"]["text"] == FINAL_RULES
    assert [s["id"] for s in contest(c, "rev")["stage"]["series_stages"]] == ["rev", "fin"]
    assert c.get("/api/contests/fin2027/results", headers=ORG).status_code == 200
    c.__exit__(None, None, None)
    with make_client(db, demo=False, clock=clock) as again:
        assert contest(again, "fin2027").get("stage") is None
        assert [s["id"] for s in contest(again, "fin")["stage"]["series_stages"]] == ["rev", "fin"]
