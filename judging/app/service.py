"""The application layer: every change to a contest goes through here.

Data flows one way: a handler calls a method here -> the pure core decides
(:mod:`judging.core.model`, :mod:`judging.core.contest`, :mod:`judging.core.engine`) -> the
store commits (with its audit entry, in the same transaction) -> memory is
updated -> the hub publishes fresh snapshots (:mod:`judging.live.snapshots`).  Nothing
is published or acknowledged before the commit.

What it does not do: HTTP, sockets or HTML (:mod:`judging.web`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from judging.core import contest as machine
from judging.core.contest import Facts, LiveState, Refused
from judging.core.engine import ProjectInfo, Results, compute
from judging.live.hub import Hub
from judging.core.model import (ID_PATTERN, Contest, Judge, Project, SetupError, check_mark_set, draw_order, mark_total,
                    validate_setup)
from judging.core.money import parse_amount
from judging.core.rules import Rules, RulesError, parse_rules
from judging.core.rules_edit import KEEP, RulesEditError, edit_rules
from judging.core.scoring import Mark, ScoringError, is_overtime, overtime_number
from judging.storage.store import Store
from judging.core.text import LINE, LINES, text_problem

log = logging.getLogger("judging")
RULES_DIR = Path(__file__).resolve().parents[2] / "scoring_rules"
_SUBMISSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    """The request is understood but not allowed in the current state (HTTP 409).  ``code`` tells
    clients apart the cases they handle differently, e.g. ``"stale"``: the state moved on."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class Invalid(ValueError):
    """Bad input; ``errors`` maps fields to messages (HTTP 422)."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


@dataclass
class MarkSet:
    project: str
    round: str
    judge: str
    values: dict[str, float]
    submission_id: str
    status: str  # active | voided
    updated_at: float
    updated_by: str

    def to_json(self) -> dict:
        return {"project": self.project, "round": self.round, "judge": self.judge, "values": self.values,
                "submission_id": self.submission_id, "status": self.status, "updated_at": self.updated_at,
                "updated_by": self.updated_by}


class SnapshotSequence:
    """Snapshot numbers of one service: strictly increasing (microseconds of the service clock, at least one
    more than the last), so a client may drop a snapshot older than one it has *from the same boot*.  Across
    a restart the clock may have gone back: every snapshot also carries the service's ``boot`` id, and a client
    takes a snapshot from another boot whatever its seq (see docs/PROTOCOL.md)."""

    def __init__(self) -> None:
        self._last = 0

    def next(self, now: float) -> int:
        self._last = max(self._last + 1, int(now * 1_000_000))
        return self._last


@dataclass
class Runtime:
    contest: Contest
    state: LiveState
    marks: dict[tuple[str, str, str], MarkSet] = field(default_factory=dict)
    results: Results | None = None
    results_error: str | None = None
    nudges: dict = field(default_factory=dict)  # judge id -> judging.app.nudges.Nudge (in memory only)
    last_change: "LastChange | None" = None     # who changed the live state last, and when (in memory only)

    def closed(self, project: str, round_name: str) -> bool:
        return is_closed(self.state, project, round_name)

    def engine_marks(self, extra: Iterable[MarkSet] = (), without: tuple | None = None) -> list[Mark]:
        panels = {j.id: j.panel for j in self.contest.judges}
        sets = [m for k, m in self.marks.items() if k != without] + list(extra)
        return [Mark(m.project, m.round, panels[m.judge], m.judge, crit, v)
                for m in sets if m.status == "active" and m.judge in panels and self.closed(m.project, m.round)
                for crit, v in sorted(m.values.items())]


RECENT_SECONDS = 1.5  # a press from another console this soon after a change asks first (code "recent_change")


@dataclass(frozen=True)
class LastChange:
    """The last change of a contest's live state: which console made it (``origin``: the console session and
    the tab, e.g. ``"3f2a…:tab-1"``; ``"api:<tab>"`` for a client with the organizer key naming its tab), what
    and when."""

    origin: str
    action: str
    at: float


def is_closed(state: LiveState, project: str, round_name: str) -> bool:
    """Has scoring of this roadshow closed (so its marks count and may be shown)?"""
    settled = state.phase in ("ranking", "reveal", "locked")
    if not is_overtime(round_name):
        return state.round != round_name or settled or project in state.done
    n = overtime_number(round_name)
    if n < state.overtime:
        return True
    return n == state.overtime and (settled or project in state.done)


def compute_results(contest: Contest, marks: list[Mark]) -> Results:
    infos = {p.id: ProjectInfo(p.id, p.name, p.track, p.requested) for p in contest.projects}
    return compute(contest.rules, marks, infos)


def load_preset(name: str) -> Rules:
    if text_problem(name, LINE):  # a NUL would make the path itself fail
        raise Invalid(f"没有这个评分规则 / unknown rules preset {name[:60]!r}", {"rules": "unknown preset"})
    path = (RULES_DIR / name).resolve()
    if path.parent != RULES_DIR or path.suffix != ".toml" or not path.exists():
        raise Invalid(f"没有这个评分规则 / unknown rules preset {name!r}", {"rules": "unknown preset"})
    return parse_rules(path.read_text(encoding="utf-8"), name)


def presets() -> list[dict]:
    out = []
    for path in sorted(RULES_DIR.glob("*.toml")):
        try:
            rules = parse_rules(path.read_text(encoding="utf-8"), path.name)
        except RulesError:
            continue
        out.append({"file": path.name, "name": rules.name})
    return out


class Service:
    def __init__(self, store: Store, hub: Hub, clock=time.time) -> None:
        self.store, self.hub, self.clock = store, hub, clock
        self.runtimes: dict[str, Runtime] = {}
        self.unloadable: dict[str, str] = {}  # contest id -> why it could not be loaded at start
        self._tokens: dict[str, tuple[str, str]] = {}
        self._views = None  # set by attach_views to avoid an import cycle
        self.boot = secrets.token_hex(8)  # this run of the server; seq compares only within one boot
        self.sequence = SnapshotSequence()
        store.on_storage = self._storage_changed

    def _storage_changed(self, full: bool) -> None:
        """The disk filled up (a write was refused) or has room again (a write committed): every console
        shows it at once (views.console ``storage``)."""
        if full:
            log.error("disk full: a write was refused and rolled back (nothing acknowledged is lost)")
        else:
            log.warning("storage has room again: writes are being saved")
        for cid in self.runtimes:
            self.publish_console(cid)

    # ------------------------------------------------------------ loading
    async def load(self) -> None:
        rows = await self.store.fetchall(
            "SELECT c.id, c.name, c.rules_text, c.rules_source, c.timer_seconds, c.running_order, c.draw_seed, "
            "c.screen_token, c.state, c.date, c.venue FROM contests c ORDER BY c.created_at")
        for row in rows:
            try:
                await self._load_contest(*row)
            except (RulesError, SetupError, ValueError, KeyError, TypeError) as e:
                # one contest that no longer loads (e.g. rules written for a newer version) must not keep
                # the others' evening from starting; it stays in the database untouched
                self.unloadable[row[0]] = f"{type(e).__name__}: {e}"
                log.error("contest %s could not be loaded and is left out: %s", row[0], e)
        self._index_tokens()

    async def _load_contest(self, cid: str, name: str, rules_text: str, source: str, timer: int, order: str,
                            seed: str | None, screen: str, state: str, date: str = "", venue: str = "") -> None:
        """One contest as stored (raises when it no longer loads)."""
        rules = parse_rules(rules_text, source)
        projects = tuple(Project(r[0], r[1], r[2], r[3], r[4], r[5]) for r in await self.store.fetchall(
            "SELECT id, name, organization, community, track, requested FROM projects WHERE contest_id = ? "
            "ORDER BY seq", (cid,)))
        judges = tuple(Judge(r[0], r[1], r[2], r[3]) for r in await self.store.fetchall(
            "SELECT id, name, panel, token FROM judges WHERE contest_id = ? ORDER BY seq", (cid,)))
        recusals = frozenset((r[0], r[1]) for r in await self.store.fetchall(
            "SELECT judge_id, project_id FROM recusals WHERE contest_id = ?", (cid,)))
        contest = Contest(cid, name, rules, projects, judges, recusals, timer, "final",
                          tuple(json.loads(order)), seed, screen, date, venue)
        rt = Runtime(contest, LiveState.load(json.loads(state)))
        for p, r, j, sid, values, status, at, by in await self.store.fetchall(
                "SELECT project_id, round, judge_id, submission_id, marks, status, updated_at, updated_by "
                "FROM marks WHERE contest_id = ?", (cid,)):
            rt.marks[(p, r, j)] = MarkSet(p, r, j, json.loads(values), sid, status, at, by)
        self._recompute(rt)
        self.runtimes[cid] = rt

    def get(self, cid: str) -> Runtime:
        rt = self.runtimes.get(cid)
        if rt is None:
            raise NotFound(f"没有这个大赛 / no contest {cid!r}")
        return rt

    def by_judge_token(self, token: str) -> tuple[Runtime, Judge] | None:
        """The judge a link token belongs to.  Looked up by a hash of the token, so the
        lookup costs the same whoever asks and tokens are not kept as dictionary keys."""
        found = self._tokens.get(_token_key(token))
        if found is None:
            return None
        rt = self.runtimes.get(found[0])
        judge = rt.contest.judge(found[1]) if rt else None
        if rt is None or judge is None or not secrets.compare_digest(judge.token, token):
            return None
        return rt, judge

    def _register(self, rt: Runtime) -> None:
        """A new contest becomes visible (and its judges' links valid) once its rows are committed."""
        self.runtimes[rt.contest.id] = rt
        self._index_tokens()

    def _index_tokens(self) -> None:
        self._tokens = {_token_key(j.token): (rt.contest.id, j.id)
                        for rt in self.runtimes.values() for j in rt.contest.judges}

    def by_screen_token(self, token: str) -> Runtime | None:
        given = token.encode("utf-8", "surrogatepass")  # compare_digest refuses non-ASCII text (a 500 from a URL)
        for rt in self.runtimes.values():
            if secrets.compare_digest(rt.contest.screen_token.encode(), given):
                return rt
        return None

    # ------------------------------------------------------------ setup
    async def create_contest(self, data: dict, actor: str, client: str = "") -> Runtime:
        rules = self._rules_from(data)
        order = data.get("order") or []
        if not isinstance(order, list) or not all(isinstance(x, str) for x in order):
            raise Invalid("order 须为项目编号列表 / order must be a list of project ids", {"order": "list of ids"})
        wanted = data.get("id")
        if wanted is not None and (not isinstance(wanted, str) or not ID_PATTERN.match(wanted)):
            raise Invalid("大赛编号只能用字母、数字、_、- / contest id: letters, digits, _ or - only", {"id": "invalid"})
        async with self.store.write() as tx:  # id chosen and checked under the writer's lock
            taken = set(self.runtimes) | {r[0] for r in await self.store.fetchall("SELECT id FROM contests")}
            cid = wanted or self._new_id(taken)
            if cid in taken:
                raise Conflict(f"大赛编号已存在 / contest {cid!r} exists")
            contest = Contest(cid, str(data.get("name", "")).strip(), rules,
                              timer_seconds=_timer_seconds(data.get("timer_seconds", 300)),
                              screen_token=secrets.token_urlsafe(12), **_when_where(data))
            contest = self._apply_setup(contest, data)
            contest = replace(contest, order=tuple(order))
            self._validate(contest)
            state = LiveState(timer=machine.Timer(float(contest.timer_seconds)))
            await tx.execute("INSERT INTO contests (id, name, rules_text, rules_source, timer_seconds, running_order, "
                             "draw_seed, screen_token, state, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                             (cid, contest.name, rules.text, rules.source, contest.timer_seconds,
                              json.dumps(list(contest.order)), None, contest.screen_token,
                              json.dumps(state.dump()), self.clock()))
            await self._write_setup(tx, contest)
            await tx.audit(cid, actor, "contest.create", {"after": _setup_json(contest)}, client=client)
            rt = Runtime(contest, state)
            self._recompute(rt)
            tx.on_commit(lambda: self._register(rt))
        self.publish(cid)
        return rt

    async def update_setup(self, cid: str, data: dict, actor: str, client: str = "") -> Runtime:
        rt = self.get(cid)
        async with self.store.write() as tx:  # checked and computed from the committed state
            if rt.state.phase != "setup":
                raise Conflict("比赛开始后不能修改设置 / the setup cannot change once the contest has started")
            contest = rt.contest
            if "rules_text" in data or "rules_preset" in data:
                contest = replace(contest, rules=self._rules_from(data))
            if "awards" in data or "budget" in data:
                contest = replace(contest, rules=_edited_rules(contest.rules, data))
            if "name" in data:
                contest = replace(contest, name=str(data["name"]).strip())
            if "timer_seconds" in data:
                contest = replace(contest, timer_seconds=_timer_seconds(data["timer_seconds"]))
            contest = replace(contest, **_when_where(data))
            contest = self._checked_setup(contest, data)
            before = _setup_json(rt.contest)
            await tx.execute("UPDATE contests SET name = ?, rules_text = ?, rules_source = ?, timer_seconds = ?, "
                             "running_order = ?, draw_seed = ? WHERE id = ?",
                             (contest.name, contest.rules.text, contest.rules.source, contest.timer_seconds,
                              json.dumps(list(contest.order)), contest.draw_seed, cid))
            state = replace(rt.state, timer=machine.Timer(float(contest.timer_seconds)))
            await tx.execute("UPDATE contests SET state = ? WHERE id = ?", (json.dumps(state.dump()), cid))
            await self._write_setup(tx, contest)
            await tx.audit(cid, actor, "contest.update", {"before": before, "after": _setup_json(contest)},
                           client=client)

            removed = {j.id for j in rt.contest.judges} - {j.id for j in contest.judges}

            def commit() -> None:
                rt.contest = contest
                rt.state = state
                self._index_tokens()
                self._recompute(rt)
                for jid in removed:  # their links stop working: open phones are told at once
                    self.hub.close_channel(f"{cid}/judge/{jid}")
            tx.on_commit(commit)
        self.publish(cid)
        return rt

    async def set_order(self, cid: str, order: list[str] | None, seed: str | None, actor: str,
                        client: str = "") -> Runtime:
        """Set the running order by hand (``order``) or by a recorded draw (``seed``; random when empty)."""
        rt = self.get(cid)
        async with self.store.write() as tx:
            if rt.state.phase != "setup":
                raise Conflict("比赛开始后不能更改出场顺序 / the running order is fixed once the contest has started")
            if order is None:
                seed = seed or secrets.token_hex(8)
                new = draw_order([p.id for p in rt.contest.projects], seed)
                action = "order.draw"
            else:
                new, seed, action = tuple(order), None, "order.set"
            contest = replace(rt.contest, order=new, draw_seed=seed)
            self._validate(contest)
            await tx.execute("UPDATE contests SET running_order = ?, draw_seed = ? WHERE id = ?",
                             (json.dumps(list(new)), seed, cid))
            await tx.audit(cid, actor, action, {"before": list(rt.contest.order), "after": list(new), "seed": seed,
                                                "method": "sha256(seed) -> random.Random.shuffle(sorted ids)"},
                           client=client)
            tx.on_commit(lambda: setattr(rt, "contest", contest))
        self.publish(cid)
        return rt

    def _rules_from(self, data: dict) -> Rules:
        try:
            if data.get("rules_text"):
                source = str(data.get("rules_name") or "uploaded.toml")
                if problem := text_problem(source, LINE, ("规则文件名", "the rules file name")):
                    raise Invalid(problem, {"rules_name": problem})
                return parse_rules(str(data["rules_text"]), source)
            return load_preset(str(data.get("rules_preset") or "expert_public.toml"))
        except RulesError as e:
            raise Invalid(f"评分规则有误 / invalid rules: {e}", {"rules": str(e)}) from None

    def _apply_setup(self, contest: Contest, data: dict) -> Contest:
        errors: dict[str, str] = {}
        if "projects" in data:
            projects = []
            for i, p in enumerate(_list(data["projects"], "projects")):
                try:
                    req = p.get("requested")
                    if isinstance(req, bool):
                        raise TypeError("requested")
                    if isinstance(req, str) and req.strip():
                        try:
                            amount = parse_amount(req)
                        except ValueError as e:  # on the field, with the reason (三万, 1e5 …)
                            errors[f"projects[{i}].requested"] = f"申请金额「{req[:40]}」：{e}"
                            continue
                    else:
                        amount = None if req in (None, "") or isinstance(req, str) else float(req)
                    projects.append(Project(str(p.get("id", "")).strip(), str(p.get("name", "")).strip(),
                                            str(p.get("organization", "") or "").strip(),
                                            str(p.get("community", "") or "").strip(),
                                            str(p.get("track", "") or "").strip(), amount))
                except (TypeError, ValueError, AttributeError, OverflowError):
                    errors[f"projects[{i}]"] = "项目数据格式有误（申请金额须为数字，如 50000 或 5万） / malformed project"
            contest = replace(contest, projects=tuple(projects))
        if "judges" in data:
            old = {j.id: j.token for j in contest.judges}
            judges = []
            for i, j in enumerate(_list(data["judges"], "judges")):
                try:
                    jid = str(j.get("id", "")).strip()
                    judges.append(Judge(jid, str(j.get("name", "")).strip(), str(j.get("panel", "")).strip(),
                                        old.get(jid) or secrets.token_urlsafe(16)))
                except (TypeError, AttributeError):
                    errors[f"judges[{i}]"] = "评委数据格式有误 / malformed judge"
            contest = replace(contest, judges=tuple(judges))
        if "recusals" in data:
            try:
                contest = replace(contest, recusals=frozenset((str(r["judge"]), str(r["project"]))
                                                              for r in _list(data["recusals"], "recusals")))
            except (TypeError, KeyError):
                errors["recusals"] = "回避格式: [{judge, project}] / recusals must be [{judge, project}]"
        if errors:
            raise Invalid("设置有误 / invalid setup", errors)
        if "recusals" not in data:  # a new project or judge list keeps only the recusals that still apply
            pids, jids = {p.id for p in contest.projects}, {j.id for j in contest.judges}
            contest = replace(contest, recusals=frozenset(r for r in contest.recusals if r[0] in jids and r[1] in pids))
        return contest

    def check_setup(self, cid: str, data: dict) -> None:
        """Raise :class:`Invalid` if ``update_setup(cid, data)`` would refuse these projects / judges /
        recusals (nothing is written): lets an import preview show every problem before applying."""
        self._checked_setup(self.get(cid).contest, data)

    def _checked_setup(self, contest: Contest, data: dict) -> Contest:
        """``contest`` with the projects / judges / recusals of ``data``, validated; a running order that no
        longer lists exactly the projects is dropped (the organizer draws again)."""
        contest = self._apply_setup(contest, data)
        if "projects" in data and set(contest.order) != {p.id for p in contest.projects}:
            contest = replace(contest, order=(), draw_seed=None)
        self._validate(contest)
        return contest

    def _validate(self, contest: Contest) -> None:
        try:
            validate_setup(contest)
        except SetupError as e:
            raise Invalid("设置有误 / invalid setup", e.errors) from None

    async def _write_setup(self, tx, contest: Contest) -> None:
        cid = contest.id
        for table in ("projects", "judges", "recusals"):
            await tx.execute(f"DELETE FROM {table} WHERE contest_id = ?", (cid,))
        await tx.executemany("INSERT INTO projects (contest_id, id, seq, name, organization, community, track, "
                             "requested) VALUES (?,?,?,?,?,?,?,?)",
                             [(cid, p.id, i, p.name, p.organization, p.community, p.track, p.requested)
                              for i, p in enumerate(contest.projects)])
        await tx.executemany("INSERT INTO judges (contest_id, id, seq, name, panel, token) VALUES (?,?,?,?,?,?)",
                             [(cid, j.id, i, j.name, j.panel, j.token) for i, j in enumerate(contest.judges)])
        await tx.executemany("INSERT INTO recusals (contest_id, judge_id, project_id) VALUES (?,?,?)",
                             [(cid, j, p) for j, p in sorted(contest.recusals)])
        await tx.execute("UPDATE contests SET date = ?, venue = ? WHERE id = ?", (contest.date, contest.venue, cid))

    @staticmethod
    def _new_id(taken: set[str]) -> str:
        n = len(taken) + 1
        while f"c{n}" in taken:
            n += 1
        return f"c{n}"

    async def import_contest(self, archive: Any, actor: str, client: str = "", new_id: str | None = None) -> Runtime:
        """A contest from a JSON archive (:mod:`judging.exports.archive`): the same setup, phase, marks, submissions
        and results; the archived audit entries are copied into this database's chain (marked ``imported``,
        with their original time and hash).  Judges and the big screen get new link tokens.  An existing
        contest id is never replaced: pass ``new_id`` to import a second copy."""
        from judging.exports.archive import ArchiveError, read_archive

        try:
            imp = read_archive(archive, new_id)
        except ArchiveError as e:
            raise Invalid(str(e), e.errors) from None
        contest = replace(imp.contest, screen_token=secrets.token_urlsafe(12),
                          judges=tuple(replace(j, token=secrets.token_urlsafe(16)) for j in imp.contest.judges))
        cid = contest.id
        async with self.store.write() as tx:
            if cid in self.runtimes:
                raise Conflict(f"大赛编号 {cid} 已存在，导入不会覆盖它；请指定新的编号 / contest {cid!r} already exists "
                               "and is never overwritten; import it under a new id")
            ids = [s.submission_id for s in imp.submissions] + [m.submission_id for m in imp.marks.values()]
            taken: set[str] = set()
            for i in range(0, len(ids), 500):  # a copy of a contest already here keeps its ids apart
                chunk = ids[i:i + 500]
                cur = await tx.execute(f"SELECT submission_id FROM submissions WHERE submission_id IN "
                                       f"({','.join('?' * len(chunk))})", tuple(chunk))
                taken.update(r[0] for r in await cur.fetchall())
            sid = (lambda s: f"{cid}~{s}" if s in taken else s)
            marks = {k: replace(m, submission_id=sid(m.submission_id)) for k, m in imp.marks.items()}
            await tx.execute("INSERT INTO contests (id, name, rules_text, rules_source, timer_seconds, running_order, "
                             "draw_seed, screen_token, state, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                             (cid, contest.name, contest.rules.text, contest.rules.source, contest.timer_seconds,
                              json.dumps(list(contest.order)), contest.draw_seed, contest.screen_token,
                              json.dumps(imp.state.dump()), self.clock()))
            await self._write_setup(tx, contest)
            await tx.executemany("INSERT INTO marks (contest_id, project_id, round, judge_id, submission_id, marks, "
                                 "status, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?)",
                                 [(cid, m.project, m.round, m.judge, m.submission_id, json.dumps(m.values), m.status,
                                   m.updated_at, m.updated_by) for m in marks.values()])
            await tx.executemany("INSERT INTO submissions (submission_id, contest_id, judge_id, project_id, round, "
                                 "marks, received_at) VALUES (?,?,?,?,?,?,?)",
                                 [(sid(s.submission_id), cid, s.judge, s.project, s.round, json.dumps(s.values),
                                   s.received_at) for s in imp.submissions])
            for e in imp.audit:
                origin = {"contest_id": imp.source["contest"], "seq": e["seq"], "at": e["at"], "hash": e["hash"]}
                detail = e["detail"] if "imported" in e["detail"] else {**e["detail"], "imported": origin}
                await tx.audit(cid, e["actor"], e["action"], detail, reason=e["reason"], client=e["client"])
            await tx.audit(cid, actor, "contest.import", {
                "source_contest": imp.source["contest"], "exported_at": imp.source["exported_at"],
                "archive_sha256": imp.source["sha256"], "entries": len(imp.audit), "phase": imp.state.phase,
                "renamed_submissions": len(taken)}, client=client)
            rt = Runtime(contest, imp.state, marks)
            self._recompute(rt)
            tx.on_commit(lambda: self._register(rt))
        self.publish(cid)
        return rt

    # ------------------------------------------------------------ the evening
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
        changed = False
        async with self.store.write() as tx:  # decide on the state as committed, not as it was when asked
            new, results, error, detail = self._decide(rt, action, project, confirm, expect_version)
            step = origin is not None and not action.startswith("timer_") and action not in machine.OPTIONS
            last = self.recent_change(rt, origin) if step and new != rt.state and not confirm_recent else None
            if last is not None:
                what = getattr(self._views, "ACTION_LABELS", {}).get(last.action, last.action).split(" ")[0]
                ago = max(0.0, self.clock() - last.at)
                raise Conflict(f"另一台控制台刚刚执行了「{what}」（{ago:.1f} 秒前），仍要继续吗？ / another console "
                               f"just did {last.action!r} ({ago:.1f} s ago); continue anyway?", "recent_change")
            if new != rt.state:
                await tx.execute("UPDATE contests SET state = ? WHERE id = ?", (json.dumps(new.dump()), cid))
                if not action.startswith("timer_"):
                    await tx.audit(cid, actor, f"state.{action}", detail, client=client)

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
        trial = Runtime(rt.contest, state, rt.marks)
        try:
            return compute_results(rt.contest, trial.engine_marks()), None
        except ScoringError as e:
            return None, str(e)

    def _recompute(self, rt: Runtime) -> None:
        rt.results, rt.results_error = self._results_for(rt, rt.state)

    # ------------------------------------------------------------ marks
    async def submit(self, rt: Runtime, judge: Judge, body: dict, client: str = "") -> dict:
        """A judge's mark set for the open roadshow.  Idempotent on ``submission_id``."""
        sid = str(body.get("submission_id") or "")
        if not _SUBMISSION_ID.fullmatch(sid):
            raise Invalid("缺少提交编号 / submission_id (8-64 letters, digits, - or _) is required",
                          {"submission_id": "required"})
        project, round_name = str(body.get("project", "")), str(body.get("round", rt.state.round))
        raw = body.get("marks")
        if not isinstance(raw, dict):
            raise Invalid("marks 须为 {评分项: 分数} / marks must be an object {criterion: score}", {"marks": "required"})
        cid = rt.contest.id
        panel = rt.contest.rules.panel(judge.panel)
        # the checks and the commit are one step: nothing slips in between.  Submissions share a group commit
        # (one fsync for all queued meanwhile); an earlier one of the group is in memory only after the commit,
        # so marks of this group are looked up in tx.shared first
        async with self.store.write(batch=True) as tx:
            grouped = tx.shared.setdefault(("marks", cid), {})
            row = await tx.fetchone("SELECT contest_id, judge_id, project_id, round, marks FROM submissions "
                                    "WHERE submission_id = ?", (sid,))
            if row is not None:  # a resend (double tap, or the phone retrying after a lost ack)
                if (row[0], row[1]) != (cid, judge.id):
                    raise Conflict("提交编号已被使用 / this submission_id belongs to someone else")
                values = json.loads(row[4])
                current = grouped.get((row[2], row[3], judge.id)) or rt.marks.get((row[2], row[3], judge.id))
                return {"ok": True, "status": "saved", "duplicate": True, "submission_id": sid, "project": row[2],
                        "round": row[3], "values": values, "total": mark_total(panel, values),
                        "current": bool(current and current.submission_id == sid and current.status == "active"),
                        "seq": self._seq(), "boot": self.boot}
            if machine.roadshow_key(rt.state) != (project, round_name):
                raise Conflict("该路演的评分未开放或已结束，本次评分未被计入 / scoring for this roadshow is not open; "
                               "these marks were not counted")
            if rt.contest.is_recused(judge.id, project):
                raise Conflict("您已回避该项目，无需评分 / you are recused from this project")
            values, errors = check_mark_set(rt.contest.rules, panel, raw)
            if errors:
                raise Invalid("评分有误，请检查 / some marks are invalid", errors)
            now = self.clock()
            before = grouped.get((project, round_name, judge.id)) or rt.marks.get((project, round_name, judge.id))
            await tx.execute("INSERT INTO submissions (submission_id, contest_id, judge_id, project_id, round, marks, "
                             "received_at) VALUES (?,?,?,?,?,?,?)",
                             (sid, cid, judge.id, project, round_name, json.dumps(values), now))
            await tx.execute("INSERT OR REPLACE INTO marks (contest_id, project_id, round, judge_id, submission_id, "
                             "marks, status, updated_at, updated_by) VALUES (?,?,?,?,?,?,'active',?,?)",
                             (cid, project, round_name, judge.id, sid, json.dumps(values), now, f"judge:{judge.id}"))
            await tx.audit(cid, f"judge:{judge.id}", "mark.amend" if before else "mark.submit",
                           {"project": project, "round": round_name, "submission_id": sid,
                            "before": before.values if before else None, "after": values}, client=client)
            mark = MarkSet(project, round_name, judge.id, values, sid, "active", now, f"judge:{judge.id}")
            grouped[(project, round_name, judge.id)] = mark
            tx.on_commit(lambda: rt.marks.__setitem__((project, round_name, judge.id), mark))
        self.publish(cid, judges=[judge.id])  # other judges' screens do not change
        return {"ok": True, "status": "saved", "duplicate": False, "submission_id": sid, "project": project,
                "round": round_name, "values": values, "total": mark_total(panel, values), "current": True,
                "seq": self._seq(), "boot": self.boot}

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
            trial = Runtime(rt.contest, rt.state, {**rt.marks, key: new})
            try:
                results = compute_results(rt.contest, trial.engine_marks())
            except ScoringError as e:
                raise Conflict(f"此更改将使成绩无法计算 / this change would leave the results uncomputable: {e}") from None
            await tx.execute("INSERT OR REPLACE INTO marks (contest_id, project_id, round, judge_id, submission_id, "
                             "marks, status, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?)",
                             (cid, project, round_name, judge_id, new.submission_id, json.dumps(new.values),
                              new.status, new.updated_at, actor))
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

    # ------------------------------------------------------------ publishing
    def publish(self, cid: str, judges: Iterable[str] | None = None) -> None:
        """Fresh snapshots for every channel of the contest (judge channels: only ``judges`` if given).
        Called only after a commit.  Judges get theirs at once (a judge must see their own submission);
        the screen, its watchers and the consoles when their schedulers say (:meth:`Hub.publish_soon`: the
        screen at the next turn of the loop, watchers 4 a second, consoles every 0.12 s), built from the
        newest state when it runs — never before the caller's acknowledgement is on its way."""
        if self._views is None:
            return
        self.publish_screen(cid)
        self.publish_judges(cid, judges)

    def publish_judges(self, cid: str, judges: Iterable[str] | None = None) -> None:
        """The consoles and the judges' phones (only ``judges`` if given), not the big screen."""
        if self._views is None:
            return
        rt = self.runtimes[cid]
        self.publish_console(cid)
        only = set(judges) if judges is not None else None
        for j in rt.contest.judges:
            if only is not None and j.id not in only:
                continue
            channel = f"{cid}/judge/{j.id}"
            if self.hub.has_subscribers(channel):
                self.hub.publish(channel, encode(self._views.judge(self, rt, j)))

    def publish_screen(self, cid: str) -> None:
        """The big screen (built when the last fan-out is done) and the phones following it (a few a second)."""
        if self._views is not None:
            self.hub.publish_soon(f"{cid}/screen", lambda: encode(self._views.screen(self, self.runtimes[cid])))
            self.hub.publish_soon(f"{cid}/watch", lambda: encode(self._views.watch(self, self.runtimes[cid])))

    def publish_console(self, cid: str) -> None:
        """Also when a judge's phone connects or disconnects (the console shows who is connected)."""
        if self._views is not None:
            self.hub.publish_soon(f"{cid}/console", lambda: encode(self._views.console(self, self.runtimes[cid])))

    def attach_views(self, views_module) -> None:
        self._views = views_module

    def connected_judges(self, cid: str) -> set[str]:
        prefix = f"{cid}/judge/"
        return {ch[len(prefix):] for ch in self.hub.channels(prefix)}


