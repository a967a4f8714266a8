"""Every snapshot and every judge acknowledgement names the server run (``boot``) its ``seq`` belongs to:
after a restart on a machine whose clock was set back, seqs are lower than before, and pages must be able
to tell that apart from an old snapshot (they compare seq only within one boot)."""

from __future__ import annotations

import time

from tests.helpers import ORG, bearer, make_client, submit_ok


def test_boot_is_in_every_snapshot_and_ack_stable_within_a_run_and_new_after_a_restart(tmp_path, monkeypatch):
    db = str(tmp_path / "b.db")
    with make_client(db) as c:
        first = c.get("/api/contests/c1", headers=ORG).json()
        boot = first["boot"]
        assert isinstance(boot, str) and len(boot) >= 8
        judge = c.app.state.service.get("c1").contest.judge("U01")
        jh = bearer(judge.token)
        for action in ("start", "present", "open_scoring"):
            r = c.post("/api/contests/c1/actions", headers=ORG, json={"action": action}).json()
            assert r["boot"] == boot and r["seq"] > first["seq"]
        assert c.get("/api/judge/state", headers=jh).json()["boot"] == boot
        project = c.get("/api/judge/state", headers=jh).json()["task"]["project"]
        ack = submit_ok(c, judge.token, project, {"overall": 80})
        assert ack["boot"] == boot and ack["seq"] > first["seq"]
        with c.websocket_connect(f"/ws/s/{c.app.state.service.get('c1').contest.screen_token}") as ws:
            assert ws.receive_json()["boot"] == boot
        last_seq = c.get("/api/contests/c1", headers=ORG).json()["seq"]

    # a new process (its sequence starts afresh) on a machine whose clock was set back two minutes
    with make_client(db, demo=False, clock=lambda: time.time() - 120) as c:
        again = c.get("/api/contests/c1", headers=ORG).json()
        assert again["seq"] < last_seq, "the clock went back: seq alone would make this look old"
        assert again["boot"] != boot, "the new run says so"
        assert c.get("/api/contests/c1", headers=ORG).json()["boot"] == again["boot"]
