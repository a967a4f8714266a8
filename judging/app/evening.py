"""The evening's commands: one step of the live state machine at a time (present, open and close scoring,
results, ranking, overtime, reveal, lock, the timer, the screen options, back).

What it does: :meth:`EveningCommands.act` asks the core's state machine (:mod:`judging.core.contest`) for the
next state from the state as committed, computes its results, refuses a press that crosses another
console's change, then has the repository store the state with its audit entry; memory changes and
snapshots are published only after the commit.  Also the facts the state machine needs (missing judges,
ties, tiers) and the actions allowed now, as the console's buttons show them.

What it does not do: decide what an action does (the core does), HTTP, or nudges (:mod:`judging.app.nudges`).
"""

from __future__ import annotations

from typing import Any

from judging.app.errors import Conflict
from judging.app.runtime import RECENT_SECONDS, LastChange, Runtime, results_for
from judging.core import contest as machine
from judging.core import vocabulary
from judging.core.contest import Facts, LiveState, Refused
from judging.core.engine import Results
from judging.core.model import Judge
from judging.storage import repository as repo


class EveningCommands:
    """The live commands of :class:`judging.app.service.Service` (a part of it: ``self`` is the service)."""

    def facts(self, rt: Runtime, confirm: bool = False) -> Facts:
        res = rt.results
        needs = tuple(tuple(g) for g in res.needs_overtime) if res else ()
        unresolved = bool(res and any(t.resolved_by is None for t in res.ties))
        missing = self.missing_judges(rt) if rt.state.phase == "scoring" else []
        return Facts(projects=rt.contest.order, needs_overtime=needs, unresolved_ties=unresolved,
                     tiers=len(rt.contest.rules.awards), now=self.clock(),
                     timer_seconds=float(rt.contest.timer_seconds), missing_ok=confirm or not missing)

    def missing_judges(self, rt: Runtime) -> list[Judge]:
        key = machine.roadshow_key(rt.state)
        if key is None:
            return []
        project, round_name = key
        return [j for j in rt.contest.expected_judges(project)
                if not (m := rt.marks.get((project, round_name, j.id))) or m.status != "active"]

    def allowed_actions(self, rt: Runtime) -> list[str]:
        """What the console's buttons can do now (decided by the state machine, as :meth:`act` would)."""
        allowed = machine.allowed_actions(rt.state, self.facts(rt, confirm=True))
        if rt.results_error:
            allowed = [a for a in allowed if a not in ("rank", "start_reveal", "lock")]
        return allowed

    def recent_change(self, rt: Runtime, origin: str) -> LastChange | None:
        """The last change, if another console (``origin``) made it less than RECENT_SECONDS ago."""
        last = rt.last_change
        if last is None or last.origin == origin or self.clock() - last.at >= RECENT_SECONDS:
            return None
        return last

    async def act(self, cid: str, action: str, project: str | None, actor: str, client: str = "",
                  confirm: bool = False, expect_version: int | None = None, origin: str | None = None,
                  confirm_recent: bool = False) -> Runtime:
        """One step of the evening.  ``expect_version``: the state version the organizer saw when pressing;
        a retried request (its answer lost) or one crossing another console's is then refused (409).
        ``origin`` names the console (session and tab) pressing: a change from another origin less than
        RECENT_SECONDS ago refuses it (409 ``recent_change``) unless ``confirm_recent``.  Without an origin
        (a script with the organizer key) nothing is asked and nothing recorded."""
        rt = self.get(cid)
        if rt.contest.stage is not None and rt.contest.stage.is_review:  # judging.app.stages drives a review
            raise Conflict("书面评审阶段没有现场环节，请在评审进度中操作 / a review stage has no evening to drive")
        changed = False
        async with self.store.write() as tx:  # decide on the state as committed, not as it was when asked
            new, results, error, detail = self._decide(rt, action, project, confirm, expect_version)
            step = origin is not None and not action.startswith("timer_") and action not in machine.OPTIONS
            last = self.recent_change(rt, origin) if step and new != rt.state and not confirm_recent else None
            if last is not None:
                what = vocabulary.zh("action", last.action)
                ago = max(0.0, self.clock() - last.at)
                raise Conflict(f"另一台控制台刚刚执行了「{what}」（{ago:.1f} 秒前），仍要继续吗？ / another console "
                               f"just did {last.action!r} ({ago:.1f} s ago); continue anyway?", "recent_change")
            if new != rt.state:
                await repo.save_state(tx, cid, new)
                if not action.startswith("timer_"):
                    await tx.audit(cid, actor, f"state.{action}", detail, client=client)
                    await self.audience_step(tx, rt, action, actor, client)  # a window's closing counts

                change = LastChange(origin, action, self.clock()) if step else rt.last_change

                def commit() -> None:
                    rt.state = new
                    rt.results, rt.results_error = results, error
                    rt.last_change = change
                tx.on_commit(commit)
                changed = True
        if changed:
            self.publish(cid)
        return rt

    def _decide(self, rt: Runtime, action: str, project: str | None, confirm: bool,
                expect_version: int | None = None) -> tuple[LiveState, Results | None, str | None, dict]:
        """The next state for ``action`` (pure apart from the clock), its results and its audit detail."""
        if action == "start" and not rt.contest.order:
            raise Conflict("请先设置出场顺序（抽签或手动） / set the running order first (draw or by hand)")
        if action in ("rank", "start_reveal", "lock") and rt.results_error:
            raise Conflict(f"成绩无法计算 / the results cannot be computed: {rt.results_error}")
        try:
            new = machine.apply(rt.state, action, self.facts(rt, confirm), project, expect_version)
        except Refused as e:
            raise Conflict(str(e), "stale" if isinstance(e, machine.Stale) else None) from None
        if new == rt.state:
            return new, rt.results, rt.results_error, {}
        results, error = self._results_for(rt, new)
        if action == "close_scoring" and error:
            raise Conflict(f"现在结束评分将无法计算成绩 / closing now leaves the results uncomputable: {error}")
        detail: dict[str, Any] = {"from": rt.state.phase, "to": new.phase, "round": new.round,
                                  "project": new.current}
        if action in ("start_reveal", "reveal_next", "lock") or action in machine.OPTIONS:
            detail = {"from": rt.state.phase, "to": new.phase}  # about the whole contest, not a round's roadshow
        if action in ("start_reveal", "reveal_next"):
            detail["step"] = new.reveal_step
        if action in machine.OPTIONS:
            detail["option"], detail["value"] = machine.OPTIONS[action]
        if action == "close_scoring":
            detail["missing"] = [j.id for j in self.missing_judges(rt)]
        if action == "back":
            detail["undone"] = rt.state.phase
        return new, results, error, detail

    def _results_for(self, rt: Runtime, state: LiveState) -> tuple[Results | None, str | None]:
        return results_for(rt, state)

    def _recompute(self, rt: Runtime) -> None:
        rt.results, rt.results_error = results_for(rt, rt.state)
