"""Reading a JSON archive back: parse and check everything before anything is written.

What it does: :func:`read_archive` checks an archive thoroughly -- format and version, checksum, rules,
setup, state, every mark set and paper entry against the rubric, every audit entry against its own hash, and that the marks
give exactly the archived results -- and returns what to store (:class:`Imported`);
:meth:`judging.app.archive_command.ArchiveImport.import_contest` has the repository store it (new link tokens, the archived audit entries
copied into this database's chain, marked ``imported``) in one transaction.  Judge and screen tokens are
credentials: archives never hold them, and the importing server issues new ones.

What it does not do: write an archive (:mod:`judging.exports.archive`) or trust anything it is given.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from judging.app import archive_stages
from judging.app.brand import read_archived as read_archived_brand
from judging.app.audience_archive import AudienceArchiveError, read_part
from judging.app.audience_marks import popularity_counts
from judging.app.runtime import MarkSet, Runtime, compute_results
from judging.core.contest import PHASES, LiveState
from judging.core.model import Contest, Judge, Project, SetupError, check_mark_set, validate_setup
from judging.core.rules import RulesError, parse_rules
from judging.core.scoring import ScoringError
from judging.core.text import bad_string
from judging.storage.chain import entry_hash
from judging.storage import repository_paper as paper_repo
from judging.storage.records import Submission
from judging.storage.repository_paper import PaperEntry

FORMAT = "roadshow-judging-archive"
VERSION = 1
_ID = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


class ArchiveError(ValueError):
    """The archive cannot be imported; ``errors`` maps a part of it to what is wrong."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


@dataclass
class Imported:
    contest: Contest                 # judges without tokens, screen token empty
    state: LiveState
    marks: dict[tuple[str, str, str], MarkSet]
    submissions: list[Submission]
    audit: list[dict]                # as archived: seq, at, actor, action, detail, reason, client, prev_hash, hash
    results: dict | None
    source: dict                     # original contest id, exported_at, sha256
    paper: list[PaperEntry] = field(default_factory=list)  # typed paper entries (judging.app.paper)
    brand: Any = None                # judging.core.brand.Brand, its images re-encoded again (None: no branding)
    audience: Any = None             # judging.app.audience_model.AudienceRuntime (token empty)


