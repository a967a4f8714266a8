"""The contest lifecycle's commands (issue 14): duplicate a contest, rehearsal mode and its reset, the record
of a JSON archive export, delete.

What it does: each command checks the contest as committed inside one write of the store, has the storage
layer (:mod:`judging.storage.repository_lifecycle`, :mod:`judging.storage.repository`) change it with its audit
entry (``contest.duplicate``, ``contest.rehearsal``, ``contest.reset``, ``contest.delete``), and changes memory,
the link-token index and the sockets only after the commit.

* **duplicate**: a new contest with the source's rules, projects, judges, recusals, running order and timer;
  new judge and screen tokens (the source's links keep pointing at the source), no marks, phase setup, date
  and venue cleared unless given.
* **rehearsal** (彩排): a flag set in setup; the evening then runs with test marks.  **reset** removes the
  evening's rows (marks, submissions, the mark checkpoint: :data:`~judging.storage.repository_lifecycle.EVENING_TABLES`) and
  the live state (back to setup), keeps the setup, rules and tokens (or gives new judge tokens), and writes
  ``contest.reset`` with the counts removed.  Leaving rehearsal mode needs a reset first.
* **delete**: with the typed contest id; a contest with marks only once its JSON archive was exported after
  its last audited change.  Every row of the contest goes but its audit entries (the database's one hash
  chain runs through them) and the ``contest.delete`` entry that closes them; its id stays taken.

What it does not do: HTTP (:mod:`judging.web.lifecycle_api`), build the archive (:mod:`judging.exports.archive`)
or SQL.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace

from judging.app.errors import Conflict, Invalid, NotFound
from judging.app.runtime import Runtime
from judging.core import contest as machine
from judging.core.contest import LiveState
from judging.core.model import ID_PATTERN, Contest
from judging.storage import repository as repo
from judging.storage import repository_audience as aud_repo
from judging.storage import repository_lifecycle as life
from judging.storage.repository_brand import save_brand
from judging.storage.mark_columns import MarkColumns
from judging.storage.store import StorageFull

log = logging.getLogger("judging")

ARCHIVE_FIRST = "archive_first"   # 409 code: a contest with marks is deleted only after its archive is exported
RESET_FIRST = "reset_first"       # 409 code: rehearsal mode is left only once no test mark is left
COPY_SUFFIX = "（副本）"


def _confirmed(cid: str, confirm: object, what: str) -> None:
    """The organizer typed the contest id (a dialog, not a click, deletes or resets an evening)."""
    if confirm != cid:
        raise Invalid(f"请输入大赛编号「{cid}」以确认{what[0]} / type the contest id {cid!r} to confirm the {what[1]}",
                      {"confirm": f"须为 {cid} / must be {cid}"})


def _text(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"{key} 须为文本 / {key} must be text", {key: "must be text"})
    return value.strip()


def _copy_id(cid: str, taken: set[str]) -> str:
    """The id a copy of ``cid`` gets when none is given: ``c1-copy``, ``c1-copy2``, ... (at most 40 characters)."""
    base = f"{cid[:35]}-copy"
    n, candidate = 1, base
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate


def fresh_state(contest: Contest, before: LiveState | None = None) -> LiveState:
    """Phase setup with the contest's timer; a state version past ``before``'s (a console's pressed button
    naming the old state is refused as stale)."""
    return LiveState(timer=machine.Timer(float(contest.timer_seconds)),
                     version=(before.version + 1) if before is not None else 0)


def marked_for_export(contest: Contest) -> Contest:
    """A rehearsal's contest as the exports print it: its name starts with 彩排 (titles and file names)."""
    return replace(contest, name=f"彩排 REHEARSAL · {contest.name}") if contest.rehearsal else contest


