"""Wrong organizer keys cannot stall the server: scrypt runs off the event loop, one at a time, and an
address that sent a few wrong keys within a minute is answered 429 at once, without hashing
(Bearer API calls, the login form and the console socket alike).  A key once found right stays cheap."""

from __future__ import annotations

import asyncio
import threading

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from judging.app import auth as auth_mod
from judging.app.auth import FailedKeys, OrganizerAuth, TooManyAttempts
from judging.storage.store import Store
from judging.web.app import create_app
from tests.conftest import ORGANIZER_KEY

RIGHT = "the-right-organizer-key-42"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def auth(tmp_path):
    store = Store(str(tmp_path / "a.db"))
    await store.open()
    a = OrganizerAuth(store, FailedKeys(limit=5, window=60.0, clock=Clock()))
    await a.setup(RIGHT)
    yield a
    await store.close()


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Every key scrypt is run on, in order."""
    seen: list[str] = []
    real = auth_mod.hash_key

    def counting(key: str, salt: bytes) -> str:
        seen.append(key)
        return real(key, salt)

    monkeypatch.setattr(auth_mod, "hash_key", counting)
    return seen


async def test_a_wrong_key_is_hashed_in_a_worker_thread_while_the_loop_keeps_serving(auth, monkeypatch):
    loop_thread = threading.get_ident()
    threads: list[int] = []
    gate = threading.Event()
    real = auth_mod.hash_key

    def held(key: str, salt: bytes) -> str:
        threads.append(threading.get_ident())
        # opened by a coroutine below: if this ran on the event loop, that coroutine could never run
        assert gate.wait(5), "the event loop was blocked while the key was hashed"
        return real(key, salt)

    monkeypatch.setattr(auth_mod, "hash_key", held)
    check = asyncio.create_task(auth.verify("a-wrong-key", "192.0.2.7"))
    for _ in range(500):
        if threads:
            break
        await asyncio.sleep(0.01)
    gate.set()
    assert await check is False
    assert threads and all(t != loop_thread for t in threads)


async def test_after_five_wrong_keys_an_address_is_refused_without_hashing(auth, hashes):
    for i in range(5):
        assert await auth.verify(f"wrong-{i}", "192.0.2.7") is False
    assert len(hashes) == 5
    with pytest.raises(TooManyAttempts) as refused:
        await auth.verify("wrong-5", "192.0.2.7")
    assert len(hashes) == 5, "the sixth wrong key within the minute is not hashed"
    assert 1 <= refused.value.retry_after <= 60 and "请" in str(refused.value) and "try again" in str(refused.value)
    with pytest.raises(TooManyAttempts):   # not even the right key is hashed for this address now …
        await auth.verify(RIGHT, "192.0.2.7")
    assert await auth.verify(RIGHT, "192.0.2.8") is True   # … other addresses are not affected
    assert await auth.verify(RIGHT, "192.0.2.7") is True, "a key already found right costs nothing"
    assert len(hashes) == 6
    auth.failed.clock.now += 61   # a minute later the address may try again
    assert await auth.verify("wrong-6", "192.0.2.7") is False


async def test_a_burst_of_concurrent_wrong_keys_cannot_slip_past_the_limit(auth, hashes):
    results = await asyncio.gather(*(auth.verify(f"burst-{i}", "192.0.2.9") for i in range(20)),
                                   return_exceptions=True)
    assert results.count(False) == 5 and sum(isinstance(r, TooManyAttempts) for r in results) == 15
    assert len(hashes) == 5


async def test_the_right_key_does_not_count_as_a_failure(auth, hashes):
    for i in range(4):
        assert await auth.verify(f"wrong-{i}", "192.0.2.10") is False
    assert await auth.verify(RIGHT, "192.0.2.10") is True
    assert await auth.verify("wrong-4", "192.0.2.10") is False   # still the fifth failure: allowed


async def test_a_key_rotated_away_while_it_was_hashed_is_not_accepted(auth, monkeypatch):
    started, gate = threading.Event(), threading.Event()
    real = auth_mod.hash_key

    def held(key: str, salt: bytes) -> str:
        if key == RIGHT:
            started.set()
            gate.wait(5)
        return real(key, salt)

    monkeypatch.setattr(auth_mod, "hash_key", held)
    check = asyncio.create_task(auth.verify(RIGHT, "192.0.2.11"))
    assert await asyncio.to_thread(started.wait, 5)   # the check is hashing the old key …
    await auth.setup(rotate=True)                      # … when the key is rotated
    gate.set()
    assert await check is False
    assert await auth.verify(RIGHT, "192.0.2.11") is False


def test_failed_keys_forget_the_stalest_address_beyond_the_bound():
    clock = Clock()
    failed = FailedKeys(limit=1, window=60.0, clock=clock, max_clients=3)
    for i in range(4):
        clock.now += 1
        failed.attempt(f"10.0.0.{i}")
    assert failed.retry_after("10.0.0.0") == 0 and failed.retry_after("10.0.0.3") > 0


def test_http_login_and_console_socket_answer_429_at_once_after_five_wrong_keys(tmp_path, monkeypatch):
    app = create_app(str(tmp_path / "h.db"), organizer_key=ORGANIZER_KEY, demo=True)
    good = {"authorization": f"Bearer {ORGANIZER_KEY}"}
    bad = {"authorization": "Bearer not-the-key-at-all"}
    with TestClient(app, client=("192.0.2.20", 5000)) as c:
        assert c.get("/api/contests", headers=good).status_code == 200   # the right key, now remembered
        judge = c.app.state.service.get("c1").contest.judge("U01")
        hashed: list[str] = []
        real = auth_mod.hash_key
        monkeypatch.setattr(auth_mod, "hash_key", lambda k, s: hashed.append(k) or real(k, s))
        codes = [c.get("/api/contests/c1/results", headers=bad).status_code for _ in range(5)]
        assert codes == [401] * 5 and len(hashed) == 5
        r = c.get("/api/contests/c1/results", headers=bad)
        assert r.status_code == 429 and r.json()["code"] == "too_many_attempts"
        assert r.json()["error"].startswith("错误的组织者密钥尝试过多") and 1 <= int(r.headers["retry-after"]) <= 60
        assert len(hashed) == 5
        page = c.post("/login", data={"key": "another-wrong-key", "next": "/console"}, follow_redirects=False)
        assert page.status_code == 429 and "尝试过多" in page.text and "retry-after" in page.headers
        with pytest.raises(WebSocketDisconnect) as closed:
            with c.websocket_connect("/ws/console/c1", headers=bad) as ws:
                ws.receive_text()
        assert closed.value.code == 4429
        assert len(hashed) == 5, "none of the refused attempts was hashed"
        # the judges and the organizer's known key are not held up
        assert c.get("/api/judge/state", headers={"authorization": f"Bearer {judge.token}"}).status_code == 200
        assert c.get("/api/contests/c1/results", headers=good).status_code == 200
    with TestClient(app, client=("192.0.2.21", 5000)) as other:   # another phone on the Wi-Fi: its own count
        assert other.get("/api/contests/c1/results", headers=bad).status_code == 401
