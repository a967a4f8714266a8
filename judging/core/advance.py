"""Who advances from one stage to the next (pure): a stage's results + its ``[advance]`` rules -> the
projects that go on, the ties at the advancement line and how each was settled, and why each project
did or did not advance (Chinese first).

The rule (:class:`judging.core.rules_model.Advance`): the top ``count`` of each ranking (all projects
together, or each track when ``per_track``), or every project with at least ``min_score`` (both: the top
``count`` of those).  A tie *at the line* (more projects on the last place's total than places left) goes
through ``breakers`` in order -- the tie-breaker registry's (:mod:`judging.core.tiebreakers`): a breaker
splits the tied projects by its key, the parts above the line advance, a part that still straddles the line
goes to the next breaker; ``overtime`` takes the overtime scores given (none yet: the tie is *pending*);
``shared``, or a list that runs out, lets every tied project advance (``resolved_by = "shared"``, said so in
the reason).  Ties not at the line change nothing.

What it does not do: compute totals (the engine does; :func:`entries_of` reads its :class:`Results`), store
anything, or fill the next stage (:mod:`judging.app.stages`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby
from typing import Hashable, Mapping, Sequence

from judging.core.rules_model import Advance
from judging.core.scoring import natural_key
from judging.core.tiebreakers import BREAKERS, BreakerFacts, breaker_label, ordering


@dataclass(frozen=True)
class Entry:
    project: str
    total: float
    track: str = ""
    rank: int = 0


@dataclass
class LineTie:
    """A tie at the advancement line: ``projects`` share ``total``, ``places`` of them could advance."""

    track: str
    projects: list[str]
    total: float
    places: int
    resolved_by: str | None = None      # the breaker that settled it; "shared": all advanced; None: pending
    advanced: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"track": self.track, "projects": self.projects, "total": self.total, "places": self.places,
                "resolved_by": self.resolved_by, "advanced": self.advanced}


@dataclass
class Advancement:
    advancing: list[str]                         # in ranking order (track by track when per_track)
    ties: list[LineTie]
    reasons: dict[str, str]                      # project -> why it advanced or not (Chinese / English)
    pending: list[list[str]] = field(default_factory=list)   # ties at the line waiting for an overtime

    @property
    def decided(self) -> bool:
        return not self.pending

    def to_json(self) -> dict:
        return {"advancing": self.advancing, "ties": [t.to_json() for t in self.ties], "reasons": self.reasons,
                "pending": self.pending}


def decide(rule: Advance, entries: Sequence[Entry], facts: BreakerFacts | None = None,
           overtime: Mapping[str, float] | None = None) -> Advancement:
    """Who advances.  ``facts``: what the breakers read (None: only ``overtime`` / ``shared`` can apply);
    ``overtime``: each project's latest overtime score (a live stage)."""
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        groups.setdefault(e.track if rule.per_track else "", []).append(e)
    out = Advancement([], [], {})
    for track in sorted(groups, key=natural_key):
        _decide_group(rule, track, groups[track], facts, overtime or {}, out)
    return out


def _decide_group(rule: Advance, track: str, group: list[Entry], facts: BreakerFacts | None,
                  overtime: Mapping[str, float], out: Advancement) -> None:
    ordered = sorted(group, key=lambda e: (-e.total, natural_key(e.project)))
    where = f"（赛道：{track}）" if track else ""
    eligible = ordered
    if rule.min_score is not None:
        eligible = [e for e in ordered if e.total >= rule.min_score]
        for e in ordered:
            if e.total < rule.min_score:
                out.reasons[e.project] = (f"{e.total:g} 分低于晋级分数线 {rule.min_score:g}，未晋级 / "
                                          f"below the advancement score {rule.min_score:g}: not advancing")
    count = len(eligible) if rule.count is None else rule.count
    if len(eligible) <= count:
        for e in eligible:
            out.advancing.append(e.project)
            out.reasons[e.project] = _advanced_reason(e, where, rule)
        return
    line = eligible[count - 1].total
    above = [e for e in eligible if e.total > line]
    at = [e for e in eligible if e.total == line]
    below = [e for e in eligible if e.total < line]
    for e in above:
        out.advancing.append(e.project)
        out.reasons[e.project] = _advanced_reason(e, where, rule)
    places = count - len(above)
    if len(at) <= places:  # the line falls between two totals: no tie at it
        for e in at:
            out.advancing.append(e.project)
            out.reasons[e.project] = _advanced_reason(e, where, rule)
    else:
        tie = LineTie(track, sorted((e.project for e in at), key=natural_key), line, places)
        out.ties.append(tie)
        _break(rule, tie, facts, overtime, out)
    for e in below:
        out.reasons[e.project] = f"{e.total:g} 分，名次在晋级名额（{count} 个{where}）之外，未晋级 / outside the top {count}"


