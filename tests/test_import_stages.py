"""Importing the archives of a season's stages (judging.app.archive_stages): a two-stage season (a review stage
whose top 2 advance to a live final carrying 30 % of the first stage's totals) is exported, deleted and
imported again, in either order, on the same server (under new ids: a deleted contest's id is never used
again) or on another one (under their own ids).  The final shows both stages again, where its projects came
from, the earlier ranking and the advancement record, and its carried results; the first import's answer
warns that the other stage is missing, the second's does not.  The final imported alone says so; a second
copy of a stage whose season is still here is imported on its own, with the reason; a broken stage part is
refused and nothing is stored."""

from __future__ import annotations

import json
import uuid

import pytest

from judging.app.archive_import import checksum
from tests.helpers import ORG, Evening, bearer, contest, create_contest, make_client
from tests.season_kit import NOW, Clock, REVIEW_RUBRIC

BASE = REVIEW_RUBRIC
REVIEW_RULES = BASE + '[advance]\ncount = 2\nbreakers = ["shared"]\n'
FINAL_RULES = BASE + "[carry]\nweight = 0.3\n"
APPS = [{"id": f"A{i}", "name": f"申报项目{i}", "organization": f"机构{i}"} for i in range(1, 5)]
LEVELS = {"A1": 0.9, "A2": 0.8, "A3": 0.7, "A4": 0.6}


def marks(level: float) -> dict:
    return {"need": round(50 * level * 2) / 2, "plan": round(50 * level * 2) / 2}


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def season(c, now: float = NOW) -> dict[str, dict]:
    """rev (review, 初审) -> fin (live final, 决赛, carry 0.3), advanced and the final run; both archives."""
    snap = create_contest(c, {"id": "rev", "name": "2026 公益创投", "rules_text": REVIEW_RULES, "rules_name": "r.toml",
                              "projects": APPS, "judges": [{"id": f"R{i}", "name": f"初审专家{i}", "panel": "expert"}
                                                           for i in (1, 2)]})
    ok(c.post("/api/contests/rev/stage", headers=ORG, json={"kind": "review", "label": "初审"}))
    ok(c.post("/api/contests/rev/stages", headers=ORG, json={
        "id": "fin", "kind": "live", "label": "决赛", "rules_text": FINAL_RULES,
        "judges": [{"id": "E1", "name": "决赛专家", "panel": "expert"}]}), 201)
    ok(c.post("/api/contests/rev/review", headers=ORG, json={"action": "open", "deadline": now + 86400}))
    for j in snap["setup"]["judges"]:
        for pid, level in LEVELS.items():
            ok(c.post("/api/judge/review/submit", headers=bearer(j["token"]),
                      json={"submission_id": uuid.uuid4().hex, "project": pid, "marks": marks(level)}))
    ok(c.post("/api/contests/rev/review", headers=ORG, json={"action": "close"}))
    ok(c.post("/api/contests/rev/advance", headers=ORG))
    ok(c.post("/api/contests/fin/draw", headers=ORG, json={"seed": "s"}))
    ev = Evening(c, "fin")
    ev.run(ev.state["setup"]["order"], lambda j, pid: marks({"A1": 0.7, "A2": 0.75}[pid]))
    ev.act("rank")
    return {cid: ok(c.get(f"/api/contests/{cid}/export/archive.json", headers=ORG)) for cid in ("rev", "fin")}


@pytest.fixture
def exported(tmp_path):
    """The season's archives and what its final showed, and the server it was made on (still open)."""
    with make_client(tmp_path / "first.db", demo=False, clock=Clock()) as c:
        archives = season(c)
        yield c, archives, contest(c, "fin"), ok(c.get("/api/contests/fin/results", headers=ORG))


def import_archive(c, archive: dict, as_id: str | None = None):
    path = "/api/contests/import" + (f"?as={as_id}" if as_id else "")
    return c.post(path, headers={**ORG, "content-type": "application/json"}, content=json.dumps(archive))


