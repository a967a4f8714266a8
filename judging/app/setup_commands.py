"""Setup commands: create a contest, change its setup before the evening, set its running order.

What it does: parses a setup body (projects, judges, recusals, rules file or preset, award tiers and budget,
timer, date and venue), lets the core validate it (:func:`judging.core.model.validate_setup`), then has the
repository write it with its audit entry in one transaction; memory changes and snapshots are published only
after the commit.  Also the rules presets (``scoring_rules/*.toml``).

What it does not do: HTTP (:mod:`judging.web.api`), table imports (:mod:`judging.inputs.tables` parses those
into the same setup body), or the evening itself (:mod:`judging.app.evening`).
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from judging.app.errors import Conflict, Invalid
from judging.app.runtime import Runtime
from judging.core import contest as machine
from judging.core.contest import LiveState
from judging.core.model import ID_PATTERN, Contest, Judge, Project, SetupError, draw_order, validate_setup
from judging.core.money import parse_amount
from judging.core.rules import Rules, RulesError, parse_rules
from judging.core.rules_edit import KEEP, RulesEditError, edit_rules
from judging.core.text import LINE, text_problem
from judging.storage import repository as repo

RULES_DIR = Path(__file__).resolve().parents[2] / "scoring_rules"


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


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"大赛名称{NOT_TEXT}", {"name": NOT_TEXT})
    return value.strip()


def _list(value: Any, name: str) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise Invalid(f"{name} 须为列表 / {name} must be a list of objects", {name: "must be a list of objects"})
    return value


class _NotText(TypeError):
    """A field that must be text holds a number, a list, an object (``where`` names it)."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


def _text(value: Any, where: str, optional: bool = False) -> str:
    """``value`` stripped if it is text ("" for null when ``optional``); anything else raises :class:`_NotText`:
    a name of ``{}`` or an id of ``7`` is refused, never stored as the text "{}" or "7"."""
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise _NotText(where)
    return value.strip()


NOT_TEXT = "须为文本 / must be text"


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


class SetupCommands:
    """The setup commands of :class:`judging.app.service.Service` (a part of it: ``self`` is the service)."""

    async def create_contest(self, data: dict, actor: str, client: str = "") -> Runtime:
        rules = self._rules_from(data)
        order = data.get("order") or []
        if not isinstance(order, list) or not all(isinstance(x, str) for x in order):
            raise Invalid("order 须为项目编号列表 / order must be a list of project ids", {"order": "list of ids"})
        wanted = data.get("id")
        if wanted is not None and (not isinstance(wanted, str) or not ID_PATTERN.match(wanted)):
            raise Invalid("大赛编号只能用字母、数字、_、- / contest id: letters, digits, _ or - only", {"id": "invalid"})
        async with self.store.write() as tx:  # id chosen and checked under the writer's lock
            taken = set(self.runtimes) | await repo.contest_ids(tx)
            cid = wanted or self._new_id(taken)
            if cid in taken:
                raise Conflict(f"大赛编号已存在 / contest {cid!r} exists")
            contest = Contest(cid, _name(data.get("name", "")), rules,
                              timer_seconds=_timer_seconds(data.get("timer_seconds", 300)),
                              screen_token=secrets.token_urlsafe(12), **_when_where(data))
            contest = self._apply_setup(contest, data)
            contest = replace(contest, order=tuple(order))
            self._validate(contest)
            state = LiveState(timer=machine.Timer(float(contest.timer_seconds)))
            await repo.insert_contest(tx, contest, state, self.clock())
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
                contest = replace(contest, name=_name(data["name"]))
            if "timer_seconds" in data:
                contest = replace(contest, timer_seconds=_timer_seconds(data["timer_seconds"]))
            contest = replace(contest, **_when_where(data))
            contest = self._checked_setup(contest, data)
            before = _setup_json(rt.contest)
            state = replace(rt.state, timer=machine.Timer(float(contest.timer_seconds)))
            await repo.update_contest(tx, contest, state)
            await tx.audit(cid, actor, "contest.update", {"before": before, "after": _setup_json(contest)},
                           client=client)

            removed = {j.id for j in rt.contest.judges} - {j.id for j in contest.judges}

            def commit() -> None:
                rt.contest = contest
                rt.state = state
                self._index_tokens()
                self._recompute(rt)
                for jid in removed:  # their links stop working: open phones are told at once
                    self.close_judge(cid, jid)
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
            await repo.save_order(tx, cid, new, seed)
            await tx.audit(cid, actor, action, {"before": list(rt.contest.order), "after": list(new), "seed": seed,
                                                "method": "sha256(seed) -> random.Random.shuffle(sorted ids)"},
                           client=client)
            tx.on_commit(lambda: setattr(rt, "contest", contest))
        self.publish(cid)
        return rt

    def _rules_from(self, data: dict) -> Rules:
        try:
            for key in ("rules_text", "rules_name", "rules_preset"):
                if data.get(key) is not None and not isinstance(data[key], str):
                    raise Invalid(f"{key} {NOT_TEXT}", {key: NOT_TEXT})
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
                    at = f"projects[{i}]."
                    projects.append(Project(_text(p.get("id", ""), at + "id"), _text(p.get("name", ""), at + "name"),
                                            *(_text(p.get(k), at + k, optional=True)
                                              for k in ("organization", "community", "track")), amount))
                except _NotText as e:
                    errors[e.where] = NOT_TEXT
                except (TypeError, ValueError, AttributeError, OverflowError):
                    errors[f"projects[{i}]"] = "项目数据格式有误（申请金额须为数字，如 50000 或 5万） / malformed project"
            contest = replace(contest, projects=tuple(projects))
        if "judges" in data:
            old = {j.id: j.token for j in contest.judges}
            judges = []
            for i, j in enumerate(_list(data["judges"], "judges")):
                try:
                    at = f"judges[{i}]."
                    jid = _text(j.get("id", ""), at + "id")
                    judges.append(Judge(jid, _text(j.get("name", ""), at + "name"), _text(j.get("panel", ""), at + "panel"),
                                        old.get(jid) or secrets.token_urlsafe(16)))
                except _NotText as e:
                    errors[e.where] = NOT_TEXT
                except (TypeError, AttributeError):
                    errors[f"judges[{i}]"] = "评委数据格式有误 / malformed judge"
            contest = replace(contest, judges=tuple(judges))
        if "recusals" in data:
            try:
                contest = replace(contest, recusals=frozenset((_text(r["judge"], "recusals"), _text(r["project"], "recusals"))
                                                              for r in _list(data["recusals"], "recusals")))
            except (TypeError, KeyError):  # _NotText too
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

    @staticmethod
    def _new_id(taken: set[str]) -> str:
        n = len(taken) + 1
        while f"c{n}" in taken:
            n += 1
        return f"c{n}"
