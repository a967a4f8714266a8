"""请尽快提交 — nudging judges who have not submitted while scoring is open.

What it does: :func:`nudge_targets` (pure) decides whom an organizer's nudge reaches: only while scoring is
open, only judges expected for the open roadshow who have no counted mark set for it yet; :func:`nudge`
records one audit entry per nudged judge (``judge.nudge``), remembers the nudge in the runtime
(``Runtime.nudges``: judge id -> :class:`Nudge`) and pushes a fresh snapshot to those judges' sockets only
(and the console, which shows when each was nudged).  The judge's snapshot carries the nudge until they
submit for that roadshow or it is no longer open (:func:`active_nudge`).

What it does not do: vibrate or draw anything (static/judge.js shows the banner), change any mark, or keep
a nudge across a server restart (the audit log keeps that it was sent; the banner is a live reminder).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from judging.core import contest as machine
from judging.app.errors import Conflict, NotFound

if TYPE_CHECKING:
    from judging.app.runtime import Runtime
    from judging.app.service import Service

MESSAGE = "请尽快提交评分 / Please submit your marks now"


@dataclass(frozen=True)
class Nudge:
    project: str
    round: str
    at: float


class NudgeRefused(Conflict):
    """Not allowed now (HTTP 409): scoring is not open, or nobody (of those named) is missing."""


class UnknownJudge(NotFound):
    """A named judge is not in this contest (HTTP 404)."""


def nudge_targets(rt: "Runtime", missing: Iterable[str], wanted: list[str] | None) -> list[str]:
    """The judges a nudge reaches, in judge order.  ``missing``: the judges expected for the open roadshow
    without a counted mark set; ``wanted``: the judges named, or None for every missing judge."""
    if rt.state.phase != "scoring" or machine.roadshow_key(rt.state) is None:
        raise NudgeRefused("只能在评分进行中提醒评委 / judges can be nudged only while scoring is open")
    missing = set(missing)
    if wanted is not None:
        unknown = [j for j in wanted if rt.contest.judge(j) is None]
        if unknown:
            raise UnknownJudge(f"没有这位评委 / no judge {unknown[0]!r}")
        done = [j for j in wanted if j not in missing]
        if done:
            raise NudgeRefused(f"评委 {done[0]} 已提交或无需为本项目评分，无需提醒 / judge {done[0]!r} has "
                               "already submitted or does not score this roadshow")
    chosen = missing if wanted is None else set(wanted)
    targets = [j.id for j in rt.contest.judges if j.id in chosen]
    if not targets:
        raise NudgeRefused("所有评委都已提交，无需提醒 / every judge has submitted: nobody to nudge")
    return targets


def active_nudge(rt: "Runtime", judge_id: str) -> Nudge | None:
    """The nudge a judge's phone shows now: one sent for the open roadshow they have not yet submitted."""
    n = rt.nudges.get(judge_id)
    if n is None or rt.state.phase != "scoring" or machine.roadshow_key(rt.state) != (n.project, n.round):
        return None
    m = rt.marks.get((n.project, n.round, judge_id))
    return None if m is not None and m.status == "active" else n


async def nudge(svc: "Service", cid: str, wanted: list[str] | None, actor: str, client: str = "") -> list[str]:
    """Nudge ``wanted`` (None: every missing judge); returns the judges nudged."""
    rt = svc.get(cid)
    async with svc.store.write() as tx:  # decided on the committed state, under the writer's lock
        targets = nudge_targets(rt, (j.id for j in svc.missing_judges(rt)), wanted)
        project, round_name = machine.roadshow_key(rt.state)
        now = svc.clock()
        for jid in targets:
            await tx.audit(cid, actor, "judge.nudge", {"project": project, "round": round_name, "judge": jid,
                                                       "all_missing": wanted is None}, client=client)
        tx.on_commit(lambda: rt.nudges.update({jid: Nudge(project, round_name, now) for jid in targets}))
    svc.publish_judges(cid, targets)
    return targets
