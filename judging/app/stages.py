"""Stage commands: a contest as one stage of a season, the next stage, a review stage's phases and marks,
and the advancement that fills the next stage.

What it does: :class:`StageCommands` (a part of :class:`judging.app.service.Service`): ``set_stage`` (kind and
label of a contest still in setup), ``add_next_stage`` (a new contest after this one: rules given or copied, no
projects, judges given or none), ``review_action`` (open with a deadline / new deadline / close, by
:mod:`judging.core.review`), ``review_submit`` (a judge's mark set for one application, any time the review
takes marks; idempotent on its submission id), ``review_results`` / ``advancement`` (the stage's results with
every active mark counted, and who advances by :mod:`judging.core.advance`) and ``advance`` (the next stage's
projects := those advancing, the previous totals and ranking kept with it, ``stage.advance`` in both
audits).  Each writes in one transaction with its audit entry; memory and snapshots change after the commit.

What it does not do: HTTP (:mod:`judging.web.stages_api`), drive a live evening (:mod:`judging.app.evening`
refuses that for a review stage) or build snapshots (:mod:`judging.live.stage_views`).
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, replace

from judging.app.errors import Conflict, Invalid, NotFound
from judging.app.marks import submission_of
from judging.app.runtime import Runtime, results_for
from judging.core import contest as machine
from judging.core import review
from judging.core.advance import Advancement, decide, entries_of
from judging.core.contest import LiveState, Refused
from judging.core.engine import Results, breaker_facts
from judging.core.model import ID_PATTERN, Contest, Judge, mark_total
from judging.core.rules import RulesError
from judging.core.rules_stages import STAGE_KINDS, check_for_kind
from judging.core.scoring import natural_key
from judging.core.stages import MAX_STAGES, EarlierRow, StageInfo
from judging.core.text import LINE, text_problem
from judging.storage import repository as repo
from judging.storage import repository_stages as stage_repo


def _label(value: object, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or text_problem(value, LINE) or len(value.strip()) > 20:
        raise Invalid("阶段名称须为 20 字以内的文本 / the stage label is text of at most 20 characters",
                      {"label": "invalid"})
    return value.strip() or default


def _kind(value: object, default: str = "live") -> str:
    kind = default if value is None else value
    if kind not in STAGE_KINDS:
        raise Invalid(f"阶段类型须为 live（现场路演）或 review（书面评审） / kind is one of {', '.join(STAGE_KINDS)}",
                      {"kind": "invalid"})
    return kind


class StageCommands:
    """The stage commands of :class:`judging.app.service.Service` (a part of it: ``self`` is the service)."""

    async def load_stages(self, stored: list) -> list:
        """The stored contests with their stage (called by the start-up load, before results are computed)."""
        stages = await stage_repo.load_stages(self.store)
        return [replace(s, contest=replace(s.contest, stage=stages[s.contest.id])) if s.contest.id in stages else s
                for s in stored]

    # ------------------------------------------------------------ the series
    def stage_of(self, rt: Runtime) -> StageInfo:
        """The contest's stage; a lone contest is stage 1 of its own series, live."""
        return rt.contest.stage or StageInfo(rt.contest.id)

    def series(self, rt: Runtime) -> list[Runtime]:
        """The stages of ``rt``'s season, in order: those whose row names its series (every stage of a season
        has its row, the first one too).  A contest without one is a season of its own, also when its id is
        the name of another season (an imported one's, see :mod:`judging.app.archive_stages`)."""
        if rt.contest.stage is None:
            return [rt]
        sid = rt.contest.stage.series
        out = [r for r in self.runtimes.values() if r.contest.stage and r.contest.stage.series == sid]
        return sorted(out, key=lambda r: self.stage_of(r).stage)

    def _free_series(self, cid: str) -> str:
        """A season's name for lone contest ``cid`` becoming its first stage: its id, unless an imported season
        already goes by it."""
        used = {r.contest.stage.series for r in self.runtimes.values() if r.contest.stage}
        name, n = cid, 1
        while name in used:
            n += 1
            name = f"{cid}-{n}"
        return name

    def next_stage(self, rt: Runtime) -> Runtime | None:
        n = self.stage_of(rt).stage + 1
        return next((r for r in self.series(rt) if r.contest.stage and r.contest.stage.stage == n), None)

    @staticmethod
    def _untouched(rt: Runtime) -> bool:
        info = rt.contest.stage
        return rt.state.phase == "setup" and not rt.marks and (info is None or info.review.phase == "setup")

    async def set_stage(self, cid: str, data: dict, actor: str, client: str = "") -> Runtime:
        rt = self.get(cid)
        async with self.store.write() as tx:
            if not self._untouched(rt):
                raise Conflict("评审或比赛开始后不能更改阶段类型 / the stage cannot change once it has started")
            old = rt.contest.stage or StageInfo(self._free_series(rt.contest.id))
            info = replace(old, kind=_kind(data.get("kind"), old.kind), label=_label(data.get("label"), old.label))
            self._check_kind(rt.contest, info.kind)
            await stage_repo.save_stage(tx, cid, info)
            await tx.audit(cid, actor, "stage.set", {"before": old.to_json() if rt.contest.stage else None,
                                                     "after": {"kind": info.kind, "label": info.label,
                                                               "series": info.series, "stage": info.stage}},
                           client=client)
            tx.on_commit(lambda: self._set_info(rt, info))
        self.publish(cid)
        return rt

    def _set_info(self, rt: Runtime, info: StageInfo) -> None:
        rt.contest = replace(rt.contest, stage=info)
        self._recompute(rt)

    @staticmethod
    def _check_kind(contest: Contest, kind: str) -> None:
        try:
            check_for_kind(contest.rules, kind)
        except RulesError as e:
            raise Invalid(f"评分规则不适用于此阶段 / the rules do not fit this stage: {e}", {"rules": str(e)}) from None

    async def add_next_stage(self, cid: str, data: dict, actor: str, client: str = "") -> Runtime:
        """A new contest as the stage after ``cid``: its rules (given, else a copy of this stage's), no projects
        (advancement fills them), the judges given (new links) or none yet."""
        rt = self.get(cid)
        rules = self._rules_from(data) if (data.get("rules_text") or data.get("rules_preset")) else rt.contest.rules
        wanted = data.get("id")
        if wanted is not None and (not isinstance(wanted, str) or not ID_PATTERN.match(wanted)):
            raise Invalid("大赛编号只能用字母、数字、_、- / contest id: letters, digits, _ or - only", {"id": "invalid"})
        if "projects" in data:
            raise Invalid("下一阶段的项目由晋级产生 / the next stage's projects come from the advancement",
                          {"projects": "filled by the advancement"})
        async with self.store.write() as tx:
            this = rt.contest.stage or StageInfo(self._free_series(rt.contest.id))
            if self.next_stage(rt) is not None:
                raise Conflict("已经有下一阶段 / this stage already has a next stage")
            if this.stage >= MAX_STAGES:
                raise Conflict(f"一个赛季最多 {MAX_STAGES} 个阶段 / at most {MAX_STAGES} stages")
            taken = set(self.runtimes) | await repo.contest_ids(tx)
            new_id = wanted or self._new_id(taken)
            if new_id in taken:
                raise Conflict(f"大赛编号已存在 / contest {new_id!r} exists")
            kind = _kind(data.get("kind"), "live")
            info = StageInfo(this.series, this.stage + 1, _label(data.get("label"), "决赛" if kind == "live" else "复审"),
                             kind)
            name = str(data.get("name") or f"{rt.contest.name}·{info.label}").strip()
            contest = Contest(new_id, name, rules, timer_seconds=rt.contest.timer_seconds,
                              screen_token=secrets.token_urlsafe(12), date=rt.contest.date, venue=rt.contest.venue,
                              stage=info)
            contest = self._apply_setup(contest, {k: data[k] for k in ("judges",) if k in data})
            contest = replace(contest, **{k: str(data[k]).strip() for k in ("date", "venue") if isinstance(data.get(k), str)})
            self._validate(contest)
            self._check_kind(contest, kind)
            state = LiveState(timer=machine.Timer(float(contest.timer_seconds)))
            await repo.insert_contest(tx, contest, state, self.clock())
            await stage_repo.save_stage(tx, new_id, info)
            if rt.contest.stage is None:  # the lone contest becomes stage 1 of its series
                await stage_repo.save_stage(tx, cid, this)
            await tx.audit(new_id, actor, "contest.create", {"after": {"name": name, "rules": rules.name,
                                                                        "stage": info.to_json()}}, client=client)
            await tx.audit(cid, actor, "stage.next", {"next": new_id, "stage": info.stage, "label": info.label,
                                                      "kind": kind}, client=client)
            new = Runtime(contest, state)
            self._recompute(new)

            def commit() -> None:
                if rt.contest.stage is None:
                    self._set_info(rt, this)
                self._register(new)
            tx.on_commit(commit)
        self.publish(cid)
        self.publish(new_id)
        return new

    # ------------------------------------------------------------ the review stage
    def _review_rt(self, cid: str) -> tuple[Runtime, StageInfo]:
        rt = self.get(cid)
        info = rt.contest.stage
        if info is None or not info.is_review:
            raise Conflict("这不是书面评审阶段 / this is not a review stage")
        return rt, info

    async def review_action(self, cid: str, action: str, deadline: object, actor: str, client: str = "") -> Runtime:
        if action not in ("open", "deadline", "close"):
            raise Invalid("action 须为 open、deadline 或 close / action is open, deadline or close", {"action": "invalid"})
        when = None
        if deadline is not None:
            if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or deadline != deadline:
                raise Invalid("截止时间须为时间戳（秒） / deadline must be epoch seconds", {"deadline": "invalid"})
            when = float(deadline)
        rt, info = self._review_rt(cid)
        async with self.store.write() as tx:
            info = rt.contest.stage
            now = self.clock()
            try:
                new = review.apply(info.review, action, now, deadline=when, projects=len(rt.contest.projects),
                                   judges=len(rt.contest.judges))
            except Refused as e:
                raise Conflict(str(e)) from None
            new_info = replace(info, review=new)
            await stage_repo.save_stage(tx, cid, new_info)
            await tx.audit(cid, actor, f"review.{action}", {"before": info.review.to_json(), "after": new.to_json()},
                           client=client)
            tx.on_commit(lambda: self._set_info(rt, new_info))
        self.publish(cid)
        return rt

    async def review_submit(self, rt: Runtime, judge: Judge, body: dict, client: str = "") -> dict:
        """A judge's mark set for one application of an open review (a new one, or a change of theirs)."""
        sid, raw = submission_of(body)
        project = str(body.get("project", ""))
        cid, round_name = rt.contest.id, rt.contest.regular_round
        panel = rt.contest.rules.panel(judge.panel)
        async with self.store.write() as tx:
            info = rt.contest.stage
            if info is None or not info.is_review:
                raise Conflict("这不是书面评审阶段 / this is not a review stage")
            found = await repo.find_submission(tx, sid)
            if found is not None:
                owner, sent = found
                if (owner, sent.judge) != (cid, judge.id):
                    raise Conflict("提交编号已被使用 / this submission_id belongs to someone else")
                return {"ok": True, "status": "saved", "duplicate": True, "submission_id": sid,
                        "project": sent.project, "values": sent.values, "total": mark_total(panel, sent.values)}
            if not review.taking_marks(info.review, self.clock()):
                raise Conflict(review.refusal(info.review, self.clock()))
            if rt.contest.project(project) is None:
                raise NotFound(f"没有这个申报项目 / no application {project[:40]!r}")
            key = (project, round_name, judge.id)
            mark = await self.store_judge_marks(tx, rt, judge, project, round_name, sid, raw, rt.marks.get(key),
                                                client)
            values = mark.values
            tx.on_commit(lambda: rt.marks.__setitem__(key, mark))
        self.publish(cid, judges=[judge.id])
        return {"ok": True, "status": "saved", "duplicate": False, "submission_id": sid, "project": project,
                "values": values, "total": mark_total(panel, values)}

    # ------------------------------------------------------------ results and advancement
    def stage_results(self, rt: Runtime) -> tuple[Results | None, str | None]:
        """A review stage: every active mark counts (there are no roadshows to close); a live one: as shown."""
        info = rt.contest.stage
        if info is not None and info.is_review:
            return results_for(rt, replace(rt.state, phase="locked"))
        return rt.results, rt.results_error

    def advancement(self, rt: Runtime) -> tuple[Advancement | None, str | None]:
        """Who would advance now (None and why not when it cannot be said)."""
        rule = rt.contest.rules.advance
        if rule is None:
            return None, "本阶段评分规则没有 [advance]（晋级规则） / this stage's rules have no [advance] table"
        results, error = self.stage_results(rt)
        if results is None:
            return None, error or "还没有成绩 / no results yet"
        overtime: dict[str, float] = {}
        for r in results.results:
            if r.overtime:
                overtime[r.project] = r.overtime[max(r.overtime, key=natural_key)]
        return decide(rule, entries_of(results), breaker_facts(rt.contest.rules, results), overtime), None

    async def advance(self, cid: str, actor: str, client: str = "") -> Runtime:
        """The next stage's projects := this stage's advancing projects (same ids, names, organizations,
        tracks, requests); their totals here go with them."""
        rt = self.get(cid)
        async with self.store.write() as tx:
            info = self.stage_of(rt)
            nxt = self.next_stage(rt)
            if nxt is None:
                raise Conflict("还没有下一阶段，请先添加 / add the next stage first")
            if info.is_review and info.review.phase != "closed":
                raise Conflict("请先截止书面评审 / close the review first" if info.review.phase != "advanced"
                               else "已经晋级过了 / this stage has already advanced")
            if not info.is_review and rt.state.phase != "locked":
                raise Conflict("请先锁定本阶段结果 / lock this stage's results first")
            if nxt.contest.stage is not None and nxt.contest.stage.came_from:
                raise Conflict("已经晋级过了，下一阶段的项目已确定 / this stage has already advanced")
            if not self._untouched(nxt):
                raise Conflict("下一阶段已经开始，不能再晋级 / the next stage has already started")
            adv, why = self.advancement(rt)
            if adv is None:
                raise Conflict(why or "")
            if adv.pending:
                raise Conflict("晋级线上的并列需要加时赛决出 / a tie at the advancement line needs an overtime first")
            results, _ = self.stage_results(rt)
            assert results is not None
            going = set(adv.advancing)
            projects = tuple(p for p in rt.contest.projects if p.id in going)
            by = results.by_project()
            earlier = tuple(EarlierRow(r.rank, r.project, r.name, r.track, r.total, r.project in going,
                                       adv.reasons.get(r.project, "")) for r in results.results)
            now = self.clock()
            next_info = replace(nxt.contest.stage, came_from=cid, came_from_label=info.label or rt.contest.name,
                                previous=tuple((p.id, by[p.id].total) for p in projects if p.id in by),
                                earlier=earlier, advanced_at=now)
            contest = replace(nxt.contest, projects=projects, order=(), draw_seed=None, recusals=frozenset(),
                              stage=next_info)
            self._validate(contest)
            this_info = replace(info, review=review.apply(info.review, "advance", now, advanced_to=nxt.contest.id)) \
                if info.is_review else info
            detail = {"from": cid, "to": nxt.contest.id, "advancing": list(adv.advancing),
                      "ties": [t.to_json() for t in adv.ties], "rule": asdict(rt.contest.rules.advance)}
            await repo.update_contest(tx, contest, nxt.state)
            await stage_repo.save_stage(tx, nxt.contest.id, next_info)
            await stage_repo.save_stage(tx, cid, this_info)
            await tx.audit(cid, actor, "stage.advance", detail, client=client)
            await tx.audit(nxt.contest.id, actor, "stage.advance", detail, client=client)

            def commit() -> None:
                nxt.contest = contest
                self._recompute(nxt)
                self._set_info(rt, this_info)
            tx.on_commit(commit)
        self.publish(cid)
        self.publish(nxt.contest.id)
        return nxt
