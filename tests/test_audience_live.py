"""The audience's snapshots (docs/AUDIENCE.md): the phones' snapshot (shape, < 1.5 KB for 20 projects), the
screen's and the console's ``audience`` parts with their counts, the audience channel coalesced to at most
4 builds a second, and a ballot publishing the audience, screen and console channels, never a judge's."""

from __future__ import annotations

import asyncio

from judging.app.demo import demo_setup
from judging.app.service import Service
from judging.live import audience_views, snapshots
from judging.live.hub import Hub
from judging.live.publisher import Publisher, encode
from judging.storage.store import Store
from tests.audience_kit import audience_contest, audience_rules, ballot, device, org_action, roadshow
from tests.helpers import ORG, act, make_client

MORE = [("P16", "“社区食堂”长者助餐点"), ("P17", "“口袋公园”共建共治"), ("P18", "“流动图书馆”进小区"),
        ("P19", "“快递小哥”暖心驿站"), ("P20", "“无障碍”出行地图")]


def _twenty(c) -> tuple[str, str]:
    body = {**demo_setup(), "id": "big", "rules_text": audience_rules(), "rules_name": "aud.toml"}
    body.pop("rules_preset")
    body["projects"] = body["projects"] + [{"id": pid, "name": n, "organization": "某某社会工作服务中心",
                                            "community": "花园社区"} for pid, n in MORE]
    body["order"] = [p["id"] for p in body["projects"]]
    r = c.post("/api/contests", headers=ORG, json=body)
    assert r.status_code == 201, r.text
    act(c, "start", cid="big")
    return "big", r.json()["audience"]["link"]["path"].rsplit("/", 1)[1]


