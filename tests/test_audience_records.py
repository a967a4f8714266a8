"""The audience's records (docs/AUDIENCE.md): score ballots count in the results as marks of the audience
panel (judge = the voter's hash) and are rows of the marks CSV; popularity votes are ``round = popularity``
rows once the window is closed; the JSON archive carries ballots, codes and the audience state and an import
restores them; ``run.py serve`` prints the audience link."""

from __future__ import annotations

import csv
import io
import json

from judging.app.audience_marks import popularity_counts
from judging.app.audience_model import voter_hash
from judging.core.engine import ProjectInfo, compute
from judging.core.scoring import Mark
from judging.inputs.marks_csv import parse_marks
from tests.audience_kit import audience_contest, ballot, org_action, roadshow
from tests.helpers import ORG, act, make_client


def _evening(c):
    cid, tok = audience_contest(c)
    voters = roadshow(c, cid, tok, "P01", [5, 4, 4, 2])
    act(c, "next", cid=cid)
    roadshow(c, cid, tok, "P02", [1, 2], level=0.6)
    act(c, "next", cid=cid)
    assert org_action(c, cid, "popularity_open").status_code == 200
    for v, choice in zip(voters, (["P02"], ["P02", "P01"], ["P01"], ["P02"])):
        assert ballot(c, tok, v, "popularity", projects=choice).status_code == 200
    assert org_action(c, cid, "popularity_close").status_code == 200
    return cid, tok, voters


