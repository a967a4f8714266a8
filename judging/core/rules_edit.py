"""Change a contest's award tiers and grant budget inside its rules TOML text (pure).

What it does: :func:`edit_rules` takes the rules text, a new list of award
tiers and/or a new ``[grants] budget`` and returns the new text.  It edits the
text in place rather than re-serialising the whole file, so the preset's
comments (where the rule comes from) and every other table stay exactly as
they were; the ``[[awards]]`` tables are rewritten where the first one stood
(appended when there were none).  Two checks guard the result: the new text,
parsed, must equal the old one except for ``awards`` and ``grants.budget``,
and it must pass :func:`judging.core.rules.parse_rules`.  Errors are
:class:`RulesEditError` with messages per field, Chinese first.

What it does not do: read or write files, or change anything else in the rules
(panels, weights, rounding … are edited by sending a whole new rules text).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from judging.core.rules import RulesError, parse_rules
from judging.core.text import id_problem


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()  # "leave this part as it is"

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*(\]\]?)\s*(#.*)?$")
_BUDGET = re.compile(r"^\s*(budget|\"budget\"|'budget')\s*=")


class RulesEditError(ValueError):
    """The edit cannot be made; ``errors`` maps a field (``awards[1].count``, ``budget``) to a message."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


@dataclass(frozen=True)
class _Section:
    """Lines [start, end) of one table; ``name`` is its dotted name, ``array`` for [[name]]."""

    name: str
    array: bool
    start: int
    end: int


def edit_rules(text: str, source: str = "rules.toml", *, awards: Any = KEEP, budget: Any = KEEP) -> str:
    """The rules text with new award tiers (``awards``: list of {id?, label, count | min_score, amount})
    and/or a new grant budget (``budget``: a number, or None to remove it).  KEEP leaves a part alone."""
    if awards is KEEP and budget is KEEP:
        return text
    tiers = _clean_awards(awards) if awards is not KEEP else None
    new_budget = _clean_budget(budget) if budget is not KEEP else KEEP
    lines = text.splitlines()
    if tiers is not None:
        lines = _replace_awards(lines, tiers)
    if new_budget is not KEEP:
        lines = _replace_budget(lines, new_budget)
    out = "\n".join(lines).rstrip("\n") + "\n"
    _check_only_intended_changes(text, out, awards is not KEEP, budget is not KEEP)
    try:
        parse_rules(out, source)
    except RulesError as e:
        field = ("budget" if e.key.startswith(("grants", "tracks.budgets"))   # the budget no longer covers the tracks
                 else (e.key if e.key.startswith("awards") else "rules"))
        zh = _chinese(e.message)
        raise RulesEditError(f"{zh} / the rules would be invalid: {e.key}: {e.message}",
                             {field: f"{zh} / {e.message}"}) from None
    return out


_TRANSLATIONS = [
    (re.compile(r"the award tiers need (\S+), more than the budget (\S+)"), "各奖项奖金合计 {0}，超过预算 {1}"),
    (re.compile(r"must be a whole multiple of grants.unit \((\S+)\)"), "须为最小金额单位 {0} 的整数倍"),
    (re.compile(r"threshold tiers go best first"), "按最低分设奖时须从高到低排列"),
    (re.compile(r"proportional grants need a budget"), "按比例分配奖金须设预算"),
    (re.compile(r"the tracks' budgets add up to (\S+), more than grants.budget (\S+)"), "各赛道预算合计 {0}，超过总预算 {1}"),
]


def _chinese(message: str) -> str:
    for pattern, zh in _TRANSLATIONS:
        if m := pattern.search(message):
            return zh.format(*m.groups())
    return "评分规则校验未通过"


# ------------------------------------------------------------------ input

def _clean_awards(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(a, dict) for a in raw):
        raise RulesEditError("奖项须为列表 / awards must be a list of tiers", {"awards": "须为列表 / must be a list"})
    errors: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    used = {str(a.get("id")).strip() for a in raw if str(a.get("id") or "").strip()}
    n = 0
    for i, a in enumerate(raw):
        where = f"awards[{i}]"
        tier: dict[str, Any] = {}
        aid = str(a.get("id") or "").strip()
        if not aid:  # a new row typed in the console: give it a fresh id
            n += 1
            while f"tier{n}" in used:
                n += 1
            aid = f"tier{n}"
            used.add(aid)
        if problem := id_problem(aid, ("奖项编号", "the tier id")):
            errors[f"{where}.id"] = problem
        elif any(t["id"] == aid for t in out):
            errors[f"{where}.id"] = f"奖项编号重复 / duplicate tier id {aid!r}"
        tier["id"] = aid
        label = a.get("label")
        if not isinstance(label, str) or not label.strip():
            errors[f"{where}.label"] = "请填写奖项名称 / the tier needs a name"
        else:
            tier["label"] = label.strip()
        count, min_score = _blank(a.get("count")), _blank(a.get("min_score"))
        if (count is None) == (min_score is None):
            errors[f"{where}.count"] = "名额与最低分须且只能填一项 / give either a count or a minimum score"
        elif count is not None:
            c = _number(count)
            if c is None or c != int(c) or c < 1:
                errors[f"{where}.count"] = "名额须为正整数 / count must be a whole number ≥ 1"
            else:
                tier["count"] = int(c)
        else:
            m = _number(min_score)
            if m is None:
                errors[f"{where}.min_score"] = "最低分须为数字 / minimum score must be a number"
            else:
                tier["min_score"] = m
        amount = _blank(a.get("amount"))
        if amount is not None:
            x = _number(amount)
            if x is None or x < 0:
                errors[f"{where}.amount"] = "奖金须为不小于 0 的数字 / amount must be a number ≥ 0"
            else:
                tier["amount"] = x
        out.append(tier)
    if errors:
        raise RulesEditError("奖项设置有误 / some award tiers are invalid", errors)
    return out


