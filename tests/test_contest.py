"""The live state machine (judging.core.contest), without a server: every transition and every refusal."""

from __future__ import annotations

from dataclasses import replace

import pytest

from judging.core.contest import (ACTIONS, OPTIONS, Facts, LiveState, Refused, Timer, apply, closed_roadshows, next_step,
                             roadshow_key)

ORDER = ("P1", "P2", "P3")
F = Facts(projects=ORDER, tiers=2, now=1000.0, timer_seconds=300.0)


def run(state: LiveState, *steps, facts: Facts = F) -> LiveState:
    for step in steps:
        action, project = step if isinstance(step, tuple) else (step, None)
        state = apply(state, action, facts, project)
    return state


def evening_until(phase: str) -> LiveState:
    """A state in ``phase`` reached the legal way."""
    paths = {
        "setup": (),
        "idle": ("start",),
        "presenting": ("start", "present"),
        "scoring": ("start", "present", "open_scoring"),
        "closed": ("start", "present", "open_scoring", "close_scoring"),
        "result": ("start", "present", "open_scoring", "close_scoring", "show_result"),
        "ranking": ("start",) + ("present", "open_scoring", "close_scoring", "show_result") * 3 + ("rank",),
    }
    if phase in paths:
        return run(LiveState(), *paths[phase])
    if phase == "reveal":
        return run(evening_until("ranking"), "start_reveal")
    if phase == "locked":
        return run(evening_until("ranking"), "lock")
    raise AssertionError(phase)


# ------------------------------------------------------------------ legal transitions

@pytest.mark.parametrize("start, action, project, expect", [
    ("setup", "start", None, {"phase": "idle", "order": ORDER, "round": "final"}),
    ("idle", "present", None, {"phase": "presenting", "current": "P1"}),
    ("idle", "present", "P3", {"phase": "presenting", "current": "P3"}),   # a late team swaps places
    ("presenting", "open_scoring", None, {"phase": "scoring", "current": "P1"}),
    ("scoring", "close_scoring", None, {"phase": "closed", "done": ("P1",)}),
    ("closed", "show_result", None, {"phase": "result"}),
    ("result", "next", None, {"phase": "idle", "current": None}),
    ("result", "present", None, {"phase": "presenting", "current": "P2"}),
    ("ranking", "start_reveal", None, {"phase": "reveal", "reveal_step": 0}),
    ("ranking", "lock", None, {"phase": "locked"}),
])
def test_transition(start, action, project, expect):
    new = apply(evening_until(start), action, F, project)
    for key, value in expect.items():
        assert getattr(new, key) == value, key


def test_whole_regular_round_then_rank():
    s = evening_until("ranking")
    assert s.phase == "ranking" and s.done == ORDER and s.pending == ()
    assert closed_roadshows(s) == [(p, "final") for p in ORDER]


def test_reveal_one_tier_per_action_then_lock():
    s = evening_until("reveal")
    s = run(s, "reveal_next")
    assert s.reveal_step == 1
    s = run(s, "reveal_next")
    assert s.reveal_step == 2
    with pytest.raises(Refused, match="every award tier"):
        apply(s, "reveal_next", F)
    assert run(s, "lock").phase == "locked"


def test_overtime_round_for_exactly_the_tied_projects():
    tie = Facts(projects=ORDER, needs_overtime=(("P1", "P3"),), unresolved_ties=True, tiers=2, now=5.0)
    s = apply(evening_until("ranking"), "start_overtime", tie)
    assert (s.phase, s.round, s.overtime, s.order, s.done) == ("idle", "overtime1", 1, ("P1", "P3"), ())
    assert s.overtime_groups == (("P1", "P3"),)
    s = run(s, "present", "open_scoring", facts=tie)
    assert roadshow_key(s) == ("P1", "overtime1")
    s = run(s, "close_scoring", "show_result", "present", "open_scoring", "close_scoring", "show_result", "rank",
            facts=tie)
    assert s.phase == "ranking" and s.round == "overtime1"
    # the tie is still there: a second overtime round
    s2 = apply(s, "start_overtime", tie)
    assert (s2.round, s2.overtime) == ("overtime2", 2)
    # resolved now: reveal and lock are allowed
    resolved = Facts(projects=ORDER, tiers=2)
    assert apply(s, "start_reveal", resolved).phase == "reveal"


