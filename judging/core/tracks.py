"""Tracks (赛道): how a contest treats the 赛道 column, and what that means for prizes and money (pure).

What it does: for the rules' ``[tracks]`` table (:class:`judging.core.rules_model.Tracks`, parsed by
:mod:`judging.core.rules_prizes`), groups projects into the
rankings the engine runs (:func:`groups`: one for all projects unless the rules say ``separate``),
splits the grant budget between the tracks so that together they never exceed it
(:func:`track_budgets`), and says in words what an import or a setup will give
(:func:`track_notice`: "3 个赛道分别评奖，共 45 个奖项 …", or a warning that a filled 赛道 column
changes nothing because the rules rank everyone together).

What it does not do: rank or allocate (:mod:`judging.core.engine`, :mod:`judging.core.awards`).  The rules
decide; this module never guesses from the data that tracks were meant to be separate.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from judging.core.awards import allocate
from judging.core.money import exact, money_text
from judging.core.rules_model import Rules

NO_TRACK = "（未分赛道）"   # how a project without a track is named when tracks are separate
SPLIT_WORDS = {"equal": "平均分给各赛道", "projects": "按各赛道项目数比例分配", "budgets": "按规则中各赛道的预算"}


class TrackError(ValueError):
    """A project's track has no budget in ``[tracks.budgets]`` (``track``: which)."""

    def __init__(self, message: str, track: str) -> None:
        super().__init__(message)
        self.track = track


def groups(rules: Rules, track_of: Mapping[str, str], projects: Iterable[str]) -> dict[str, list[str]]:
    """The rankings to run: track -> its projects (``{"": all}`` unless tracks are separate)."""
    out: dict[str, list[str]] = {}
    for pid in projects:
        out.setdefault(track_of.get(pid, "") if rules.tracks.separate else "", []).append(pid)
    return out


def track_budgets(rules: Rules, sizes: Mapping[str, int]) -> dict[str, Fraction | None]:
    """Each ranking's share of the budget (``sizes``: track -> number of projects, in ranking order).

    No budget in the rules -> None for every track (tier amounts are paid as they are).  ``equal`` and
    ``projects`` split the budget in whole ``grants.unit`` by largest remainder (a tied remainder goes to
    the track listed first), so the shares add up to the budget exactly; ``budgets`` are the rules'
    own.  TrackError when ``budgets`` has no amount for a track."""
    g, tr = rules.grants, rules.tracks
    names = list(sizes)
    if tr.split == "budgets" and tr.separate:
        given = {name: exact(amount) for name, amount in tr.budgets}
        missing = [n for n in names if n not in given]
        if missing:
            shown = missing[0] or NO_TRACK
            raise TrackError(f"赛道「{shown}」在评分规则 [tracks.budgets] 中没有预算 / track {missing[0]!r} has no "
                             "budget in [tracks.budgets]", missing[0])
        return {n: given[n] for n in names}
    if g.budget is None:
        return dict.fromkeys(names)
    if len(names) <= 1:
        return {n: exact(g.budget) for n in names}
    weights = {n: Fraction(1) if tr.split == "equal" else Fraction(max(sizes[n], 0)) for n in names}
    shares = allocate(exact(g.budget), weights, dict.fromkeys(names), exact(g.unit), names)
    return {n: shares[n] for n in names}


def prizes_per_ranking(rules: Rules, size: int) -> int | None:
    """How many count-tier prizes one ranking of ``size`` projects gives (None: threshold tiers decide)."""
    if any(a.min_score is not None for a in rules.awards):
        return None
    return min(size, sum(a.count or 0 for a in rules.awards))


def track_notice(rules: Rules, projects: Sequence[tuple[str, str]]) -> list[str]:
    """What the tracks of ``projects`` ((id, track) pairs, e.g. an import's rows) mean under ``rules``:
    nothing when no track is filled; a warning when tracks are filled but ranked together; else how many
    tracks, prizes and how much money each gets.  Chinese first, then English."""
    filled = sorted({t for _, t in projects if t})
    if not filled:
        return []
    names = "、".join(filled[:8]) + ("…" if len(filled) > 8 else "")
    if not rules.tracks.separate:
        return [f"已填写赛道（{len(filled)} 个：{names}），但评分规则没有设置分赛道评奖：全部项目统一排名、统一评奖，"
                f"赛道只作标签。如需各赛道分别评奖，请在评分规则中写 [tracks] mode = \"separate\"。/ The 赛道 column "
                f"names {len(filled)} track(s) but the rules rank all projects together (the track is a label); "
                f"for separate awards per track set [tracks] mode = \"separate\" in the rules."]
    sizes: dict[str, int] = {}
    for _, t in projects:
        sizes[t] = sizes.get(t, 0) + 1
    unit = rules.grants.money_unit
    tiers = "、".join(f"{a.label} {a.count} 名" if a.count else f"{a.label}（≥{a.min_score:g} 分）" for a in rules.awards)
    counts = [prizes_per_ranking(rules, n) for n in sizes.values()]
    total = "" if None in counts else f"，共 {sum(c or 0 for c in counts)} 个奖项"
    lines = [f"分赛道评奖：{len(sizes)} 个赛道（" + "、".join(f"{t or NO_TRACK} {n} 项" for t, n in sizes.items())
             + f"）各自排名，每个赛道各设 {tiers or '（未设奖项）'}{total}。/ {len(sizes)} tracks, each ranked and "
             f"awarded on its own with the whole tier list."]
    try:
        shares = track_budgets(rules, sizes)
    except TrackError as e:
        return lines + [str(e)]
    if any(v is not None for v in shares.values()):
        budget = rules.grants.budget
        head = f"预算 {money_text(budget, unit)} {SPLIT_WORDS[rules.tracks.split]}" if budget is not None \
            else f"{SPLIT_WORDS[rules.tracks.split]}"
        lines.append(f"{head}：" + "、".join(f"{t or NO_TRACK} {money_text(v, unit)}" for t, v in shares.items())
                     + "，各赛道合计不超过预算。/ The budget is split between the tracks; together they never "
                     "exceed it.")
    return lines


def money_rules_lines(rules: Rules, tracks_filled: bool) -> list[str]:
    """The rules summary's lines on tracks and on the cap (console, Excel, PDF): only what applies."""
    out = []
    if rules.tracks.separate:
        split = SPLIT_WORDS[rules.tracks.split] if (rules.grants.budget is not None or rules.tracks.budgets) else ""
        out.append("分赛道评奖：每个赛道各自排名，各设全部奖项" + (f"；预算{split}，各赛道合计不超过预算" if split else ""))
    elif tracks_filled:
        out.append("赛道仅作标签：全部项目统一排名、统一评奖")
    paid = rules.grants.mode == "proportional" or any(a.amount for a in rules.awards)
    if paid and rules.grants.cap == "requested":
        out.append("创投资金不超过项目申请金额，" + ("超出部分按比例分给其他获奖项目" if rules.grants.excess == "redistribute"
                                                   else "超出部分留在预算中"))
    return out

