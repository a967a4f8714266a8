"""Concurrent requests against one contest: what two phones or two consoles do at the same instant.

The service checks the live state and commits in one step under the single writer's lock, so a
double-tapped Submit, a submission racing "close scoring", or two consoles pressing a button at
once can never produce a 500, a mark counted after close, or a step computed from a stale state.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from judging.live import snapshots as views
from judging.app.demo import create_demo
from judging.live.hub import Hub
from judging.live.publisher import Publisher
from judging.app.service import Conflict, Service
from judging.storage.repository import verify_chain
from judging.storage.store import Store


@pytest.fixture
async def svc(tmp_path):
    store = Store(str(tmp_path / "race.db"))
    await store.open()
    service = Service(store, Publisher(Hub()))
    rt = await create_demo(service)
    for action in ("start", "present", "open_scoring"):
        await service.act(rt.contest.id, action, None, "organizer")
    yield service
    await store.close()


def body(rt, marks, sid=None):
    return {"submission_id": sid or uuid.uuid4().hex, "project": rt.state.current, "round": rt.state.round,
            "marks": marks}


async def test_double_tap_with_the_same_submission_id_stores_once_and_acks_both(svc):
    rt = svc.get("c1")
    judge = rt.contest.judge("U01")
    b = body(rt, {"overall": 91})
    acks = await asyncio.gather(*(svc.submit(rt, judge, dict(b)) for _ in range(5)))
    assert all(a["status"] == "saved" for a in acks)
    assert sorted(a["duplicate"] for a in acks) == [False, True, True, True, True]
    rows = await svc.store.fetchall("SELECT submission_id FROM submissions")
    assert [r[0] for r in rows] == [b["submission_id"]]
    audit = [e.action for e in await svc.store.audit_log("c1") if e.action.startswith("mark.")]
    assert audit == ["mark.submit"]


async def test_submission_racing_close_is_either_counted_before_close_or_refused(svc):
    rt = svc.get("c1")
    project = rt.state.current
    judges = [j for j in rt.contest.judges if j.panel == "public"]
    submits = [svc.submit(rt, j, body(rt, {"overall": 80})) for j in judges]
    close = svc.act("c1", "close_scoring", None, "organizer", confirm=True)
    outcome = await asyncio.gather(close, *submits, return_exceptions=True)
    assert not isinstance(outcome[0], Exception), outcome[0]
    acked = {j.id for j, r in zip(judges, outcome[1:]) if isinstance(r, dict)}
    refused = [r for r in outcome[1:] if isinstance(r, Exception)]
    assert all(isinstance(r, Conflict) for r in refused), refused
    stored = {r[0] for r in await svc.store.fetchall(
        "SELECT judge_id FROM marks WHERE project_id = ? AND judge_id LIKE 'U%'", (project,))}
    assert stored == acked, "a mark is stored exactly when it was acknowledged"
    # every stored mark was committed before the close: the close's audit entry lists the others as missing
    close_entry = next(e for e in await svc.store.audit_log("c1") if e.action == "state.close_scoring")
    assert set(close_entry.detail["missing"]) & acked == set()
    marks_after_close = [e for e in await svc.store.audit_log("c1")
                         if e.action == "mark.submit" and e.seq > close_entry.seq]
    assert marks_after_close == []


async def test_two_consoles_pressing_at_once_take_one_step_each_from_the_fresh_state(svc):
    await svc.act("c1", "close_scoring", None, "organizer", confirm=True)
    rt = svc.get("c1")
    # both consoles see "closed" and press show_result at the same moment: one wins, the other is refused
    outcome = await asyncio.gather(svc.act("c1", "show_result", None, "organizer"),
                                   svc.act("c1", "show_result", None, "organizer"), return_exceptions=True)
    assert sum(not isinstance(o, Exception) for o in outcome) == 1
    assert all(isinstance(o, Conflict) for o in outcome if isinstance(o, Exception))
    assert rt.state.phase == "result"
    # next + back at once: whichever order they commit in, the state is one the machine could reach
    await asyncio.gather(svc.act("c1", "next", None, "organizer"), svc.act("c1", "back", None, "organizer"),
                         return_exceptions=True)
    assert rt.state.phase in ("result", "idle", "closed")
    steps = [e.action for e in await svc.store.audit_log("c1") if e.action.startswith("state.")]
    assert steps.count("state.show_result") == 1
    assert verify_chain(svc.store.path)[0]


async def test_a_setup_edit_racing_start_is_applied_before_it_or_refused(tmp_path):
    store = Store(str(tmp_path / "setup.db"))
    await store.open()
    service = Service(store, Publisher(Hub()))
    rt = await create_demo(service)
    edit = service.update_setup("c1", {"name": "改名后的决赛"}, "organizer")
    start = service.act("c1", "start", None, "organizer")
    outcome = await asyncio.gather(start, edit, return_exceptions=True)
    assert not isinstance(outcome[0], Exception)
    actions = [e.action for e in await store.audit_log("c1")]
    if isinstance(outcome[1], Exception):
        assert isinstance(outcome[1], Conflict) and rt.contest.name != "改名后的决赛"
    else:
        assert actions.index("contest.update") < actions.index("state.start") and rt.contest.name == "改名后的决赛"
    with pytest.raises(Conflict):
        await service.update_setup("c1", {"name": "too late"}, "organizer")
    await store.close()


async def test_malformed_timer_is_a_field_error_not_a_crash(svc):
    from judging.app.service import Invalid
    from judging.app.demo import demo_setup

    with pytest.raises(Invalid) as err:
        await svc.create_contest({**demo_setup("另一场"), "timer_seconds": "五分钟"}, "organizer")
    assert "timer_seconds" in err.value.errors
    assert set(svc.runtimes) == {"c1"}


async def test_a_retried_action_whose_answer_was_lost_is_not_applied_twice(svc):
    """The console pressed 'close scoring' with the version it saw; the answer was lost on the Wi-Fi and the
    operator pressed again: the second press is refused, not a second step."""
    rt = svc.get("c1")
    seen = rt.state.version
    await svc.act("c1", "close_scoring", None, "organizer", confirm=True, expect_version=seen)
    with pytest.raises(Conflict, match="状态已经变化"):
        await svc.act("c1", "show_result", None, "organizer", expect_version=seen)
    assert rt.state.phase == "closed"
    await svc.act("c1", "show_result", None, "organizer", expect_version=rt.state.version)
    assert rt.state.phase == "result"


async def test_acknowledgements_say_which_snapshots_include_them_and_a_voided_resend_is_not_current(svc):
    rt = svc.get("c1")
    judge = rt.contest.judge("U02")
    b = body(rt, {"overall": 77})
    ack = await svc.submit(rt, judge, dict(b))
    later = views.judge(svc, rt, judge)
    assert later["seq"] > ack["seq"] and later["my_marks"]["submission_id"] == b["submission_id"]
    for j in rt.contest.expected_judges(rt.state.current):
        if j.id != "U02":
            marks = {"need": 20, "design": 25, "impact": 20, "team": 15} if j.panel == "expert" else {"overall": 80}
            await svc.submit(rt, j, body(rt, marks))
    await svc.act("c1", "close_scoring", None, "organizer")
    await svc.correct("c1", rt.state.current, "final", "U02", None, "评委误操作", "organizer")
    again = await svc.submit(rt, judge, dict(b))            # the phone resends after a lost answer
    assert again["duplicate"] and again["current"] is False, "a voided mark set is not counted"
