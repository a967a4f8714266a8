"""The state machine says why an action is not allowed now (judging.core.contest.decide / refused_actions),
and the console snapshot carries it next to ``allowed`` as ``refused: {action: "原因 / reason"}``."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from judging.core.contest import ACTIONS, Facts, allowed_actions, apply, decide, refused_actions
from judging.web.app import create_app
from tests.conftest import ORGANIZER_KEY
from tests.test_contest import F, evening_until

ORG = {"authorization": f"Bearer {ORGANIZER_KEY}"}


# phase, facts changes, action -> the reason's Chinese part (the English follows after " / ")
@pytest.mark.parametrize("phase, facts, action, reason", [
    ("setup", {}, "present", "只能在两个路演之间请下一个项目上台"),
    ("setup", {}, "rank", "请先完成当前路演"),
    ("setup", {"projects": ()}, "start", "还没有项目或出场顺序"),
    ("idle", {}, "start", "比赛已经开始"),
    ("idle", {}, "open_scoring", "只能为正在路演的项目开放评分"),
    ("idle", {}, "rank", "还有 3 个项目未路演"),
    ("idle", {}, "timer_start", "只有路演进行中才能计时"),
    ("idle", {}, "timer_pause", "现在按下不会改变任何状态"),      # no timer running: nothing to pause
    ("presenting", {}, "close_scoring", "当前没有开放的评分"),
    ("scoring", {}, "show_result", "评分结束后才能公布结果"),
    ("closed", {}, "next", "请先公布本项目结果"),
    ("ranking", {}, "start_overtime", "没有需要加时赛的并列"),
    ("ranking", {"needs_overtime": (("P1", "P2"),)}, "start_reveal", "还有未决的并列，请先进行加时赛"),
    ("ranking", {"unresolved_ties": True}, "lock", "还有未决的并列，不能锁定"),
    ("reveal", {"tiers": 0}, "reveal_next", "所有奖项都已揭晓"),
    ("locked", {}, "back", "结果已锁定，不能再更改"),
    ("setup", {}, "back", "没有可以撤回的步骤"),
    ("setup", {}, "release_screen", "现在按下不会改变任何状态"),  # the screen is not on hold
])
def test_each_refused_action_says_why(phase, facts, action, reason):
    state, f = evening_until(phase), replace(F, **facts)
    allowed, refused = decide(state, f)
    assert action not in allowed
    assert refused[action].split(" / ")[0] == reason
    assert " / " in refused[action] and refused[action].split(" / ")[1]  # English after the Chinese


@pytest.mark.parametrize("phase", ["setup", "idle", "presenting", "scoring", "closed", "result", "ranking",
                                   "reveal", "locked"])
def test_every_action_is_either_allowed_or_refused_with_a_reason(phase):
    state = evening_until(phase)
    allowed, refused = decide(state, F)
    assert sorted(allowed + list(refused)) == sorted(ACTIONS) and not set(allowed) & set(refused)
    assert allowed == allowed_actions(state, F) and refused == refused_actions(state, F)
    for action in refused:  # a refused action really does nothing (or raises) on the machine
        try:
            assert apply(state, action, replace(F, missing_ok=True)) == state
        except ValueError:
            pass


def test_close_scoring_with_judges_missing_is_allowed_the_console_asks_first():
    assert "close_scoring" in allowed_actions(evening_until("scoring"), Facts(projects=("P1",), missing_ok=False))


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(str(tmp_path / "refused.db"), organizer_key=ORGANIZER_KEY, demo=True)) as c:
        yield c


def test_the_console_snapshot_carries_the_reasons_next_to_allowed(client):
    snap = client.get("/api/contests/c1", headers=ORG).json()
    assert snap["phase"] == "setup" and "start" in snap["allowed"]
    assert set(snap["refused"]) == set(ACTIONS) - set(snap["allowed"])
    assert snap["refused"]["present"] == ("只能在两个路演之间请下一个项目上台 / "
                                          "a project can only be called up between roadshows")
    r = client.post("/api/contests/c1/actions", headers=ORG, json={"action": "start"})
    snap = r.json()
    assert snap["phase"] == "idle" and "start" in snap["refused"] and "present" in snap["allowed"]
    assert snap["refused"]["start"].startswith("比赛已经开始 / ")


def test_snapshots_name_the_phase_and_the_round_with_the_vocabulary(client):
    snap = client.get("/api/contests/c1", headers=ORG).json()
    assert snap["round"] == "final" and snap["round_label"] == {"zh": "决赛路演", "en": "Final"}
    assert snap["phase_label"] == {"zh": "准备中", "en": "Setup"}
    snap = client.post("/api/contests/c1/actions", headers=ORG, json={"action": "start"}).json()
    assert snap["phase_label"]["zh"] == "等待上台" and snap["round_badge"] is None  # the existing fields stay
