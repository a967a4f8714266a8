"""Mark commands: a judge's submission (idempotent on its submission id) and the organizer's correction or
void of a closed roadshow's mark set.

What it does: checks a submission against the open roadshow, recusals and the rubric
(:func:`judging.core.model.check_mark_set`), has the repository store it with its audit entry inside a group
commit (one fsync for every submission queued meanwhile), and acknowledges it only after the commit, with a
snapshot number every later snapshot exceeds.  A correction is refused if it would leave the results
uncomputable.

What it does not do: decide when scoring is open (the state machine does), HTTP, or publishing itself.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace

from judging.app.errors import Conflict, Invalid, NotFound
from judging.app.audience_marks import popularity_counts
from judging.app.runtime import MarkSet, Runtime, compute_results
from judging.core import contest as machine
from judging.core.model import Judge, check_mark_set, mark_total
from judging.core.scoring import ScoringError
from judging.core.text import LINES, text_problem
from judging.storage import repository as repo
from judging.storage.records import Submission

_SUBMISSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def submission_of(body: dict) -> tuple[str, dict]:
    """A judge's submission's id and raw marks, or Invalid (the phone's and a review stage's submit)."""
    sid = body.get("submission_id")
    if not isinstance(sid, str) or not _SUBMISSION_ID.fullmatch(sid):  # text the phone chose, never a number
        raise Invalid("缺少提交编号 / submission_id (8-64 letters, digits, - or _) is required",
                      {"submission_id": "required"})
    raw = body.get("marks")
    if not isinstance(raw, dict):
        raise Invalid("marks 须为 {评分项: 分数} / marks must be an object {criterion: score}", {"marks": "required"})
    return sid, raw


class MarkCommands:
    """The mark commands of :class:`judging.app.service.Service` (a part of it: ``self`` is the service)."""

    async def submit(self, rt: Runtime, judge: Judge, body: dict, client: str = "") -> dict:
        """A judge's mark set for the open roadshow.  Idempotent on ``submission_id``."""
        sid, raw = submission_of(body)
        project, round_name = str(body.get("project", "")), str(body.get("round", rt.state.round))
        cid = rt.contest.id
        panel = rt.contest.rules.panel(judge.panel)
        # the checks and the commit are one step: nothing slips in between.  Submissions share a group commit
        # (one fsync for all queued meanwhile); an earlier one of the group is in memory only after the commit,
        # so marks of this group are looked up in tx.shared first
        async with self.store.write(batch=True) as tx:
            grouped = tx.shared.setdefault(("marks", cid), {})
            found = await repo.find_submission(tx, sid)
            if found is not None:  # a resend (double tap, or the phone retrying after a lost ack)
                owner, sent = found
                if (owner, sent.judge) != (cid, judge.id):
                    raise Conflict("提交编号已被使用 / this submission_id belongs to someone else")
                values = sent.values
                key = (sent.project, sent.round, judge.id)
                current = grouped.get(key) or rt.marks.get(key)
                return {"ok": True, "status": "saved", "duplicate": True, "submission_id": sid, "project": sent.project,
                        "round": sent.round, "values": values, "total": mark_total(panel, values),
                        "current": bool(current and current.submission_id == sid and current.status == "active"),
                        "seq": self._seq(), "boot": self.boot}
            if machine.roadshow_key(rt.state) != (project, round_name):
                raise Conflict("该路演的评分未开放或已结束，本次评分未被计入 / scoring for this roadshow is not open; "
                               "these marks were not counted")
            before = grouped.get((project, round_name, judge.id)) or rt.marks.get((project, round_name, judge.id))
            mark = await self.store_judge_marks(tx, rt, judge, project, round_name, sid, raw, before, client)
            values = mark.values
            grouped[(project, round_name, judge.id)] = mark
            tx.on_commit(lambda: rt.marks.__setitem__((project, round_name, judge.id), mark))
        self.publish(cid, judges=[judge.id])  # other judges' screens do not change
        return {"ok": True, "status": "saved", "duplicate": False, "submission_id": sid, "project": project,
                "round": round_name, "values": values, "total": mark_total(panel, values), "current": True,
                "seq": self._seq(), "boot": self.boot}

    async def store_judge_marks(self, tx, rt: Runtime, judge: Judge, project: str, round_name: str, sid: str,
                                raw: dict, before: MarkSet | None, client: str = "") -> MarkSet:
        """Inside the caller's write: a judge's own marks for one (project, round) checked (recusal, the mark
        set) and stored with its submission and its ``mark.submit`` / ``mark.amend`` audit entry; the live
        phone's submit and a review stage's submit both end here.  ``before``: the judge's mark set there now."""
        if rt.contest.is_recused(judge.id, project):
            raise Conflict("您已回避该项目，无需评分 / you are recused from this project")
        values, errors = check_mark_set(rt.contest.rules, rt.contest.rules.panel(judge.panel), raw)
        if errors:
            raise Invalid("评分有误，请检查 / some marks are invalid", errors)
        cid, now = rt.contest.id, self.clock()
        mark = MarkSet(project, round_name, judge.id, values, sid, "active", now, f"judge:{judge.id}")
        await repo.insert_submissions(tx, cid, [Submission(sid, judge.id, project, round_name, values, now)])
        await repo.save_marks(tx, cid, [mark])
        await tx.audit(cid, f"judge:{judge.id}", "mark.amend" if before else "mark.submit",
                       {"project": project, "round": round_name, "submission_id": sid,
                        "before": before.values if before else None, "after": values}, client=client)
        return mark

    def _seq(self) -> int:
        """A snapshot number taken after the commit: every snapshot with a higher seq includes it."""
        return self.sequence.next(self.clock())

    async def correct(self, cid: str, project: str, round_name: str, judge_id: str, values_raw: dict | None,
                      reason: str, actor: str, client: str = "") -> Runtime:
        """Organizer correction (values) or void (values None) of a closed roadshow's mark set."""
        rt = self.get(cid)
        reason = (reason or "").strip()
        if not reason:
            raise Invalid("请填写更正原因 / a reason is required", {"reason": "required"})
        if problem := text_problem(reason, LINES, ("更正原因", "the reason")):
            raise Invalid(problem, {"reason": problem})
        judge = rt.contest.judge(judge_id)
        if judge is None or rt.contest.project(project) is None:
            raise NotFound("没有这个评委或项目 / unknown judge or project")
        if rt.contest.is_recused(judge_id, project):
            raise Conflict("该评委已回避此项目，不能为其录入评分 / this judge is recused from this project")
        key = (project, round_name, judge_id)
        async with self.store.write() as tx:  # checked against the committed state, under the writer's lock
            if rt.state.phase == "locked":
                raise Conflict("结果已锁定 / the results are locked")
            if round_name not in self._rounds_of(rt, project):
                raise Invalid(f"项目 {project} 没有「{round_name}」这一轮 / project {project!r} has no round "
                              f"{round_name!r}", {"round": "unknown round"})
            if not rt.closed(project, round_name):
                raise Conflict("评分尚未结束，评委可自行修改 / scoring is still open; the judge can amend it")
            before = rt.marks.get(key)
            if values_raw is None:
                if before is None or before.status != "active":
                    raise NotFound("没有可作废的评分 / there is no mark set to void")
                new = replace(before, status="voided", updated_at=self.clock(), updated_by=actor)
                action = "mark.void"
            else:
                values, errors = check_mark_set(rt.contest.rules, rt.contest.rules.panel(judge.panel), values_raw)
                if errors:
                    raise Invalid("评分有误 / some marks are invalid", errors)
                new = MarkSet(project, round_name, judge_id, values, f"org-{secrets.token_hex(8)}", "active",
                              self.clock(), actor)
                action = "mark.correct"
            trial_marks = rt.marks.copy()  # numpy copies: the trial does not touch the evening's marks
            trial_marks[key] = new
            trial = Runtime(rt.contest, rt.state, trial_marks, audience=rt.audience)
            try:
                results = compute_results(rt.contest, trial.engine_table(), popularity_counts(trial))
            except ScoringError as e:
                raise Conflict(f"此更改将使成绩无法计算 / this change would leave the results uncomputable: {e}") from None
            await repo.save_marks(tx, cid, [new])
            await tx.audit(cid, actor, action, {"project": project, "round": round_name, "judge": judge_id,
                                                "before": before.to_json() if before else None,
                                                "after": new.to_json()}, reason=reason, client=client)

            def commit() -> None:
                rt.marks[key] = new
                rt.results, rt.results_error = results, None
            tx.on_commit(commit)
        self.publish(cid)
        return rt

    @staticmethod
    def _rounds_of(rt: Runtime, project: str) -> set[str]:
        """The rounds a project has taken part in (or is in now): the regular round and its overtimes."""
        rounds = {rt.contest.regular_round}
        rounds |= {r for (p, r, _) in rt.marks if p == project}
        if rt.state.is_overtime and project in rt.state.order:
            rounds.add(rt.state.round)
        return rounds