def test_score_ballots_are_marks_of_the_audience_panel(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok, voters = _evening(c)
        rt = c.app.state.service.get(cid)
        table = rt.engine_table()
        rows = [Mark(table.projects[p], table.rounds[r], table.judge_panel[j], table.judges[j], table.criteria[k], s)
                for p, r, j, k, s in zip(table.p, table.r, table.j, table.c, table.score)]
        audience = sorted((m.project, m.judge, m.score) for m in rows if m.panel == "audience")
        hashes = {v: voter_hash(v.split(".")[1]) for v in voters}
        assert (("P01", hashes[voters[0]], 5.0) in audience and ("P01", hashes[voters[3]], 2.0) in audience
                and len(audience) == 6)
        # the live results are exactly what the engine gives on those marks, one Mark per mark
        again = compute(rt.contest.rules, rows, {p.id: ProjectInfo(p.id, p.name, p.track, p.requested)
                                                 for p in rt.contest.projects}, popularity=popularity_counts(rt))
        assert again.to_json() == rt.results.to_json()
        by = {r.project: r for r in rt.results.results}
        res = rt.results.rounds["final"]
        i1, i2 = rt.results.table.projects.index("P01"), rt.results.table.projects.index("P02")
        assert res.panels["audience"][i1] > res.panels["audience"][i2]  # 3.75 stars beat 1.5
        assert by["P01"].total is not None
        assert popularity_counts(rt) == {**{f"P{i:02d}": 0 for i in range(1, 16)}, "P01": 2, "P02": 3}


def test_marks_csv_carries_ballots_and_popularity_rows(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok, voters = _evening(c)
        text = c.get(f"/api/contests/{cid}/marks.csv", headers=ORG).content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        aud = [r for r in rows if r["panel"] == "audience"]
        pop = [r for r in rows if r["round"] == "popularity"]
        assert len(aud) == 6 and {r["criterion"] for r in aud} == {""} and all(len(r["judge"]) == 16 for r in aud)
        assert sorted(float(r["score"]) for r in aud if r["project"] == "P01") == [2, 4, 4, 5]
        assert len(pop) == 5 and {r["score"] for r in pop} == {"1"} and {r["panel"] for r in pop} == {"popularity"}
        assert sorted(r["project"] for r in pop) == ["P01", "P01", "P02", "P02", "P02"]
        assert not any(v in text for v in voters) and not any(v.split(".")[1] in text for v in voters)
        # the score rows alone give the live results (the popularity rows need a12-core's reader)
        rt = c.app.state.service.get(cid)
        scored = "\n".join([text.splitlines()[0]] + [line for line in text.splitlines()[1:]
                                                    if ",popularity," not in line])
        infos = {p.id: ProjectInfo(p.id, p.name, p.track, p.requested) for p in rt.contest.projects}
        again = compute(rt.contest.rules, parse_marks(scored, rt.contest.rules).marks, infos)
        assert [(r.project, r.total) for r in again.results] == [(r.project, r.total) for r in rt.results.results]


def test_archive_round_trip_keeps_ballots_codes_and_state(tmp_path):
    with make_client(tmp_path / "a.db", demo=False) as c:
        cid, tok, voters = _evening(c)
        codes = c.post(f"/api/contests/{cid}/audience/codes", headers=ORG, json={"count": 4}).json()["codes"]
        assert c.post(f"/api/a/{tok}/code", headers={"x-audience-device": voters[0]},
                      json={"code": codes[1]}).status_code == 200
        assert org_action(c, cid, "strict_on").status_code == 200
        archive = c.get(f"/api/contests/{cid}/export/archive.json", headers=ORG)
        assert archive.status_code == 200, archive.text
        before = c.get(f"/api/contests/{cid}", headers=ORG).json()
    data = json.loads(archive.content)
    a = data["audience"]
    assert a["state"]["popularity"] == "closed" and a["state"]["strict"] is True
    assert len(a["ballots"]) == 10 and [x["used"] for x in a["codes"]] == [False, True, False, False]
    text = archive.content.decode("utf-8")
    assert tok not in text and not any(v.split(".")[1] in text for v in voters)  # no link token, no device id
    with make_client(tmp_path / "b.db", demo=False) as fresh:
        r = fresh.post("/api/contests/import", headers=ORG, content=archive.content)
        assert r.status_code in (200, 201), r.text
        after = fresh.get(f"/api/contests/{cid}", headers=ORG).json()
        assert after["results"] == before["results"]
        assert after["audience"]["codes"] == {"issued": 4, "used": 1} and after["audience"]["strict"] is True
        assert after["audience"]["popularity"] == {"state": "closed", "count": 4}
        new_tok = after["audience"]["link"]["path"].rsplit("/", 1)[1]
        assert new_tok != tok
        csv_text = fresh.get(f"/api/contests/{cid}/marks.csv", headers=ORG).content
        assert csv_text.count(b",popularity,") == 5
    with make_client(tmp_path / "b.db", demo=False) as again:  # and the import survives a restart
        assert again.get(f"/api/contests/{cid}", headers=ORG).json()["results"] == before["results"]


def test_tampered_audience_in_an_archive_is_refused(tmp_path):
    from judging.exports.archive import checksum

    with make_client(tmp_path / "a.db", demo=False) as c:
        cid, tok, voters = _evening(c)
        data = c.get(f"/api/contests/{cid}/export/archive.json", headers=ORG).json()
    data["audience"]["ballots"][0]["value"] = {"stars": 99}
    data["sha256"] = checksum(data)
    with make_client(tmp_path / "b.db", demo=False) as fresh:
        r = fresh.post("/api/contests/import", headers=ORG, json=data)
        assert r.status_code == 422 and "audience" in r.text


def test_serve_banner_prints_the_audience_link(tmp_path):
    from judging.cli.serve import banner

    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok = audience_contest(c)
        text = banner(c.app, "http://10.0.0.5:8000", str(tmp_path / "t.db"), None, None, False)
        assert f"http://10.0.0.5:8000/a/{tok}" in text


def test_the_closed_popularity_vote_reaches_the_engine(tmp_path, monkeypatch):
    """The runtime hands the engine the closed popularity window's counts, and none before the vote closed."""
    from judging.app import runtime

    seen = []

    def engine(rules, marks, infos, popularity=None, previous=None):
        seen.append(popularity)
        return compute(rules, marks, infos, popularity=popularity, previous=previous)
    monkeypatch.setattr(runtime, "compute", engine)
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, _, _ = _evening(c)
        award = c.get(f"/api/contests/{cid}/results", headers=ORG).json()["popularity"]
    assert seen[-1] is not None and seen[-1]["P02"] == 3 and seen[-1]["P01"] == 2
    assert seen[0] is None  # before the vote closed: no counts
    assert award["held"] is True