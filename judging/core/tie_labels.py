"""How a tie was settled, in words -- the one place the screen, the console, Excel and PDF take it from.

What it does: :data:`RESOLVED_LABELS` names each way a tie ends (加时赛决出, 名次并列 …),
:func:`how_settled` says it for one tie (a panel or criterion breaker by its label: 专家评审团得分高者胜),
and :func:`tie_text` is the line the big screen and the sheets show: "并列 94.00，加时赛决出".

What it does not do: decide anything about ties (:mod:`judging.core.ranking`) or lay text out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from judging.core.rules import short_label

if TYPE_CHECKING:
    from judging.core.ranking import Tie
    from judging.core.rules import Rules

RESOLVED_LABELS = {"overtime": "加时赛决出", "shared": "名次并列", "countback": "比较高分个数决出",
                   "givers": "给分评委多者胜"}
PENDING = "待加时赛"
NOT_ACROSS = "未跨奖项界线，名次并列"


def breaker_label(breaker: str, rules: "Rules | None" = None) -> str:
    """'overtime' -> 加时赛决出; 'panel:expert' -> 专家评审团得分高者胜; 'criterion:impact' -> “成效与影响”得分高者胜."""
    if breaker in RESOLVED_LABELS:
        return RESOLVED_LABELS[breaker]
    kind, _, arg = breaker.partition(":")
    if kind == "panel":
        label = next((p.label for p in rules.panels if p.id == arg), arg) if rules else arg
        return f"{short_label(label)}得分高者胜"
    if kind == "criterion":
        label = next((c.label for c in rules.criteria if c.id == arg), arg) if rules else arg
        return f"“{short_label(label)}”得分高者胜"
    return breaker


def how_settled(tie: "Tie", rules: "Rules | None" = None) -> str:
    """待加时赛 while overtime is pending; how it was decided when it crossed an award boundary (or a
    breaker split it anyway); 未跨奖项界线，名次并列 when it was simply shared."""
    if tie.crosses_boundary or tie.resolved_by not in (None, "shared"):
        return PENDING if tie.resolved_by is None else breaker_label(tie.resolved_by, rules)
    return NOT_ACROSS


def tie_text(tie: "Tie", digits: int, rules: "Rules | None" = None) -> str:
    """The line for a tied project: '并列 94.00，加时赛决出', '并列 88.50，名次并列'."""
    how = how_settled(tie, rules)
    return f"并列 {tie.total:.{digits}f}，{'名次并列' if how == NOT_ACROSS else how}"
