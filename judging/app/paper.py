"""Paper marks, entered twice: the scorekeeper's commands for a judge's paper score sheet (the WCA Live way).

What it does: :meth:`PaperCommands.enter_paper` stores one typed entry of a sheet (judge + roadshow + marks,
checked like any mark set by :func:`judging.core.model.check_mark_set`) with its ``paper.entry`` audit
entry.  An entry that equals, on every criterion, another pending entry of the same sheet settles it: the two
become the judge's mark set for that roadshow (``source = paper``: its submission id starts ``paper:``) with a
``paper.agreed`` entry, and the sheet's other pending entries are superseded.  An entry that differs from the
pending ones is kept pending with a ``paper.mismatch`` entry naming both values per criterion; disagreeing
entries never count, until a third entry agrees with one of them or the scorekeeper discards one
(:meth:`PaperCommands.discard_paper`).  A judge who already has an active mark set for that roadshow (a phone's,
or an earlier paper one) is refused unless the entry says ``replace``: the agreed pair is then a correction
(``mark.correct``, reason 纸质评分表 / paper sheet).  Allowed while that roadshow's scoring is open and after it
closed, never before it opened and never once the results are locked.  :meth:`PaperCommands.paper_view` is
what the console and the entry screen show (pending entries, mismatches, agreed sheets); :func:`roadshows` the
roadshows a sheet can be printed for (the running order, and each overtime round's projects).

What it does not do: HTTP (:mod:`judging.web.paper_api`), SQL (:mod:`judging.storage.repository_paper`),
print sheets (:mod:`judging.exports.paper_sheets`), or decide who may enter (the web layer checks the credential).
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from judging.app.errors import Conflict, Invalid, NotFound
from judging.app.runtime import MarkSet, Runtime, compute_results
from judging.core import contest as machine
from judging.core.model import check_mark_set, mark_total
from judging.core.paper import PAPER_ID, BadSheetCode, agree, differences, parse_sheet_code, same_typist, sheet_code
from judging.core.paper import source_of
from judging.core.scoring import ScoringError
from judging.core.text import LINE, LINES, text_problem
from judging.storage import repository as repo
from judging.storage import repository_paper as paper_repo
from judging.storage.repository_paper import PaperEntry

PAPER_REASON = "纸质评分表 / paper sheet"
MAX_TYPIST = 40


def roadshows(rt: Runtime) -> list[tuple[str, list[str]]]:
    """(round, projects in running order) of every round a sheet can be printed for: the regular round, then
    each overtime round that has started (its projects as its state listed them)."""
    c = rt.contest
    out: dict[str, list[str]] = {c.regular_round: list(c.order or [p.id for p in c.projects])}
    for s in (*rt.state.history, rt.state):
        if s.overtime > 0 and s.order:
            out.setdefault(s.round, list(s.order))
    return list(out.items())


class PaperCommands:
    """The paper commands of :class:`judging.app.service.Service` (a part of it: ``self`` is the service)."""

    async def load_paper(self) -> None:
        """Every contest's paper entries, as stored (a restart keeps pending entries and mismatches)."""
        for cid, rt in self.runtimes.items():
            rt.paper = {e.id: e for e in await paper_repo.load_entries(self.store, cid)}

    def sheet(self, rt: Runtime, code: str | None = None, judge: str = "", project: str = "",
              round_name: str = "") -> tuple[str, str, str]:
        """(judge, project, round) named by a sheet code or by the three fields; NotFound for an unknown sheet."""
        if code:
            try:
                judge, project, round_name = parse_sheet_code(code, rt.contest.regular_round)
            except BadSheetCode as e:
                raise NotFound(str(e)) from None
        round_name = round_name or rt.contest.regular_round
        j = rt.contest.judge(judge)
        if j is None or rt.contest.project(project) is None:
            raise NotFound(f"没有这张评分表（评委或项目不存在）/ no such sheet: unknown judge or project "
                           f"({judge[:40]!r}, {project[:40]!r})")
        if not any(r == round_name and project in ps for r, ps in roadshows(rt)):
            raise NotFound(f"项目 {project} 没有「{round_name}」这一轮的评分表 / project {project!r} has no sheet for "
                           f"round {round_name!r}")
        return judge, project, round_name

    def _may_enter(self, rt: Runtime, judge: str, project: str, round_name: str) -> None:
        if rt.state.phase == "locked":
            raise Conflict("结果已锁定，不能再录入纸质评分 / the results are locked: no more paper entries", "locked")
        if rt.contest.is_recused(judge, project):
            raise Conflict("该评委已回避此项目，不能为其录入评分 / this judge is recused from this project", "recused")
        if machine.roadshow_key(rt.state) != (project, round_name) and not (
                rt.closed(project, round_name) and rt.state.phase != "setup"):
            raise Conflict("该路演尚未开放评分，纸质评分须在开放评分后录入 / scoring of this roadshow has not opened yet",
                           "not_open")

    async def enter_paper(self, cid: str, body: dict, actor: str, client: str = "") -> dict:
        """One typed entry of a paper sheet: ``{code | judge, project, round; marks; entered_by; replace}``."""
        rt = self.get(cid)
        judge, project, round_name = self.sheet(rt, str(body.get("code") or ""), str(body.get("judge") or ""),
                                                str(body.get("project") or ""), str(body.get("round") or ""))
        typist = body.get("entered_by") or ""
        if not isinstance(typist, str):  # a number or a list is refused, never stored as its text
            raise Invalid("录入人须为文本 / entered_by must be text", {"entered_by": "must be text"})
        typist = typist.strip()
        if not typist:
            raise Invalid("请填写录入人姓名 / who is typing? entered_by is required", {"entered_by": "required"})
        problem = text_problem(typist, LINE, ("录入人", "entered_by"))
        if len(typist) > MAX_TYPIST:
            problem = f"录入人最多 {MAX_TYPIST} 个字 / entered_by is at most {MAX_TYPIST} characters"
        if problem:
            raise Invalid(problem, {"entered_by": problem})
        raw = body.get("marks")
        if not isinstance(raw, dict):
            raise Invalid("marks 须为 {评分项: 分数} / marks must be an object {criterion: score}", {"marks": "required"})
        replacing = body.get("replace") is True
        panel = rt.contest.rules.panel(rt.contest.judge(judge).panel)
        values, errors = check_mark_set(rt.contest.rules, panel, raw)
        if errors:
            raise Invalid("评分有误，请检查 / some marks are invalid", errors)
        key = (project, round_name, judge)
        async with self.store.write() as tx:  # checked against the committed state, under the writer's lock
            self._may_enter(rt, judge, project, round_name)
            before = rt.marks.get(key)
            had = before is not None and before.status == "active"
            if had and not replacing:
                what = "纸质" if source_of(before.submission_id) == "paper" else "手机"
                raise Conflict(f"该评委已有此路演的{what}评分；如需以纸质评分表替换，请勾选「替换」/ this judge already "
                               "has a mark set for this roadshow: send replace to replace it", "has_marks")
            now = self.clock()
            entry = PaperEntry(f"pe-{secrets.token_hex(6)}", project, round_name, judge, values, typist, actor,
                               client, now, replacing)
            pending = [e for e in rt.paper.values() if e.sheet == key and e.status == "pending"]
            await paper_repo.insert_entries(tx, cid, [entry])
            await tx.audit(cid, actor, "paper.entry", {"project": project, "round": round_name, "judge": judge,
                                                       "entry": entry.id, "entered_by": typist, "values": values,
                                                       "replace": replacing}, client=client)
            match = next((e for e in pending if agree(e.values, values)), None)
            settled: list[PaperEntry] = []
            mark, results = None, None
            if match is not None:
                entry = replace(entry, status="agreed", settled_at=now, settled_by=match.id)
                settled = [replace(match, status="agreed", settled_at=now, settled_by=entry.id)]
                settled += [replace(e, status="superseded", settled_at=now, settled_by=entry.id)
                            for e in pending if e is not match]
                await paper_repo.settle(tx, cid, [entry, *settled])
                mark = MarkSet(project, round_name, judge, values, f"{PAPER_ID}{secrets.token_hex(8)}", "active",
                               now, actor)
                trial = rt.marks.copy()
                trial[key] = mark
                try:
                    results = compute_results(rt.contest, Runtime(rt.contest, rt.state, trial).engine_table())
                except ScoringError as e:
                    raise Conflict(f"此评分将使成绩无法计算 / these marks would leave the results uncomputable: {e}") \
                        from None
                await repo.save_marks(tx, cid, [mark])
                same = same_typist(match.entered_by, typist)
                await tx.audit(cid, actor, "paper.agreed", {
                    "project": project, "round": round_name, "judge": judge, "entries": [match.id, entry.id],
                    "entered_by": [match.entered_by, typist], "same_person": same, "values": values,
                    "submission_id": mark.submission_id, "replaced": before.to_json() if had else None}, client=client)
                if before is not None:
                    await tx.audit(cid, actor, "mark.correct", {"project": project, "round": round_name,
                                                                "judge": judge, "before": before.to_json(),
                                                                "after": mark.to_json()},
                                   reason=PAPER_REASON, client=client)
            elif pending:
                await tx.audit(cid, actor, "paper.mismatch", {
                    "project": project, "round": round_name, "judge": judge, "entry": entry.id,
                    "against": {e.id: differences(e.values, values) for e in pending}}, client=client)

            def commit() -> None:
                for e in (entry, *settled):
                    rt.paper[e.id] = e
                if mark is not None:
                    rt.marks[key] = mark
                    rt.results, rt.results_error = results, None
            tx.on_commit(commit)
        self.publish(cid, judges=[judge])
        status = "agreed" if mark is not None else ("mismatch" if pending else "pending")
        return {"ok": True, "status": status, "entry": entry.to_json(), "total": mark_total(panel, values),
                "sheet": self.sheet_view(rt, judge, project, round_name), "seq": self._seq()}

    async def discard_paper(self, cid: str, entry_id: str, reason: str, actor: str, client: str = "") -> dict:
        """The scorekeeper sets a pending entry aside (a typing slip): it never counts; its record stays."""
        rt = self.get(cid)
        reason = (reason or "").strip()
        if not reason:
            raise Invalid("请填写作废原因 / a reason is required", {"reason": "required"})
        if problem := text_problem(reason, LINES, ("作废原因", "the reason")):
            raise Invalid(problem, {"reason": problem})
        async with self.store.write() as tx:
            entry = rt.paper.get(entry_id)
            if entry is None:
                raise NotFound("没有这次录入 / no such paper entry")
            if entry.status != "pending":
                raise Conflict("这次录入已处理，不能作废 / this entry is settled already and cannot be discarded")
            if rt.state.phase == "locked":
                raise Conflict("结果已锁定 / the results are locked", "locked")
            gone = replace(entry, status="discarded", settled_at=self.clock(), settled_by=actor)
            await paper_repo.settle(tx, cid, [gone])
            await tx.audit(cid, actor, "paper.discard", {"project": entry.project, "round": entry.round,
                                                         "judge": entry.judge, "entry": entry.id,
                                                         "values": entry.values}, reason=reason, client=client)
            tx.on_commit(lambda: rt.paper.__setitem__(entry.id, gone))
        self.publish_console(cid)
        return {"ok": True, "entry": gone.to_json(),
                "sheet": self.sheet_view(rt, entry.judge, entry.project, entry.round)}

    # ------------------------------------------------------------ what the console and entry screen show
    def sheet_view(self, rt: Runtime, judge: str, project: str, round_name: str) -> dict:
        """One sheet: its code, the judge's rubric, the current mark set (and its source), the pending entries
        and, when they disagree, every pair's differences."""
        c = rt.contest
        j, p = c.judge(judge), c.project(project)
        panel = c.rules.panel(j.panel)
        key = (project, round_name, judge)
        current = rt.marks.get(key)
        pending = [e for e in rt.paper.values() if e.sheet == key and e.status == "pending"]
        mismatches = [{"entries": [a.id, b.id], "differences": differences(a.values, b.values)}
                      for i, a in enumerate(pending) for b in pending[i + 1:]]
        return {"code": sheet_code(judge, project, round_name), "judge": judge, "judge_name": j.name,
                "panel": panel.id, "panel_label": panel.label, "project": project, "project_name": p.name,
                "round": round_name, "recused": c.is_recused(judge, project),
                "criteria": [{"id": cr.id, "label": cr.label, "max": cr.max, "min": c.rules.marks.min}
                             for cr in panel.criteria] or [{"id": "", "label": "总分 Overall", "max": c.rules.marks.max,
                                                            "min": c.rules.marks.min}],
                "step": c.rules.marks.step,
                "current": ({**current.to_json(), "source": source_of(current.submission_id)}
                            if current is not None and current.status == "active" else None),
                "pending": [e.to_json() for e in pending], "mismatches": mismatches}

    def paper_view(self, rt: Runtime) -> dict:
        """The console's paper block: pending entries and mismatches per sheet, and how many sheets agreed."""
        open_sheets: dict[tuple[str, str, str], list[PaperEntry]] = {}
        for e in rt.paper.values():
            if e.status == "pending":
                open_sheets.setdefault(e.sheet, []).append(e)
        sheets = []
        for (project, round_name, judge), entries in open_sheets.items():
            view = self.sheet_view(rt, judge, project, round_name)
            sheets.append({k: view[k] for k in ("code", "judge", "judge_name", "project", "project_name", "round",
                                                "criteria", "pending", "mismatches")})
        agreed = {e.sheet for e in rt.paper.values() if e.status == "agreed"}
        return {"sheets": sheets, "mismatches": sum(1 for s in sheets if s["mismatches"]),
                "agreed": len(agreed), "entries": len(rt.paper)}
