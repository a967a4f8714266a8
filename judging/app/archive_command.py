"""Importing a JSON archive: the command that stores what :func:`judging.app.archive_import.read_archive` checked.

What it does: new link tokens, the archive's marks, submissions (renamed when a copy's ids are taken here),
paper entries, branding and audience records, and its audit entries copied into this database's chain (marked
``imported``), all in one transaction; a stage of a season placed in its season (:mod:`judging.app.archive_stages`).
What it does not do: read or check the archive (:mod:`judging.app.archive_import`, in a worker thread first).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace
from typing import Any

from judging.app import archive_import as reading
from judging.app import archive_stages
from judging.app.errors import Conflict, Invalid
from judging.app.runtime import Runtime, results_for
from judging.storage import repository as repo
from judging.storage import repository_paper as paper_repo
from judging.storage import repository_stages as stage_repo
from judging.storage.repository_brand import save_brand


class ArchiveImport:
    """The import command of :class:`judging.app.service.Service` (a part of it: ``self`` is the service)."""

    async def import_contest(self, archive: Any, actor: str, client: str = "", new_id: str | None = None,
                             report: list[str] | None = None) -> Runtime:
        """A contest from a JSON archive (written by :mod:`judging.exports.archive`): the same setup, phase, marks, submissions
        and results; the archived audit entries are copied into this database's chain (marked ``imported``,
        with their original time and hash).  Judges and the big screen get new link tokens.  An existing
        contest id is never replaced: pass ``new_id`` to import a second copy.  A stage of a season is placed
        in its season (:func:`judging.app.archive_stages.place`); what the organizer must know about that
        (other stages missing, or imported on its own) is appended to ``report`` (中文 / English)."""
        try:  # checking thousands of hashes and mark sets: a worker thread, so other halls' judges go on
            imp = await asyncio.to_thread(reading.read_archive, archive, new_id)
        except reading.ArchiveError as e:
            raise Invalid(str(e), e.errors) from None
        contest = replace(imp.contest, screen_token=secrets.token_urlsafe(12),
                          judges=tuple(replace(j, token=secrets.token_urlsafe(16)) for j in imp.contest.judges))
        cid = contest.id
        # the results too, before the writer's lock is taken (renamed submission ids do not change them)
        results, results_error = await asyncio.to_thread(results_for,
                                                         Runtime(contest, imp.state, imp.marks, audience=imp.audience),
                                                         imp.state)
        async with self.store.write() as tx:
            if cid in self.runtimes or cid in await repo.contest_ids(tx):  # also a deleted contest's id
                raise Conflict(f"大赛编号 {cid} 已存在，导入不会覆盖它；请指定新的编号 / contest {cid!r} already exists "
                               "and is never overwritten; import it under a new id")
            ids = [s.submission_id for s in imp.submissions] + [m.submission_id for m in imp.marks.values()]
            taken = await repo.taken_submission_ids(tx, ids)  # a copy of a contest already here keeps its ids apart
            sid = (lambda s: f"{cid}~{s}" if s in taken else s)
            marks = {k: replace(m, submission_id=sid(m.submission_id)) for k, m in imp.marks.items()}
            placed = None
            if contest.stage is not None:
                placed = archive_stages.place(self.runtimes, contest.stage, cid, imp.source["contest"], imp.audit,
                                              contest.projects)
                contest = replace(contest, stage=placed.info)
            await repo.insert_contest(tx, contest, imp.state, self.clock())
            await repo.save_marks(tx, cid, marks.values())
            await repo.insert_submissions(tx, cid, [replace(s, submission_id=sid(s.submission_id))
                                                    for s in imp.submissions])
            copied = []
            for e in imp.audit:
                origin = {"contest_id": imp.source["contest"], "seq": e["seq"], "at": e["at"], "hash": e["hash"]}
                detail = e["detail"] if "imported" in e["detail"] else {**e["detail"], "imported": origin}
                copied.append((e["actor"], e["action"], detail, e["reason"], e["client"]))
            await tx.audit_many(cid, copied)
            await tx.audit(cid, actor, "contest.import", {
                "source_contest": imp.source["contest"], "exported_at": imp.source["exported_at"],
                "archive_sha256": imp.source["sha256"], "entries": len(imp.audit), "phase": imp.state.phase,
                "renamed_submissions": len(taken), **({"stage": placed.record()} if placed else {})}, client=client)
            if placed is not None:
                await self._link_stages(tx, cid, placed, actor, client)
            await paper_repo.insert_entries(tx, cid, imp.paper)
            if imp.brand is not None:
                await save_brand(tx, cid, imp.brand)
            rt = Runtime(contest, imp.state, marks, results, results_error, paper={e.id: e for e in imp.paper},
                         brand=imp.brand, audience=imp.audience)
            await self.store_imported_audience(tx, rt)  # its ballots, codes and state, under a new link
            tx.on_commit(lambda: self._register(rt))
        self.publish(cid)
        for partner, _ in placed.partners if placed else ():
            self.publish(partner.contest.id)
        if report is not None and placed is not None:
            report.extend(placed.warnings)
        return rt

    async def _link_stages(self, tx, cid: str, placed, actor: str, client: str) -> None:
        """Store the imported stage, and the partners' stages now naming it (each with a ``stage.link`` entry)."""
        await stage_repo.save_stage(tx, cid, placed.info)
        for partner, info in placed.partners:
            await stage_repo.save_stage(tx, partner.contest.id, info)
            await tx.audit(partner.contest.id, actor, "stage.link", {
                "imported": cid, "stage": placed.info.stage,
                "before": {"came_from": partner.contest.stage.came_from,
                           "advanced_to": partner.contest.stage.review.advanced_to},
                "after": {"came_from": info.came_from, "advanced_to": info.review.advanced_to}}, client=client)
            tx.on_commit(lambda p=partner, i=info: self._set_info(p, i))
