"""The contest's setup as plain data: projects, judges, recusals (pure).

What it does: frozen dataclasses for a contest's setup, their validation
against the rules (with messages in Chinese first, then English), the
reproducible draw of the running order, and mark-set validation for one judge.

What it does not do: persistence (:mod:`judging.storage.store`), the live phases
(:mod:`judging.core.contest`) or scoring (:mod:`judging.core.engine`).
"""

from __future__ import annotations

import datetime
import hashlib
import random
import re
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Iterable, Mapping

from judging.core.money import amount_problem
from judging.core.rules_model import Panel, Rules, as_decimal
from judging.core.text import LINE, id_problem, text_problem

if TYPE_CHECKING:
    from judging.core.stages import StageInfo

# a contest's own id: ASCII, as it names files and every console address (/console/<id>); project, judge and
# rules ids are any text a person types (judging.core.text.id_problem)
ID_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


class SetupError(ValueError):
    """Invalid setup; ``errors`` maps a field (e.g. ``projects[3].id``) to a message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    organization: str = ""
    community: str = ""
    track: str = ""
    requested: float | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "organization": self.organization, "community": self.community,
                "track": self.track, "requested": self.requested}


@dataclass(frozen=True)
class Judge:
    id: str
    name: str
    panel: str
    token: str = field(default="", repr=False)

    def to_json(self, with_token: bool = False) -> dict:
        d = {"id": self.id, "name": self.name, "panel": self.panel}
        if with_token:
            d["token"] = self.token
        return d


@dataclass(frozen=True)
class Contest:
    id: str
    name: str
    rules: Rules
    projects: tuple[Project, ...] = ()
    judges: tuple[Judge, ...] = ()
    recusals: frozenset[tuple[str, str]] = frozenset()  # (judge id, project id)
    timer_seconds: int = 300
    regular_round: str = "final"
    order: tuple[str, ...] = ()           # running order (project ids)
    draw_seed: str | None = None
    screen_token: str = field(default="", repr=False)
    date: str = ""                        # the evening's date, YYYY-MM-DD (printed on the exports)
    venue: str = ""                       # where it is held (printed on the exports)
    rehearsal: bool = False               # 彩排: test marks, reset before the real evening (judging.app.lifecycle)
    stage: "StageInfo | None" = None      # one stage of a season (judging.core.stages); None: a lone contest

    def project(self, pid: str) -> Project | None:
        return next((p for p in self.projects if p.id == pid), None)

    def judge(self, jid: str) -> Judge | None:
        return next((j for j in self.judges if j.id == jid), None)

    def panel_judges(self, panel_id: str) -> list[Judge]:
        return [j for j in self.judges if j.panel == panel_id]

    def expected_judges(self, project_id: str) -> list[Judge]:
        """Judges who should score ``project_id`` (everyone not recused from it)."""
        return [j for j in self.judges if (j.id, project_id) not in self.recusals]

    def is_recused(self, judge_id: str, project_id: str) -> bool:
        return (judge_id, project_id) in self.recusals


CONTEST_TEXT = {"name": ("大赛名称", "the contest name"), "venue": ("地点", "the venue"), "date": ("日期", "the date")}
PROJECT_TEXT = {"name": ("项目名称", "the project name"), "organization": ("申报机构", "the organization"),
                "community": ("所属社区", "the community"), "track": ("赛道", "the track")}
JUDGE_TEXT = {"name": ("评委姓名", "the judge's name"), "panel": ("评审团", "the panel")}


def text_errors(contest: Contest) -> dict[str, str]:
    """Every text field of the contest, its projects and its judges (whatever fields they have) through the
    one check of :mod:`judging.core.text`: control characters, lone surrogates and the like, keyed by field."""
    out: dict[str, str] = {}
    items = [("", contest, CONTEST_TEXT)] + [(f"projects[{i}].", p, PROJECT_TEXT) for i, p in enumerate(contest.projects)]
    items += [(f"judges[{i}].", j, JUDGE_TEXT) for i, j in enumerate(contest.judges)]
    for prefix, obj, labels in items:
        for f in fields(obj):
            value = getattr(obj, f.name)
            if isinstance(value, str) and (problem := text_problem(value, LINE, labels.get(f.name, (f.name, f.name)))):
                out[prefix + f.name] = problem
    return out


def validate_setup(contest: Contest) -> None:
    """Refuse a setup the evening could not run with."""
    errors: dict[str, str] = text_errors(contest)  # the checks below may replace a message with their own
    if not contest.name.strip():
        errors["name"] = "请填写大赛名称 / the contest needs a name"
    seen: set[str] = set()
    for i, p in enumerate(contest.projects):
        if problem := id_problem(p.id, ("项目编号", "the project id")):
            errors[f"projects[{i}].id"] = problem
        elif p.id in seen:
            errors[f"projects[{i}].id"] = f"项目编号重复 / duplicate project id {p.id!r}"
        seen.add(p.id)
        if not p.name.strip():
            errors[f"projects[{i}].name"] = "请填写项目名称 / the project needs a name"
        if p.requested is not None and (problem := amount_problem(p.requested)):
            errors[f"projects[{i}].requested"] = problem
    tracks = contest.rules.tracks
    if tracks.separate and tracks.split == "budgets":  # else the engine could not award that track
        named = {name for name, _ in tracks.budgets}
        for i, p in enumerate(contest.projects):
            if p.track not in named:
                errors[f"projects[{i}].track"] = (f"赛道「{p.track or '（未填写）'}」在评分规则 [tracks.budgets] 中没有预算"
                                                  f"（有：{'、'.join(sorted(named))}） / track {p.track!r} has no budget")
    seen = set()
    panels = set(contest.rules.panel_ids)
    for i, j in enumerate(contest.judges):
        if problem := id_problem(j.id, ("评委编号", "the judge id")):
            errors[f"judges[{i}].id"] = problem
        elif j.id in seen:
            errors[f"judges[{i}].id"] = f"评委编号重复 / duplicate judge id {j.id!r}"
        seen.add(j.id)
        if j.panel not in panels:
            errors[f"judges[{i}].panel"] = (f"评审团 {j.panel!r} 不在评分规则中 / panel {j.panel!r} is not in the rules "
                                            f"({', '.join(sorted(panels))})")
        if not j.name.strip():
            errors[f"judges[{i}].name"] = "请填写评委姓名 / the judge needs a name"
    pids = {p.id for p in contest.projects}
    jids = {j.id for j in contest.judges}
    for jid, pid in sorted(contest.recusals):
        if jid not in jids or pid not in pids:
            errors[f"recusals[{jid},{pid}]"] = "回避设置中的评委或项目不存在 / unknown judge or project in a recusal"
    if contest.order and sorted(contest.order) != sorted(pids):
        errors["order"] = "出场顺序必须恰好包含每个项目一次 / the running order must list every project exactly once"
    if not 10 <= contest.timer_seconds <= 3600:
        errors["timer_seconds"] = "路演时长须在 10 秒到 60 分钟之间 / timer must be 10 s to 60 min"
    if (problem := date_problem(contest.date)):
        errors["date"] = problem
    if len(contest.venue) > MAX_VENUE:
        errors["venue"] = f"地点最多 {MAX_VENUE} 个字 / the venue is at most {MAX_VENUE} characters"
    if errors:
        raise SetupError(errors)


MAX_VENUE = 100
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def date_problem(text: str) -> str | None:
    """Why ``text`` is not a contest date (empty, or a real day written YYYY-MM-DD), or None."""
    if text == "":
        return None
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        datetime.date.fromisoformat(text)
    except ValueError:
        return f"日期须写成 年-月-日，如 2026-05-20 / the date must be YYYY-MM-DD, e.g. 2026-05-20 (got {text[:20]!r})"
    return None


def draw_order(project_ids: Iterable[str], seed: str) -> tuple[str, ...]:
    """The running order drawn with ``seed``: anyone can re-derive it from the seed.

    Projects are first sorted by id, then shuffled with a PRNG seeded by the
    SHA-256 of the seed text, so the result does not depend on how the list was
    typed in, nor on Python's hash randomisation."""
    ids = sorted(project_ids)
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest(), "big"))
    rng.shuffle(ids)
    return tuple(ids)


