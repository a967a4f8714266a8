"""Text that people type or upload: the one check every input path uses (pure).

What it does: :func:`text_problem` says why a piece of text cannot be stored as a name, a
reason or a rules file — C0 and C1 control characters, DEL, lone UTF-16 surrogates and the
non-characters U+FFFE / U+FFFF (none of which a spreadsheet, a PDF or a big screen can show,
and some of which break the xlsx export for good), plus, in one-line fields, line and paragraph
separators and bidirectional overrides (which turn a project name around on the big screen).
:func:`check_text` raises with a message naming the field, Chinese first.  :func:`bad_string`
walks a parsed JSON value (keys included) for strings no input may carry at all (a lone
surrogate or a NUL), so the API can refuse them with 400 before anything else looks at them.

Three kinds of field:

* ``LINE`` (names, organizations, ids, seeds, keys): no control character at all, not even a tab.
* ``LINES`` (a correction reason): line feeds allowed (``\\r\\n`` counts as one), nothing else.
* ``DOCUMENT`` (a rules TOML file): tab, line feed and carriage return allowed.

An **id** (a project, judge, panel, criterion or award id) is any text a person would type: Chinese,
spaces inside (``创新性``, ``一等奖``, ``Skating Skills``), at most :data:`ID_MAX` characters, checked as a
``LINE`` once trimmed (:func:`id_problem`; the callers trim).  Contest ids are not these: they stay ASCII
(:data:`judging.core.model.ID_PATTERN`), as they name files and every console address.

:func:`natural_key` orders ids the way people read them (P2 before P10).

What it does not do: change the text.  Nothing is stripped silently — a refused name is
typed again by the organizer, who sees exactly what was refused.  Exports are sanitised on
their own side (:mod:`judging.exports.snapshot`).
"""

from __future__ import annotations

import re
from typing import Any

LINE, LINES, DOCUMENT = "line", "lines", "document"
ID = "id"
ID_MAX = 40  # characters (not bytes): 40 Chinese characters are as fine as 40 letters

_CONTROL = "\x00-\x1f\x7f-\x9f"
_INVALID = "\ud800-\udfff\ufffe\uffff"
_LINE_ONLY = "\u2028\u2029\u202a-\u202e\u2066-\u2069"  # line/paragraph separators, bidi embeddings/overrides
_BAD = {
    LINE: re.compile(f"[{_CONTROL}{_INVALID}{_LINE_ONLY}]"),
    LINES: re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_INVALID}{_LINE_ONLY}]"),
    DOCUMENT: re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVALID}]"),
}
_NEVER = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no field of any input may hold them


class TextError(ValueError):
    """Refused text; ``field`` is the machine name of the field (``name``, ``projects[2].name`` …)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def text_problem(value: str, kind: str = LINE, label: tuple[str, str] = ("内容", "the text")) -> str | None:
    """Why ``value`` cannot be stored in a field called ``label`` (Chinese, English), or None."""
    if kind == LINES:
        value = value.replace("\r\n", "\n")
    m = _BAD[kind].search(value)
    if m is None:
        return None
    zh, en = label
    c = m.group()
    code = f"U+{ord(c):04X}"
    where = f"第 {m.start() + 1} 个字符"
    if "\ud800" <= c <= "\udfff" or c in "\ufffe\uffff":
        return f"{zh}含有无效字符（{where}，{code}），请重新输入 / {en} contains an invalid character ({code})"
    return (f"{zh}含有不可见的控制字符（{where}，{code}），请删除后重新输入 / "
            f"{en} contains a control character ({code}); type it again without it")


def natural_key(s: str) -> tuple:
    """'dive2' < 'dive10'; used wherever an order of ids must not depend on input order."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s))


def id_problem(value: object, label: tuple[str, str] = ("编号", "the id")) -> str | None:
    """Why ``value`` (trimmed already) cannot be an id, or None: not text, empty, longer than
    :data:`ID_MAX` characters, or holding a character no ``LINE`` field may hold."""
    zh, en = label
    if not isinstance(value, str):
        return f"{zh}须为文字 / {en} must be text, got {value!r}"
    if not value:
        return f"{zh}不能为空 / {en} must not be empty"
    if len(value) > ID_MAX:
        return f"{zh}最多 {ID_MAX} 个字符（现有 {len(value)} 个） / {en} is at most {ID_MAX} characters, got {len(value)}"
    return text_problem(value, LINE, label)


def check_text(value: str, field: str, label: tuple[str, str], kind: str = LINE) -> str:
    """``value`` unchanged, or :class:`TextError` naming ``field``."""
    problem = text_problem(value, kind, label)
    if problem:
        raise TextError(field, problem)
    return value


def bad_string(value: Any, path: str = "") -> str | None:
    """The path (``marks.<key>``, ``projects[3].name``) of the first string in a parsed JSON value
    that holds a lone surrogate or a NUL, or None.  Keys are checked as well as values."""
    stack = [(path, value)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, str):
            if _NEVER.search(v):
                return where or "(body)"
        elif isinstance(v, dict):
            for k, item in v.items():
                if isinstance(k, str) and _NEVER.search(k):
                    return f"{where}.(key)" if where else "(key)"
                stack.append((f"{where}.{k}" if where else str(k), item))
        elif isinstance(v, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(v))
    return None
