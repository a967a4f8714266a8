"""Small helpers for the engine tests: rules from a short TOML body, marks from compact rows.

What it does: builds :class:`judging.core.rules.Rules` and :class:`judging.core.scoring.Mark` lists so that a
test table can say what it means in a few lines.  What it does not do: compute anything itself —
expected values live in the tests, worked out by hand.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from judging.core.engine import ProjectInfo, Results, compute
from judging.core.rules import Rules, parse_rules
from judging.core.scoring import Mark

HEAD = 'name = "test"\n[marks]\nmin = 0\nmax = 100\nstep = 0.001\n'


def rules(body: str = "", head: str = HEAD) -> Rules:
    """Rules from ``head`` (name + marks 0..100 step 0.001) and ``body``; default panel ``j`` (mean)."""
    if "[[panels]]" not in body:
        body = '[[panels]]\nid = "j"\nmethod = "mean"\n' + body
    return parse_rules(head + body, "test.toml")


def panel(pid: str = "j", method: str = "mean", weight: float = 1, **extra: object) -> str:
    """One ``[[panels]]`` table as TOML text."""
    lines = ["[[panels]]", f'id = "{pid}"', f'method = "{method}"', f"weight = {weight}"]
    for k, v in extra.items():
        lines.append(f"{k} = {_toml(v)}")
    return "\n".join(lines) + "\n"


def _toml(v: object) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    return repr(v)


def marks(scores: Mapping[str, Sequence[float | None]], panel: str = "j", round: str = "final",
          criterion: str = "", judge_prefix: str | None = None, factor: float | None = None) -> list[Mark]:
    """One mark per (project, position): judge ``<prefix>1``, ``<prefix>2`` … (None = no mark)."""
    prefix = judge_prefix if judge_prefix is not None else f"{panel}:J"
    out = []
    for project, row in scores.items():
        for k, s in enumerate(row):
            if s is not None:
                out.append(Mark(project, round, panel, f"{prefix}{k + 1}", criterion, float(s), factor))
    return out


def rubric_marks(scores: Mapping[str, Mapping[str, Sequence[float]]], panel: str = "j",
                 round: str = "final") -> list[Mark]:
    """project -> criterion -> one mark per judge (J1, J2, …)."""
    out = []
    for project, by_crit in scores.items():
        for cid, row in by_crit.items():
            for k, s in enumerate(row):
                out.append(Mark(project, round, panel, f"{panel}:J{k + 1}", cid, float(s)))
    return out


def run(r: Rules, ms: Iterable[Mark], projects: Mapping[str, ProjectInfo] | None = None) -> Results:
    return compute(r, list(ms), projects)


def totals(res: Results) -> dict[str, float]:
    return {x.project: x.total for x in res.results}


def ranks(res: Results) -> dict[str, int]:
    return {x.project: x.rank for x in res.results}


def grants(res: Results) -> dict[str, float]:
    return {x.project: x.to_json()["grant"] for x in res.results}


def awards(res: Results) -> dict[str, str | None]:
    return {x.project: x.award.id if x.award else None for x in res.results}