def checksum(archive: dict) -> str:
    body = {k: v for k, v in archive.items() if k != "sha256"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ reading

def _need(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise ArchiveError(f"存档有误 / invalid archive: {where}: {message}", {where: message})


def _str(d: dict, key: str, where: str, allow_empty: bool = False) -> str:
    v = d.get(key)
    _need(isinstance(v, str) and (allow_empty or v != ""), f"{where}.{key}", "须为文本 / must be text")
    return v  # type: ignore[return-value]


def _num(d: dict, key: str, where: str) -> float:
    v = d.get(key)
    _need(isinstance(v, (int, float)) and not isinstance(v, bool), f"{where}.{key}", "须为数字 / must be a number")
    return float(v)  # type: ignore[arg-type]


def _list(d: dict, key: str, where: str) -> list:
    v = d.get(key)
    _need(isinstance(v, list) and all(isinstance(x, dict) for x in v), f"{where}.{key}",
          "须为对象列表 / must be a list of objects")
    return v  # type: ignore[return-value]


def read_archive(data: Any, new_id: str | None = None) -> Imported:
    """Check an archive (parsed JSON) and return what to store; raises :class:`ArchiveError`."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArchiveError("这不是路演评审的存档文件 / this is not a roadshow-judging archive", {"format": "missing"})
    if (where := bad_string(data)) is not None:  # run.py import reads the file without the API's door check
        raise ArchiveError(f"存档中「{where[:80]}」含有无效字符 / {where[:80]}: a lone surrogate or NUL is not valid "
                           "text", {where[:80]: "invalid character"})
    version = data.get("version")
    if version != VERSION:
        raise ArchiveError(f"存档格式版本 {version!r} 不受支持（本服务器读取版本 {VERSION}）/ unsupported archive "
                           f"version {version!r} (this server reads version {VERSION})", {"version": str(version)})
    if data.get("sha256") != checksum(data):
        raise ArchiveError("存档内容与其校验值不符：文件被修改或已损坏 / the archive does not match its checksum: it was "
                           "edited or is damaged", {"sha256": "mismatch"})
    c = data.get("contest")
    _need(isinstance(c, dict), "contest", "缺少大赛设置 / missing")
    original_id = _str(c, "id", "contest")
    cid = new_id if new_id is not None else original_id
    _need(bool(_ID.match(cid)), "contest.id", f"编号 {cid!r} 只能用字母、数字、_、- / letters, digits, _ or - only")
    rules_d = c.get("rules")
    _need(isinstance(rules_d, dict), "contest.rules", "缺少评分规则 / missing")
    try:
        rules = parse_rules(_str(rules_d, "text", "contest.rules"), _str(rules_d, "source", "contest.rules"))
    except RulesError as e:
        raise ArchiveError(f"存档中的评分规则有误 / the archived rules are invalid: {e}", {"contest.rules": str(e)}) \
            from None
    contest = _contest(c, cid, rules)
    try:  # a stage of a season: its results need what it brought from the stage before (the [carry])
        contest = replace(contest, stage=archive_stages.read_stage(data.get("stage"), contest))
    except archive_stages.StagePartError as e:
        raise ArchiveError(str(e), {e.where: str(e)}) from None
    state = _state(data.get("state"), contest)
    marks = _marks(data, contest)
    submissions = _submissions(data, contest)
    audit = _audit(data, original_id)
    try:
        audience = read_part(data.get("audience"), contest)
    except AudienceArchiveError as e:
        raise ArchiveError(f"存档中的观众投票有误 / the archived audience is invalid: {e}", {e.where: str(e)}) from None
    trial = Runtime(contest, state, marks, audience=audience)
    try:
        results = compute_results(contest, trial.engine_table(), popularity_counts(trial)).to_json()
    except ScoringError as e:
        results = None
        _need(data.get("results") is None, "results", f"按存档的评分无法计算成绩 / its marks give no results: {e}")
    _need(_normal(results) == _normal(data.get("results")), "results",
          "存档中的成绩与按其评分重新计算的成绩不一致 / the archived results differ from what its marks give")
    try:
        brand = read_archived_brand(data.get("brand"))
    except ValueError as e:
        raise ArchiveError(f"存档有误 / invalid archive: {e}", {"brand": str(e)}) from None
    return Imported(contest, state, marks, submissions, audit, results,
                    {"contest": original_id, "exported_at": data.get("exported_at"), "sha256": data["sha256"]},
                    _paper(data, contest), brand, audience)


def _normal(x: Any) -> str:
    return json.dumps(x, sort_keys=True, ensure_ascii=False)


def _contest(c: dict, cid: str, rules) -> Contest:
    projects = []
    for i, p in enumerate(_list(c, "projects", "contest")):
        where = f"contest.projects[{i}]"
        req = p.get("requested")
        _need(req is None or (isinstance(req, (int, float)) and not isinstance(req, bool)), f"{where}.requested",
              "须为数字或 null / must be a number or null")
        projects.append(Project(_str(p, "id", where), _str(p, "name", where),
                                *(_str(p, k, where, allow_empty=True) if k in p else "" for k in
                                  ("organization", "community", "track")),
                                None if req is None else float(req)))
    judges = [Judge(_str(j, "id", f"contest.judges[{i}]"), _str(j, "name", f"contest.judges[{i}]"),
                    _str(j, "panel", f"contest.judges[{i}]")) for i, j in enumerate(_list(c, "judges", "contest"))]
    recusals = frozenset((_str(r, "judge", "contest.recusals"), _str(r, "project", "contest.recusals"))
                         for r in _list(c, "recusals", "contest"))
    order = c.get("order")
    _need(isinstance(order, list) and all(isinstance(x, str) for x in order), "contest.order",
          "须为项目编号列表 / must be a list of project ids")
    seed = c.get("draw_seed")
    _need(seed is None or isinstance(seed, str), "contest.draw_seed", "须为文本或 null / must be text or null")
    timer = c.get("timer_seconds")
    _need(isinstance(timer, int) and not isinstance(timer, bool), "contest.timer_seconds", "须为整数 / whole seconds")
    when_where = {k: c.get(k, "") for k in ("date", "venue")}  # archives made before they existed have neither
    for k, v in when_where.items():
        _need(isinstance(v, str), f"contest.{k}", "须为文本 / must be text")
    regular = c.get("regular_round") or "final"  # archives made before stages have none
    _need(isinstance(regular, str), "contest.regular_round", "须为文本 / must be text")
    contest = Contest(cid, _str(c, "name", "contest"), rules, tuple(projects), tuple(judges), recusals, timer,
                      regular, tuple(order), seed, **when_where)
    try:
        validate_setup(contest)
    except SetupError as e:
        raise ArchiveError("存档中的大赛设置有误 / the archived setup is invalid: " + str(e),
                           {f"contest.{k}": v for k, v in e.errors.items()}) from None
    return contest


_TEXTS = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)  # noqa: E731
_COUNT = lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10 ** 9  # noqa: E731
_TIME = lambda v: v is None or isinstance(v, (int, float)) and not isinstance(v, bool)  # noqa: E731
_STATE_FIELDS: dict[str, tuple[Any, str]] = {  # key: (check, what it must be), each as LiveState.dump writes it
    "phase": (lambda v: isinstance(v, str), "文本 / text"), "round": (lambda v: isinstance(v, str), "文本 / text"),
    "order": (_TEXTS, "项目编号列表 / a list of project ids"), "done": (_TEXTS, "项目编号列表 / a list of project ids"),
    "current": (lambda v: v is None or isinstance(v, str), "项目编号或 null / a project id or null"),
    "overtime": (_COUNT, "非负整数 / a whole number ≥ 0"), "reveal_step": (_COUNT, "非负整数 / a whole number ≥ 0"),
    "version": (_COUNT, "非负整数 / a whole number ≥ 0"),
    "overtime_groups": (lambda v: isinstance(v, list) and all(_TEXTS(g) for g in v), "列表的列表 / a list of lists"),
    "holding": (lambda v: isinstance(v, bool), "true / false"), "hide_marks": (lambda v: isinstance(v, bool), "true / false"),
    "timer_autostart": (lambda v: isinstance(v, bool), "true / false"),
    "timer": (lambda v: isinstance(v, dict) and _TIME(v.get("duration", 300.0)) and v.get("duration", 300.0) is not None
              and _TIME(v.get("started_at")) and _TIME(v.get("remaining")), "计时器 / {duration, started_at, remaining}"),
    "history": (lambda v: isinstance(v, list) and all(isinstance(h, dict) for h in v), "列表 / a list"),
}


def _state_shape(d: dict, where: str = "state") -> None:
    """Each field of a stored state (and of each state in its history) of the type the state machine needs:
    a round that is not text, a version that is not a number, would fail later, mid-evening."""
    for key, (check, what) in _STATE_FIELDS.items():
        if key in d or key in ("phase", "round", "order"):
            zh, _, en = what.partition(" / ")
            _need(check(d.get(key)), f"{where}.{key}", f"须为{zh} / must be {en or zh}")
    for i, h in enumerate(d.get("history") or []):
        _state_shape(h, f"{where}.history[{i}]")


def _state(d: Any, contest: Contest) -> LiveState:
    _need(isinstance(d, dict), "state", "缺少比赛状态 / missing")
    _state_shape(d)
    try:
        state = LiveState.load(d)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ArchiveError(f"存档中的比赛状态有误 / invalid state: {e!r}", {"state": repr(e)}) from None
    pids = {p.id for p in contest.projects}
    for s in (state, *state.history):
        _need(s.phase in PHASES, "state.phase", f"未知阶段 / unknown phase {s.phase!r}")
        _need(set(s.order) <= pids and set(s.done) <= set(s.order), "state.order",
              "含有不存在的项目 / lists unknown projects")
        _need(s.current is None or s.current in pids, "state.current", f"未知项目 / unknown project {s.current!r}")
    return state


def _marks(data: dict, contest: Contest) -> dict[tuple[str, str, str], MarkSet]:
    out: dict[tuple[str, str, str], MarkSet] = {}
    pids = {p.id for p in contest.projects}
    for i, m in enumerate(_list(data, "marks", "archive")):
        where = f"marks[{i}]"
        project, round_name, jid = _str(m, "project", where), _str(m, "round", where), _str(m, "judge", where)
        judge = contest.judge(jid)
        _need(project in pids, f"{where}.project", f"未知项目 / unknown project {project!r}")
        _need(judge is not None, f"{where}.judge", f"未知评委 / unknown judge {jid!r}")
        status = m.get("status")
        _need(status in ("active", "voided"), f"{where}.status", "须为 active 或 voided / must be active or voided")
        values = m.get("values")
        _need(isinstance(values, dict), f"{where}.values", "须为 {评分项: 分数} / must be an object")
        panel = contest.rules.panel(judge.panel)  # type: ignore[union-attr]
        clean, errors = check_mark_set(contest.rules, panel, values)  # type: ignore[arg-type]
        _need(not errors, f"{where}.values", "; ".join(f"{k}: {v}" for k, v in errors.items()))
        _need((project, round_name, jid) not in out, where, "重复的评分 / duplicate mark set")
        out[(project, round_name, jid)] = MarkSet(project, round_name, jid, clean, _str(m, "submission_id", where),
                                                  str(status), _num(m, "updated_at", where),
                                                  _str(m, "updated_by", where))
    return out


def _submissions(data: dict, contest: Contest) -> list[Submission]:
    out, seen = [], set()
    pids, jids = {p.id for p in contest.projects}, {j.id for j in contest.judges}
    for i, s in enumerate(_list(data, "submissions", "archive")):
        where = f"submissions[{i}]"
        sid = _str(s, "submission_id", where)
        _need(sid not in seen, f"{where}.submission_id", "重复的提交编号 / duplicate submission id")
        seen.add(sid)
        values = s.get("values")
        _need(isinstance(values, dict) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                               for v in values.values()), f"{where}.values",
              "须为 {评分项: 分数} / must be an object of numbers")
        sub = Submission(sid, _str(s, "judge", where), _str(s, "project", where), _str(s, "round", where),
                         dict(values), _num(s, "received_at", where))  # type: ignore[arg-type]
        _need(sub.judge in jids and sub.project in pids, where, "未知评委或项目 / unknown judge or project")
        out.append(sub)
    return out


def _paper(data: dict, contest: Contest) -> list[PaperEntry]:
    """The paper entries (archives made before the paper fallback have none)."""
    out, seen = [], set()
    for i, e in enumerate(_list(data, "paper_entries", "archive") if "paper_entries" in data else []):
        where = f"paper_entries[{i}]"
        fields = [_str(e, k, where, allow_empty=k in ("client", "settled_by")) for k in
                  ("id", "project", "round", "judge", "entered_by", "actor", "client", "settled_by")]
        eid, project, round_name, jid = fields[:4]
        judge = contest.judge(jid)
        _need(eid not in seen and judge is not None and contest.project(project) is not None, where,
              "重复的录入或未知的评委、项目 / a duplicate entry, or an unknown judge or project")
        seen.add(eid)
        _need(e.get("status") in paper_repo.STATUSES, f"{where}.status", "未知状态 / unknown status")
        _need(isinstance(e.get("values"), dict), f"{where}.values", "须为 {评分项: 分数} / must be an object")
        clean, errors = check_mark_set(contest.rules, contest.rules.panel(judge.panel), e["values"])
        _need(not errors, f"{where}.values", "评分有误 / invalid marks")
        settled = e.get("settled_at")
        _need(settled is None or isinstance(settled, (int, float)), f"{where}.settled_at", "须为数字 / a number")
        out.append(PaperEntry(eid, project, round_name, jid, clean, fields[4], fields[5], fields[6],
                              _num(e, "entered_at", where), e.get("replacing") is True, str(e["status"]), settled,
                              fields[7]))
    return out


def _audit(data: dict, original_id: str) -> list[dict]:
    out: list[dict] = []
    last = 0
    for i, e in enumerate(_list(data, "audit", "archive")):
        where = f"audit[{i}]"
        seq = e.get("seq")
        _need(isinstance(seq, int) and not isinstance(seq, bool) and seq > last, f"{where}.seq",
              "须为递增的整数 / must be increasing whole numbers")
        last = seq  # type: ignore[assignment]
        detail = e.get("detail")
        _need(isinstance(detail, dict), f"{where}.detail", "须为对象 / must be an object")
        fields = [_str(e, k, where, allow_empty=k in ("reason", "client")) for k in
                  ("actor", "action", "reason", "client", "prev_hash", "hash")]
        actor, action, reason, client, prev_hash, h = fields
        at = e.get("at")
        _need(isinstance(at, float) or isinstance(at, int) and not isinstance(at, bool), f"{where}.at",
              "须为数字 / must be a number")
        text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
        _need(entry_hash(prev_hash, seq, original_id, at, actor, action, text, reason, client) == h,  # type: ignore
              where, f"审计记录 {seq} 与其哈希不符（被修改过）/ audit entry {seq} does not match its hash (edited)")
        out.append({"seq": seq, "at": at, "actor": actor, "action": action, "detail": detail, "reason": reason,
                    "client": client, "prev_hash": prev_hash, "hash": h})
    return out
