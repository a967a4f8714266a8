"""Issue 13 (the evening, smoothed), server side: items 6, 8, 9 and 10.  In-process, no browser.

What it covers: the screen and timer options of the live state (holding view with the contest's title,
date and venue; hidden individual marks on the screen's result; the timer started by 请上台), which never
change the phase, work at any phase (also once locked), are audited, survive a restart and are not undone
by ``back``; the state after lock (no overtime badge, the whole running order, no timer) and audit entries
of lock/reveal without a round; a press from another console right after a change is refused with 409
``recent_change`` unless confirmed; the timer counts past zero (overrun), pause is allowed only while it
runs, and the console is sent the allowed actions.

What it does not cover: what the pages draw (tests/browser/test_screen_console_smoothed.py).
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from judging.core import contest as machine
from judging.live import snapshots as views
from tests.helpers import EXPERT, ORG, act, console_sign_in, create_contest, make_client, post_action, submit_ok


class Clock:
    """The service's clock, moved by the test."""

    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(tmp_path) -> str:
    return str(tmp_path / "live.db")


@pytest.fixture
def client(db, clock):
    with make_client(db, demo=False) as c:
        c.app.state.service.clock = clock
        yield c


def new_contest(client, projects: int = 3) -> tuple[str, dict]:
    body = {"name": "滨江区公益创投大赛决赛", "date": "2026-12-01", "venue": "滨江区社会组织服务中心 报告厅",
            "projects": [{"id": f"P{i}", "name": f"项目{i}"} for i in range(1, projects + 1)],
            "judges": [{"id": f"E{i}", "name": f"专家{i}", "panel": "expert"} for i in range(1, 5)]
            + [{"id": f"U{i}", "name": f"大众{i}", "panel": "public"} for i in range(1, 5)],
            "order": [f"P{i}" for i in range(1, projects + 1)]}
    snap = create_contest(client, body)
    return snap["contest"]["id"], {j["id"]: j for j in snap["setup"]["judges"]}


def screen(client, cid: str) -> dict:
    svc = client.app.state.service
    return views.screen(svc, svc.get(cid))


def score(client, cid: str, judges: dict, project: str, level: float, round_name: str = "final") -> None:
    for j in judges.values():
        marks = ({k: round(v * level, 1) for k, v in EXPERT.items()} if j["panel"] == "expert"
                 else {"overall": round(80 * level, 1)})
        submit_ok(client, j, project, marks, round_name)


def roadshow(client, cid: str, judges: dict, project: str, level: float, round_name: str = "final") -> dict:
    act(client, "present", project=project, cid=cid)
    act(client, "open_scoring", cid=cid)
    score(client, cid, judges, project, level, round_name)
    return act(client, "close_scoring", "show_result", cid=cid)


def evening_to_lock(client, cid: str, judges: dict) -> dict:
    """P1 and P2 tie for 一等奖 (identical marks), an overtime round decides, every tier revealed, locked."""
    act(client, "start", cid=cid)
    for pid, level in (("P1", 1.1), ("P2", 1.1), ("P3", 0.9)):
        roadshow(client, cid, judges, pid, level)
        if pid != "P3":
            act(client, "next", cid=cid)
    ranking = act(client, "rank", cid=cid)
    assert ranking["needs_overtime"] == [["P1", "P2"]]
    ot = act(client, "start_overtime", cid=cid)
    assert ot["round_badge"] == "加时赛 第 1 轮 Overtime 1" and [o["id"] for o in ot["order"]] == ["P1", "P2"]
    roadshow(client, cid, judges, "P1", 1.0, "overtime1")
    act(client, "next", cid=cid)
    during = roadshow(client, cid, judges, "P2", 1.2, "overtime1")
    assert during["round_badge"] == "加时赛 第 1 轮 Overtime 1"
    snap = act(client, "rank", "start_reveal", cid=cid)
    while snap["reveal"]["step"] < snap["reveal"]["total_tiers"]:
        snap = act(client, "reveal_next", cid=cid)
    return act(client, "lock", cid=cid)