def _clean_budget(raw: Any) -> float | None:
    raw = _blank(raw)
    if raw is None:
        return None
    x = _number(raw)
    if x is None or x < 0:
        raise RulesEditError("预算须为不小于 0 的数字 / the budget must be a number ≥ 0",
                             {"budget": "须为不小于 0 的数字 / must be a number ≥ 0"})
    return x


def _blank(v: Any) -> Any:
    return None if v is None or (isinstance(v, str) and not v.strip()) else v


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, str):
        v = v.replace(",", "").replace("，", "").strip()
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


# ------------------------------------------------------------------ text surgery

def _sections(lines: list[str]) -> list[_Section]:
    """Every table header of the document, found by a small scanner that skips headers
    look-alikes inside multi-line strings and multi-line arrays."""
    heads: list[tuple[int, str, bool]] = []
    depth, in_ml = 0, ""
    for n, line in enumerate(lines):
        if not in_ml and depth == 0 and (m := _HEADER.match(line)) and len(m.group(1)) == len(m.group(3)):
            name = ".".join(part.strip().strip("\"'") for part in m.group(2).split("."))
            heads.append((n, name, m.group(1) == "[["))
            continue
        depth, in_ml = _scan(line, depth, in_ml)
    out = []
    for k, (n, name, array) in enumerate(heads):
        end = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
        out.append(_Section(name, array, n, end))
    return out


def _scan(line: str, depth: int, in_ml: str) -> tuple[int, str]:
    """Bracket depth and open multi-line string delimiter after ``line``."""
    i, n = 0, len(line)
    while i < n:
        if in_ml:
            j = line.find(in_ml, i)
            if j < 0:
                return depth, in_ml
            if in_ml == '"""':  # skip escaped quotes
                k, back = j - 1, 0
                while k >= i and line[k] == "\\":
                    back += 1
                    k -= 1
                if back % 2:
                    i = j + 1
                    continue
            i, in_ml = j + 3, ""
            continue
        ch = line[i]
        if ch == "#":
            break
        if line.startswith('"""', i) or line.startswith("'''", i):
            in_ml, i = line[i:i + 3], i + 3
            continue
        if ch == '"':
            i += 1
            while i < n and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
        elif ch == "'":
            j = line.find("'", i + 1)
            i = n if j < 0 else j
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return depth, in_ml


def _trim_end(lines: list[str], start: int, end: int) -> int:
    """Keep blank and comment lines at the end of a section: they introduce the next one."""
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def _replace_awards(lines: list[str], tiers: list[dict[str, Any]]) -> list[str]:
    cut = [s for s in _sections(lines) if s.name == "awards" or s.name.startswith("awards.")]
    block: list[str] = []
    for t in tiers:
        block += ["[[awards]]", f"id = {_toml_str(t['id'])}", f"label = {_toml_str(t['label'])}"]
        block.append(f"count = {t['count']}" if "count" in t else f"min_score = {_toml_num(t['min_score'])}")
        if "amount" in t:
            block.append(f"amount = {_toml_num(t['amount'])}")
        block.append("")
    if not cut:
        out = list(lines)
        while out and not out[-1].strip():
            out.pop()
        return out + ([""] if out else []) + block
    out, pos = [], 0
    for k, s in enumerate(cut):
        end = _trim_end(lines, s.start, s.end)
        between = lines[pos:s.start]
        out += [x for x in between if x.strip()] if k else between  # no blank runs where tiers were
        if k == 0:
            out += block[:-1] if end < s.end and not lines[end].strip() else block
        pos = end
    out += lines[pos:]
    return out


def _replace_budget(lines: list[str], budget: float | None) -> list[str]:
    grants = next((s for s in _sections(lines) if s.name == "grants" and not s.array), None)
    new_line = None if budget is None else f"budget = {_toml_num(budget)}"
    if grants is None:
        if new_line is None:
            return lines
        out = list(lines)
        while out and not out[-1].strip():
            out.pop()
        return out + ["", "[grants]", new_line]
    out = list(lines)
    depth, in_ml = 0, ""
    for n in range(grants.start + 1, grants.end):
        if depth == 0 and not in_ml and _BUDGET.match(lines[n]):
            if new_line is None:
                del out[n]
            else:
                out[n] = new_line
            return out
        depth, in_ml = _scan(lines[n], depth, in_ml)
    if new_line is not None:
        out.insert(grants.start + 1, new_line)
    return out


def _toml_str(s: str) -> str:
    body = "".join(c if c not in '"\\' and ord(c) >= 0x20 and c != "\x7f" else
                   ("\\" + c if c in '"\\' else f"\\u{ord(c):04X}") for c in s)
    return f'"{body}"'


def _toml_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


# ------------------------------------------------------------------ safety net

def _check_only_intended_changes(old: str, new: str, awards: bool, budget: bool) -> None:
    try:
        before, after = tomllib.loads(old), tomllib.loads(new)
    except tomllib.TOMLDecodeError as e:
        raise RulesEditError(f"无法自动修改这份规则，请直接编辑 TOML / cannot edit these rules automatically; "
                             f"edit the TOML text instead ({e})", {"rules": str(e)}) from None
    for d in (before, after):
        if awards:
            d.pop("awards", None)
        if budget and isinstance(d.get("grants"), dict):
            d["grants"].pop("budget", None)
            if not d["grants"]:
                d.pop("grants")
    if before != after:
        raise RulesEditError("无法自动修改这份规则，请直接编辑 TOML / cannot edit these rules automatically; "
                             "edit the TOML text instead", {"rules": "unexpected layout"})
