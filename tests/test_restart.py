"""Kill a real server process (SIGKILL) while judges are submitting; restart it on the same database.

Every acknowledged mark must be there and the contest must be in the same phase.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import httpx

from tests.conftest import ORGANIZER_KEY, ROOT, free_port

ORG = {"authorization": f"Bearer {ORGANIZER_KEY}"}


def start_server(db: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "JUDGING_ORGANIZER_KEY": ORGANIZER_KEY, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "run.py", "serve", "--db", db, "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start: " + (proc.stdout.read() if proc.stdout else ""))


def test_sigkill_mid_scoring_loses_no_acknowledged_mark(tmp_path):
    db = str(tmp_path / "restart.db")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(db, port)
    try:
        with httpx.Client(base_url=base, headers=ORG, timeout=5) as api:
            judges = api.get("/api/contests/c1").json()["setup"]["judges"]
            for action in ("start", "present", "open_scoring"):
                assert api.post("/api/contests/c1/actions", json={"action": action}).status_code == 200
            before = api.get("/api/contests/c1").json()
            pid, seq_before = before["current"]["id"], before["seq"]

        acked: dict[str, dict] = {}   # judge id -> the marks the server acknowledged last
        in_flight: dict[str, dict] = {}  # judge id -> marks sent when the server died (committed or not)
        lock = threading.Lock()
        stop = threading.Event()

        def judge_loop(judge: dict) -> None:
            with httpx.Client(base_url=base, headers={"authorization": f"Bearer {judge['token']}"},
                              timeout=2) as client:
                submit_until_stopped(client, judge)

        def submit_until_stopped(client: httpx.Client, judge: dict) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                marks = ({"need": 10 + n % 15, "design": 20, "impact": 20, "team": 15} if judge["panel"] == "expert"
                         else {"overall": 50 + n % 50})
                try:
                    r = client.post("/api/judge/submit", json={"submission_id": uuid.uuid4().hex, "project": pid,
                                                                "round": "final", "marks": marks})
                except httpx.HTTPError:
                    with lock:  # the server died: never acknowledged, but it may have been committed
                        in_flight[judge["id"]] = marks
                    return
                if r.status_code == 200:
                    with lock:
                        acked[judge["id"]] = marks

        threads = [threading.Thread(target=judge_loop, args=(j,)) for j in judges]
        for t in threads:
            t.start()
        deadline = time.time() + 60  # a loaded machine: wait for every judge to be acknowledged once, not a fixed time
        while time.time() < deadline:
            with lock:
                if len(acked) >= 20:
                    break
            time.sleep(0.05)
        time.sleep(0.3)  # ... and keep them submitting: the kill lands in the middle of the stream
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=10)
        assert len(acked) >= 20, "judges were submitting when the server was killed"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()

    proc = start_server(db, port)
    try:
        api = httpx.Client(base_url=base, headers=ORG, timeout=5)
        state = api.get("/api/contests/c1").json()
        assert state["phase"] == "scoring" and state["current"]["id"] == pid
        # clients drop snapshots older than the newest they have: numbering must not restart at 1
        assert state["seq"] > seq_before
        stored = {m["judge"]: m["values"] for m in state["marks"] if m["project"] == pid}
        as_stored = lambda marks: {k: float(v) for k, v in marks.items()}  # noqa: E731
        for jid, marks in acked.items():
            # the last acknowledged mark set, or the newer one whose commit raced the kill; never an older one
            allowed = [as_stored(marks)] + ([as_stored(in_flight[jid])] if jid in in_flight else [])
            assert stored[jid] in allowed, (jid, stored[jid], allowed)
        # the evening goes on: close scoring and show the result
        r = api.post("/api/contests/c1/actions", json={"action": "close_scoring", "confirm": True})
        assert r.status_code == 200, r.text
        verify = subprocess.run([sys.executable, "run.py", "verify", "--db", db], cwd=ROOT, capture_output=True,
                                text=True)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        api.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=15)
    for j in judges:
        assert j["token"] not in out, "judge tokens never reach the server's output after the first start"