# ------------------------------------------------------------------ item 8: the state after lock

def test_after_lock_the_console_shows_the_final_state_and_the_audit_names_no_round(client):
    cid, judges = new_contest(client)
    locked = evening_to_lock(client, cid, judges)
    assert locked["phase"] == "locked"
    assert locked["round_badge"] is None                       # no red 加时赛 第 1 轮 badge
    assert [(o["id"], o["status"]) for o in locked["order"]] == [("P1", "done"), ("P2", "done"), ("P3", "done")]
    assert locked["timer"]["shown"] is False and locked["timer"]["running"] is False
    assert locked["reveal"]["step"] == locked["reveal"]["total_tiers"]
    assert locked["next_step"] is None
    # the screen gets the same final running order
    assert [o["id"] for o in screen(client, cid)["order"]] == ["P1", "P2", "P3"]
    entries = client.get(f"/api/contests/{cid}/audit", headers=ORG, params={"limit": 500}).json()["entries"]
    late = [e for e in entries if e["action"] in ("state.start_reveal", "state.reveal_next", "state.lock")]
    assert {e["action"] for e in late} == {"state.start_reveal", "state.reveal_next", "state.lock"}
    for e in late:
        assert "round" not in e["detail"] and "project" not in e["detail"], e
    present = [e for e in entries if e["action"] == "state.present"]
    assert present[-1]["detail"]["round"] == "overtime1"       # a roadshow's step still names its round


# ------------------------------------------------------------------ item 9: two consoles

def test_a_press_right_after_another_consoles_change_asks_first(client, clock):
    cid, judges = new_contest(client)
    act(client, "start", tab="tabA", cid=cid)
    clock.t += 10
    act(client, "present", "open_scoring", tab="tabA", cid=cid)
    score(client, cid, judges, "P1", 1.0)
    snap = act(client, "close_scoring", tab="tabA", cid=cid)
    clock.t += 0.1                                   # the other tab had refreshed: its version is current
    r = post_action(client, "show_result", tab="tabB", expect_version=snap["version"], cid=cid)
    assert r.status_code == 409 and r.json()["code"] == "recent_change"
    assert r.json()["error"].startswith("另一台控制台刚刚执行了「结束评分」")
    assert "仍要继续吗" in r.json()["error"] and " / " in r.json()["error"]
    assert client.get(f"/api/contests/{cid}", headers=ORG).json()["phase"] == "closed"   # nothing was done
    # the same tab is never asked; a confirmed press goes through
    assert post_action(client, "show_result", tab="tabA", cid=cid).status_code == 200
    clock.t += 0.2
    r = post_action(client, "next", tab="tabB", confirm_recent=True, cid=cid)
    assert r.status_code == 200 and r.json()["phase"] == "idle"
    clock.t += 1.6                                   # a moment later nobody is asked
    assert post_action(client, "present", tab="tabA", cid=cid).status_code == 200
    # a refused action stays its own refusal (not a question)
    r = post_action(client, "show_result", tab="tabB", cid=cid)
    assert r.status_code == 409 and r.json().get("code") != "recent_change"


def test_two_signed_in_sessions_are_two_consoles(client, clock):
    cid, _ = new_contest(client)
    other = TestClient(client.app)
    tabs = []
    for c in (client, other):
        console_sign_in(c)
        page = c.get(f"/console/{cid}").text
        tabs.append(page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0])
    r1 = client.post(f"/api/contests/{cid}/actions", json={"action": "start"}, headers={"x-csrf-token": tabs[0]})
    assert r1.status_code == 200, r1.text
    clock.t += 0.3
    r2 = other.post(f"/api/contests/{cid}/actions", json={"action": "present"}, headers={"x-csrf-token": tabs[1]})
    assert r2.status_code == 409 and r2.json()["code"] == "recent_change"
    r3 = client.post(f"/api/contests/{cid}/actions", json={"action": "present"}, headers={"x-csrf-token": tabs[0]})
    assert r3.status_code == 200