class LifecycleCommands:
    """The lifecycle commands of :class:`judging.app.service.Service` (a part of it: ``self`` is the service)."""

    async def load_lifecycle(self) -> None:
        """At start: each loaded contest's rehearsal flag (the rest of its row is read by the startup load)."""
        flags = await life.load_flags(self.store)
        for cid, rt in self.runtimes.items():
            on, _ = flags.get(cid, (False, None))
            if on != rt.contest.rehearsal:
                rt.contest = replace(rt.contest, rehearsal=on)

    async def lifecycle_flags(self) -> dict[str, dict]:
        """contest id -> {rehearsal, archive_export} of every contest (the contest list)."""
        return {cid: {"rehearsal": on, "archive_export": record}
                for cid, (on, record) in (await life.load_flags(self.store)).items()}

    def _new_token(self, size: int, avoid: set[str]) -> str:
        while True:
            token = secrets.token_urlsafe(size)
            if token not in avoid:
                avoid.add(token)
                return token

    def _all_tokens(self) -> set[str]:
        return {t for rt in self.runtimes.values()
                for t in (rt.contest.screen_token, *(j.token for j in rt.contest.judges))}

    # ------------------------------------------------------------ duplicate
    async def duplicate(self, cid: str, data: dict, actor: str, client: str = "") -> Runtime:
        """A copy of contest ``cid``'s setup as a new contest (``data``: optional id, name, date, venue)."""
        src = self.get(cid).contest
        wanted = data.get("id")
        if wanted is not None and (not isinstance(wanted, str) or not ID_PATTERN.match(wanted)):
            raise Invalid("大赛编号只能用字母、数字、_、- / contest id: letters, digits, _ or - only", {"id": "invalid"})
        name = _text(data, "name") or f"{src.name}{COPY_SUFFIX}"
        date, venue = _text(data, "date") or "", _text(data, "venue") or ""
        async with self.store.write() as tx:
            taken = set(self.runtimes) | await repo.contest_ids(tx)
            new_id = wanted or _copy_id(cid, taken)
            if new_id in taken:
                raise Conflict(f"大赛编号已存在 / contest {new_id!r} exists")
            avoid = self._all_tokens()
            contest = replace(src, id=new_id, name=name, date=date, venue=venue, rehearsal=False, stage=None,
                              screen_token=self._new_token(12, avoid),
                              judges=tuple(replace(j, token=self._new_token(16, avoid)) for j in src.judges))
            self._validate(contest)
            state = fresh_state(contest)
            await repo.insert_contest(tx, contest, state, self.clock())
            await tx.audit(new_id, actor, "contest.duplicate", {
                "source_contest": cid, "source_name": src.name,
                "after": {"name": name, "date": date, "venue": venue, "rules": contest.rules.name,
                          "projects": len(contest.projects), "judges": len(contest.judges),
                          "order": list(contest.order)}}, client=client)
            brand = self.get(cid).brand  # last year's logo, colours and sponsors come along
            if brand is not None:
                await save_brand(tx, new_id, brand)
            rt = Runtime(contest, state, brand=brand)
            self._recompute(rt)
            tx.on_commit(lambda: self._register(rt))
        self.publish(new_id)
        return rt

    # ------------------------------------------------------------ rehearsal and reset
    async def set_rehearsal(self, cid: str, on: bool, actor: str, client: str = "") -> Runtime:
        """Rehearsal mode on (only in setup) or off (only once no test mark is left: reset first)."""
        rt = self.get(cid)
        async with self.store.write() as tx:
            if on == rt.contest.rehearsal:
                return rt
            if on and rt.state.phase != "setup":
                raise Conflict("只能在准备阶段开启彩排模式 / rehearsal mode is set in setup, before the evening starts")
            if not on:
                left = await life.count_rows(tx, cid, life.MARK_TABLES)
                if rt.state.phase != "setup" or len(rt.marks) or any(left.values()):
                    raise Conflict("请先重置彩排（清除测试评分）再退出彩排模式 / reset the rehearsal first: no test mark "
                                   "may survive into the real evening", RESET_FIRST)
            await life.save_rehearsal(tx, cid, on)
            await tx.audit(cid, actor, "contest.rehearsal", {"on": on}, client=client)
            contest = replace(rt.contest, rehearsal=on)
            tx.on_commit(lambda: setattr(rt, "contest", contest))
        self.publish(cid)
        return rt

    async def reset(self, cid: str, confirm: object, actor: str, client: str = "",
                    new_judge_tokens: bool = False) -> Runtime:
        """Back to setup: the evening's rows and live state go, the setup, rules and tokens stay (new judge
        tokens if asked).  Refused without the typed id, and outside rehearsal mode once there are marks."""
        rt = self.get(cid)
        _confirmed(cid, confirm, ("重置", "reset"))
        async with self.store.write() as tx:
            found = await life.count_rows(tx, cid, life.MARK_TABLES)
            if not rt.contest.rehearsal and (len(rt.marks) or any(found.values())):
                raise Conflict("只有彩排模式下的大赛才能清除评分并重置 / only a contest in rehearsal mode can have its "
                               "marks removed by a reset")
            removed = await life.delete_rows(tx, cid, life.EVENING_TABLES)
            contest = rt.contest
            if new_judge_tokens:
                avoid = self._all_tokens()
                contest = replace(contest, judges=tuple(replace(j, token=self._new_token(16, avoid))
                                                        for j in contest.judges))
                await repo.write_setup(tx, contest)
            state = fresh_state(contest, rt.state)
            await repo.save_state(tx, cid, state)
            audience = rt.audience.reset() if rt.audience is not None else None
            if audience is not None:  # no test ballot survives, the printed ballot codes work again
                await aud_repo.reset_audience(tx, cid)
                await aud_repo.save_state(tx, cid, audience.state_json())
            await tx.audit(cid, actor, "contest.reset", {
                "removed": removed, "marks_in_memory": len(rt.marks), "from": rt.state.phase, "to": "setup",
                "rehearsal": contest.rehearsal, "new_judge_tokens": bool(new_judge_tokens)}, client=client)
            old_judges = [j.id for j in rt.contest.judges]

            def commit() -> None:
                rt.contest, rt.state, rt.marks = contest, state, MarkColumns()
                rt.nudges, rt.last_change, rt.paper, rt.audience = {}, None, {}, audience
                self._index_tokens()
                self._recompute(rt)
                if new_judge_tokens:  # the old links stop working: open phones are told at once
                    for jid in old_judges:
                        self.close_judge(cid, jid)
            tx.on_commit(commit)
        self.publish(cid)
        return rt

    # ------------------------------------------------------------ the archive export, and delete
    async def record_archive_export(self, cid: str, audit: list, at: float) -> dict | None:
        """An archive of contest ``cid`` holding ``audit`` (its entries then) was handed out at ``at``.  Best
        effort: on a full disk the archive is still handed out and nothing is recorded (None; a delete then
        stays refused until an export is recorded)."""
        last = audit[-1] if audit else None
        record = {"at": at, "last_seq": last.seq if last else None, "last_hash": last.hash if last else None}
        if self.store.full:  # the archive matters most now; the record can wait for room
            log.warning("archive of %s exported on a full disk: the export is not recorded", cid)
            return None
        try:
            async with self.store.write() as tx:
                if cid in self.runtimes:
                    await life.save_archive_export(tx, cid, record)
        except StorageFull:
            log.warning("archive of %s exported on a full disk: the export is not recorded", cid)
            return None
        return record

    async def lifecycle_info(self, cid: str) -> dict:
        """What the contest list shows of a contest's lifecycle: rehearsal, last archive export, deletable."""
        rt = self.get(cid)
        async with self.store.write() as tx:  # one consistent read under the writer's lock
            return await self._deletable(tx, rt)

    async def _deletable(self, tx, rt: Runtime) -> dict:
        cid = rt.contest.id
        rows = await life.count_rows(tx, cid, life.MARK_TABLES)
        record = await life.archive_export(tx, cid)
        last = await life.last_audit(tx, cid)
        has_marks = bool(len(rt.marks) or any(rows.values()))
        current = record is not None and last is not None and record.get("last_seq") == last[0] \
            and record.get("last_hash") == last[1]
        return {"rehearsal": rt.contest.rehearsal, "has_marks": has_marks, "archive_export": record,
                "archive_current": current, "deletable": not has_marks or current}

    async def delete_contest(self, cid: str, confirm: object, actor: str, client: str = "") -> dict:
        """Delete contest ``cid`` (typed id); with marks only after an archive export of its latest state."""
        rt = self.runtimes.get(cid)
        if rt is None:
            raise NotFound(f"没有这个大赛 / no contest {cid!r}")
        _confirmed(cid, confirm, ("删除", "delete"))
        async with self.store.write() as tx:
            info = await self._deletable(tx, rt)
            if not info["deletable"]:
                raise Conflict("请先导出归档（完整存档 JSON），导出后没有新的改动才能删除 / export the archive first: "
                               "a contest with marks is deleted only after its JSON archive was exported since its "
                               "last change", ARCHIVE_FIRST)
            removed = await life.delete_contest(tx, cid)
            await tx.audit(cid, actor, "contest.delete", {
                "name": rt.contest.name, "phase": rt.state.phase, "removed": removed,
                "archive_export": info["archive_export"], "rehearsal": rt.contest.rehearsal}, client=client)

            def commit() -> None:
                rt.state = fresh_state(rt.contest, rt.state)  # a request still holding it finds nothing open
                self.runtimes.pop(cid, None)
                self._index_tokens()  # its judge and screen links answer 404 from now on
            tx.on_commit(commit)
        if self.publisher is not None:
            self.publisher.close_contest(cid)  # its phones, screens and consoles are told to go
        return {"deleted": cid, "removed": removed}
