"""A stage of a season in a contest archive: reading its ``stage`` part back, and placing the imported contest
in its season on this server.

What it does: :func:`read_stage` checks an archive's ``stage`` part (series, number, label, kind, the review
state, what it brought from the stage before: the previous totals and the earlier ranking) and returns the
:class:`~judging.core.stages.StageInfo` the contest is read with -- its results (the ``[carry]``) need it.
:func:`place` decides, under the writer's lock, where the imported stage goes (docs/SEASON.md, "An archive
of a stage"):

* **linked** -- the season keeps its archived name (``series``, the first stage's original id) and the stage
  its number, unless something on this server contradicts that.  The stages of the series already here are
  linked at once: the stage's ``came_from`` and ``advanced_to`` are set to their ids here, and theirs to this
  one's (a ``stage.link`` audit entry on each partner changed).  Stages of the series not here yet are named
  in a warning; they link the same way when they are imported afterwards, in any order, under their own id
  or another one.
* **on its own** -- when the series already has a stage of that number here (the season was never deleted,
  or this archive is imported a second time), or the neighbouring stage here does not fit it (the earlier
  ranking this stage brought is not that stage's projects, or the other way round: another server's season
  that happens to have the same id): the contest keeps what it brought (the earlier ranking, the previous
  totals, its label and kind) but is a season of its own, and the warning says why.

What it does not do: check the rest of an archive (:mod:`judging.app.archive_import`) or run SQL itself
(:mod:`judging.storage.repository_stages`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from judging.core.review import PHASES, ReviewState
from judging.core.rules import RulesError
from judging.core.rules_stages import STAGE_KINDS, check_for_kind
from judging.core.stages import MAX_STAGES, EarlierRow, StageInfo

if TYPE_CHECKING:
    from judging.app.runtime import Runtime

_ID = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


class StagePartError(ValueError):
    """The archive's stage part is wrong; ``where`` names the part."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"存档有误 / invalid archive: {where}: {message}")
        self.where = where


