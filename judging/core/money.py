"""The one way money is written and read: ¥, thousands separators, cents only when present, 万 on request.

What it does: :func:`money_text` writes an amount for people (``¥80,000.50``, ``¥250,000``, or with
``unit="wan"`` ``¥8.00005万``, ``¥25万``), :func:`xlsx_money_format` gives the Excel number format
that keeps the cents of a column, and :func:`parse_amount` reads what an organizer types or imports
(``50000``, ``¥30,000``, ``￥3万``, ``30,000元``, ``3万元``, ``RMB 30000``, full-width digits).
Amounts enter as the decimal they read as (``Fraction("80000.5")``), so the text is exact.

What it does not do: compute grants (:mod:`judging.core.awards`) or decide which unit a contest uses
(the rules say so: ``[grants] money_unit``).  Pages do not re-implement this: snapshots carry the
text next to each number (``grant_text`` …).
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

MONEY_UNITS = ("yuan", "wan")
MAX_AMOUNT = 1e12  # yuan: far above any grant, far below where floats lose whole yuan
_CENT = Fraction(1, 100)


def exact(x: Fraction | int | float | str) -> Fraction:
    """``x`` as the decimal it prints as: 0.1 -> 1/10, 80000.5 -> 160001/2 (never the binary float)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, bool):
        raise TypeError("an amount is not true/false")
    if isinstance(x, int):
        return Fraction(x)
    return Fraction(repr(float(x)) if isinstance(x, float) else str(x))


def to_cents(x: Fraction | int | float) -> Fraction:
    """Rounded half up to the cent (分): money on paper never has more than two decimals."""
    v = exact(x)
    sign = -1 if v < 0 else 1
    cents = (abs(v) / _CENT + Fraction(1, 2)).__floor__()
    return sign * cents * _CENT


def has_cents(x: Fraction | int | float | None) -> bool:
    return x is not None and to_cents(x).denominator != 1


def _digits(x: Fraction, places: int) -> str:
    """A non-negative Fraction that is exact at ``places`` decimals, with grouped thousands and no
    trailing zeros beyond what is needed (``places`` is the most it may use)."""
    scaled = int(x * 10 ** places)
    whole, frac = divmod(scaled, 10 ** places)
    text = f"{whole:,}"
    if frac:
        text += "." + f"{frac:0{places}d}".rstrip("0")
    return text


def money_text(x: Fraction | int | float | None, unit: str = "yuan") -> str:
    """Money for people: ``¥80,000.50`` (cents shown as two digits when there are any), ``¥250,000``;
    with ``unit="wan"`` the same amount in 万 with every digit it needs: ``¥8.00005万``, ``¥25万``.
    ``None`` (no amount) is the empty string."""
    if x is None:
        return ""
    v = to_cents(x)
    sign = "-" if v < 0 else ""
    v = abs(v)
    if unit == "wan" and v:
        return f"{sign}¥{_digits(v / 10000, 6)}万"
    if v.denominator == 1:
        return f"{sign}¥{int(v):,}"
    whole, cents = divmod(int(v * 100), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def xlsx_money_format(values) -> str:
    """The Excel number format of a money column: ``"¥"#,##0.00`` when any amount has cents, else
    ``"¥"#,##0`` (``#,##0`` alone would show 80,000.5 as 80,001)."""
    return '"¥"#,##0.00' if any(has_cents(v) for v in values if v is not None) else '"¥"#,##0'


def amount_problem(x: float) -> str | None:
    """Why ``x`` is not a usable amount of money (requested grant), or None."""
    if x != x or x in (float("inf"), float("-inf")):
        return "金额须为有限的数字 / the amount must be a finite number"
    if x < 0:
        return "申请金额不能为负 / requested grant must not be negative"
    if x > MAX_AMOUNT:
        return "金额过大 / the amount is too large"
    return None


_PREFIXES = ("人民币", "rmb", "cny", "¥")
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def parse_amount(text: str) -> float:
    """What an organizer writes for an amount, in yuan: '50,000元', '5万', '4.5 万元', '¥30000',
    '￥30,000', 'RMB 30000', '３００００' -> 50000.0, 50000.0, 45000.0, 30000.0 …

    ValueError (Chinese first) for anything else: words (三万), two numbers, a sign, an exponent,
    commas that are not thousands separators, more than two decimals of a yuan."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()   # ￥ -> ¥, ３ -> 3, ， -> ,
    if re.search(r"\d\s+[\d.,]|[\d.,]\s+\d", t):
        raise ValueError(f"金额中间不能有空格 / {text!r}: one amount, without spaces inside")
    t = re.sub(r"\s+", "", t)
    for prefix in _PREFIXES:
        if t.startswith(prefix):
            t = t[len(prefix):]
            break
    t = t.removesuffix("元")
    scale = 1
    if t.endswith("万"):
        t, scale = t[:-1], 10000
    if t.startswith("-"):
        raise ValueError("申请金额不能为负 / requested grant must not be negative")
    if not _NUMBER.match(t):
        raise ValueError(f"不是有效金额（如 50000、¥30,000、5万） / {text!r} is not an amount")
    value = Fraction(t.replace(",", "")) * scale
    if (value * 100).denominator != 1:
        raise ValueError("金额最多精确到分（两位小数） / an amount has at most two decimals of a yuan")
    out = float(value)
    if problem := amount_problem(out):
        raise ValueError(problem)
    return out


def summary_json(summary, unit: str = "yuan") -> dict:
    """The engine's money summary (:class:`judging.core.engine.MoneySummary`) with the texts pages show:
    ``line`` "预算 ¥400,000 · 已分配 ¥390,000 · 未分配 ¥10,000", per track the same, and ``notes`` that say
    where the money capped projects could not take went."""
    out = summary.to_json()
    out["budget_text"] = money_text(summary.budget, unit)
    out["awarded_text"] = money_text(summary.awarded, unit)
    out["unallocated_text"] = money_text(summary.unallocated, unit)
    out["line"] = _line(summary.budget, summary.awarded, summary.unallocated, unit)
    notes = []
    multi = len(summary.tracks) > 1
    for t, d in zip(summary.tracks, out["tracks"]):
        d["budget_text"] = money_text(t.budget, unit)
        d["awarded_text"] = money_text(t.awarded, unit)
        d["line"] = _line(t.budget, t.awarded, (t.budget - t.awarded) if t.budget is not None else t.unallocated, unit)
        where = f"{t.track}：" if multi and t.track else ""
        passed = t.excess - t.unallocated
        if t.capped:
            names = "、".join(p for p, _, _ in t.capped)
            notes.append(f"{where}{names} 按申报额封顶，" + (f"多出的 {money_text(passed, unit)} 按比例分给其他获奖项目"
                                                        if passed > 0 else f"多出的 {money_text(t.excess, unit)} 留在预算中"))
        if t.unallocated > 0 and passed > 0:  # passed on until every winner was at its request
            notes.append(f"{where}{money_text(t.unallocated, unit)} 未分配：获奖项目均已达申报额")
    out["notes"] = notes
    return out


def _line(budget, awarded, unallocated, unit: str) -> str:
    parts = [f"预算 {money_text(budget, unit)}"] if budget is not None else []
    parts.append(f"已分配 {money_text(awarded, unit)}")
    if unallocated:
        parts.append(f"未分配 {money_text(unallocated, unit)}")
    return " · ".join(parts)
