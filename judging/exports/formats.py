"""The one registry of export formats: every file a contest can be exported as, each named once.

What it does: :data:`FORMATS` lists each format with its name (the URL's last part and the
file's ASCII name, e.g. ``results.xlsx``), media type, label (zh + en, for the pages' export
menus), the Chinese word of the download's file name, a one-line summary (the OpenAPI document
and ``run.py export --help``), the ``run.py export`` flags that choose it (``--format`` and, for
the CSVs, ``--what``) and its renderer (a function of the export :class:`Snapshot`).  The routes
(:mod:`judging.web.exports_api`), the CLI (:mod:`judging.cli.export`), the OpenAPI document
(:mod:`judging.web.openapi`) and the console and audit pages' export menus all read this list, so
a new format is one renderer and one entry here (docs/EXPORTS.md, "Adding a format").

What it does not do: build any file itself (the renderers live in :mod:`judging.exports.xlsx`,
:mod:`judging.exports.csv_sheets`, :mod:`judging.exports.pdf_sheets`, :mod:`judging.exports.archive`
and :mod:`judging.exports.snapshot`), load the snapshot, or check who may download.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

from judging.exports.snapshot import Snapshot, marks_machine_csv, projects_machine_csv, results_machine_csv

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportFormat:
    """One export format.  ``render(snapshot, **options)`` gives the bytes (ValueError: cannot be made now)."""

    name: str            # URL tail and ASCII file name: /api/contests/{cid}/export/{name}, "{cid}-{name}"
    media_type: str
    zh: str              # the export menus' label, Chinese ...
    en: str              # ... and English
    file_label: str      # the download's Chinese file name: "{contest name}-{file_label}.{extension}"
    summary: str         # what it holds: OpenAPI summary, run.py export --help
    cli_format: str      # run.py export --format ...
    cli_what: str | None  # ... and --what (the CSVs), None when --format alone chooses it
    render: Callable[..., bytes]
    sheet_options: bool = False  # takes ?judge=ID / ?part=all|summary|sheets (run.py --judge / --part)

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def href(self, cid: str) -> str:
        """The download address of this format for contest ``cid``."""
        return f"/api/contests/{quote(cid, safe='')}/export/{self.name}"


# The Excel, PDF and archive renderers are imported when first used: the CLI reads this registry for
# every run.py command, and openpyxl / the PDF library take a quarter of a second to import.

def _pdf(snap: Snapshot, judges: list[str] | None = None, summary: bool = True, sheets: bool = True,
         **_: Any) -> bytes:
    from judging.exports.pdf_sheets import scoresheets
    return scoresheets(snap, judges=judges, summary=summary, sheets=sheets)


def _xlsx(snap: Snapshot) -> bytes:
    from judging.exports.xlsx import workbook
    return workbook(snap)


def _csv(which: str) -> Callable[[Snapshot], bytes]:
    def render(snap: Snapshot) -> bytes:
        from judging.exports import csv_sheets
        return getattr(csv_sheets, which)(snap)
    render.__name__ = which
    return render


def _plain(fn: Callable[[Snapshot], bytes]) -> Callable[..., bytes]:
    """A renderer that takes no options (the PDF's judge/part options are ignored, as before)."""
    def render(snap: Snapshot, **_: Any) -> bytes:
        return fn(snap)
    render.__name__ = getattr(fn, "__name__", "render")
    return render


def _rules(snap: Snapshot) -> bytes:
    return snap.rt.contest.rules.text.encode("utf-8")


def _archive(snap: Snapshot) -> bytes:
    from judging.exports.archive import build_archive, dumps
    return dumps(build_archive(snap))


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("results.xlsx", XLSX, "成绩 Excel", "results.xlsx", "成绩",
                 "Excel workbook: summary, one sheet per panel, rules, setup, corrections, audit log",
                 "xlsx", None, _plain(_xlsx)),
    ExportFormat("results.csv", CSV, "成绩 CSV", "results.csv", "成绩",
                 "成绩 CSV: ranks, names, panel scores, totals and overtime scores at the rules' digits, tie notes, "
                 "awards, grants; Chinese headers (UTF-8 BOM)", "csv", "results", _plain(_csv("results_csv"))),
    ExportFormat("marks.csv", CSV, "评分明细 CSV", "marks.csv", "评分明细",
                 "评分明细 CSV: every counted mark with project, judge, panel and criterion names (UTF-8 BOM)",
                 "csv", "marks", _plain(_csv("marks_csv"))),
    ExportFormat("projects.csv", CSV, "项目 CSV", "projects.csv", "项目",
                 "项目 CSV: running order, names, track, requested grant (UTF-8 BOM)",
                 "csv", "projects", _plain(_csv("projects_csv"))),
    ExportFormat("scoresheets.pdf", "application/pdf", "评分表 PDF（签字）", "score sheets", "评分表",
                 "A4 PDF: results summary (signature lines for 评审组长 and 监督) + one score sheet per judge "
                 "(评委签名); ?judge=ID (repeatable) for some judges only, ?part=all|summary|sheets",
                 "pdf", None, _pdf, sheet_options=True),
    ExportFormat("archive.json", "application/json", "完整存档 JSON", "archive", "存档",
                 "JSON archive of the whole contest (no judge tokens), importable with POST /api/contests/import "
                 "or run.py import", "json", None, _plain(_archive)),
    ExportFormat("rules.toml", "application/toml; charset=utf-8", "评分规则", "rules.toml", "评分规则",
                 "the contest's own rules file (for run.py score --rules)", "toml", None, _plain(_rules)),
    ExportFormat("results-machine.csv", CSV, "成绩（供 run.py score 复算）", "results-machine.csv", "成绩-机读",
                 "results in the run.py score --format csv columns, English headers (UTF-8 BOM)",
                 "csv", "results-machine", _plain(results_machine_csv)),
    ExportFormat("marks-machine.csv", CSV, "评分明细（供 run.py score 复算）", "marks-machine.csv", "评分明细-机读",
                 "every counted mark in the format run.py score --marks reads (UTF-8 BOM)",
                 "csv", "marks-machine", _plain(marks_machine_csv)),
    ExportFormat("projects-machine.csv", CSV, "项目（供 run.py score 复算）", "projects-machine.csv", "项目-机读",
                 "the projects in the format run.py score --projects reads (UTF-8 BOM)",
                 "csv", "projects-machine", _plain(projects_machine_csv)),
)