def test_bad_tab_is_a_422(client):
    cid, _ = new_contest(client)
    for tab in (5, "", "x" * 65, "a b", ["t"]):
        r = post_action(client, "start", tab=tab, cid=cid)
        assert r.status_code == 422 and "tab" in r.json()["errors"], tab


# ------------------------------------------------------------------ item 10: the timer

def test_the_timer_counts_past_zero_and_pause_is_allowed_only_while_it_runs(client, clock):
    cid, _ = new_contest(client)
    snap = act(client, "start", "present", cid=cid)
    assert snap["timer"]["running"] is False                   # default: started by hand
    assert "timer_start" in snap["allowed"] and "timer_pause" not in snap["allowed"]
    act(client, "timer_start", cid=cid)
    clock.t += 300 + 23                                        # 05:00 then 23 s over
    snap = client.get(f"/api/contests/{cid}", headers=ORG).json()
    assert snap["timer"]["left"] == 0 and snap["timer"]["overrun"] == 23 and snap["timer"]["running"] is True
    assert "timer_pause" in snap["allowed"]                    # the overrun is still counting
    snap = act(client, "timer_pause", cid=cid)
    clock.t += 60
    snap = client.get(f"/api/contests/{cid}", headers=ORG).json()
    assert snap["timer"]["overrun"] == 23 and snap["timer"]["running"] is False
    assert "timer_pause" not in snap["allowed"] and "timer_start" in snap["allowed"]
    assert screen(client, cid)["timer"]["overrun"] == 23       # the big screen shows the same
    snap = act(client, "timer_reset", cid=cid)
    assert snap["timer"]["overrun"] == 0 and snap["timer"]["left"] == 300


def test_the_timer_can_start_with_present(client, clock):
    cid, _ = new_contest(client)
    snap = act(client, "autostart_on", cid=cid)
    assert snap["phase"] == "setup" and snap["timer_autostart"] is True
    assert next(o for o in snap["options"] if o["id"] == "timer_autostart") == {
        "id": "timer_autostart", "label": "请上台时自动计时 Timer starts on Present", "on": True,
        "action": "autostart_off"}
    snap = act(client, "start", "present", cid=cid)
    assert snap["timer"]["running"] is True and snap["timer"]["started_at"] == clock.t
    clock.t += 30
    assert client.get(f"/api/contests/{cid}", headers=ORG).json()["timer"]["left"] == 270
    act(client, "open_scoring", "autostart_off", cid=cid)
    act(client, "back", cid=cid)                                  # back to presenting: the option stays off
    assert client.get(f"/api/contests/{cid}", headers=ORG).json()["timer_autostart"] is False


def test_machine_allowed_actions_are_what_apply_accepts():
    facts = machine.Facts(projects=("A", "B"), tiers=1, now=100.0)
    s = machine.apply(machine.LiveState(), "start", facts)
    allowed = machine.allowed_actions(s, facts)
    assert "present" in allowed and "rank" not in allowed and "timer_pause" not in allowed
    assert set(machine.OPTIONS) - {"release_screen", "show_marks", "autostart_off"} <= set(allowed)
    for action in allowed:
        assert machine.apply(s, action, facts) != s


# ------------------------------------------------------------------ item 6: holding view and hidden marks

