"""A review stage's phone follows the server over the judge's socket (/ws/j/<token>), in-process: the socket's
first message is the judge's list of applications (``type: "review"``, not the live task), and every change
of the review reaches it without a poll -- the organizer moving the deadline, closing the stage, reopening it,
an application added, the judge's own marks saved from another device.  ``GET /api/judge/state`` (the
phone's fallback when the socket is down) answers the same view."""

from __future__ import annotations

import uuid

import pytest

from judging.web import sockets
from tests.helpers import ORG, bearer, create_contest, make_client
from tests.season_kit import NOW, Clock, REVIEW_RUBRIC, ADVANCE_TWO

RULES = REVIEW_RUBRIC + ADVANCE_TWO
APPS = [{"id": f"A{i}", "name": f"申报项目{i}", "organization": f"机构{i}"} for i in range(1, 4)]
JUDGES = [{"id": f"R{i}", "name": f"初审专家{i}", "panel": "expert"} for i in range(1, 3)]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setattr(sockets, "HEARTBEAT_SECONDS", 0.5)  # a socket that is sent nothing still answers soon
    with make_client(tmp_path / "push.db", demo=False, clock=Clock()) as c:
        snap = create_contest(c, {"id": "rev", "name": "2026 公益创投", "rules_text": RULES, "rules_name": "r.toml",
                                  "projects": APPS, "judges": JUDGES})
        assert c.post("/api/contests/rev/stage", headers=ORG, json={"kind": "review", "label": "初审"}).status_code == 200
        yield c, {j["id"]: j["token"] for j in snap["setup"]["judges"]}


def review(c, body):
    r = c.post("/api/contests/rev/review", headers=ORG, json=body)
    assert r.status_code == 200, r.text


def next_review(ws, until, limit: int = 20) -> dict:
    """The first review snapshot the socket receives that satisfies ``until`` (pings and others skipped)."""
    seen = []
    for _ in range(limit):
        msg = ws.receive_json()
        seen.append(msg.get("type"))
        if msg.get("type") == "review" and until(msg):
            return msg
    raise AssertionError(f"no such review snapshot; received {seen}")


def test_the_socket_follows_the_review(env):
    c, tokens = env
    with c.websocket_connect(f"/ws/j/{tokens['R1']}") as ws:
        first = ws.receive_json()
        assert first["type"] == "review" and first["review"]["phase"] == "setup"
        assert [i["id"] for i in first["items"]] == ["A1", "A2", "A3"] and first["me"]["id"] == "R1"
        assert first["review"]["taking_marks"] is False and "尚未开放" in first["review"]["refusal"]

        review(c, {"action": "open", "deadline": NOW + 86400})
        opened = next_review(ws, lambda m: m["review"]["phase"] == "open")
        assert opened["review"]["deadline"] == NOW + 86400 and opened["review"]["taking_marks"] is True
        assert opened["seq"] > first["seq"] and opened["boot"] == first["boot"]

        review(c, {"action": "deadline", "deadline": NOW + 2 * 86400})      # the organizer moves the deadline
        moved = next_review(ws, lambda m: m["review"]["deadline"] == NOW + 2 * 86400)
        assert moved["review"]["phase"] == "open"

        # the judge's own marks, saved from another device (the same link on a laptop), show here too
        r = c.post("/api/judge/review/submit", headers=bearer(tokens["R1"]),
                   json={"submission_id": uuid.uuid4().hex, "project": "A2", "marks": {"need": 40, "plan": 41}})
        assert r.status_code == 200, r.text
        scored = next_review(ws, lambda m: m["done"] == 1)
        assert [i["status"] for i in scored["items"]] == ["unscored", "scored", "unscored"]
        assert scored["items"][1]["values"] == {"need": 40, "plan": 41}

        # an application added while the review is open
        setup = c.get("/api/contests/rev", headers=ORG).json()["setup"]
        projects = [{k: p[k] for k in ("id", "name", "organization")} for p in setup["projects"]]
        r = c.patch("/api/contests/rev", headers=ORG,
                    json={"projects": projects + [{"id": "A4", "name": "申报项目4", "organization": "机构4"}]})
        assert r.status_code == 200, r.text
        added = next_review(ws, lambda m: len(m["items"]) == 4)
        assert added["items"][3]["status"] == "unscored" and added["of"] == 4

        review(c, {"action": "close"})                                      # the organizer closes the stage
        closed = next_review(ws, lambda m: m["review"]["phase"] == "closed")
        assert closed["review"]["taking_marks"] is False and "已截止" in closed["review"]["refusal"]
        assert closed["review"]["phase_label"]["zh"] == "已截止"

        review(c, {"action": "open", "deadline": NOW + 3600})               # and reopens it
        again = next_review(ws, lambda m: m["review"]["phase"] == "open")
        assert again["review"]["deadline"] == NOW + 3600 and again["review"]["taking_marks"] is True


def test_another_judges_marks_are_not_pushed_to_this_phone(env):
    c, tokens = env
    review(c, {"action": "open", "deadline": NOW + 86400})
    with c.websocket_connect(f"/ws/j/{tokens['R1']}") as ws:
        assert ws.receive_json()["type"] == "review"
        r = c.post("/api/judge/review/submit", headers=bearer(tokens["R2"]),
                   json={"submission_id": uuid.uuid4().hex, "project": "A1", "marks": {"need": 10, "plan": 10}})
        assert r.status_code == 200, r.text
        review(c, {"action": "close"})
        closed = next_review(ws, lambda m: m["review"]["phase"] == "closed")
        assert closed["done"] == 0                # R2's marks are R2's: this phone's list is unchanged


def test_the_fallback_read_is_the_same_view(env):
    c, tokens = env
    review(c, {"action": "open", "deadline": NOW + 86400})
    state = c.get("/api/judge/state", headers=bearer(tokens["R2"]))
    assert state.status_code == 200
    body = state.json()
    assert body["type"] == "review" and body["me"]["id"] == "R2" and body["review"]["phase"] == "open"
    listing = c.get("/api/judge/review", headers=bearer(tokens["R2"])).json()
    assert {k: v for k, v in listing.items() if k != "seq"} == {k: v for k, v in body.items() if k != "seq"}
    assert listing["seq"] > body["seq"]
