"""The judge snapshot carries what the phone page needs beyond the current task: the projects the judge
is recused from (回避), so the running order can mark them in advance.  In-process, no browser."""

from __future__ import annotations

import pytest

from tests.helpers import ORG, make_client


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path / "judge_view.db") as c:
        yield c


def test_the_judge_snapshot_lists_only_their_own_recusals(client):
    judges = {j["id"]: j for j in client.get("/api/contests/c1", headers=ORG).json()["setup"]["judges"]}

    def me(jid: str) -> dict:
        r = client.get("/api/judge/state", headers={"authorization": f"Bearer {judges[jid]['token']}"})
        assert r.status_code == 200
        return r.json()["me"]

    assert me("U03")["recused"] == ["P03"]
    assert me("U10")["recused"] == ["P11"]
    assert me("E1")["recused"] == []
    with client.websocket_connect(f"/ws/j/{judges['U03']['token']}") as ws:
        assert ws.receive_json()["me"]["recused"] == ["P03"]
