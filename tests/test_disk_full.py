"""A full disk at the venue (issue 9, item 6): every write path answers JSON 503 ``disk_full``, nothing is
stored half-way, memory stays equal to the database, the console is warned, and everything recovers as
soon as there is room again.  The disk is made full for real with ``PRAGMA max_page_count`` (SQLite then
answers SQLITE_FULL exactly as for a full file system); the WAL is kept from growing by itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3

import pytest

from judging.storage import store as store_module
from judging.app.service import Service
from judging.storage.store import Store
from tests.conftest import ORGANIZER_KEY
from tests.helpers import EXPERT, ORG, act, contest, make_client

JUDGE_FULL = {"error": "存储空间已满，您的评分未保存 / disk full: NOT saved", "errors": {}, "code": "disk_full"}
UNLIMITED = 1073741823


@pytest.fixture
def db(tmp_path) -> str:
    return str(tmp_path / "full.db")


@pytest.fixture
def client(db):
    with make_client(db, raise_server_exceptions=False) as c:
        yield c


async def _pragma(store: Store, sql: str):
    async with store.db.execute(sql) as cur:
        return await cur.fetchone()


def pragma(client, sql: str):
    """Run a PRAGMA on the server's own connection, on the server's event loop."""
    return client.portal.call(_pragma, client.app.state.store, sql)


def fill_up(client) -> None:
    """From now on the database may not grow by a single page: the next write that needs one gets SQLITE_FULL."""
    (pages,) = pragma(client, "PRAGMA page_count")
    assert pragma(client, f"PRAGMA max_page_count = {pages}") == (pages,)


def make_room(client) -> None:
    pragma(client, f"PRAGMA max_page_count = {UNLIMITED}")


async def _reload(path: str) -> dict:
    store = Store(path)
    await store.open()
    try:
        svc = Service(store)
        await svc.load()
        return {cid: _memory(rt) for cid, rt in svc.runtimes.items()}
    finally:
        await store.close()


def _memory(rt) -> dict:
    return {"contest": (rt.contest.name, rt.contest.projects, rt.contest.judges, rt.contest.order),
            "state": rt.state.dump(),
            "marks": {k: (m.submission_id, m.values, m.status) for k, m in rt.marks.items()}}


def assert_memory_is_disk(client, path: str) -> None:
    """What the running server holds is exactly what a restart would load from the database."""
    disk = client.portal.call(_reload, path)
    memory = {cid: _memory(rt) for cid, rt in client.app.state.service.runtimes.items()}
    assert memory == disk


def open_scoring(client) -> dict:
    act(client, "start", "present", "open_scoring")
    return contest(client)


def token(snap: dict, jid: str) -> str:
    return next(j["token"] for j in snap["setup"]["judges"] if j["id"] == jid)


def submit(client, snap: dict, jid: str, sid: str, marks: dict | None = None):
    return client.post("/api/judge/submit", headers={"authorization": f"Bearer {token(snap, jid)}"},
                       json={"submission_id": sid, "project": snap["current"]["id"], "round": "final",
                             "marks": marks or (EXPERT if jid.startswith("E") else {"overall": 80})})


def next_console_snapshot(ws, want) -> dict:
    for _ in range(20):
        msg = json.loads(ws.receive_text())
        if msg.get("type") == "state" and want(msg):
            return msg
    raise AssertionError("the console was not told")


# ------------------------------------------------------------------ the judge's submission

def test_a_judge_submission_on_a_full_disk_is_a_json_503_and_nothing_is_lost(client, db):
    snap = open_scoring(client)
    judges = [j["id"] for j in snap["setup"]["judges"]]
    with client.websocket_connect("/ws/console/c1", headers=ORG) as console:
        first = json.loads(console.receive_text())
        assert first["storage"] == {"ok": True, "message": None}
        fill_up(client)
        acked, refused = [], None
        for n in range(400):  # amendments fill the last pages' free space; then one write needs a page
            jid = judges[n % len(judges)]
            r = submit(client, snap, jid, f"fill{n:06d}", {**EXPERT, "need": n % 25} if jid.startswith("E") else None)
            if r.status_code != 200:
                refused = (jid, f"fill{n:06d}", r)
                break
            acked.append((jid, f"fill{n:06d}", r.json()["values"]))
        assert refused is not None, "the database never filled up"
        jid, sid, r = refused
        assert r.status_code == 503 and r.headers["content-type"].startswith("application/json")
        assert r.json() == JUDGE_FULL
        warned = next_console_snapshot(console, lambda m: m["storage"]["ok"] is False)
        assert "存储空间已满" in warned["storage"]["message"] and "NOT saved" in warned["storage"]["message"]

        # nothing of the refused submission is anywhere; everything acknowledged is, in memory and on disk
        rt = client.app.state.service.runtimes["c1"]
        assert all(m.submission_id != sid for m in rt.marks.values())
        assert_memory_is_disk(client, db)
        con = sqlite3.connect(db)
        stored = {r[0] for r in con.execute("SELECT submission_id FROM submissions")}
        con.close()
        assert sid not in stored and {s for _, s, _ in acked} <= stored
        assert client.get("/api/judge/state", headers={"authorization": f"Bearer {token(snap, jid)}"}).status_code == 200

        # room again: the phone resends the same submission id, it is saved once, the banner clears
        make_room(client)
        again = submit(client, snap, jid, sid, {**EXPERT, "need": len(acked) % 25} if jid.startswith("E") else None)
        assert again.status_code == 200 and again.json()["status"] == "saved" and not again.json()["duplicate"]
        cleared = next_console_snapshot(console, lambda m: m["storage"]["ok"] is True)
        assert cleared["storage"]["message"] is None
    assert_memory_is_disk(client, db)
    assert client.app.state.store.full is False


# ------------------------------------------------------------------ console actions and setup

def test_setup_changes_on_a_full_disk_are_refused_and_memory_stays_as_stored(client, db):
    before = contest(client)
    fill_up(client)
    r = None
    for n in range(50):
        r = client.patch("/api/contests/c1", headers=ORG, json={"name": f"决赛 第 {n} 版"})
        if r.status_code != 200:
            break
    assert r.status_code == 503 and r.json()["code"] == "disk_full"
    assert r.json()["error"] == "存储空间已满，本次操作未保存 / disk full: NOT saved"
    after = contest(client)
    assert after["storage"]["ok"] is False and "存储空间已满" in after["storage"]["message"]
    assert_memory_is_disk(client, db)
    r = client.post("/api/contests", headers=ORG, json={"name": "新大赛"})
    assert r.status_code == 503 and r.json()["code"] == "disk_full"
    assert_memory_is_disk(client, db)
    assert len(client.get("/api/contests", headers=ORG).json()["contests"]) == 1
    make_room(client)
    r = client.patch("/api/contests/c1", headers=ORG, json={"name": "决赛（正式）"})
    assert r.status_code == 200 and r.json()["storage"] == {"ok": True, "message": None}
    assert r.json()["contest"]["name"] == "决赛（正式）" != before["contest"]["name"]
    assert_memory_is_disk(client, db)


def test_a_console_action_whose_commit_fails_leaves_the_live_state_as_stored(client, db, monkeypatch):
    """SQLITE_FULL can also come at COMMIT (the WAL cannot grow): the step is not taken, not in memory either."""
    snap = open_scoring(client)
    store = client.app.state.store
    real = store.db.execute

    def failing_commit(sql, *args, **kwargs):
        if sql == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return real(sql, *args, **kwargs)

    monkeypatch.setattr(store.db, "execute", failing_commit)
    r = client.post("/api/contests/c1/actions", headers=ORG,
                    json={"action": "close_scoring", "confirm": True, "expect_version": snap["version"]})
    assert r.status_code == 503 and r.json()["code"] == "disk_full"
    assert client.app.state.service.runtimes["c1"].state.phase == "scoring"
    r = client.post("/api/contests/c1/marks/void", headers=ORG, json={"project": "P01", "judge": "E1", "reason": "x"})
    assert r.status_code in (404, 409, 503)  # refused for its own reason or for the disk; never a 500
    monkeypatch.undo()
    assert contest(client)["phase"] == "scoring"
    assert_memory_is_disk(client, db)
    r = client.post("/api/contests/c1/actions", headers=ORG,
                    json={"action": "close_scoring", "confirm": True, "expect_version": snap["version"]})
    assert r.status_code == 200 and r.json()["phase"] != "scoring" and r.json()["storage"]["ok"] is True


def test_an_export_read_on_a_full_disk_does_not_clear_the_warning(client):
    fill_up(client)
    for n in range(50):
        if client.patch("/api/contests/c1", headers=ORG, json={"name": f"决赛 {n}"}).status_code == 503:
            break
    assert client.app.state.store.full
    assert client.get("/api/contests/c1/export/archive.json", headers=ORG).status_code == 200
    assert contest(client)["storage"]["ok"] is False  # only a write that commits proves there is room again


# ------------------------------------------------------------------ the WAL does not fill the disk by itself

def test_the_wal_is_truncated_when_writes_pause(client, db, monkeypatch):
    monkeypatch.setattr(store_module, "CHECKPOINT_IDLE", 0.2)
    assert pragma(client, "PRAGMA journal_size_limit") == (store_module.JOURNAL_SIZE_LIMIT,)
    snap = open_scoring(client)
    for n in range(60):
        assert submit(client, snap, "E1", f"wal{n:06d}", {**EXPERT, "need": n % 25}).status_code == 200
    wal = db + "-wal"
    assert os.path.getsize(wal) > 100_000  # 60 commits of marks + audit, synchronous=FULL
    store = client.app.state.store
    done = store.checkpoints
    for _ in range(40):
        if store.checkpoints > done:
            break
        client.portal.call(asyncio.sleep, 0.1)
    assert store.checkpoints > done and os.path.getsize(wal) == 0
    assert_memory_is_disk(client, db)


def test_many_commits_without_a_pause_are_checkpointed_too(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "CHECKPOINT_IDLE", 3600.0)  # never idle: only the commit count triggers

    async def run(name: str) -> tuple[int, int]:
        store = Store(str(tmp_path / name))
        await store.open()
        store.maintenance.cancel()  # the same loop, polling faster
        task = asyncio.create_task(store.maintain(interval=0.01))
        try:
            for n in range(60):
                async with store.write() as tx:
                    await tx.audit(None, "test", "busy", {"n": n, "pad": "x" * 2000})
                await asyncio.sleep(0.005)
            return store.checkpoints, os.path.getsize(str(tmp_path / name) + "-wal")
        finally:
            task.cancel()
            await store.close()

    monkeypatch.setattr(store_module, "CHECKPOINT_COMMITS", 10 ** 9)
    never, wal_unchecked = asyncio.run(run("unchecked.db"))
    monkeypatch.setattr(store_module, "CHECKPOINT_COMMITS", 25)
    checkpoints, wal = asyncio.run(run("busy.db"))
    assert never == 0 and checkpoints >= 2
    assert wal < wal_unchecked / 2


# ------------------------------------------------------------------ the pages (real Chromium, real server)

def on_server_loop(server, coro_fn, *args):
    """Run a coroutine on the live server's event loop (its maintenance task lives there)."""
    loop = server.app.state.store.maintenance.get_loop()
    return asyncio.run_coroutine_threadsafe(coro_fn(*args), loop).result(timeout=10)