BY_NAME: dict[str, ExportFormat] = {f.name: f for f in FORMATS}
NAMES: tuple[str, ...] = tuple(BY_NAME)


class UnknownFormat(LookupError):
    """A format name (or CLI --format/--what pair) that is not in the registry; the message says which are."""


def get(name: str) -> ExportFormat:
    """The format called ``name``; :class:`UnknownFormat` (Chinese / English, lists the known ones) if none."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownFormat(f"没有这种导出格式 {name!r}（可用：{'、'.join(NAMES)}）/ unknown export format "
                            f"{name!r} (formats: {', '.join(NAMES)})") from None


def cli_formats() -> tuple[str, ...]:
    """The ``run.py export --format`` choices, in registry order."""
    return tuple(dict.fromkeys(f.cli_format for f in FORMATS))


def cli_whats(cli_format: str | None = None) -> tuple[str, ...]:
    """The ``--what`` choices that go with ``--format cli_format`` (all of them when None; empty: --format
    alone chooses)."""
    return tuple(f.cli_what for f in FORMATS
                 if (cli_format is None or f.cli_format == cli_format) and f.cli_what is not None)


def from_cli(cli_format: str, what: str | None = None) -> ExportFormat:
    """The format that ``--format cli_format [--what what]`` chooses (``what`` matters only where the
    format has several, e.g. csv; None there means the first, results)."""
    group = [f for f in FORMATS if f.cli_format == cli_format]
    if not group:
        raise UnknownFormat(f"没有这种导出格式 --format {cli_format!r} / unknown --format {cli_format!r} "
                            f"(formats: {', '.join(cli_formats())})")
    if len(group) == 1:
        return group[0]
    if what is None:
        return group[0]
    for f in group:
        if f.cli_what == what:
            return f
    raise UnknownFormat(f"--format {cli_format} 没有 --what {what!r} / --format {cli_format} has no --what {what!r} "
                        f"(choices: {', '.join(cli_whats(cli_format))})")


def render(snap: Snapshot, name: str, **options: Any) -> bytes:
    """The bytes of export ``name`` (:class:`UnknownFormat` if there is none; ValueError when it cannot be made)."""
    return get(name).render(snap, **options)

