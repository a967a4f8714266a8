"""The audience's HTTP API (docs/AUDIENCE.md): device credentials, one ballot per device and window, re-votes,
resends, closed windows, bad ballots, the rate limit, the organizer's actions and unknown links."""

from __future__ import annotations

import sqlite3

from tests.audience_kit import audience_contest, ballot, device, org_action, roadshow
from tests.helpers import ORG, act, make_client


def _ballots(db) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT window, voter, value, ballot_id FROM audience_ballots ORDER BY window, voter").fetchall()
    finally:
        con.close()


def test_device_issue_verify_and_forged(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok = audience_contest(c)
        r = c.post(f"/api/a/{tok}/device", json={})
        dev = r.json()["device"]
        assert dev.startswith("d.") and len(dev.split(".")[1]) == 16
        cookie = r.headers["set-cookie"]
        assert f"aud_{cid}=" in cookie and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        assert device(c, tok, dev) == dev  # a valid one comes back unchanged
        head, dev_id, sig = dev.split(".")
        forged = f"d.{dev_id[::-1]}.{sig}"
        assert device(c, tok, forged) not in (forged, dev)  # not valid: a new one
        act(c, "present", project="P01", cid=cid)
        r = ballot(c, tok, forged, "score:final:P01", stars=3)
        assert r.status_code == 403 and r.json()["code"] == "bad_device"
        c.cookies.clear()
        r = ballot(c, tok, None, "score:final:P01", stars=3)
        assert r.status_code == 403 and r.json()["code"] == "bad_device"
        # a credential of another contest is refused here
        cid2, tok2 = audience_contest(c, "a2")
        other = device(c, tok2)
        r = ballot(c, tok, other, "score:final:P01", stars=3)
        assert r.status_code == 403


def test_one_ballot_per_device_revote_replaces_and_resend_is_idempotent(tmp_path):
    clock = [1_800_000_000.0]
    with make_client(tmp_path / "t.db", demo=False, clock=lambda: clock[0]) as c:
        cid, tok = audience_contest(c)
        act(c, "present", project="P01", cid=cid)
        a, b = device(c, tok), device(c, tok)
        r = ballot(c, tok, a, "score:final:P01", bid="ballot-a-1", stars=4)
        assert r.status_code == 200 and r.json()["count"] == 1
        assert ballot(c, tok, b, "score:final:P01", stars=2).json()["count"] == 2
        clock[0] += 2
        r = ballot(c, tok, a, "score:final:P01", bid="ballot-a-2", stars=5)  # a re-vote replaces
        assert r.status_code == 200 and r.json()["count"] == 2 and r.json()["ballot"]["value"] == {"stars": 5}
        clock[0] += 2
        r = ballot(c, tok, a, "score:final:P01", bid="ballot-a-2", stars=1)  # a resend: acknowledged, unchanged
        assert r.status_code == 200 and r.json()["duplicate"] is True and r.json()["ballot"]["value"] == {"stars": 5}
        rows = _ballots(tmp_path / "t.db")
        assert len(rows) == 2 and sorted(r[2] for r in rows) == ['{"stars": 2}', '{"stars": 5}']
        me = c.get(f"/api/a/{tok}/me", headers={"x-audience-device": a}).json()
        assert me["ballots"]["score:final:P01"]["value"] == {"stars": 5}
        assert all(len(r[1]) == 16 and r[1] not in a for r in rows)  # a hash, never the raw device id


def test_closed_window_409_nothing_stored(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok = audience_contest(c)
        roadshow(c, cid, tok, "P01", [3])
        act(c, "next", cid=cid)
        dev = device(c, tok)
        before = _ballots(tmp_path / "t.db")
        r = ballot(c, tok, dev, "score:final:P01", stars=4)
        assert r.status_code == 409 and r.json()["code"] == "window_closed"
        r = ballot(c, tok, dev, "popularity", projects=["P01"])
        assert r.status_code == 409 and r.json()["code"] == "window_closed"
        assert _ballots(tmp_path / "t.db") == before


def test_bad_ballots_422(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok = audience_contest(c, stars=5, choices=2)
        dev = device(c, tok)
        act(c, "present", project="P01", cid=cid)
        r = ballot(c, tok, dev, "score:final:P02", stars=3)  # a roadshow not on stage
        assert r.status_code == 422 and r.json()["code"] == "not_on_stage"
        for stars in (0, 6, 2.5, "x", True, None):
            r = ballot(c, tok, dev, "score:final:P01", stars=stars)
            assert r.status_code == 422 and r.json()["code"] == "bad_stars", stars
        assert org_action(c, cid, "popularity_open").status_code == 200
        r = ballot(c, tok, dev, "popularity", projects=["P01", "P02", "P03"])
        assert r.status_code == 422 and r.json()["code"] == "too_many_choices"
        r = ballot(c, tok, dev, "popularity", projects=["P01", "P01"])
        assert r.status_code == 422 and r.json()["code"] == "duplicate"
        r = ballot(c, tok, dev, "popularity", projects=["P99"])
        assert r.status_code == 422 and r.json()["code"] == "bad_project"
        r = ballot(c, tok, dev, "score:final:P01", bid="short", stars=3)
        assert r.status_code == 422
        r = c.post(f"/api/a/{tok}/ballot", headers={"x-audience-device": dev}, content=b"{not json")
        assert r.status_code == 400 and "error" in r.json()
        assert _ballots(tmp_path / "t.db") == []
        assert ballot(c, tok, dev, "popularity", projects=["P01", "P02"]).status_code == 200


def test_rate_limit_429_with_retry_after(tmp_path):
    clock = [1_800_000_000.0]
    with make_client(tmp_path / "t.db", demo=False, clock=lambda: clock[0]) as c:
        cid, tok = audience_contest(c)
        dev = device(c, tok)
        act(c, "present", project="P01", cid=cid)
        assert ballot(c, tok, dev, "score:final:P01", stars=3).status_code == 200
        clock[0] += 0.3
        r = ballot(c, tok, dev, "score:final:P01", stars=4)
        assert r.status_code == 429 and r.json()["code"] == "too_fast" and int(r.headers["retry-after"]) >= 1
        clock[0] += 1.0
        assert ballot(c, tok, dev, "score:final:P01", stars=4).status_code == 200


def test_new_devices_are_limited_server_wide(tmp_path):
    from judging.app import audience

    clock = [1_800_000_000.0]
    with make_client(tmp_path / "t.db", demo=False, clock=lambda: clock[0]) as c:
        cid, tok = audience_contest(c)
        limit, audience.NEW_DEVICES_PER_SECOND = audience.NEW_DEVICES_PER_SECOND, 5
        try:
            codes = []
            for _ in range(7):
                c.cookies.clear()  # each a new phone
                codes.append(c.post(f"/api/a/{tok}/device", json={}).status_code)
            assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
            clock[0] += 1.5
            c.cookies.clear()
            assert c.post(f"/api/a/{tok}/device", json={}).status_code == 200
        finally:
            audience.NEW_DEVICES_PER_SECOND = limit


def test_organizer_actions_need_the_organizer(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok = audience_contest(c)
        r = c.post(f"/api/contests/{cid}/audience", json={"action": "popularity_open"})
        assert r.status_code == 401 and "error" in r.json()
        r = c.post(f"/api/contests/{cid}/audience/codes", json={"count": 5})
        assert r.status_code == 401
        assert c.get(f"/api/contests/{cid}/audience/codes").status_code == 401
        r = org_action(c, cid, "dance")
        assert r.status_code == 422 and "error" in r.json()
        assert org_action(c, cid, "popularity_close").status_code == 409  # not open yet
        r = org_action(c, cid, "popularity_open")
        assert r.status_code == 200 and r.json()["audience"]["popularity"]["state"] == "open"
        assert org_action(c, cid, "popularity_open").status_code == 409
        assert org_action(c, cid, "join_hide").json()["audience"]["join_shown"] is False
        log = c.get(f"/api/contests/{cid}/audit", headers=ORG).json()
        actions = [e["action"] for e in log.get("entries", log.get("audit", []))]
        assert "audience.popularity_open" in actions and "audience.join_hide" in actions


def test_unknown_token_404_and_no_popularity_409(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok = audience_contest(c, popularity=False)
        for path in ("device", "code", "ballot"):
            r = c.post(f"/api/a/not-a-token/{path}", json={})
            assert r.status_code == 404 and r.json()["code"] == "unknown_link"
        assert c.get("/api/a/not-a-token/me").status_code == 404
        r = org_action(c, cid, "popularity_open")
        assert r.status_code == 409 and r.json()["code"] == "no_popularity"
        r = c.post(f"/api/a/{tok}/ballot", headers={"origin": "http://evil.example"}, json={})
        assert r.status_code == 403