@pytest.mark.browser
def test_the_console_shows_a_full_disk_and_clears_when_there_is_room(browser, live_server):
    from playwright.sync_api import expect
    store = live_server.app.state.store
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(live_server.url + "/console")
    page.fill("#key", live_server.key)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/console")
    page.goto(live_server.url + "/console/c1")
    banner = page.locator("#storage-alert")
    expect(page.locator("#conn")).not_to_have_class("conn connecting")
    expect(banner).to_be_hidden()
    (pages,) = on_server_loop(live_server, _pragma, store, "PRAGMA page_count")
    on_server_loop(live_server, _pragma, store, f"PRAGMA max_page_count = {pages}")
    with live_server.api() as api:
        for n in range(50):
            if api.patch("/api/contests/c1", json={"name": f"决赛 {n}"}).status_code == 503:
                break
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("存储空间已满")
        expect(banner).to_contain_text("NOT saved")
        on_server_loop(live_server, _pragma, store, f"PRAGMA max_page_count = {UNLIMITED}")
        assert api.patch("/api/contests/c1", json={"name": "决赛"}).status_code == 200
        expect(banner).to_be_hidden()
    page.close()


@pytest.mark.browser
def test_the_phone_says_not_saved_on_a_full_disk_and_resends_until_saved(browser, live_server):
    """The server's 503 disk_full (as tested above) seen by the phone: not 已保存, kept, resent with the same id."""
    from playwright.sync_api import expect
    with live_server.api() as api:
        for action in ("start", "present", "open_scoring"):
            assert api.post("/api/contests/c1/actions", json={"action": action}).status_code == 200
        snap = api.get("/api/contests/c1").json()
    judge = next(j for j in snap["setup"]["judges"] if j["id"] == "U02")
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/j/{judge['token']}")
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    sent: list[str] = []

    def full_disk(route) -> None:
        sent.append(route.request.post_data_json["submission_id"])
        if len(sent) <= 2:
            route.fulfill(status=503, content_type="application/json", headers={"retry-after": "5"},
                          body=json.dumps(JUDGE_FULL))
        else:
            route.continue_()

    page.route("**/api/judge/submit", full_disk)
    page.get_by_role("textbox", name="总体评价").fill("71")
    page.locator("#submit-btn").click()
    page.get_by_role("dialog").get_by_role("button", name="确认提交").click()
    status = page.locator("#submit-status")
    expect(status).to_have_attribute("data-state", "full")
    expect(status).to_contain_text("存储空间已满")
    expect(status).not_to_contain_text("已保存")
    pending = page.evaluate("""() => { for (let i = 0; i < localStorage.length; i += 1) {
        const k = localStorage.key(i); if (k.startsWith('rj:') && k.split(':').length > 3) {
          const r = JSON.parse(localStorage.getItem(k)); if (r.pending) return r.pending; } } return null; }""")
    assert pending and pending["marks"] == {"overall": 71} and "disk full" in pending["full"]
    page.wait_for_function("() => !document.querySelector('[data-act=retry]').disabled")
    page.get_by_role("button", name="立即重试").click()   # the second refusal …
    expect(status).to_have_attribute("data-state", "full")
    page.wait_for_function("() => !document.querySelector('[data-act=retry]').disabled")
    page.get_by_role("button", name="立即重试").click()   # … then there is room again
    expect(status).to_have_attribute("data-state", "saved", timeout=10000)
    assert len(set(sent)) == 1 and len(sent) >= 3, "the same submission id every time"
    with sqlite3.connect(f"file:{live_server.db}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT submission_id, marks FROM submissions WHERE judge_id = 'U02'").fetchall()
    assert rows == [(sent[0], '{"overall": 71.0}')] or rows == [(sent[0], '{"overall": 71}')]
    assert errors == []
    context.close()


def test_a_full_disk_outside_the_json_api_is_a_503_page_not_a_500(client, monkeypatch):
    """Signing in stores a console session on later versions; any page that writes gets this answer."""
    from judging.storage.store import StorageFull

    async def full(*args, **kwargs):
        raise StorageFull()

    monkeypatch.setattr(client.app.state.auth, "verify", full)
    r = client.post("/login", data={"key": ORGANIZER_KEY}, follow_redirects=False)
    assert r.status_code == 503 and "存储空间已满" in r.text and r.headers["content-type"].startswith("text/html")