def _need(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise StagePartError(where, message)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v


def _text(d: dict, key: str, limit: int = 200) -> str:
    v = d.get(key, "")
    _need(isinstance(v, str) and len(v) <= limit, f"stage.{key}", "须为文本 / must be text")
    return v


def read_stage(part: Any, contest) -> StageInfo | None:
    """The contest's stage from the archive's ``stage`` part (None: a lone contest's archive)."""
    if part is None:
        return None
    _need(isinstance(part, dict), "stage", "须为对象 / must be an object")
    series = part.get("series")
    _need(isinstance(series, str) and bool(_ID.match(series)), "stage.series",
          "须为大赛编号 / must be a contest id")
    number = part.get("stage")
    _need(isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= MAX_STAGES, "stage.stage",
          f"须为 1–{MAX_STAGES} 的整数 / a whole number 1–{MAX_STAGES}")
    kind = part.get("kind")
    _need(kind in STAGE_KINDS, "stage.kind", "须为 live 或 review / must be live or review")
    label = _text(part, "label", 20)
    try:
        check_for_kind(contest.rules, kind)
    except RulesError as e:
        raise StagePartError("stage.kind", f"评分规则不适用于此阶段 / the rules do not fit this stage: {e}") from None
    rev = part.get("review") or {}
    _need(isinstance(rev, dict) and rev.get("phase", "setup") in PHASES
          and all(rev.get(k) is None or _number(rev.get(k)) for k in ("deadline", "opened_at", "closed_at"))
          and (rev.get("advanced_to") is None or isinstance(rev.get("advanced_to"), str)), "stage.review",
          "评审状态有误 / invalid review state")
    came_from = part.get("came_from")
    _need(came_from is None or (isinstance(came_from, str) and bool(_ID.match(came_from))), "stage.came_from",
          "须为大赛编号或 null / a contest id or null")
    pids = {p.id for p in contest.projects}
    previous = part.get("previous") or []
    _need(isinstance(previous, list) and all(isinstance(p, list) and len(p) == 2 and p[0] in pids and _number(p[1])
                                             for p in previous), "stage.previous",
          "须为 [本大赛的项目编号, 成绩] 列表 / a list of [project id of this contest, total]")
    earlier = part.get("earlier") or []
    _need(isinstance(earlier, list) and all(isinstance(r, dict) for r in earlier), "stage.earlier",
          "须为对象列表 / must be a list of objects")
    try:
        rows = tuple(EarlierRow.load(r) for r in earlier)
    except (KeyError, TypeError, ValueError) as e:
        raise StagePartError("stage.earlier", f"上一阶段排名有误 / invalid earlier ranking: {e!r}") from None
    advanced_at = part.get("advanced_at")
    _need(advanced_at is None or _number(advanced_at), "stage.advanced_at", "须为数字或 null / a number or null")
    return StageInfo(series, number, label, kind, ReviewState.load(rev), came_from, _text(part, "came_from_label"),
                     tuple((str(p), float(t)) for p, t in previous), rows,
                     None if advanced_at is None else float(advanced_at))


@dataclass
class Placement:
    """Where an imported stage goes: its stage here, the partners' stages to rewrite, and what to tell."""

    info: StageInfo
    linked: bool
    partners: list[tuple["Runtime", StageInfo]] = field(default_factory=list)   # (partner, its new stage)
    missing: list[dict] = field(default_factory=list)    # stages of the series not on this server
    present: list[str] = field(default_factory=list)     # the series' other stages here (contest ids)
    warnings: list[str] = field(default_factory=list)    # 中文 / English, for the import's answer

    def record(self) -> dict:
        """For the ``contest.import`` audit entry."""
        return {"series": self.info.series, "stage": self.info.stage, "linked": self.linked,
                "with": self.present, "rewritten": [r.contest.id for r, _ in self.partners], "missing": self.missing}


def _name(label: str, n: int) -> str:
    return label or f"第 {n} 阶段"


def _expected_next(audit: list[dict], original: str, info: StageInfo) -> str | None:
    """The label of the stage after this one, when the archive says there was one (else None)."""
    label = None
    for e in audit:
        if e["action"] == "stage.next":
            label = str(e["detail"].get("label") or "")
        elif e["action"] == "stage.advance" and e["detail"].get("from") == original and label is None:
            label = ""
    if label is None and info.review.advanced_to:
        label = ""
    return label


def place(runtimes: dict[str, "Runtime"], info: StageInfo, cid: str, original: str, audit: list[dict],
          projects: tuple = ()) -> Placement:
    """Where the stage ``info`` of the contest imported as ``cid`` (archived as ``original``, with ``projects``)
    goes."""
    s, n = info.series, info.stage
    members = {r.contest.stage.stage: r for r in runtimes.values()
               if r.contest.stage is not None and r.contest.stage.series == s}
    name = _name(info.label, n)
    before, after = members.get(n - 1), members.get(n + 1)
    why = None
    if n in members:
        taken = members[n]
        why = (f"本服务器上已有该赛季的第 {n} 阶段（{taken.contest.id}「{taken.contest.name}」）"
               f" / this server already has stage {n} of that season ({taken.contest.id})")
    elif (before is not None and info.came_from and {r.project for r in info.earlier}
          != {p.id for p in before.contest.projects}) or (
            after is not None and after.contest.stage.came_from
            and {r.project for r in after.contest.stage.earlier} != {p.id for p in projects}):
        other = before or after
        why = (f"本服务器上同名赛季的阶段（{other.contest.id}「{other.contest.name}」）与它的项目不符"
               f" / the stage of a season of that name here ({other.contest.id}) does not match its projects")
    if why is not None:
        alone = replace(info, series=cid)
        return Placement(alone, False, warnings=[
            f"「{name}」作为单独的大赛导入，未与赛季关联：{why.split(' / ')[0]}。它带来的上一阶段排名和成绩都保留。"
            f" / “{name}” was imported on its own, not linked to its season: {why.split(' / ')[1]}. The earlier "
            "stage's ranking and totals it brought are kept."])
    placed = info
    partners: list[tuple["Runtime", StageInfo]] = []
    if before is not None and info.came_from:
        placed = replace(placed, came_from=before.contest.id)
        theirs = before.contest.stage
        if theirs.review.advanced_to and theirs.review.advanced_to != cid:
            partners.append((before, replace(theirs, review=replace(theirs.review, advanced_to=cid))))
    if after is not None:
        if info.review.advanced_to:
            placed = replace(placed, review=replace(placed.review, advanced_to=after.contest.id))
        theirs = after.contest.stage
        if theirs.came_from and theirs.came_from != cid:
            partners.append((after, replace(theirs, came_from=cid)))
    missing = [{"stage": k, "label": _name(info.came_from_label, k) if k == n - 1 else _name("", k),
                "contest": (info.came_from if k == n - 1 else s if k == 1 else None)}
               for k in range(1, n) if k not in members]
    nxt = _expected_next(audit, original, info)
    if nxt is not None and after is None:
        missing.append({"stage": n + 1, "label": _name(nxt, n + 1), "contest": info.review.advanced_to})
    out = Placement(placed, True, partners, missing, [members[k].contest.id for k in sorted(members)])
    if missing:
        names = "、".join(f"「{m['label']}」（第 {m['stage']} 阶段" + (f"，原编号 {m['contest']}" if m["contest"] else "")
                         + "）" for m in missing)
        en = ", ".join(f"“{m['label']}” (stage {m['stage']}" + (f", archived as {m['contest']}" if m["contest"] else "")
                       + ")" for m in missing)
        out.warnings.append(
            f"本赛季的其他阶段不在本服务器上：{names}。「{name}」已作为赛季的第 {n} 阶段导入，它带来的上一阶段排名和成绩都保留；"
            f"导入这些阶段的存档后会自动关联。 / Other stages of this season are not on this server: {en}. “{name}” was "
            f"imported as stage {n} of its season with the earlier ranking and totals it brought; importing those "
            "stages' archives links them.")
    return out
