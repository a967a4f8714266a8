"""Read a rules file from disk (``scoring_rules/*.toml``, ``run.py score --rules``).

What it does: :func:`load_rules` reads the file as UTF-8 and hands the text to the pure parser
(:func:`judging.core.rules.parse_rules`); a file that cannot be read is a :class:`RulesError` too.

What it does not do: check anything itself (the core does), or look anywhere but the path it is given.
"""

from __future__ import annotations

from pathlib import Path

from judging.core.rules import Rules, RulesError, parse_rules


def load_rules(path: str | Path) -> Rules:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RulesError(str(path), "-", f"cannot read file ({e.strerror})") from None
    return parse_rules(text, str(path))