def assert_the_season_is_back(c, rev: str, fin: str, before: dict, results_before: dict) -> None:
    final = contest(c, fin)["stage"]
    assert [(s["id"], s["label"], s["current"]) for s in final["series_stages"]] == [(rev, "初审", False),
                                                                                     (fin, "决赛", True)]
    assert final["came_from"] == rev and final["came_from_label"] == "初审"
    assert final["earlier"] == before["stage"]["earlier"] and final["previous"] == before["stage"]["previous"]
    assert [r["advanced"] for r in final["earlier"]] == [True, True, False, False]
    assert final["carry_weight"] == 0.3
    first = contest(c, rev)["stage"]
    assert first["review"]["phase"] == "advanced" and first["review"]["advanced_to"] == fin
    assert first["next"]["id"] == fin and [s["id"] for s in first["series_stages"]] == [rev, fin]
    res = ok(c.get(f"/api/contests/{fin}/results", headers=ORG))
    assert res["results"] == results_before["results"] and res["carry_weight"] == 0.3
    for cid in (rev, fin):  # the advancement record, as it was archived
        entries = ok(c.get(f"/api/contests/{cid}/audit", headers=ORG))["entries"]
        adv = [e for e in entries if e["action"] == "stage.advance"]
        assert len(adv) == 1 and adv[0]["detail"]["advancing"] == ["A1", "A2"]
        assert adv[0]["detail"]["imported"]["contest_id"] == cid.split("-")[0]


@pytest.mark.parametrize("where", ["same server, new ids", "another server"])
@pytest.mark.parametrize("order", [("rev", "fin"), ("fin", "rev")])
def test_a_deleted_season_imported_again_in_either_order(exported, tmp_path, where, order):
    c, archives, before, results_before = exported
    if where == "another server":
        ids = {"rev": "rev", "fin": "fin"}
        target = make_client(tmp_path / "second.db", demo=False, clock=Clock())
    else:
        for cid in ("rev", "fin"):
            assert ok(c.request("DELETE", f"/api/contests/{cid}", headers=ORG, json={"confirm": cid}))["deleted"] == cid
        assert import_archive(c, archives["rev"]).status_code == 409     # its id stays taken
        ids = {"rev": "rev-again", "fin": "fin-again"}
        target = None
    server = target.__enter__() if target else c
    try:
        first, second = order
        a = ok(import_archive(server, archives[first], ids[first] if target is None else None), 201)
        other = "初审" if first == "fin" else "决赛"
        assert len(a["import_warnings"]) == 1 and other in a["import_warnings"][0]
        assert "不在本服务器上" in a["import_warnings"][0] and " / " in a["import_warnings"][0]
        b = ok(import_archive(server, archives[second], ids[second] if target is None else None), 201)
        assert b["import_warnings"] == []
        assert_the_season_is_back(server, ids["rev"], ids["fin"], before, results_before)
        linked = [e for e in ok(server.get(f"/api/contests/{ids[first]}/audit", headers=ORG))["entries"]
                  if e["action"] == "stage.link"]
        assert len(linked) == (1 if target is None else 0)   # its partner's id was rewritten only when it changed
        record = [e for e in ok(server.get(f"/api/contests/{ids[second]}/audit", headers=ORG))["entries"]
                  if e["action"] == "contest.import"][0]["detail"]["stage"]
        assert record["linked"] is True and record["missing"] == [] and record["with"] == [ids[first]]
        assert record["rewritten"] == ([ids[first]] if target is None else [])
    finally:
        if target:
            target.__exit__(None, None, None)
    if target:  # the link is stored: a restart of the second server keeps it
        with make_client(tmp_path / "second.db", demo=False, clock=Clock()) as again:
            assert_the_season_is_back(again, "rev", "fin", before, results_before)


def test_the_final_alone_is_imported_with_a_warning(exported, tmp_path):
    _c, archives, before, results_before = exported
    with make_client(tmp_path / "alone.db", demo=False, clock=Clock()) as c:
        a = ok(import_archive(c, archives["fin"]), 201)
        [warning] = a["import_warnings"]
        assert "「初审」（第 1 阶段，原编号 rev）" in warning and "archived as rev" in warning
        st = a["stage"]
        assert [s["id"] for s in st["series_stages"]] == ["fin"]
        assert st["came_from_label"] == "初审" and st["earlier"] == before["stage"]["earlier"]
        res = ok(c.get("/api/contests/fin/results", headers=ORG))
        assert res["results"] == results_before["results"]              # the carry kept its first-stage totals
        entry = [e for e in ok(c.get("/api/contests/fin/audit", headers=ORG))["entries"]
                 if e["action"] == "contest.import"][0]["detail"]["stage"]
        assert entry["missing"] == [{"stage": 1, "label": "初审", "contest": "rev"}]


def test_the_first_stage_alone_names_the_final_it_advanced_to(exported, tmp_path):
    _c, archives, _before, _res = exported
    with make_client(tmp_path / "alone.db", demo=False, clock=Clock()) as c:
        [warning] = ok(import_archive(c, archives["rev"]), 201)["import_warnings"]
        assert "「决赛」（第 2 阶段，原编号 fin）" in warning


