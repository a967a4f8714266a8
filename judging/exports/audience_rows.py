"""The audience's part of the results as rows and sentences, for the Excel sheet 观众投票, the PDF summary and
the results CSV (pure functions of a contest's rules and :class:`~judging.core.engine.Results`).

What it does: one row per judged roadshow with the audience's ballots, its score (or why it does not count:
票数不足 12 < 20，按规则不计入), one row per project of the popularity vote (place, votes, award, grant), and
one summary line per window kind (观众评分, 人气投票).  Everything is empty when the rules have no audience part,
so the exports of a contest without one stay as they were.

What it does not do: count or store ballots (the live server), compute any score (the engine's are copied), or
list the raw ballots (the marks CSV and the archive do).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from judging.core.money import money_text
from judging.core.rules_model import Rules
from judging.core.scoring import is_overtime
from judging.core.vocabulary import file_round, zh
from judging.exports.snapshot import fmt_score

if TYPE_CHECKING:
    from judging.app.runtime import Runtime
    from judging.core.engine import ProjectResult, Results


@dataclass(frozen=True)
class BallotRow:
    round: str       # as the files write it (正式路演, 加时赛1)
    project: str
    name: str
    ballots: int
    score: float | None
    note: str        # the fallback, in words; "" when the audience score counts


@dataclass(frozen=True)
class VoteRow:
    place: int
    project: str
    name: str
    votes: int
    award: str       # the tier's label, or ""
    grant: int | float


def fallback_note(rules: Rules, report: dict) -> str:
    """'票数不足 12 < 20，按规则不计入' (reweight) or '票数不足 12 < 20，观众分计 0 分' (zero); '' when it counts."""
    panel = rules.audience_panel
    if panel is None or not report.get("fallback"):
        return ""
    need = max(panel.min_ballots, panel.drop_high + panel.drop_low + 1, 1)
    tail = zh("audience", "not_counted") if report["fallback"] == "reweight" else "观众分计 0 分"
    return f"票数不足 {report['ballots']} < {need}，{tail}"


def ballot_rows(rt: "Runtime") -> list[BallotRow]:
    """Every judged roadshow in rank order, regular round first, with the audience's ballots and score."""
    rules, res = rt.contest.rules, rt.results
    if rules.audience_panel is None or res is None:
        return []
    out = []
    for r in res.results:
        name = r.name or getattr(rt.contest.project(r.project), "name", "")
        for rnd, rep in sorted((r.audience or {}).items(), key=lambda kv: (is_overtime(kv[0]), kv[0])):
            out.append(BallotRow(file_round(rnd), r.project, name, rep["ballots"], rep["score"],
                                 fallback_note(rules, rep)))
    return out


def vote_rows(rt: "Runtime") -> list[VoteRow]:
    """The popularity vote, best first (empty before the vote, or without one)."""
    res = rt.results
    vote = res.popularity if res is not None else None
    if vote is None:
        return []
    names = {r.project: r.name for r in res.results}
    return [VoteRow(e.place, e.project, e.name or names.get(e.project, "") or
                    getattr(rt.contest.project(e.project), "name", ""), e.votes,
                    vote.tier.label if e.award else "", e.to_json(vote.tier)["grant"]) for e in vote.ranking]


def summary_lines(rules: Rules, res: "Results | None") -> list[str]:
    """One line per window kind the rules have: 观众评分 (ballots counted, roadshows below the minimum) and
    人气投票 (votes, the winners)."""
    if res is None:
        return []
    out = []
    panel = rules.audience_panel
    if panel is not None:
        reports = [rep for r in res.results for rep in (r.audience or {}).values()]
        ballots = sum(rep["ballots"] for rep in reports)
        short = sum(1 for rep in reports if rep["fallback"])
        line = (f"{zh('audience', 'window_score')}：{len(reports)} 场路演共 {ballots} {zh('audience', 'ballots')}"
                f"（权重 {panel.weight:g}，{panel.stars} 星折算为 {rules.marks.max:g} 分）")
        if short:
            need = max(panel.min_ballots, panel.drop_high + panel.drop_low + 1, 1)
            what = zh("audience", "not_counted") if panel.fallback == "reweight" else "观众分计 0 分"
            line += f"；{short} 场票数不足 {need} 票，{what}"
        out.append(line + "。")
    vote = res.popularity
    if vote is not None:
        tier = vote.tier
        if not vote.held:
            out.append(f"{zh('audience', 'window_popularity')}（{tier.label}）：{zh('audience', 'popularity_idle')}。")
        else:
            votes = sum(e.votes for e in vote.ranking)
            won = [e for e in vote.ranking if e.award]
            who = "、".join(f"{e.project} {e.name}（{e.votes} 票）".replace(" （", "（") for e in won) or "无"
            unit = rules.grants.money_unit
            out.append(f"{zh('audience', 'window_popularity')}（{tier.label}）：共 {votes} 票，获奖 {who}，"
                       f"奖金合计 {money_text(vote.awarded, unit)}。")
    return out


def audience_header(rules: Rules) -> list[str]:
    """The results CSV's audience columns (none without an audience part): the audience score itself is the
    panel's own score column."""
    out = ["观众票数", "观众分说明"] if rules.audience_panel is not None else []
    return out + (["人气票数", "人气名次", "人气奖"] if rules.popularity is not None else [])


def audience_cells(rules: Rules, result: "ProjectResult") -> list[str]:
    """One project's cells under :func:`audience_header`: ballots over the regular rounds, the fallback note,
    the popularity votes, place and award (empty before the vote)."""
    out: list[str] = []
    if rules.audience_panel is not None:
        reports = {k: v for k, v in (result.audience or {}).items() if not is_overtime(k)}
        out += [str(sum(v["ballots"] for v in reports.values())),
                "；".join(n for n in (fallback_note(rules, v) for v in reports.values()) if n)]
    if rules.popularity is not None:
        pop = result.popularity
        out += ["", "", ""] if pop is None else [str(pop["votes"]), str(pop["place"]),
                                                 rules.popularity.label if pop["award"] else ""]
    return out
