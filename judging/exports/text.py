"""Text made safe for the files organizers open: one cleaner for every export, one CSV neutraliser.

What it does: :func:`clean` removes what a file format cannot hold or a viewer would choke on --
C0 control characters other than tab, line feed and carriage return (``"A\\x00B"`` -> ``"AB"``,
openpyxl refuses them and XML forbids them), the non-characters U+FFFE / U+FFFF, and lone UTF-16
surrogates (replaced by U+FFFD, or UTF-8 cannot be written).  :func:`csv_text` cleans a text
cell of an organizer CSV and neutralises text that a spreadsheet would run as a formula (a cell
starting with ``= + - @``, a tab or a carriage return gets a leading ``'``, as OWASP advises);
numbers are never passed through it.  The Excel cell helper (:func:`judging.exports.xlsx.put`)
cleans text and stores it as text, so nothing there is a formula.

What it does not do: refuse input (the setup does that), or touch the JSON archive and the
machine CSVs for ``run.py score``: those stay exact (JSON escapes every character; the machine
CSVs are read by programs, not opened in a spreadsheet).
"""

from __future__ import annotations

import re

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text: object) -> str:
    """``text`` as a str a spreadsheet, a PDF and UTF-8 can all hold (see the module docstring)."""
    s = "" if text is None else str(text)
    s = _ILLEGAL.sub("", s)
    return _SURROGATE.sub("\ufffd", s) if _SURROGATE.search(s) else s


def csv_text(text: object) -> str:
    """A text cell for an organizer CSV: cleaned, and prefixed with ``'`` when a spreadsheet would
    take it for a formula (``=1+1`` -> ``'=1+1``).  Only for text columns, never for numbers."""
    s = clean(text)
    return "'" + s if s.startswith(FORMULA_START) else s
