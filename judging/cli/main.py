"""Command line of ``run.py``: score, serve, demo, export, verify.

What it does: parses arguments, calls the package, prints, and turns bad input
into exit code 2 with a ``file:line: message``.  What it does not do: any
computation of its own.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import unicodedata
from typing import Sequence

from judging.core.engine import Results, compute
from judging.inputs.marks_csv import InputError, read_marks, read_projects
from judging.core.money import summary_json
from judging.core.rules import RulesError
from judging.inputs.rules_file import load_rules
from judging.core.scoring import ScoringError

EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return args.func(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description="路演评审 — live roadshow judging")
    sub = parser.add_subparsers(metavar="COMMAND")
    s = sub.add_parser("score", help="score a marks CSV offline with a rules file")
    s.add_argument("--rules", required=True, help="rules file (scoring_rules/*.toml)")
    s.add_argument("--marks", required=True, help="marks CSV: project,round,panel,judge,criterion,score[,factor]")
    s.add_argument("--projects", help="projects CSV: project,name,track,requested")
    s.add_argument("--format", choices=("json", "csv", "table"), default="table")
    s.set_defaults(func=cmd_score)
    _add_server_commands(sub)
    return parser


def _add_server_commands(sub: argparse._SubParsersAction) -> None:
    """serve / demo / export / verify live in the server package; register them if it is there."""
    try:
        from judging.cli.serve import register
    except ImportError:  # the offline engine works without the server dependencies
        return
    register(sub)


def cmd_score(args: argparse.Namespace) -> int:
    try:
        rules = load_rules(args.rules)
        projects = read_projects(args.projects) if args.projects else None
        mark_file = read_marks(args.marks, rules, projects)
        try:
            results = compute(rules, mark_file.marks, projects)
        except ScoringError as e:
            raise InputError(args.marks, mark_file.line_for(e), mark_file.message_for(e)) from None
    except (RulesError, InputError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    scored = set(mark_file.marks_projects())
    unscored = [pid for pid in (projects or {}) if pid not in scored]
    for pid in unscored:
        print(f"warning: {args.projects}: 项目 {pid} 没有评分，未参加排名 / project {pid!r} has no marks and is "
              "not ranked", file=sys.stderr)
    if args.format == "table":
        out = format_table(results, rules.panel_ids, digits=rules.rounding.digits, money_unit=rules.grants.money_unit)
    else:
        out = {"json": format_json, "csv": format_csv}[args.format](results, rules.panel_ids)
    if args.format == "csv":
        out = "\ufeff" + out  # UTF-8 BOM: Excel and WPS then read the Chinese names correctly
    sys.stdout.write(out)
    return 0


def format_json(results: Results, panel_ids: Sequence[str]) -> str:
    return json.dumps(results.to_json(), ensure_ascii=False, indent=2) + "\n"


TABLE_HEADER = {"rank": "名次", "project": "项目", "name": "名称", "track": "赛道", "total": "总分", "tie": "并列",
                "award": "奖项", "grant": "资助"}


def _rows(results: Results, panel_ids: Sequence[str], digits: int | None = None) -> tuple[list[str], list[list[str]]]:
    header = ["rank", "project", "name", "track", *(f"panel:{p}" for p in panel_ids), "total", "tie", "award",
              "grant"]
    rows = []
    for r in results.results:
        j = r.to_json()
        rows.append([str(r.rank), r.project, r.name, r.track, *(_num(r.panels[p], digits) for p in panel_ids),
                     _num(r.total, digits), r.tie or "", (j["award_label"] or "") + (" (待加时)" if r.pending else ""),
                     str(j["grant"])])
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
    lines.extend(f"warning: {w}" for w in results.warnings)
    return "\n".join(lines) + "\n"


def display_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def pad(s: str, width: int) -> str:
    return s + " " * (width - display_width(s))


def _num(x: float, digits: int | None = None) -> str:
    return f"{x:.10g}" if digits is None else f"{x:.{digits}f}"
