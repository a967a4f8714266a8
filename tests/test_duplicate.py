"""Duplicate a contest (去年的设置): the same setup under a new id with new links; the source keeps its own."""

from __future__ import annotations

import pytest

from judging.storage.repository import verify_chain
from tests.helpers import ORG, Evening, bearer, contest, make_client, spread_marks

SETUP_KEYS = ("projects", "order", "recusals", "rules", "timer_seconds", "panels", "awards", "grants")


@pytest.fixture
def db(tmp_path):
    return tmp_path / "duplicate.db"


def _duplicate(client, cid="c1", **body):
    return client.post(f"/api/contests/{cid}/duplicate", headers=ORG, json=body)


def test_a_copy_has_the_setup_new_links_and_no_marks(db):
    with make_client(db) as client:
        client.patch("/api/contests/c1", headers=ORG, json={"date": "2025-05-20", "venue": "街道礼堂"})
        ev = Evening(client)
        ev.run(ev.state["setup"]["order"][:1], lambda j, pid: spread_marks(j, 0.7, 1))
        src = contest(client)
        assert src["marks"] and (src["contest"]["date"], src["contest"]["venue"]) == ("2025-05-20", "街道礼堂")
        r = _duplicate(client)
        assert r.status_code == 201, r.text
        copy = r.json()
        cid = copy["contest"]["id"]
        assert cid == "c1-copy" and copy["contest"]["name"] == src["contest"]["name"] + "（副本）"
        assert copy["phase"] == "setup" and copy["marks"] == [] and copy["results"] == []
        assert copy["contest"]["date"] == "" and copy["contest"]["venue"] == ""
        for key in SETUP_KEYS:
            assert copy["setup"][key] == src["setup"][key], key
        strip = (lambda js: [{k: v for k, v in j.items() if k not in ("token", "link")} for j in js])
        assert strip(copy["setup"]["judges"]) == strip(src["setup"]["judges"])
        # new tokens, none equal to any old one (judge or screen)
        old_tokens = {j["token"] for j in src["setup"]["judges"]} | {src["setup"]["screen_link"].rsplit("/", 1)[1]}
        new_tokens = {j["token"] for j in copy["setup"]["judges"]} | {copy["setup"]["screen_link"].rsplit("/", 1)[1]}
        assert len(new_tokens) == len(old_tokens) and not old_tokens & new_tokens
        # the old links still belong to the old contest, the new ones to the copy
        for old, new in zip(src["setup"]["judges"], copy["setup"]["judges"]):
            assert client.get("/api/judge/state", headers=bearer(old["token"])).json()["contest"]["id"] == "c1"
            assert client.get("/api/judge/state", headers=bearer(new["token"])).json()["contest"]["id"] == cid
        with client.websocket_connect(f"/ws/s/{copy['setup']['screen_link'].rsplit('/', 1)[1]}") as ws:
            assert ws.receive_json()["contest"]["id"] == cid
        # the source is untouched
        assert contest(client)["marks"] == src["marks"] and contest(client)["phase"] == src["phase"]
        # the copy's audit starts with its own entry naming the source
        entries = client.get(f"/api/contests/{cid}/audit", headers=ORG).json()["entries"]
        assert [e["action"] for e in entries] == ["contest.duplicate"]
        assert entries[0]["detail"]["source_contest"] == "c1"
        ok, message = verify_chain(str(db))
        assert ok, message
        # the copy runs its own evening
        Evening(client, cid).act("start")
    with make_client(db) as client:  # and it is all stored
        again = contest(client, "c1-copy")
        assert again["setup"]["judges"] == copy["setup"]["judges"] and again["phase"] == "idle"


def test_a_copy_takes_a_given_id_name_date_and_venue_and_refuses_bad_ones(db):
    with make_client(db) as client:
        r = _duplicate(client, id="y2027", name="2027年决赛", date="2027-05-20", venue="区文化中心")
        assert r.status_code == 201
        c = r.json()["contest"]
        assert (c["id"], c["name"], c["date"], c["venue"]) == ("y2027", "2027年决赛", "2027-05-20", "区文化中心")
        assert _duplicate(client, id="y2027").status_code == 409
        assert _duplicate(client, id="bad id!").status_code == 422
        assert _duplicate(client, date="20.5.2027").status_code == 422
        assert _duplicate(client, name=5).status_code == 422
        assert _duplicate(client, cid="nope").status_code == 404
        second = _duplicate(client).json()["contest"]["id"]  # derived ids do not collide
        third = _duplicate(client).json()["contest"]["id"]
        assert (second, third) == ("c1-copy", "c1-copy2")
        assert client.post("/api/contests/c1/duplicate", json={}).status_code == 401
        ids = [c["id"] for c in client.get("/api/contests", headers=ORG).json()["contests"]]
        assert ids == ["c1", "y2027", "c1-copy", "c1-copy2"]


def test_a_rehearsal_is_copied_as_a_plain_contest(db):
    with make_client(db) as client:
        assert client.post("/api/contests/c1/rehearsal", headers=ORG, json={"on": True}).status_code == 200
        copy = _duplicate(client).json()
        assert copy["contest"]["rehearsal"] is False