def test_a_second_copy_while_the_season_is_here_is_imported_on_its_own(exported):
    c, archives, before, _res = exported
    a = ok(import_archive(c, archives["fin"], "fin-copy"), 201)
    [warning] = a["import_warnings"]
    assert "作为单独的大赛导入" in warning and "fin" in warning and "on its own" in warning
    assert [s["id"] for s in a["stage"]["series_stages"]] == ["fin-copy"]
    assert a["stage"]["earlier"] == before["stage"]["earlier"]
    # the season here is untouched
    assert [s["id"] for s in contest(c, "rev")["stage"]["series_stages"]] == ["rev", "fin"]
    assert contest(c, "fin")["stage"]["came_from"] == "rev"
    assert contest(c, "rev")["stage"]["review"]["advanced_to"] == "fin"


@pytest.mark.parametrize("key, value", [("stage", 0), ("stage", "2"), ("kind", "paper"), ("series", "a b"),
                                        ("previous", [["NOPE", 1]]), ("earlier", [{"rank": 1}]),
                                        ("review", {"phase": "later"})])
def test_a_broken_stage_part_is_refused_and_nothing_is_stored(exported, tmp_path, key, value):
    _c, archives, _before, _res = exported
    bad = json.loads(json.dumps(archives["fin"]))
    bad["stage"][key] = value
    bad["sha256"] = checksum(bad)
    with make_client(tmp_path / "bad.db", demo=False, clock=Clock()) as c:
        r = import_archive(c, bad)
        assert r.status_code == 422 and "stage" in r.json()["error"], r.text
        assert ok(c.get("/api/contests", headers=ORG))["contests"] == []


def test_run_py_import_prints_the_warning(exported, tmp_path, capsys):
    from judging.cli.main import main

    _c, archives, _before, _res = exported
    path = tmp_path / "fin.json"
    path.write_text(json.dumps(archives["fin"], ensure_ascii=False), encoding="utf-8")
    assert main(["import", "--db", str(tmp_path / "cli.db"), str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: 本赛季的其他阶段不在本服务器上" in err and "rev" in err


def test_a_season_of_the_same_name_here_that_does_not_fit_is_left_alone(exported, tmp_path):
    _c, archives, before, _res = exported
    others = [{"id": f"B{i}", "name": f"另一个项目{i}", "organization": "机构"} for i in (1, 2, 3)]
    with make_client(tmp_path / "other.db", demo=False, clock=Clock()) as c:
        # this server's own contest "rev" is a review stage too, of other applications
        create_contest(c, {"id": "rev", "name": "另一个初审", "rules_text": REVIEW_RULES, "projects": others,
                           "judges": [{"id": "R1", "name": "专家", "panel": "expert"}]})
        ok(c.post("/api/contests/rev/stage", headers=ORG, json={"kind": "review", "label": "初审"}))
        a = ok(import_archive(c, archives["fin"]), 201)
        [warning] = a["import_warnings"]
        assert "作为单独的大赛导入" in warning and "does not match its projects" in warning
        assert [s["id"] for s in a["stage"]["series_stages"]] == ["fin"]
        assert contest(c, "rev")["stage"]["next"] is None            # this server's season is untouched
        assert [s["id"] for s in contest(c, "rev")["stage"]["series_stages"]] == ["rev"]


def test_a_lone_contest_holding_the_seasons_name_does_not_join_it(exported, tmp_path):
    _c, archives, _before, _res = exported
    with make_client(tmp_path / "lone.db", demo=False, clock=Clock()) as c:
        create_contest(c, {"id": "rev", "name": "单场比赛", "projects": APPS[:2],
                           "judges": [{"id": "J1", "name": "评委", "panel": "expert"}]})
        a = ok(import_archive(c, archives["fin"]), 201)
        assert [s["id"] for s in a["stage"]["series_stages"]] == ["fin"]
        assert "不在本服务器上" in a["import_warnings"][0]
        assert "stage" not in contest(c, "rev")                       # still a lone contest
        # it becomes the first stage of a season of its own, with a next stage: fin's season is another one
        ok(c.post("/api/contests/rev/stage", headers=ORG, json={"label": "预赛"}))
        ok(c.post("/api/contests/rev/stages", headers=ORG, json={"id": "rev-next", "label": "决赛"}), 201)
        mine = contest(c, "rev")["stage"]
        assert [s["id"] for s in mine["series_stages"]] == ["rev", "rev-next"] and mine["series"] != "rev"
        assert [s["id"] for s in contest(c, "fin")["stage"]["series_stages"]] == ["fin"]
