"""``run.py export`` and ``run.py import``: exports of a contest in a database file, and archives back in.

What it does: argument handling, opening the database (refusing a missing file or one that
is not a judging database, exit code 2), writing the file, printing what happened.  What it
does not do: build any export itself (:mod:`judging.exports.snapshot` and friends do).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from pathlib import Path

from judging.app.errors import Conflict, Invalid
from judging.app.service import Service
from judging.cli.serve import DEFAULT_DB
from judging.exports import formats
from judging.exports.snapshot import load_snapshot
from judging.storage.repository import schema_of
from judging.storage.store import MIGRATIONS, Store

EXIT_BAD_INPUT = 2
EXPORT_NOTES = """\
every CSV is UTF-8 with a BOM (opens in Excel / WPS on a Chinese Windows); text that a spreadsheet would run
as a formula (=, +, -, @ first) gets a leading ' in the people's CSVs; the machine CSVs keep the exact text.
--format pdf takes --judge ID (repeatable) for some judges only and --part summary|sheets.

recompute the results offline, bit for bit:
  run.py export --contest c1 --format csv --what marks-machine --out marks.csv
  run.py export --contest c1 --format csv --what projects-machine --out projects.csv
  run.py export --contest c1 --format toml --out rules.toml
  run.py score --rules rules.toml --marks marks.csv --projects projects.csv
"""


def export_help() -> str:
    """The --help epilog: one line per format of the registry (judging/exports/formats.py), then the notes."""
    lines = ["formats (the registry of judging/exports/formats.py):"]
    for f in formats.FORMATS:
        flags = f"--format {f.cli_format}" + (f" --what {f.cli_what}" if f.cli_what else "")
        lines.append(f"  {flags:<36} {f.name}: {f.summary}")
    return "\n".join(lines) + "\n\n" + EXPORT_NOTES


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("export", help="export a contest: Excel, CSV, PDF score sheets, JSON archive",
                       description="Export one contest of a judging database.", epilog=export_help(),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("--db", default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB}, like serve)")
    e.add_argument("--contest", required=True, help="contest id, e.g. c1")
    e.add_argument("--format", required=True, choices=formats.cli_formats())
    e.add_argument("--what", choices=formats.cli_whats(), default=None,
                   help="with --format csv: which CSV (default results)")
    e.add_argument("--judge", action="append", metavar="ID", help="with --format pdf: only this judge's sheet")
    e.add_argument("--part", choices=("all", "summary", "sheets"), default=None,
                   help="with --format pdf: the summary, the judges' sheets, or both (default)")
    e.add_argument("--out", required=True, help="output file ('-' writes to standard output)")
    e.set_defaults(func=cmd_export)
    i = sub.add_parser("import", help="import a contest from a JSON archive (made by export --format json)",
                       description="Import a contest archive into a database (created if missing). The contest "
                                   "keeps its phase, marks and results; judges get new links.")
    i.add_argument("archive", help="the archive file (.json)")
    i.add_argument("--db", default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")
    i.add_argument("--as", dest="new_id", metavar="ID", help="import under this contest id (when the id is taken)")
    i.set_defaults(func=cmd_import)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def check_database(path: str, must_exist: bool = True) -> str | None:
    """None if ``path`` is a judging database we can open, else why not."""
    if not os.path.exists(path):
        return f"{path}: no such database (start the server once, or pass --db)" if must_exist else None
    try:
        version, tables = schema_of(path)
    except sqlite3.DatabaseError as e:
        return f"{path}: not a judging database ({e})"
    if version < 1 or "contests" not in tables:
        return f"{path}: not a judging database (no contests table)"
    if version > len(MIGRATIONS):
        return f"{path}: made by a newer version of this program (schema {version})"
    return None


async def _open(path: str):
    store = Store(path)
    await store.open()
    svc = Service(store)  # an export publishes nothing
    try:
        await svc.load()
    except BaseException:
        await store.close()
        raise
    return svc


def cmd_export(args: argparse.Namespace) -> int:
    problem = check_database(args.db)
    if problem:
        return _fail(problem)
    fmt = formats.from_cli(args.format, args.what if formats.cli_whats(args.format) else None)
    what = fmt.name
    if args.format != "pdf" and (args.judge or args.part):
        return _fail("--judge and --part go with --format pdf")

    async def run() -> bytes | str:
        svc = await _open(args.db)
        try:
            if args.contest not in svc.runtimes:
                known = ", ".join(svc.runtimes) or "none"
                return f"{args.db}: no contest {args.contest!r} (contests: {known})"
            snap = await load_snapshot(svc, args.contest)
            if what == "archive.json":  # recorded: a contest with marks is deleted only after this
                await svc.record_archive_export(args.contest, snap.audit, snap.taken_at)
        finally:
            await svc.store.close()
        part = args.part or "all"
        try:
            return fmt.render(snap, judges=args.judge, summary=part in ("all", "summary") and not args.judge,
                          sheets=part in ("all", "sheets"))
        except ValueError as e:
            return str(e)

    try:
        data = asyncio.run(run())
    except sqlite3.Error as e:
        return _fail(f"{args.db}: {e}")
    if isinstance(data, str):
        return _fail(data)
    if args.out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        Path(args.out).write_bytes(data)
    except OSError as e:
        return _fail(f"{args.out}: cannot write ({e.strerror})")
    print(f"{what} of contest {args.contest} -> {args.out} ({len(data):,} bytes)", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from judging.web.api import BadRequest, parse_json  # the server's own reading of an uploaded archive

    try:  # NaN, 1e400, a lone surrogate or JSON nested 100,000 deep: refused here, as by the server
        data = parse_json(Path(args.archive).read_bytes())
    except OSError as e:
        return _fail(f"{args.archive}: cannot read ({e.strerror})")
    except BadRequest as e:
        return _fail(f"{args.archive}: 不是有效的存档 / not a JSON archive: {e}")
    problem = check_database(args.db, must_exist=False)
    if problem:
        return _fail(problem)

    report: list[str] = []  # a season's stage: other stages missing here, or imported on its own

    async def run():
        svc = await _open(args.db)
        try:
            return await svc.import_contest(data, "organizer:cli", "cli", new_id=args.new_id, report=report)
        finally:
            await svc.store.close()

    try:
        rt = asyncio.run(run())
    except (Invalid, Conflict) as e:
        details = "".join(f"\n  {k}: {v}" for k, v in getattr(e, "errors", {}).items())
        return _fail(f"{args.archive}: {e}{details}")
    except sqlite3.Error as e:
        return _fail(f"{args.db}: {e}")
    c = rt.contest
    print(f"imported contest {c.id} ({c.name}) into {args.db}: phase {rt.state.phase}, {len(rt.marks)} mark sets, "
          f"{len(c.judges)} judges with new links (restart a running server to see it; the QR cards page has the "
          f"links)")
    for warning in report:
        print(f"warning: {warning}", file=sys.stderr)
    return 0
