"""The audience's records survive a restart (ballots, state, codes), each window's closing counts go into the
audit chain with the SHA-256 of its sorted ballots, and a ballot is acknowledged only after the commit that
holds it (group commit with the judges' marks)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import uuid

from judging.app.service import Service
from judging.live.hub import Hub
from judging.live.publisher import Publisher
from judging.storage.repository import verify_chain
from judging.storage.store import Store
from tests.audience_kit import audience_contest, audience_rules, ballot, device, org_action, roadshow
from tests.helpers import ORG, act, make_client


def _audit(c, cid: str) -> list[dict]:
    r = c.get(f"/api/contests/{cid}/audit", headers=ORG, params={"limit": 500})
    body = r.json()
    return body.get("entries") or body.get("audit") or []


def test_restart_keeps_ballots_state_and_codes(tmp_path):
    db = tmp_path / "t.db"
    with make_client(db, demo=False) as c:
        cid, tok = audience_contest(c)
        voters = roadshow(c, cid, tok, "P01", [5, 4, 3])
        act(c, "next", cid=cid)
        act(c, "present", cid=cid, project="P02")
        assert org_action(c, cid, "popularity_open").status_code == 200
        assert ballot(c, tok, voters[0], "popularity", projects=["P02", "P01"]).status_code == 200
        assert ballot(c, tok, voters[1], "score:final:P02", stars=2).status_code == 200
        assert org_action(c, cid, "join_hide").status_code == 200
        codes = c.post(f"/api/contests/{cid}/audience/codes", headers=ORG, json={"count": 3}).json()["codes"]
        assert c.post(f"/api/a/{tok}/code", headers={"x-audience-device": voters[2]},
                      json={"code": codes[0]}).status_code == 200
        before = c.get(f"/api/contests/{cid}", headers=ORG).json()
    with make_client(db, demo=False) as c:
        after = c.get(f"/api/contests/{cid}", headers=ORG).json()
        assert after["audience"]["link"] == before["audience"]["link"]  # the same audience link
        a = after["audience"]
        assert a["popularity"] == {"state": "open", "count": 1} and a["join_shown"] is False
        assert a["codes"] == {"issued": 3, "used": 1} and a["devices"] == 3
        assert a["window"]["count"] == 1
        me = c.get(f"/api/a/{tok}/me", headers={"x-audience-device": voters[0]}).json()["ballots"]
        assert me["score:final:P01"]["value"] == {"stars": 5} and me["popularity"]["value"]["projects"] == ["P02", "P01"]
        # the credential issued before the restart is still valid (the secret is stored)
        assert device(c, tok, voters[1]) == voters[1]
        # the results still count the audience's ballots of P01 (recomputed at load with them)
        assert after["results"] == before["results"]
        r = c.post(f"/api/a/{tok}/code", headers={"x-audience-device": voters[1]}, json={"code": codes[0]})
        assert r.status_code == 409 and r.json()["code"] == "code_taken"


def test_closing_counts_are_audited_with_their_hash(tmp_path):
    db = tmp_path / "t.db"
    with make_client(db, demo=False) as c:
        cid, tok = audience_contest(c)
        voters = roadshow(c, cid, tok, "P01", [5, 4, 4])
        closes = [e for e in _audit(c, cid) if e["action"] == "audience.close"]
        assert len(closes) == 1
        d = closes[0]["detail"]
        assert d["window"] == "score:final:P01" and d["ballots"] == 3 and d["counts"] == {"4": 2, "5": 1}
        con = sqlite3.connect(db)
        rows = con.execute("SELECT voter, value FROM audience_ballots WHERE window = ? ORDER BY voter",
                           ("score:final:P01",)).fetchall()
        # the close and its state change are one transaction: the same at, adjacent entries
        state_close = [e for e in _audit(c, cid) if e["action"] == "state.close_scoring"][0]
        assert abs(state_close["seq"] - closes[0]["seq"]) == 1
        con.close()
        lines = "\n".join(f"{v} {json.dumps(json.loads(val), sort_keys=True, ensure_ascii=False)}" for v, val in rows)
        assert d["sha256"] == hashlib.sha256(lines.encode()).hexdigest()
        act(c, "next", cid=cid)
        assert org_action(c, cid, "popularity_open").status_code == 200
        for v, choice in zip(voters, (["P02"], ["P02", "P03"], ["P03"])):
            assert ballot(c, tok, v, "popularity", projects=choice).status_code == 200
        assert org_action(c, cid, "popularity_close").status_code == 200
        pop = [e for e in _audit(c, cid) if e["action"] == "audience.close" and e["detail"]["window"] == "popularity"]
        assert pop[0]["detail"]["counts"] == {"P02": 2, "P03": 2} and pop[0]["detail"]["ballots"] == 3
    ok, message = verify_chain(str(db))
    assert ok, message


async def test_ballots_share_commits_and_each_ack_follows_its_commit(tmp_path):
    from judging.app.demo import demo_setup

    path = str(tmp_path / "g.db")
    store = Store(path)
    await store.open()
    svc = Service(store, Publisher(Hub()))
    await svc.load()
    body = {**demo_setup(), "id": "g1", "rules_text": audience_rules(), "order": [f"P{i:02d}" for i in range(1, 16)]}
    body.pop("rules_preset")
    rt = await svc.create_contest(body, "organizer")
    for action in ("start", "present"):
        await svc.act("g1", action, "P01" if action == "present" else None, "organizer")
    creds = [svc.issue_device(rt, None) for _ in range(60)]
    commits = store.commits
    unacked_seen = []

    def committed(bid: str) -> bool:
        con = sqlite3.connect(path)
        try:
            return con.execute("SELECT 1 FROM audience_ballots WHERE ballot_id = ?", (bid,)).fetchone() is not None
        finally:
            con.close()

    async def one(cred: str, k: int) -> None:
        bid = uuid.uuid4().hex
        out = await svc.cast_ballot(rt, cred, {"ballot_id": bid, "window": "score:final:P01", "stars": 1 + k % 5})
        assert out["ok"]
        if not committed(bid):
            unacked_seen.append(bid)

    await asyncio.gather(*(one(cred, k) for k, cred in enumerate(creds)))
    assert unacked_seen == []
    assert rt.audience.counts["score:final:P01"] == 60
    assert store.commits - commits < 60  # they shared commits
    await store.close()


def test_a_contest_without_a_stored_token_gets_one_that_stays(tmp_path):
    from tests.helpers import edit_db

    db = tmp_path / "t.db"
    with make_client(db, demo=False) as c:
        cid, tok = audience_contest(c)
    edit_db(db, "UPDATE contests SET audience_token = NULL")  # a row from before the migration
    with make_client(db, demo=False) as c:
        first = c.get(f"/api/contests/{cid}", headers=ORG).json()["audience"]["link"]["path"]
    con = sqlite3.connect(db)
    (stored,) = con.execute("SELECT audience_token FROM contests WHERE id = ?", (cid,)).fetchone()
    con.close()
    assert stored and first == f"/a/{stored}"
    with make_client(db, demo=False) as c:
        assert c.get(f"/api/contests/{cid}", headers=ORG).json()["audience"]["link"]["path"] == first
        assert c.post(f"{first.replace('/a/', '/api/a/')}/device", json={}).status_code == 200
