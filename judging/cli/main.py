"""Command line of ``run.py``: score, serve, demo, export, verify.

What it does: parses arguments, calls the package, prints, and turns bad input
into exit code 2 with a ``file:line: message``.  What it does not do: any
computation of its own.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from judging.core.engine import compute
from judging.core.rules import RulesError
from judging.inputs.rules_file import load_rules
from judging.core.scoring import ScoringError
from judging.exports.results_text import display_width, format_csv, format_json, format_table  # noqa: F401
from judging.inputs.marks_csv import InputError, read_marks, read_projects

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
    """serve / demo / verify / export / import need the server's packages; register them if they are there."""
    try:
        from judging.cli import export, serve
    except ImportError:  # the offline engine works without the server dependencies
        return
    serve.register(sub)
    export.register(sub)


def cmd_score(args: argparse.Namespace) -> int:
    try:
        rules = load_rules(args.rules)
        projects = read_projects(args.projects) if args.projects else None
        mark_file = read_marks(args.marks, rules, projects)
        try:
            results = compute(rules, mark_file.marks, projects, mark_file.votes)
        except ScoringError as e:
            raise InputError(args.marks, mark_file.line_for(e), mark_file.message_for(e)) from None
    except (RulesError, InputError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    scored = {r.project for r in results.results}  # a project only the audience voted on is not scored
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