def test_audience_snapshot_shape_and_size(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok = _twenty(c)
        act(c, "present", cid=cid, project="P07")
        assert org_action(c, cid, "popularity_open").status_code == 200
        for stars in (4, 5):
            assert ballot(c, tok, device(c, tok), "score:final:P07", stars=stars).status_code == 200
        with c.websocket_connect(f"/ws/a/{tok}") as ws:
            snap = ws.receive_json()
        assert snap["type"] == "audience" and snap["boot"] and snap["seq"] > 0
        assert snap["on_stage"] == {"project": "P07", "name": "“家门口”就业服务站", "round": "final"}
        assert snap["window"] == {"id": "score:final:P07", "kind": "score", "open": True, "stars": 5, "count": 2}
        pop = snap["popularity"]
        assert pop["state"] == "open" and pop["choices"] == 2 and pop["count"] == 0
        assert [p["id"] for p in pop["projects"]] == [f"P{i:02d}" for i in range(1, 21)]
        assert snap["strict"] is False and snap["contest"] == {"name": demo_setup()["name"]}
        size = len(encode(snap).encode("utf-8"))
        assert size < 1500, size
        assert pop["projects"][0]["name"] == "“邻里守望”独居老人关爱计划"[:audience_views.name_chars(20)]
        # nothing about voters, marks or judges
        text = encode(snap)
        assert "voter" not in text and "judge" not in text and "marks" not in text


def test_screen_and_console_parts_count_committed_ballots(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok = audience_contest(c)
        screen_token = c.get(f"/api/contests/{cid}", headers=ORG).json()["setup"]["screen_link"].rsplit("/", 1)[1]
        voters = roadshow(c, cid, tok, "P01", [5, 3], show=False)
        with c.websocket_connect(f"/ws/a/{tok}"), c.websocket_connect(f"/ws/s/{screen_token}") as screen:
            part = screen.receive_json()["audience"]
            assert part["join"]["shown"] is True and part["join"]["url"].endswith(f"/a/{tok}")
            assert part["phones"] == 1 and part["window"]["count"] == 2 and part["window"]["open"] is False
            assert part["chart"] is None and part["leader"] is None and part["result"] is None
        act(c, "show_result", cid=cid)
        act(c, "next", cid=cid)
        assert org_action(c, cid, "popularity_open").status_code == 200
        assert ballot(c, tok, voters[0], "popularity", projects=["P03"]).status_code == 200
        assert ballot(c, tok, voters[1], "popularity", projects=["P03", "P02"]).status_code == 200
        with c.websocket_connect(f"/ws/s/{screen_token}") as screen:
            part = screen.receive_json()["audience"]
        votes = {x["project"]: x["votes"] for x in part["chart"]}
        assert votes["P03"] == 2 and votes["P02"] == 1 and votes["P01"] == 0 and part["leader"] == "P03"
        assert [x["project"] for x in part["chart"]] == [f"P{i:02d}" for i in range(1, 16)]  # running order
        console = c.get(f"/api/contests/{cid}", headers=ORG).json()["audience"]
        assert console["popularity"] == {"state": "open", "count": 2} and console["devices"] == 2
        assert console["allowed"] == ["popularity_close", "join_hide", "strict_on"]
        assert set(console) >= {"phones", "devices", "window", "popularity", "strict", "codes", "join_shown",
                                "warnings", "allowed"}


def test_result_part_and_no_audience_part_without_audience_rules(tmp_path):
    with make_client(tmp_path / "t.db") as c:  # the demo contest: no audience in its rules
        screen_token = c.get("/api/contests/c1", headers=ORG).json()["setup"]["screen_link"].rsplit("/", 1)[1]
        with c.websocket_connect(f"/ws/s/{screen_token}") as screen:
            assert "audience" not in screen.receive_json()
        assert "audience" not in c.get("/api/contests/c1", headers=ORG).json()
        cid, tok = audience_contest(c, min_ballots=3)
        roadshow(c, cid, tok, "P01", [5, 4])
        with c.websocket_connect(f"/ws/s/{c.get(f'/api/contests/{cid}', headers=ORG).json()['setup']['screen_link'].rsplit('/', 1)[1]}") as s:
            result = s.receive_json()["audience"]["result"]
        assert result["project"] == "P01" and result["ballots"] == 2 and result["fallback"] is True
        assert result["score"] is None and result["fallback_mode"] == "reweight"  # 2 < 3 ballots: not counted


async def test_audience_channel_is_coalesced_and_judges_are_not_published(tmp_path):
    store = Store(str(tmp_path / "g.db"))
    await store.open()
    hub = Hub()
    publisher = Publisher(hub)
    svc = Service(store, publisher)
    await svc.load()
    body = {**demo_setup(), "id": "g1", "rules_text": audience_rules(), "order": [f"P{i:02d}" for i in range(1, 16)]}
    body.pop("rules_preset")
    rt = await svc.create_contest(body, "organizer")
    await svc.act("g1", "start", None, "organizer")
    await svc.act("g1", "present", "P01", "organizer")
    aud_sub, judge_sub = hub.subscribe("g1/audience"), hub.subscribe("g1/judge/E1")
    screen_sub, console_sub = hub.subscribe("g1/screen"), hub.subscribe("g1/console")
    builds, screen_builds = publisher.watchers.builds, publisher.conflater.builds
    creds = [svc.issue_device(rt, None) for _ in range(40)]
    loop = asyncio.get_running_loop()
    started = loop.time()
    for k, cred in enumerate(creds):
        await svc.cast_ballot(rt, cred, {"ballot_id": f"ballot-{k:04d}", "window": "score:final:P01", "stars": 3})
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # the last coalesced build
    elapsed = loop.time() - started
    audience_builds = publisher.watchers.builds - builds
    assert 1 <= audience_builds <= elapsed * 4 + 2  # at most 4 a second (plus the first and the last)
    assert 1 <= publisher.conflater.builds - screen_builds <= elapsed * 4 + 2  # the big screen too, not per ballot
    assert judge_sub.delivered == 0 and not judge_sub._has.is_set()  # a ballot never reaches a judge's channel
    last = await asyncio.wait_for(aud_sub.get(), 1)
    assert '"count":40' in last  # the newest build has every committed ballot
    assert screen_sub._has.is_set() and console_sub._has.is_set()
    await store.close()


def test_views_match_the_console_part(tmp_path):
    with make_client(tmp_path / "t.db", demo=False) as c:
        cid, tok = audience_contest(c)
        svc = c.app.state.service
        rt = svc.get(cid)
        part = audience_views.console_part(svc, rt)
        snap = snapshots.console(svc, rt)
        assert snap["audience"] == part


def test_console_warns_of_a_burst_of_new_devices(tmp_path):
    clock = [1_800_000_000.0]
    with make_client(tmp_path / "t.db", demo=False, clock=lambda: clock[0]) as c:
        cid, tok = audience_contest(c)
        for _ in range(50):
            device(c, tok)
            clock[0] += 0.01
        assert c.get(f"/api/contests/{cid}", headers=ORG).json()["audience"]["warnings"] == []
        for _ in range(11):
            device(c, tok)
        warnings = c.get(f"/api/contests/{cid}", headers=ORG).json()["audience"]["warnings"]
        assert len(warnings) == 1 and "61" in warnings[0] and "（0）" in warnings[0]
        clock[0] += 61
        assert c.get(f"/api/contests/{cid}", headers=ORG).json()["audience"]["warnings"] == []