def test_timer_runs_pauses_and_resets_with_the_clock_passed_in():
    s = evening_until("presenting")
    assert s.timer == Timer(300.0)
    s = apply(s, "timer_start", replace(F, now=100.0))
    assert s.timer.running and s.timer.left(130.0) == 270.0
    s = apply(s, "timer_pause", replace(F, now=160.0))
    assert not s.timer.running and s.timer.left(999.0) == 240.0
    s = apply(s, "timer_start", replace(F, now=200.0))
    assert s.timer.left(500.0) == 0.0  # never negative
    s = apply(s, "timer_reset", F)
    assert s.timer == Timer(300.0)
    # opening scoring stops the clock where it was
    s = apply(apply(s, "timer_start", replace(F, now=0.0)), "open_scoring", replace(F, now=45.0))
    assert not s.timer.running and s.timer.left(10_000.0) == 255.0


def test_timer_actions_are_not_undo_steps():
    s = evening_until("presenting")
    s2 = apply(s, "timer_start", F)
    assert s2.history == s.history


# ------------------------------------------------------------------ back (undo)

def test_back_reopens_scoring_closed_by_mistake():
    s = evening_until("closed")
    back = apply(s, "back", F)
    assert back.phase == "scoring" and back.done == () and roadshow_key(back) == ("P1", "final")
    assert back.history == evening_until("scoring").history


def test_back_walks_all_the_way_to_setup_and_then_refuses():
    s = evening_until("result")
    for _ in range(5):
        s = apply(s, "back", F)
    assert s.phase == "setup"
    with pytest.raises(Refused, match="no step to go back"):
        apply(s, "back", F)


# ------------------------------------------------------------------ refusals

REFUSALS = [
    # (phase, action, project, facts, message)
    ("idle", "start", None, F, "already started"),
    ("setup", "start", None, Facts(projects=()), "no projects"),
    ("setup", "present", None, F, "between roadshows"),
    ("presenting", "present", None, F, "between roadshows"),
    ("scoring", "present", None, F, "between roadshows"),
    ("idle", "present", "P9", F, "not in this round"),
    ("result", "present", "P1", F, "already been scored"),
    ("idle", "open_scoring", None, F, "project presenting"),
    ("scoring", "open_scoring", None, F, "project presenting"),
    ("closed", "open_scoring", None, F, "project presenting"),
    ("idle", "close_scoring", None, F, "no scoring is open"),
    ("presenting", "close_scoring", None, F, "no scoring is open"),
    ("scoring", "close_scoring", None, replace(F, missing_ok=False), "confirm to close"),
    ("scoring", "show_result", None, F, "only after scoring has closed"),
    ("presenting", "next", None, F, "show this project's result first"),
    ("closed", "next", None, F, "show this project's result first"),
    ("result", "rank", None, F, "have not presented"),
    ("scoring", "rank", None, F, "finish the current roadshow"),
    ("result", "start_overtime", None, F, "only once the ranking is out"),
    ("ranking", "start_overtime", None, F, "no tie needs an overtime"),
    ("result", "start_reveal", None, F, "only once the ranking is out"),
    ("ranking", "start_reveal", None, replace(F, needs_overtime=(("P1", "P2"),)), "hold overtime first"),
    ("ranking", "start_reveal", None, replace(F, unresolved_ties=True), "hold overtime first"),
    ("ranking", "reveal_next", None, F, "has not started"),
    ("result", "lock", None, F, "only once the ranking is out"),
    ("ranking", "lock", None, replace(F, unresolved_ties=True), "cannot lock"),
    ("ranking", "lock", None, replace(F, needs_overtime=(("P1", "P2"),)), "cannot lock"),
    ("locked", "back", None, F, "locked"),
    ("locked", "present", None, F, "locked"),
    ("idle", "timer_start", None, F, "only while a project is presenting"),
    ("scoring", "timer_reset", None, F, "only while a project is presenting"),
    ("idle", "dance", None, F, "unknown action"),
]


