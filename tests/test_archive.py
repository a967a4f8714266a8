"""The JSON archive: a finished evening round-trips into a fresh database (API and `run.py import`)
with the same phase, marks and results; bad or altered archives are refused with a clear message.
"""

from __future__ import annotations

import copy
import json

import pytest

from judging.exports.archive import checksum
from judging.cli.main import main as run_py
from tests.helpers import make_client
from tests.test_exports import CID, ORG, assert_no_tokens, run_evening


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The evening on server A, and what it looked like before export."""
    db = tmp_path_factory.mktemp("archive") / "a.db"
    with make_client(db, demo=False) as client:
        ev = run_evening(client)
        archive = client.get(f"/api/contests/{CID}/export/archive.json", headers=ORG)
        assert archive.status_code == 200
        ev.db, ev.archive = db, archive.content  # type: ignore[attr-defined]
        ev.results = client.get(f"/api/contests/{CID}/results", headers=ORG).json()  # type: ignore[attr-defined]
        ev.console = client.get(f"/api/contests/{CID}", headers=ORG).json()  # type: ignore[attr-defined]
        ev.audit = client.get(f"/api/contests/{CID}/audit", headers=ORG).json()["entries"]  # type: ignore
        yield ev


@pytest.fixture
def fresh(tmp_path):
    with make_client(tmp_path / "b.db", demo=False) as client:
        yield client


def test_archive_holds_everything_but_the_link_tokens(source):
    data = json.loads(source.archive)
    assert data["format"] == "roadshow-judging-archive" and data["version"] == 1
    assert data["sha256"] == checksum(data)
    assert data["contest"]["draw_seed"] == "测试-2026" and data["contest"]["rules"]["text"].startswith("#")
    assert data["state"]["phase"] == "locked" and data["state"]["history"], "the undo history is kept"
    assert {m["status"] for m in data["marks"]} == {"active", "voided"}
    assert len(data["submissions"]) > len(data["marks"]) - 2, "every submission, the amended one too"
    assert [e["seq"] for e in data["audit"]] == [e["seq"] for e in source.audit]
    assert data["results"] == {k: v for k, v in source.results.items() if k not in ("error", "phase")}
    assert all("token" not in j for j in data["contest"]["judges"])
    assert_no_tokens(source.archive.decode("utf-8"), source)


def test_import_reproduces_the_contest_exactly(source, fresh):
    r = fresh.post("/api/contests/import", headers=ORG, content=source.archive)
    assert r.status_code == 201, r.text
    imported = r.json()
    assert imported["phase"] == "locked" and imported["contest"]["id"] == CID
    results = fresh.get(f"/api/contests/{CID}/results", headers=ORG).json()
    assert results == source.results, "identical results JSON"
    key = lambda m: (m["project"], m["round"], m["judge"])  # noqa: E731
    assert sorted(imported["marks"], key=key) == sorted(source.console["marks"], key=key)
    for field in ("order", "draw_seed", "projects", "recusals", "timer_seconds", "name"):
        assert imported["setup"][field] == source.console["setup"][field], field
    old = {j["id"]: j["token"] for j in source.judges}
    new = {j["id"]: j["token"] for j in imported["setup"]["judges"]}
    assert old.keys() == new.keys() and not set(old.values()) & set(new.values()), "new judge links"
    assert fresh.get("/api/judge/state", headers={"authorization": f"Bearer {old['E1']}"}).status_code == 401
    me = fresh.get("/api/judge/state", headers={"authorization": f"Bearer {new['E1']}"})
    assert me.status_code == 200 and me.json()["task"]["kind"] == "finished"
    # the history came along, in order, with its original times, and the import itself is logged last
    audit = fresh.get(f"/api/contests/{CID}/audit", headers=ORG).json()["entries"]
    assert [e["action"] for e in audit] == [e["action"] for e in source.audit] + ["contest.import"]
    assert audit[-1]["detail"]["archive_sha256"] == json.loads(source.archive)["sha256"]
    first = fresh.get(f"/api/contests/{CID}/audit/entries", headers=ORG, params={"order": "oldest"}).json()
    assert first["entries"][0]["at"] == source.audit[0]["at"] and first["entries"][0]["imported"] is True
    assert fresh.get(f"/api/contests/{CID}/audit/verify", headers=ORG).json()["ok"] is True
    # locked stays locked: nothing can change after the import either
    assert fresh.post(f"/api/contests/{CID}/actions", headers=ORG, json={"action": "back"}).status_code == 409


def test_import_never_overwrites_and_can_take_a_new_id(source, fresh):
    assert fresh.post("/api/contests/import", headers=ORG, content=source.archive).status_code == 201
    again = fresh.post("/api/contests/import", headers=ORG, content=source.archive)
    assert again.status_code == 409 and "已存在" in again.json()["error"]
    copy2 = fresh.post("/api/contests/import", headers=ORG, params={"as": "copy2"}, content=source.archive)
    assert copy2.status_code == 201, copy2.text
    assert fresh.get("/api/contests/copy2/results", headers=ORG).json() == source.results
    assert fresh.get(f"/api/contests/{CID}/results", headers=ORG).json() == source.results
    bad_id = fresh.post("/api/contests/import", headers=ORG, params={"as": "no spaces"}, content=source.archive)
    assert bad_id.status_code == 422
    # a re-export of the copy is itself importable and still gives the same results
    again = fresh.get("/api/contests/copy2/export/archive.json", headers=ORG).content
    third = fresh.post("/api/contests/import", headers=ORG, params={"as": "copy3"}, content=again)
    assert third.status_code == 201 and fresh.get("/api/contests/copy3/results", headers=ORG).json() == source.results
    assert fresh.post("/api/contests/import", content=source.archive).status_code == 401


def resealed(data: dict) -> bytes:
    data["sha256"] = checksum(data)
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def test_bad_or_altered_archives_are_refused(source, fresh):
    good = json.loads(source.archive)

    def post(body: bytes) -> tuple[int, str]:
        r = fresh.post("/api/contests/import", headers=ORG, content=body)
        return r.status_code, r.json()["error"]

    assert post(b"{not json")[0] == 400
    status, error = post(b'{"hello": 1}')
    assert status == 422 and "不是路演评审的存档" in error
    newer = copy.deepcopy(good)
    newer["version"] = 99
    status, error = post(resealed(newer))
    assert status == 422 and "version 99" in error
    # a changed mark without a new checksum: the checksum catches it
    edited = copy.deepcopy(good)
    edited["marks"][0]["values"] = {k: 0 for k in edited["marks"][0]["values"]}
    status, error = post(json.dumps(edited, ensure_ascii=False).encode())
    assert status == 422 and "checksum" in error
    # ... and with a recomputed checksum: the marks no longer give the archived results
    status, error = post(resealed(edited))
    assert status == 422 and "results" in error
    # a rewritten audit entry, checksum recomputed: its own hash gives it away
    forged = copy.deepcopy(good)
    fix = next(e for e in forged["audit"] if e["action"] == "mark.correct")
    fix["reason"] = "无"
    status, error = post(resealed(forged))
    assert status == 422 and f"audit entry {fix['seq']}" in error
    broken_rules = copy.deepcopy(good)
    broken_rules["contest"]["rules"]["text"] = "name = 'x'\n[[panels]]\nid = 'a'\nmethod = 'avg'\n"
    status, error = post(resealed(broken_rules))
    assert status == 422 and "rules" in error
    stranger = copy.deepcopy(good)
    stranger["marks"][0]["judge"] = "Z9"
    status, error = post(resealed(stranger))
    assert status == 422 and "Z9" in error
    out_of_range = copy.deepcopy(good)
    m = next(m for m in out_of_range["marks"] if "overall" in m["values"])
    m["values"]["overall"] = 150
    status, error = post(resealed(out_of_range))
    assert status == 422 and "marks[" in error
    assert fresh.get("/api/contests", headers=ORG).json()["contests"] == [], "nothing was written"


def test_run_py_import_then_export_round_trip(source, tmp_path, capsys):
    archive = tmp_path / "archive.json"
    archive.write_bytes(source.archive)
    db = str(tmp_path / "c.db")
    assert run_py(["import", "--db", db, str(archive)]) == 0
    assert "imported contest final26" in capsys.readouterr().out
    out = tmp_path / "again.json"
    assert run_py(["export", "--db", db, "--contest", CID, "--format", "json", "--out", str(out)]) == 0
    again = json.loads(out.read_bytes())
    assert again["results"] == json.loads(source.archive)["results"] and again["state"]["phase"] == "locked"
    assert run_py(["verify", "--db", db]) == 0
    assert run_py(["import", "--db", db, str(archive)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert run_py(["import", "--db", db, "--as", "second", str(archive)]) == 0
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2", encoding="utf-8")
    assert run_py(["import", "--db", db, str(junk)]) == 2 and "not a JSON archive" in capsys.readouterr().err
