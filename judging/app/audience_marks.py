"""The audience's ballots as the engine's input: score ballots as marks of the audience panel, popularity
votes as per-project counts.

What it does: :func:`with_audience` merges the ballots of every *closed* score window (the roadshow's
scoring has closed, :func:`judging.app.runtime.is_closed`) into the engine's table as marks of the audience
panel -- judge = the voter's hash, criterion ``""``, value = the stars -- from the per-window numpy columns
:class:`~judging.app.audience_model.AudienceRuntime` keeps (no Python object per ballot);
:func:`popularity_counts` gives the votes of a closed popularity window per project (what
``compute(..., popularity=...)`` takes), None while it is not closed or the rules have no popularity vote;
:func:`popularity_marks` the same votes as rows of the marks file (``round = popularity``).

What it does not do: score anything (the engine does), or decide which ballots are valid (the commands did).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from judging.app.audience_model import POPULARITY, parse_window
from judging.core.scoring import Mark, MarkTable

Runtime = Any  # judging.app.runtime.Runtime (which imports this module)


def _names(base: list[str], more: list[str]) -> tuple[list[str], dict[str, int]]:
    index = {n: i for i, n in enumerate(base)}
    out = list(base)
    for n in more:
        if n not in index:
            index[n] = len(out)
            out.append(n)
    return out, index


def with_audience(table: MarkTable, rt: "Runtime", state: Any, closed) -> MarkTable:
    """``table`` plus the audience's closed score windows' ballots (``closed(project, round)``)."""
    aud, panel = getattr(rt, "audience", None), rt.contest.rules.audience_panel
    if aud is None or panel is None or not aud.counts:
        return table
    parts = []
    for window in aud.score_windows():
        where = parse_window(window)
        if where is None or not closed(where[1], where[0]):
            continue
        voters, stars = aud.score_columns(window)
        if voters:
            parts.append((where[1], where[0], voters, stars))
    if not parts:
        return table
    projects, pi = _names(table.projects, [p for p, _, _, _ in parts])
    rounds, ri = _names(table.rounds, [r for _, r, _, _ in parts])
    judges, ji = _names(table.judges, [v for _, _, vs, _ in parts for v in vs])
    criteria, ci = _names(table.criteria, [""])
    judge_panel = list(table.judge_panel) + [panel.id] * (len(judges) - len(table.judges))
    p = np.concatenate([table.p, *[np.full(len(vs), pi[pr], dtype=np.int32) for pr, _, vs, _ in parts]])
    r = np.concatenate([table.r, *[np.full(len(vs), ri[rn], dtype=np.int32) for _, rn, vs, _ in parts]])
    j = np.concatenate([table.j, *[np.fromiter((ji[v] for v in vs), dtype=np.int32, count=len(vs))
                                   for _, _, vs, _ in parts]])
    c = np.concatenate([table.c, np.full(sum(len(vs) for _, _, vs, _ in parts), ci[""], dtype=np.int32)])
    score = np.concatenate([table.score, *[s for _, _, _, s in parts]])
    merged = MarkTable(projects=projects, rounds=rounds, judges=judges, judge_panel=judge_panel, criteria=criteria,
                       p=p.astype(table.p.dtype, copy=False), r=r.astype(table.r.dtype, copy=False),
                       j=j.astype(table.j.dtype, copy=False), c=c.astype(table.c.dtype, copy=False),
                       score=score, factors=dict(table.factors))
    return merged.canonical()


def popularity_counts(rt: "Runtime") -> dict[str, int] | None:
    """Votes per project of the closed popularity window (every project of the running order, 0 if none);
    None while the window is not closed or the rules have no popularity vote."""
    aud = getattr(rt, "audience", None)
    if aud is None or rt.contest.rules.popularity is None or aud.popularity != "closed":
        return None
    return {p: aud.votes.get(p, 0) for p in rt.contest.order}


def popularity_marks(rt: "Runtime") -> list[Mark]:
    """The closed popularity window's votes as rows of the marks file: round ``popularity``, panel the
    popularity vote's id, judge the voter's hash, the voted project, value 1 (docs/AUDIENCE.md, Records)."""
    aud, pop = getattr(rt, "audience", None), rt.contest.rules.popularity
    if aud is None or pop is None or aud.popularity != "closed":
        return []
    position = {pid: i for i, pid in enumerate(rt.contest.order)}
    return [Mark(p, POPULARITY, pop.id, b.voter, "", 1.0)
            for b in sorted(aud.in_window(POPULARITY), key=lambda b: b.voter)
            for p in sorted(b.value.get("projects", ()), key=lambda p: position.get(p, 1 << 30))]
