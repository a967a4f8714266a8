"""The rules in Chinese sentences: what the console, the workbook and the score sheets print (pure).

What it does: :func:`summary` says per panel what is scored and how (the panel method's label from
:mod:`judging.core.vocabulary`), the rounding, the tie-breakers in order (their descriptions from the
registry :mod:`judging.core.tiebreakers`), the award tiers, the audience's panel and popularity vote, and the tracks and money lines that apply
(:func:`judging.core.tracks.money_rules_lines`).

What it does not do: check the rules (:mod:`judging.core.rules`) or decide anything.
"""

from __future__ import annotations

from judging.core.money import money_text
from judging.core.rules_model import Rules, short_label
from judging.core.tiebreakers import breaker_description
from judging.core.tracks import money_rules_lines
from judging.core.vocabulary import zh


def summary(r: Rules, tracks_filled: bool) -> list[str]:
    """A readable summary of what the rules do (Chinese first); ``tracks_filled``: a project names a track."""
    lines = []
    for p in r.panels:
        drop = f"（去掉 {p.drop_high} 个最高分、{p.drop_low} 个最低分）" if p.trimmed else ""
        crit = "、".join(short_label(c.label) for c in p.criteria) or "一个总分"
        w = f"权重 {p.weight:g}" if r.combine == "weighted_sum" else "直接相加"
        if p.audience:  # docs/AUDIENCE.md
            short = (f"少于 {p.min_ballots} 票时" + ("不计入，按其他评审团权重折算" if p.fallback == "reweight"
                                                   else "观众分计 0 分")) if p.min_ballots else ""
            lines.append(f"{short_label(p.label)}：每部手机每场路演 1–{p.stars} 星，{zh('method', p.method)}{drop}，"
                         f"折算为 {r.marks.max:g} 分制；{w}" + (f"；{short}" if short else ""))
            continue
        lines.append(f"{short_label(p.label)}：评 {crit}；{zh('method', p.method)}{drop}；{w}")
    lines.append(f"分数保留 {r.rounding.digits} 位小数（{zh('rounding', r.rounding.mode)}）")
    lines.append("并列处理：" + " → ".join(breaker_description(b, r)[0] for b in r.ties.breakers))
    if r.awards:
        lines.append("奖项：" + "、".join(f"{a.label} {a.count} 名" if a.count else f"{a.label} ≥{a.min_score:g}"
                                        for a in r.awards))
    if r.popularity is not None:
        t = r.popularity
        lines.append(f"{t.label}：观众每部手机最多投 {t.choices} 个项目，得票最多的 {t.count} 个项目获奖，每项 "
                     f"{money_text(t.amount, r.grants.money_unit)}，另加于评分奖金；同票时："
                     + " → ".join("总分高者" if b == "total" else "并列" if b == "shared" else
                                  breaker_description(b, r)[0] for b in t.breakers))
    lines.extend(money_rules_lines(r, tracks_filled))
    return lines