def check_mark_set(rules: Rules, panel: Panel, values: Mapping[str, object]) -> tuple[dict[str, float], dict[str, str]]:
    """Validate one judge's mark set: every criterion of their panel, within bounds and exactly on the step.

    Returns (clean values: canonical, see :meth:`Rules.mark_value`; errors by criterion id).  Invalid as a whole when errors is non-empty."""
    clean: dict[str, float] = {}
    errors: dict[str, str] = {}
    wanted = panel.criterion_ids
    for key in values:
        if key not in wanted:
            errors[key] = f"未知评分项 / unknown criterion {key!r}"
    for cid in wanted:
        raw = values.get(cid)
        if raw is None or raw == "":
            errors[cid] = "请填写此项 / this mark is missing"
            continue
        if as_decimal(raw) is None:
            errors[cid] = "请输入数字 / not a number"
            continue
        x, problem = rules.mark_value(panel, cid, raw)  # exact on the step; the canonical value is stored
        if problem or x is None:
            errors[cid] = problem or "请输入数字 / not a number"
        else:
            clean[cid] = x
    return clean, errors


def mark_total(panel: Panel, values: Mapping[str, float]) -> float:
    """What a judge sees as their total: criteria weighted as the engine adds them per judge."""
    weights = {c.id: c.weight for c in panel.criteria}
    return round(sum(weights.get(k, 1.0) * v for k, v in values.items()), 6)


def with_order(contest: Contest, order: tuple[str, ...], seed: str | None) -> Contest:
    return replace(contest, order=order, draw_seed=seed)