def encode(snapshot: dict) -> str:
    """A snapshot as the text sent on the wire: serialised once, however many sockets receive it."""
    return json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _timer_seconds(value: Any) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError("timer_seconds")
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise Invalid("路演时长须为整数秒 / timer_seconds must be whole seconds",
                      {"timer_seconds": "not a whole number"}) from None


def _edited_rules(rules: Rules, data: dict) -> Rules:
    """The rules with the award tiers / grant budget from ``data`` (the rest of the text untouched)."""
    try:
        text = edit_rules(rules.text, rules.source, awards=data.get("awards", KEEP), budget=data.get("budget", KEEP))
    except RulesEditError as e:
        raise Invalid(str(e), e.errors) from None
    return parse_rules(text, rules.source)


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _list(value: Any, name: str) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise Invalid(f"{name} 须为列表 / {name} must be a list of objects", {name: "must be a list of objects"})
    return value


def _when_where(data: dict) -> dict:
    """The ``date`` / ``venue`` of a setup body that has them, as text (checked by validate_setup)."""
    out = {}
    for key in ("date", "venue"):
        if key in data:
            value = data[key]
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise Invalid(f"{key} 须为文本 / {key} must be text", {key: "must be text"})
            out[key] = value.strip()
    return out


def _setup_json(c: Contest) -> dict:
    return {"name": c.name, "rules": c.rules.name, "timer_seconds": c.timer_seconds, "date": c.date, "venue": c.venue,
            "projects": [p.to_json() for p in c.projects], "judges": [j.to_json() for j in c.judges],
            "recusals": sorted([list(r) for r in c.recusals]), "order": list(c.order)}