def test_the_holding_view_at_any_phase_without_changing_it_audited_and_kept_over_a_restart(db, clock):
    with make_client(db, demo=False) as client:
        client.app.state.service.clock = clock
        cid, judges = new_contest(client)
        for step in ("setup", "scoring"):
            if step == "scoring":
                act(client, "start", "present", "open_scoring", cid=cid)
            before = client.get(f"/api/contests/{cid}", headers=ORG).json()
            snap = act(client, "hold_screen", cid=cid)
            assert snap["phase"] == before["phase"] == step and snap["holding"] is True
            s = screen(client, cid)
            assert s["holding"] is True and s["phase"] == step
            assert (s["contest"]["name"], s["contest"]["date"], s["contest"]["venue"]) == (
                "滨江区公益创投大赛决赛", "2026-12-01", "滨江区社会组织服务中心 报告厅")
            if step == "setup":
                assert act(client, "release_screen", cid=cid)["holding"] is False
        # judges keep scoring behind the holding view
        score(client, cid, judges, "P1", 1.0)
        assert act(client, "close_scoring", cid=cid)["holding"] is True
        assert act(client, "back", cid=cid)["holding"] is True      # not a step: back leaves it alone
        entries = client.get(f"/api/contests/{cid}/audit", headers=ORG, params={"limit": 500}).json()["entries"]
        holds = [e for e in entries if e["action"] in ("state.hold_screen", "state.release_screen")]
        assert [e["action"] for e in holds] == ["state.hold_screen", "state.release_screen", "state.hold_screen"]
        assert holds[-1]["detail"] == {"from": "scoring", "to": "scoring", "option": "holding", "value": True}
    with make_client(db, demo=False) as client:                # a restart: still holding, same phase
        snap = client.get(f"/api/contests/{cid}", headers=ORG).json()
        assert snap["holding"] is True and snap["phase"] == "scoring"
        assert screen(client, cid)["holding"] is True


def test_the_holding_view_also_once_locked(client):
    cid, judges = new_contest(client)
    evening_to_lock(client, cid, judges)
    assert act(client, "hold_screen", cid=cid)["holding"] is True
    assert act(client, "release_screen", cid=cid)["phase"] == "locked"


def test_hidden_marks_leave_panel_scores_and_total_on_the_screen(client):
    cid, judges = new_contest(client)
    act(client, "start", cid=cid)
    roadshow(client, cid, judges, "P1", 1.0)
    shown = screen(client, cid)["result"]
    assert all(len(p["marks"]) == 4 for p in shown["panels"])
    snap = act(client, "hide_marks", cid=cid)
    assert snap["phase"] == "result" and snap["hide_marks"] is True
    hidden = screen(client, cid)
    assert hidden["hide_marks"] is True
    assert [p["marks"] for p in hidden["result"]["panels"]] == [[], []]
    assert [p["score"] for p in hidden["result"]["panels"]] == [p["score"] for p in shown["panels"]]
    assert hidden["result"]["score"] == shown["score"] and hidden["result"]["total"] == shown["total"]
    # the console still sees every mark (to correct one)
    assert all(len(p["marks"]) == 4 for p in snap["result"]["panels"])
    act(client, "show_marks", cid=cid)
    assert all(len(p["marks"]) == 4 for p in screen(client, cid)["result"]["panels"])


def test_a_script_without_a_tab_is_not_a_console(client, clock):
    cid, _ = new_contest(client)
    act(client, "start", tab="tabA", cid=cid)
    clock.t += 0.1
    assert post_action(client, "present", cid=cid).status_code == 200      # the script is never asked …
    clock.t += 0.1
    assert post_action(client, "open_scoring", tab="tabA", cid=cid).status_code == 200   # … nor makes a console ask
    clock.t += 0.1
    r = post_action(client, "back", tab="tabB", cid=cid)                     # tabA's change is still the last one
    assert r.status_code == 409 and r.json()["code"] == "recent_change"


def test_timer_and_screen_options_neither_ask_nor_make_anyone_ask(client, clock):
    cid, _ = new_contest(client)
    act(client, "start", "present", tab="tabA", cid=cid)
    clock.t += 0.1
    assert post_action(client, "timer_start", tab="tabB", cid=cid).status_code == 200
    assert post_action(client, "hold_screen", tab="tabB", cid=cid).status_code == 200
    clock.t += 1.6
    act(client, "timer_pause", "release_screen", tab="tabB", cid=cid)
    assert post_action(client, "open_scoring", tab="tabA", cid=cid).status_code == 200   # tabB's presses were no steps
