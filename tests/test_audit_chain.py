"""The audit log's hash chain catches tampering with the SQLite file, and the audit trail API reads it.

A short evening on the demo contest writes the log; then copies of the database file are edited
directly with sqlite3 (a row's detail edited, a middle row deleted, the last row deleted, a forged
row inserted in the middle or appended) and `run.py verify` must fail on each (exit 1, a message
naming the entry), while the untouched copy passes.  The readable trail (GET .../audit/entries)
is checked for names, filters, ordering and paging.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from judging.cli.main import main as run_py
from judging.storage.store import entry_hash
from judging.web.pages import ASSETS
from tests.conftest import ROOT
from tests.helpers import EXPERT, ORG, act, console_sign_in, contest, edit_db, make_client, submit_ok


def short_evening(client: TestClient) -> list[str]:
    """Two roadshows scored by 12 judges (closed with the rest missing), then a correction."""
    judges = contest(client)["setup"]["judges"]
    act(client, "start")
    presented = []
    for _ in range(2):
        pid = act(client, "present")["current"]["id"]
        presented.append(pid)
        act(client, "open_scoring")
        for j in judges[:12]:  # 7 experts, 5 public judges
            submit_ok(client, j, pid, EXPERT if j["panel"] == "expert" else {"overall": 80})
        act(client, "close_scoring", confirm=True)
        act(client, "show_result", "next")
    r = client.post("/api/contests/c1/marks/correct", headers=ORG, json={
        "project": pid, "round": "final", "judge": "E1", "marks": {**EXPERT, "team": 18}, "reason": "评委口述更正"})
    assert r.status_code == 200, r.text
    return presented


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> Path:
    """A database file with a short evening in its audit log (server stopped)."""
    db = tmp_path_factory.mktemp("chain") / "chain.db"
    with make_client(db) as client:
        short_evening(client)
    return db


def tampered(logged: Path, tmp_path: Path, *statements: tuple[str, tuple]) -> str:
    path = tmp_path / "tampered.db"
    shutil.copy(logged, path)
    edit_db(path, *statements)
    return str(path)


def rows(db: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT seq, contest_id, at, actor, action, detail, reason, client, prev_hash, hash "
                           "FROM audit ORDER BY seq").fetchall()
    finally:
        con.close()


def verify(db: str, capsys) -> tuple[int, str]:
    code = run_py(["verify", "--db", db])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_untouched_database_passes_with_the_real_command(logged):
    out = subprocess.run([sys.executable, "run.py", "verify", "--db", str(logged)], cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0 and "intact" in out.stdout, out.stderr
    n = len(rows(str(logged)))
    assert f"{n} entries" in out.stdout and n > 30


def test_edited_detail_is_caught(logged, tmp_path, capsys):
    seq, detail = next((r[0], r[5]) for r in rows(str(logged)) if r[4] == "mark.submit")
    forged = detail.replace('"need": 20', '"need": 25')
    assert forged != detail
    db = tampered(logged, tmp_path, ("UPDATE audit SET detail = ? WHERE seq = ?", (forged, seq)))
    code, message = verify(db, capsys)
    assert code == 1 and f"audit entry {seq}" in message and "edited" in message


def test_edited_reason_of_a_correction_is_caught_by_the_real_command(logged, tmp_path):
    seq = next(r[0] for r in rows(str(logged)) if r[4] == "mark.correct")
    db = tampered(logged, tmp_path, ("UPDATE audit SET reason = '' WHERE seq = ?", (seq,)))
    out = subprocess.run([sys.executable, "run.py", "verify", "--db", db], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 1 and "TAMPERED" in out.stderr and f"entry {seq}" in out.stderr


def test_deleted_middle_row_is_caught(logged, tmp_path, capsys):
    db = tampered(logged, tmp_path, ("DELETE FROM audit WHERE seq = ?", (10,)))
    code, message = verify(db, capsys)
    assert code == 1 and "audit entry 10 is missing" in message


def test_deleted_last_row_is_caught(logged, tmp_path, capsys):
    last = rows(str(logged))[-1][0]
    db = tampered(logged, tmp_path, ("DELETE FROM audit WHERE seq = ?", (last,)))
    code, message = verify(db, capsys)
    assert code == 1 and "removed from the end" in message


def test_forged_row_inserted_in_the_middle_is_caught(logged, tmp_path, capsys):
    original = rows(str(logged))
    at_seq = 12
    prev = original[at_seq - 2][9]  # the hash of entry 11: the forger links the new row properly
    detail = json.dumps({"project": "P01", "round": "final", "after": {"overall": 100}}, sort_keys=True)
    h = entry_hash(prev, at_seq, "c1", 1.0, "judge:U01", "mark.submit", detail, "", "10.0.0.9")
    shift = [("UPDATE audit SET seq = seq + 1000 WHERE seq >= ?", (at_seq,)),
             ("UPDATE audit SET seq = seq - 999 WHERE seq >= 1000", ()),
             ("INSERT INTO audit (seq, contest_id, at, actor, action, detail, reason, client, prev_hash, hash) "
              "VALUES (?,?,?,?,?,?,?,?,?,?)", (at_seq, "c1", 1.0, "judge:U01", "mark.submit", detail, "", "10.0.0.9",
                                              prev, h))]
    db = tampered(logged, tmp_path, *shift)
    assert len(rows(db)) == len(original) + 1
    code, message = verify(db, capsys)
    assert code == 1 and f"audit entry {at_seq + 1}" in message


def test_forged_row_appended_at_the_end_is_caught(logged, tmp_path, capsys):
    last = rows(str(logged))[-1]
    seq = last[0] + 1
    detail = json.dumps({"project": "P01", "round": "final", "judge": "E1", "after": {"values": EXPERT}},
                        sort_keys=True)
    h = entry_hash(last[9], seq, "c1", last[2] + 60, "organizer", "mark.correct", detail, "补录", "127.0.0.1")
    db = tampered(logged, tmp_path, ("INSERT INTO audit (seq, contest_id, at, actor, action, detail, reason, client, "
                                     "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                                     (seq, "c1", last[2] + 60, "organizer", "mark.correct", detail, "补录",
                                      "127.0.0.1", last[9], h)))
    code, message = verify(db, capsys)
    assert code == 1 and "added" in message and str(seq) in message


def test_verify_refuses_a_missing_database(tmp_path, capsys):
    code, message = verify(str(tmp_path / "none.db"), capsys)
    assert code == 2 and "no such database" in message


# ------------------------------------------------------------------ the readable trail over the API

@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = tmp_path_factory.mktemp("trail") / "trail.db"
    with make_client(db) as c:
        c.presented = short_evening(c)  # type: ignore[attr-defined]
        c.db = db  # type: ignore[attr-defined]
        yield c


def entries(client: TestClient, **params) -> dict:
    r = client.get("/api/contests/c1/audit/entries", headers=ORG, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_trail_is_readable_chinese_with_names_not_ids(client):
    page = entries(client, limit=500)
    all_entries = client.get("/api/contests/c1/audit", headers=ORG).json()["entries"]
    assert page["total"] == len(all_entries) and page["order"] == "newest"
    assert [e["seq"] for e in page["entries"]] == sorted((e["seq"] for e in all_entries), reverse=True)
    fix = page["entries"][0]
    assert fix["what"] == "组织者更正评分" and fix["reason"] == "评委口述更正" and fix["kind"] == "correction"
    assert fix["judge_name"] == "王建国" and fix["who"] == "组织者（API 密钥）"
    assert "团队与可持续 15" in fix["before"] and "团队与可持续 18" in fix["after"] and fix["after"].endswith("= 83")
    submit = next(e for e in page["entries"] if e["action"] == "mark.submit" and e["judge"] == "E1")
    assert submit["who"] == "评委 王建国（E1）" and submit["project_name"] and submit["client"] == "testclient"
    draw = next(e for e in page["entries"] if e["action"] == "order.draw")
    assert draw["what"] == "抽签确定出场顺序" and "demo-2026" in draw["extra"]
    close = next(e for e in page["entries"] if e["action"] == "state.close_scoring")
    assert (close["before"], close["after"]) == ("评分中", "评分已结束") and close["extra"].startswith("未提交：")
    create = page["entries"][-1]
    assert create["action"] == "contest.create" and "15 个项目、27 位评委" in create["after"]


def test_trail_filters_orders_and_pages(client):
    first = client.presented[0]
    project = entries(client, project=first)
    assert {e["project"] for e in project["entries"]} == {first}
    assert {"state.present", "state.close_scoring", "mark.submit"} <= {e["action"] for e in project["entries"]}
    assert project["total"] == 12 + 4, "12 marks; present, open, close, show (after next nothing is on stage)"
    judge = entries(client, judge="E1")
    assert {e["judge"] for e in judge["entries"]} == {"E1"}
    assert {e["action"] for e in judge["entries"]} == {"mark.submit", "mark.correct"}
    fixes = entries(client, kind="correction")
    assert fixes["total"] == 1
    oldest = entries(client, order="oldest", limit=5)
    assert [e["seq"] for e in oldest["entries"]] == sorted(e["seq"] for e in oldest["entries"])
    assert oldest["entries"][0]["action"] == "contest.create" and oldest["limit"] == 5
    second = entries(client, order="oldest", limit=5, offset=5)
    assert second["entries"][0]["seq"] > oldest["entries"][-1]["seq"]
    assert entries(client, limit=100000)["limit"] == 500
    for bad in ({"kind": "everything"}, {"order": "random"}, {"offset": "x"}):
        assert client.get("/api/contests/c1/audit/entries", headers=ORG, params=bad).status_code == 400
    assert client.get("/api/contests/c1/audit/entries").status_code == 401
    assert client.get("/api/contests/zz/audit/entries", headers=ORG).status_code == 404


def test_verify_endpoint_reports_tampering_of_the_live_file(client):
    ok = client.get("/api/contests/c1/audit/verify", headers=ORG).json()
    assert ok["ok"] is True and ok["contest_entries"] > 30 and ok["last_seq"] >= ok["contest_entries"]
    edit_db(client.db, "UPDATE audit SET reason = '改过' WHERE seq = 3")
    bad = client.get("/api/contests/c1/audit/verify", headers=ORG).json()
    assert bad["ok"] is False and "audit entry 3" in bad["message"]


def test_audit_page_is_served_to_the_signed_in_organizer(client):
    assert client.get("/console/c1/audit", follow_redirects=False).status_code == 303
    console_sign_in(client)
    page = client.get("/console/c1/audit")
    assert page.status_code == 200 and f'src="/static/v/{ASSETS.version}/audit.js"' in page.text and "王建国（E1）" in page.text
    assert "<script>" not in page.text, "no inline script under the CSP"
    for token in (j["token"] for j in client.get("/api/contests/c1", headers=ORG).json()["setup"]["judges"]):
        assert token not in page.text


@pytest.mark.browser
def test_audit_page_in_chromium_filters_and_shows_the_chain(browser, live_server, artifacts):
    from playwright.sync_api import expect

    with live_server.api() as api:
        short_evening(api)  # type: ignore[arg-type]
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    context.set_default_timeout(6000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/login?next=/console/c1/audit")
    page.fill("#key", live_server.key)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/c1/audit")
    expect(page.locator("#chain")).to_contain_text("哈希链完整")
    expect(page.locator("#rows tr").first).to_contain_text("组织者更正评分")
    expect(page.locator("#rows tr").first).to_contain_text("评委口述更正")
    page.select_option("select[name=judge]", "E1")
    expect(page.locator("#count")).to_contain_text("共 3 条")
    assert "judge=E1" in page.url
    texts = page.locator("#rows tr").all_inner_texts()
    assert len(texts) == 3 and all("王建国" in t for t in texts)
    page.select_option("select[name=order]", "oldest")
    expect(page.locator("#rows tr").first).to_contain_text("评委提交评分")
    page.screenshot(path=str(artifacts / "audit-page.png"), full_page=True)
    page.click("#clear")
    expect(page.locator("#page")).to_contain_text("第 1 /")
    assert errors == []
    context.close()


def test_setup_changes_and_imports_are_described_in_words():
    from judging.exports.audit_trail import describe
    from judging.core.model import Contest, Judge, Project
    from judging.app.service import load_preset

    contest = Contest("c1", "决赛", load_preset("expert_public.toml"), (Project("P1", "甲"), Project("P3", "丙")),
                      (Judge("E1", "王建国", "expert"),))
    before = {"name": "初赛", "rules": "r", "timer_seconds": 300, "projects": [{"id": "P1"}, {"id": "P2"}],
              "judges": [{"id": "E1", "name": "王建国"}], "recusals": [], "order": ["P1", "P2"]}
    after = {**before, "name": "决赛", "timer_seconds": 240, "projects": [{"id": "P1"}, {"id": "P3"}],
             "recusals": [["E1", "P3"]], "order": []}
    d = describe({"seq": 2, "at": 1.0, "actor": "organizer", "action": "contest.update",
                  "detail": {"before": before, "after": after}, "reason": "", "client": "10.0.0.2", "hash": "h"},
                 contest)
    assert d["what"] == "修改设置" and d["who"] == "组织者（控制台）" and d["kind"] == "setup"
    assert "名称 初赛" in d["before"] and "名称 决赛" in d["after"] and "路演 240 秒" in d["after"]
    assert "新增 P3" in d["after"] and "删除 P2" in d["after"] and "回避 E1/P3" in d["after"]
    assert "出场顺序 （未设置）" in d["after"]
    imported = describe({"seq": 9, "at": 500.0, "actor": "judge:E1", "action": "mark.submit",
                         "detail": {"project": "P1", "round": "overtime1", "after": {"need": 20, "design": 25},
                                    "imported": {"at": 100.0, "seq": 3, "hash": "x", "contest_id": "old"}},
                         "reason": "", "client": "", "hash": "h"}, contest)
    assert imported["imported"] and imported["at"] == 100.0 and imported["round_label"] == "加时赛1"
    assert imported["who"] == "评委 王建国（E1）" and imported["after"] == "需求与问题 20 · 方案设计 25 = 45"
