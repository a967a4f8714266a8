"""The state machine of a review stage (书面评审) and its progress (pure).

Phases::

    setup -> open (with a deadline) -> closed -> advanced
                 ^--------- reopen ------'

While ``open`` and before the deadline every judge scores every application they are not recused from,
at any time and in any order, and may change a mark set until the stage closes.  At the deadline marks
are no longer taken; the console closes the stage (or sets a later deadline, which opens it again).
``advance`` (closed only) fills the next stage once (:mod:`judging.app.stages`).

What it does: :func:`apply` -> the next :class:`ReviewState` or :class:`judging.core.contest.Refused`
(Chinese / English); :func:`taking_marks`; :func:`progress` (per judge x / N, per application y / M).
Time is passed in, never read.

What it does not do: store, score or rank anything, or drive a live evening (:mod:`judging.core.contest`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Iterable

from judging.core.contest import Refused

PHASES = ("setup", "open", "closed", "advanced")
ACTIONS = ("open", "close", "advance", "deadline")
MAX_DAYS = 90


@dataclass(frozen=True)
class ReviewState:
    phase: str = "setup"
    deadline: float | None = None     # epoch seconds: no mark is taken at or after it
    opened_at: float | None = None
    closed_at: float | None = None
    advanced_to: str | None = None    # the next stage's contest id, once advanced

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def load(cls, d: dict) -> "ReviewState":
        return cls(**{k: d[k] for k in ("phase", "deadline", "opened_at", "closed_at", "advanced_to") if k in d})


def _refuse(zh: str, en: str) -> Refused:
    return Refused(f"{zh} / {en}")


def apply(s: ReviewState, action: str, now: float, *, deadline: float | None = None, projects: int = 0,
          judges: int = 0, advanced_to: str | None = None) -> ReviewState:
    if action not in ACTIONS:
        raise _refuse(f"未知操作 {action}", f"unknown action {action!r}")
    if s.phase == "advanced":
        raise _refuse("已经晋级到下一阶段，初审结果不能再更改", "the stage has advanced; nothing can change any more")
    if action in ("open", "deadline"):
        if action == "deadline" and s.phase == "setup":
            raise _refuse("请先开放评审", "open the review first")
        if deadline is None or deadline <= now:
            raise _refuse("截止时间须晚于现在", "the deadline must be in the future")
        if deadline - now > MAX_DAYS * 86400:
            raise _refuse(f"截止时间最多在 {MAX_DAYS} 天之后", f"the deadline is at most {MAX_DAYS} days away")
        if s.phase == "setup" and (not projects or not judges):
            raise _refuse("还没有申报项目或评委", "there are no applications or no judges yet")
        if s.phase == "open" and action == "open":
            raise _refuse("评审已经开放", "the review is already open")
        return replace(s, phase="open", deadline=deadline, opened_at=s.opened_at or now, closed_at=None)
    if action == "close":
        if s.phase != "open":
            raise _refuse("评审未开放，无需截止", "the review is not open")
        return replace(s, phase="closed", closed_at=now)
    if s.phase != "closed":  # advance
        raise _refuse("请先截止评审，再确定晋级名单", "close the review before advancing")
    return replace(s, phase="advanced", advanced_to=advanced_to)


def taking_marks(s: ReviewState, now: float) -> bool:
    return s.phase == "open" and (s.deadline is None or now < s.deadline)


def refusal(s: ReviewState, now: float) -> str:
    """Why a judge's mark set is not taken now (Chinese / English)."""
    if s.phase == "setup":
        return "书面评审尚未开放 / the review has not opened yet"
    if s.phase == "open":
        return "已过评审截止时间，本次评分未被计入 / the review deadline has passed; these marks were not counted"
    return "书面评审已截止，本次评分未被计入 / the review has closed; these marks were not counted"


def progress(projects: Iterable[str], judges: Iterable[str], recused: Iterable[tuple[str, str]],
             scored: Iterable[tuple[str, str]]) -> dict:
    """``scored``: (judge, project) pairs with an active mark set.  Per judge: done of the applications they
    must score; per application: done of the judges who must score it; and the whole."""
    projects, judges = list(projects), list(judges)
    rec, done = set(recused), set(scored)
    per_judge = []
    for j in judges:
        due = [p for p in projects if (j, p) not in rec]
        per_judge.append({"judge": j, "done": sum((j, p) in done for p in due), "of": len(due)})
    per_project = []
    for p in projects:
        due = [j for j in judges if (j, p) not in rec]
        per_project.append({"project": p, "done": sum((j, p) in done for j in due), "of": len(due)})
    total = sum(x["of"] for x in per_judge)
    return {"judges": per_judge, "projects": per_project, "done": sum(x["done"] for x in per_judge), "of": total,
            "complete": total > 0 and all(x["done"] == x["of"] for x in per_judge)}
