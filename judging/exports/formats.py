"""The export formats by name and the one dispatch from a name to its renderer.

What it does: :data:`EXPORTS` (name -> media type, Chinese label for the file name, what it is) and
:func:`render` (the bytes of one export of a :class:`~judging.exports.snapshot.Snapshot`).  It sits above
the renderers (:mod:`judging.exports.snapshot`, :mod:`judging.exports.csv_sheets`,
:mod:`judging.exports.xlsx`, :mod:`judging.exports.pdf_sheets`, :mod:`judging.exports.archive`), which
never import it: no import circle.

What it does not do: load the snapshot, build any file itself, or check who may download.
"""

from __future__ import annotations

from typing import Any

from judging.exports import snapshot
from judging.exports.snapshot import Snapshot

EXPORTS: dict[str, tuple[str, str, str]] = {
    # name -> (media type, Chinese label for the file name, what it is)
    "results.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "成绩",
                     "Excel workbook: summary, one sheet per panel, rules, setup, corrections, audit log"),
    "results.csv": ("text/csv; charset=utf-8", "成绩", "results: Chinese headers and names, the rules' digits, "
                    "overtime scores"),
    "marks.csv": ("text/csv; charset=utf-8", "评分明细", "counted marks with project, judge, panel, criterion names"),
    "projects.csv": ("text/csv; charset=utf-8", "项目", "projects: running order, names, track, requested grant"),
    "results-machine.csv": ("text/csv; charset=utf-8", "成绩-机读", "results (run.py score --format csv columns)"),
    "marks-machine.csv": ("text/csv; charset=utf-8", "评分明细-机读", "counted marks (run.py score --marks format)"),
    "projects-machine.csv": ("text/csv; charset=utf-8", "项目-机读", "projects (run.py score --projects format)"),
    "rules.toml": ("application/toml; charset=utf-8", "评分规则", "the contest's own rules file"),
    "scoresheets.pdf": ("application/pdf", "评分表", "PDF: results summary + one score sheet per judge"),
    "archive.json": ("application/json", "存档", "JSON archive of the whole contest (importable)"),
}


def render(snap: Snapshot, what: str, **options: Any) -> bytes:
    """The bytes of export ``what`` (a key of :data:`EXPORTS`).  ValueError when it cannot be made."""
    if what == "results.xlsx":
        from judging.exports.xlsx import workbook
        return workbook(snap)
    if what in ("results.csv", "marks.csv", "projects.csv"):
        from judging.exports import csv_sheets
        return {"results.csv": csv_sheets.results_csv, "marks.csv": csv_sheets.marks_csv,
                "projects.csv": csv_sheets.projects_csv}[what](snap)
    if what == "results-machine.csv":
        return snapshot.results_machine_csv(snap)
    if what == "marks-machine.csv":
        return snapshot.marks_machine_csv(snap)
    if what == "projects-machine.csv":
        return snapshot.projects_machine_csv(snap)
    if what == "rules.toml":
        return snap.rt.contest.rules.text.encode("utf-8")
    if what == "scoresheets.pdf":
        from judging.exports.pdf_sheets import scoresheets
        return scoresheets(snap, judges=options.get("judges"), summary=options.get("summary", True),
                           sheets=options.get("sheets", True))
    if what == "archive.json":
        from judging.exports.archive import build_archive, dumps
        return dumps(build_archive(snap))
    raise ValueError(f"未知的导出格式 / unknown export {what!r}")