@pytest.mark.parametrize("phase, action, project, facts, message", REFUSALS)
def test_refusal(phase, action, project, facts, message):
    state = evening_until(phase)
    with pytest.raises(Refused, match=message) as err:
        apply(state, action, facts, project)
    assert " / " in str(err.value), "messages are Chinese / English"


def test_every_action_has_a_refusal_or_transition_test():
    covered = {r[1] for r in REFUSALS} | {"start", "present", "open_scoring", "close_scoring", "show_result", "next",
                                          "rank", "start_overtime", "start_reveal", "reveal_next", "lock", "back",
                                          "timer_start", "timer_pause", "timer_reset"}
    covered |= set(OPTIONS)  # never refused (any phase): their transitions are tested in tests/test_evening_live.py
    assert set(ACTIONS) <= covered


def test_present_refused_when_round_complete():
    s = run(evening_until("ranking"))
    s = replace(s, phase="result")
    with pytest.raises(Refused, match="every project of this round"):
        apply(s, "present", F)


# ------------------------------------------------------------------ guidance and storage

@pytest.mark.parametrize("phase, facts, expect", [
    ("setup", F, ("start", None)),
    ("idle", F, ("present", "P1")),
    ("presenting", F, ("open_scoring", None)),
    ("scoring", F, ("close_scoring", None)),
    ("closed", F, ("show_result", None)),
    ("result", F, ("present", "P2")),
    ("ranking", F, ("start_reveal", None)),
    ("ranking", replace(F, needs_overtime=(("P1", "P2"),)), ("start_overtime", None)),
    ("reveal", F, ("reveal_next", None)),
    ("locked", F, None),
])
def test_next_step(phase, facts, expect):
    assert next_step(evening_until(phase), facts) == expect


def test_next_step_after_last_result_is_rank_and_big_button_runs_a_whole_evening():
    s = LiveState()
    seen = []
    while (step := next_step(s, F)) is not None:
        seen.append(step[0])
        s = apply(s, step[0], F, step[1])
    assert s.phase == "locked"
    assert seen.count("present") == 3 and seen.count("reveal_next") == 2
    assert seen[-1] == "lock"


def test_state_round_trips_through_storage_form_with_history():
    s = apply(evening_until("result"), "timer_pause", F)
    again = LiveState.load(s.dump())
    assert again == s
    assert apply(again, "back", F) == apply(s, "back", F)


# ------------------------------------------------------------------ versions: acting on the state one saw

def test_every_change_and_every_undo_gets_a_new_version_and_a_no_op_keeps_it():
    s = run(LiveState(), "start", "present")
    assert s.version == 2
    paused = apply(s, "timer_pause", F)          # not running: nothing changes
    assert paused is s and paused.version == 2
    started = apply(s, "timer_start", F)
    assert started.version == 3
    back = apply(run(started, "open_scoring"), "back", F)
    assert back.phase == "presenting" and back.version == 5, "an undo is a new state, not the old version"
    assert LiveState.load(back.dump()).version == 5


@pytest.mark.parametrize("action", ["reveal_next", "back", "timer_start", "present"])
def test_an_action_for_a_state_that_has_moved_on_is_refused(action):
    phase = {"reveal_next": "reveal", "back": "reveal", "timer_start": "presenting", "present": "idle"}[action]
    s = evening_until(phase)
    seen = s.version
    once = apply(s, action, F, expect_version=seen)
    with pytest.raises(Refused, match="状态已经变化"):
        apply(once, action, F, expect_version=seen)   # the same press again: its answer was lost, say
    assert once.version == seen + 1