def _advanced_reason(e: Entry, where: str, rule: Advance) -> str:
    if rule.count is None:
        return f"{e.total:g} 分，达到晋级分数线 {rule.min_score:g}，晋级 / at or above {rule.min_score:g}: advances"
    return f"{e.total:g} 分，进入前 {rule.count} 名{where}，晋级 / in the top {rule.count}: advances"


def _break(rule: Advance, tie: LineTie, facts: BreakerFacts | None, overtime: Mapping[str, float],
           out: Advancement) -> None:
    """Split the tied projects with the breakers until exactly ``tie.places`` of them are above the line."""
    group, places = list(tie.projects), tie.places
    for breaker in rule.breakers:
        entry = BREAKERS[breaker.partition(":")[0]]
        if entry.ends:  # shared
            break
        if breaker == "overtime":
            if not all(p in overtime for p in group):
                out.pending.append(sorted(group, key=natural_key))
                tie.resolved_by = None
                for p in group:
                    out.reasons[p] = (f"并列于晋级线（{tie.total:g} 分），待加时赛 / tied at the advancement line: "
                                      f"overtime pending")
                return
            keys: dict[str, Hashable] = {p: overtime[p] for p in group}
        elif facts is None:
            continue
        else:
            keys = ordering(breaker, facts, group)
        parts = [list(g) for _, g in groupby(sorted(group, key=lambda p: (_neg(keys[p]), natural_key(p))),
                                             key=lambda p: keys[p])]
        taken, straddling = 0, None
        for part in parts:
            if taken + len(part) <= places:  # wholly above the line
                _advance(tie, part, breaker, out)
            elif taken < places:             # straddles the line: the next breaker splits this part only
                straddling = (part, places - taken)
            else:                            # wholly below it
                zh, en = breaker_label(breaker)
                for p in part:
                    out.reasons[p] = (f"并列于晋级线（{tie.total:g} 分），{zh}，未晋级 / tied at the line, {en}: "
                                      f"not advancing")
            taken += len(part)
        if straddling is None:
            tie.resolved_by = breaker
            return
        group, places = straddling
    # nothing (more) breaks it: every project still tied at the line advances, the place is shared
    tie.resolved_by = "shared"
    for p in group:
        tie.advanced.append(p)
        out.advancing.append(p)
        out.reasons[p] = (f"并列于晋级线（{tie.total:g} 分），无法区分，并列晋级 / tied at the advancement line and "
                          f"nothing breaks the tie: all tied advance")


def _advance(tie: LineTie, part: list[str], breaker: str, out: Advancement) -> None:
    zh, en = breaker_label(breaker)
    for p in part:
        tie.advanced.append(p)
        out.advancing.append(p)
        out.reasons[p] = f"并列于晋级线（{tie.total:g} 分），{zh}，晋级 / tied at the line, {en}: advances"


def _neg(key: Hashable) -> Hashable:
    if isinstance(key, tuple):
        return tuple(-k for k in key)
    return -key  # type: ignore[operator]


def entries_of(results) -> list[Entry]:
    """The engine's :class:`judging.core.engine.Results` as advancement entries (pending results too)."""
    return [Entry(r.project, r.total, r.track, r.rank) for r in results.results]
