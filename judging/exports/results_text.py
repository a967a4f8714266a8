"""The results of ``run.py score`` as text: CSV (``--format csv``, also the ``results-machine.csv`` export), JSON
and the aligned table a person reads in a terminal (CJK characters count two columns).

What it does: pure functions of a :class:`~judging.core.engine.Results`.  With an audience part the CSV and
the table get ``ballots`` (the audience's ballots over the rounds) and, with a popularity vote,
``popularity_votes`` and ``popularity_award`` (the tier's id); a missing audience score is an empty cell.  What it does not do: read marks or
rules, compute, or print (:mod:`judging.cli.main`).
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from typing import Sequence

from judging.core.engine import Results
from judging.core.money import summary_json


def format_json(results: Results, panel_ids: Sequence[str]) -> str:
    return json.dumps(results.to_json(), ensure_ascii=False, indent=2) + "\n"


TABLE_HEADER = {"rank": "名次", "project": "项目", "name": "名称", "track": "赛道", "total": "总分", "tie": "并列",
                "award": "奖项", "grant": "资助", "ballots": "观众票", "popularity_votes": "人气票",
                "popularity_award": "人气奖"}


def _rows(results: Results, panel_ids: Sequence[str], digits: int | None = None) -> tuple[list[str], list[list[str]]]:
    audience = any(r.audience is not None for r in results.results)
    votes = results.popularity is not None
    header = ["rank", "project", "name", "track", *(f"panel:{p}" for p in panel_ids), "total", "tie", "award",
              "grant", *(["ballots"] if audience else []), *(["popularity_votes", "popularity_award"] if votes else [])]
    rows = []
    for r in results.results:
        j = r.to_json()
        pop = r.popularity or {}
        rows.append([str(r.rank), r.project, r.name, r.track,
                     *(_num(r.panels[p], digits) if p in r.panels else "" for p in panel_ids),  # no audience score
                     _num(r.total, digits), r.tie or "", (j["award_label"] or "") + (" (待加时)" if r.pending else ""),
                     str(j["grant"]),
                     *([str(sum(a["ballots"] for a in (r.audience or {}).values()))] if audience else []),
                     *([str(pop.get("votes", "")), pop.get("award") or ""] if votes else [])])
    return header, rows


def format_csv(results: Results, panel_ids: Sequence[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header, rows = _rows(results, panel_ids)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def format_table(results: Results, panel_ids: Sequence[str], digits: int | None = None,
                 money_unit: str = "yuan") -> str:
    """An aligned table (CJK characters count two columns); numbers with ``digits`` decimals when given."""
    header, rows = _rows(results, panel_ids, digits)
    keep = [i for i, h in enumerate(header)   # no empty name / track / tie columns, no all-zero grants
            if (h not in ("name", "track", "tie") or any(row[i] for row in rows))
            and (h != "grant" or any(row[i] != "0" for row in rows))]
    header = [TABLE_HEADER.get(header[i], header[i].removeprefix("panel:")) for i in keep]
    rows = [[row[i] for i in keep] for row in rows]
    table = [header, *rows]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for t in results.ties:
        state = t.resolved_by or "待加时赛 needs overtime"
        lines.append(f"{t.id}: {', '.join(t.projects)} tied at {_num(t.total, digits)}"
                     f"{' across an award boundary' if t.crosses_boundary else ''} -> {state}")
    for group in results.needs_overtime:
        lines.append(f"加时赛 overtime needed: {', '.join(group)}")
    if results.money and any(r.grant for r in results.results):   # 预算 · 已分配 · 未分配 (judging.core.money)
        lines.append(f"资金 grants: {summary_json(results.money, money_unit)['line']}")
    vote = results.popularity
    if vote is not None:
        won = [f"{e.project} ({e.votes})" for e in vote.ranking if e.award]
        lines.append(f"人气投票 popularity ({vote.tier.label}): " + (", ".join(won) or "-") if vote.held
                     else f"人气投票 popularity ({vote.tier.label}): 未开始 not held")
    lines.extend(f"warning: {w}" for w in results.warnings)
    return "\n".join(lines) + "\n"


def display_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def pad(s: str, width: int) -> str:
    return s + " " * (width - display_width(s))


def _num(x: float, digits: int | None = None) -> str:
    return f"{x:.10g}" if digits is None else f"{x:.{digits}f}"
