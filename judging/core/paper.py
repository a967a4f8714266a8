"""The paper fallback's pure rules: the sheet code that names judge + roadshow, and when two entries agree.

What it does: :func:`sheet_code` / :func:`parse_sheet_code` write and read the short code a blank score sheet
carries (printed and in its QR code): ``P:<judge>:<project>:<round>``, each part percent-encoded (so an id
holding ``:`` or Chinese stays one part; ``P:E1:P03:final`` for plain ids).  :func:`agree` says whether two
entries of one paper mark set are equal on every criterion, :func:`differences` lists where they are not
(both values per criterion), :func:`same_typist` whether one person made both.

What it does not do: validate marks against the rubric (:func:`judging.core.model.check_mark_set`), store
entries (:mod:`judging.storage.repository_paper`) or decide when paper entry is allowed (:mod:`judging.app.paper`).
"""

from __future__ import annotations

import re
from typing import Mapping

PREFIX = "P"
MAX_CODE = 400  # a code longer than this is not one of ours (ids are at most 40 characters, encoded x9)


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]")
_ESCAPE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def quote(text: str) -> str:
    """Percent-encoding (UTF-8) of every character but letters, digits and ``_.~-`` (as urllib's, pure)."""
    return "".join(ch if _PLAIN.fullmatch(ch) else "".join(f"%{b:02X}" for b in ch.encode("utf-8")) for ch in text)


def unquote(text: str) -> str:
    """The inverse of :func:`quote`; bytes that are not UTF-8 read as U+FFFD (no such sheet will be found)."""
    return _ESCAPE.sub(lambda m: bytes.fromhex(m.group(0).replace("%", "")).decode("utf-8", "replace"), text)


class BadSheetCode(ValueError):
    """Text that is not a sheet code (the message is Chinese / English)."""


def sheet_code(judge: str, project: str, round_name: str) -> str:
    """The code of the blank sheet of ``judge`` for ``project`` in ``round_name``."""
    return ":".join([PREFIX, *(quote(x) for x in (judge, project, round_name))])


def parse_sheet_code(text: str, regular_round: str = "final") -> tuple[str, str, str]:
    """(judge, project, round) of a typed or scanned code; ``P:<judge>:<project>`` means the regular round.
    Lower-case ``p`` and spaces around it are accepted (typed by hand)."""
    code = (text or "").strip()
    if not code or len(code) > MAX_CODE:
        raise BadSheetCode("评分表编号无效 / not a score sheet code")
    parts = code.split(":")
    if parts[0].upper() != PREFIX or len(parts) not in (3, 4) or not all(parts[1:]):
        raise BadSheetCode(f"评分表编号须为 P:评委:项目:轮次 / a sheet code is P:<judge>:<project>:<round>, "
                           f"got {code[:60]!r}")
    judge, project = unquote(parts[1]), unquote(parts[2])
    round_name = unquote(parts[3]) if len(parts) == 4 else regular_round
    return judge, project, round_name


def agree(a: Mapping[str, float], b: Mapping[str, float]) -> bool:
    """Two clean mark sets (:func:`check_mark_set` output) equal on every criterion, none missing."""
    return set(a) == set(b) and all(a[k] == b[k] for k in a)


def differences(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, list[float | None]]:
    """Criterion -> [value in a, value in b] where the two entries differ."""
    return {k: [a.get(k), b.get(k)] for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def typist_key(name: str) -> str:
    """A typist's name as compared: trimmed, inner spaces dropped, case folded."""
    return "".join((name or "").split()).casefold()


def same_typist(a: str, b: str) -> bool:
    return typist_key(a) == typist_key(b)


# a paper mark set's submission id: "paper:<hex>".  A phone's ids are [A-Za-z0-9_-] only, so no phone can make
# one; an import that renames a clashing id writes "<contest>~<id>", which keeps the mark set paper
PAPER_ID = "paper:"


def source_of(submission_id: str) -> str:
    """``"paper"`` for a mark set made from two agreeing paper entries, else ``"phone"``
    (:data:`judging.core.vocabulary.SOURCES` has the labels)."""
    return "paper" if submission_id.rpartition("~")[2].startswith(PAPER_ID) else "phone"
