"""The review stage's own state machine (judging.core.review): setup -> open (deadline) -> closed ->
advanced, what it refuses and why, when marks are taken, and the progress counts."""

from __future__ import annotations

import pytest

from judging.core.contest import Refused
from judging.core.review import ReviewState, apply, progress, refusal, taking_marks

NOW = 1_000_000.0
DAY = 86400.0


def opened(deadline: float = NOW + DAY) -> ReviewState:
    return apply(ReviewState(), "open", NOW, deadline=deadline, projects=8, judges=5)


def test_the_happy_path():
    s = opened()
    assert (s.phase, s.deadline, s.opened_at) == ("open", NOW + DAY, NOW)
    assert taking_marks(s, NOW + 10) and not taking_marks(s, NOW + DAY)
    s = apply(s, "deadline", NOW + 10, deadline=NOW + 2 * DAY)          # a later deadline
    assert s.deadline == NOW + 2 * DAY and s.opened_at == NOW
    s = apply(s, "close", NOW + 20)
    assert s.phase == "closed" and not taking_marks(s, NOW + 21)
    s = apply(s, "open", NOW + 30, deadline=NOW + DAY)                  # reopened
    assert s.phase == "open" and s.closed_at is None
    s = apply(apply(s, "close", NOW + 40), "advance", NOW + 50, advanced_to="final")
    assert (s.phase, s.advanced_to) == ("advanced", "final")
    assert ReviewState.load(s.to_json()) == s


@pytest.mark.parametrize("state, action, kw, message", [
    (ReviewState(), "open", {"deadline": NOW - 1, "projects": 8, "judges": 5}, "截止时间须晚于现在"),
    (ReviewState(), "open", {"deadline": None, "projects": 8, "judges": 5}, "截止时间须晚于现在"),
    (ReviewState(), "open", {"deadline": NOW + 100 * DAY, "projects": 8, "judges": 5}, "90 天"),
    (ReviewState(), "open", {"deadline": NOW + DAY, "projects": 0, "judges": 5}, "还没有申报项目或评委"),
    (ReviewState(), "open", {"deadline": NOW + DAY, "projects": 8, "judges": 0}, "还没有申报项目或评委"),
    (ReviewState(), "deadline", {"deadline": NOW + DAY}, "请先开放评审"),
    (ReviewState(), "close", {}, "评审未开放"),
    (ReviewState(), "advance", {}, "请先截止评审"),
    ("open", "open", {"deadline": NOW + DAY}, "已经开放"),
    ("open", "advance", {}, "请先截止评审"),
    ("advanced", "open", {"deadline": NOW + DAY}, "已经晋级"),
    ("advanced", "close", {}, "已经晋级"),
    (ReviewState(), "start", {}, "未知操作"),
])
def test_refused_with_a_reason(state, action, kw, message):
    if state == "open":
        state = opened()
    elif state == "advanced":
        state = apply(apply(opened(), "close", NOW), "advance", NOW)
    with pytest.raises(Refused, match=message) as e:
        apply(state, action, NOW, **kw)
    assert " / " in str(e.value)


def test_why_marks_are_not_taken():
    assert "尚未开放" in refusal(ReviewState(), NOW)
    assert "已过评审截止时间" in refusal(opened(), NOW + 2 * DAY)
    assert "已截止" in refusal(apply(opened(), "close", NOW), NOW)


def test_progress_counts_each_judge_and_application_without_recusals():
    p = progress(["A", "B", "C"], ["j1", "j2"], recused=[("j2", "C")],
                 scored=[("j1", "A"), ("j1", "B"), ("j2", "A"), ("j2", "C")])  # j2 on C: recused, not counted
    assert p["judges"] == [{"judge": "j1", "done": 2, "of": 3}, {"judge": "j2", "done": 1, "of": 2}]
    assert p["projects"] == [{"project": "A", "done": 2, "of": 2}, {"project": "B", "done": 1, "of": 2},
                             {"project": "C", "done": 0, "of": 1}]
    assert (p["done"], p["of"], p["complete"]) == (3, 5, False)
    full = progress(["A"], ["j1"], [], [("j1", "A")])
    assert full["complete"] is True
