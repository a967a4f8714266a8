"""A contest as one stage of a season (pure): which series it belongs to, its place and kind, its review
state, and what it brought from the stage before.

A season's stages are contests linked in order: ``series`` is the id of the first stage's contest,
``stage`` its number (1, 2 …), ``label`` what people call it (初审 / 复赛 / 决赛) and ``kind`` ``live``
(an evening on the big screen, :mod:`judging.core.contest`) or ``review`` (书面评审 on the judges' phones over
days, :mod:`judging.core.review`).  A contest of one stage has no :class:`StageInfo` at all (``Contest.stage``
is None): nothing about it changes.  A later stage keeps a frozen copy of the previous stage's ranking
(:class:`EarlierRow`, taken when it advanced) and each advancing project's total there (``previous``), which
its results and exports show and its ``[carry]`` weighs in.

What it does not do: store anything (:mod:`judging.storage.repository_stages`) or decide who advances
(:mod:`judging.core.advance`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from judging.core.review import ReviewState

LABELS = ("初审", "复赛", "决赛")
MAX_STAGES = 9


@dataclass(frozen=True)
class EarlierRow:
    """One project of the previous stage's ranking, as it stood when that stage advanced."""

    rank: int
    project: str
    name: str
    track: str
    total: float
    advanced: bool
    reason: str = ""

    def to_json(self) -> dict:
        return {"rank": self.rank, "project": self.project, "name": self.name, "track": self.track,
                "total": self.total, "advanced": self.advanced, "reason": self.reason}

    @classmethod
    def load(cls, d: dict) -> "EarlierRow":
        return cls(int(d["rank"]), str(d["project"]), str(d["name"]), str(d.get("track", "")), float(d["total"]),
                   bool(d["advanced"]), str(d.get("reason", "")))


@dataclass(frozen=True)
class StageInfo:
    series: str
    stage: int = 1
    label: str = ""
    kind: str = "live"
    review: ReviewState = field(default_factory=ReviewState)
    came_from: str | None = None                       # the previous stage's contest id
    came_from_label: str = ""
    previous: tuple[tuple[str, float], ...] = ()       # project -> its total in the previous stage
    earlier: tuple[EarlierRow, ...] = ()               # the previous stage's ranking when it advanced
    advanced_at: float | None = None                   # when this stage's projects came from the previous one

    @property
    def is_review(self) -> bool:
        return self.kind == "review"

    def previous_totals(self) -> dict[str, float] | None:
        return dict(self.previous) if self.came_from else None

    def to_json(self) -> dict:
        return {"series": self.series, "stage": self.stage, "label": self.label, "kind": self.kind,
                "review": self.review.to_json(), "came_from": self.came_from, "came_from_label": self.came_from_label,
                "previous": [list(p) for p in self.previous], "earlier": [r.to_json() for r in self.earlier],
                "advanced_at": self.advanced_at}
