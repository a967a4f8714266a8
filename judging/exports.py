"""What the exports are made of: a consistent snapshot of one contest, the rows every export
shares (results summary, one judge's score sheet, corrections), and the two CSVs.

What it does: :func:`load_snapshot` copies a contest's live state, marks, submissions and
audit log under the store's writer lock (so the copy matches one committed moment); the
formatting helpers and the CSVs below are pure functions of a :class:`Snapshot`; :func:`render`
makes any export by name.  The rows shared by the Excel and PDF exports (results summary, a
judge's score sheet, corrections) are in :mod:`judging.export_rows`.  The other formats live
in :mod:`judging.xlsx_export` (Excel), :mod:`judging.pdf_sheets` (PDF score sheets) and
:mod:`judging.archive` (JSON archive and import); ``run.py export`` / ``run.py import`` are in
:mod:`judging.export_cli` (registered by :func:`register_export`).

CSV choices: the marks CSV is exactly what ``run.py score --marks`` reads (no BOM: its cells
are ids and numbers, ASCII only; ``run.py score`` would accept a BOM too); the projects CSV is
what ``--projects`` reads; the results CSV has the ``run.py score --format csv`` columns and a
UTF-8 BOM so that Excel and WPS show the Chinese names instead of mojibake.

What it does not do: decide anything about the contest, or ever include a judge's or the big
screen's link token (exports are handed around; tokens are credentials).
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .cli import format_csv
from .marks_io import write_marks
from .scoring import is_overtime, natural_key, overtime_number

if TYPE_CHECKING:
    import argparse

    from .service import Runtime, Service

BOM = "\ufeff"
NOT_FINAL = "注意：比赛结果尚未锁定，本表不是最终成绩。 Not final: the results are not locked yet."
PHASE_LABELS = {"setup": "准备中", "idle": "进行中", "presenting": "路演中", "scoring": "评分中", "closed": "评分结束",
                "result": "公布结果", "ranking": "排名", "reveal": "颁奖", "locked": "已锁定"}



@dataclass(frozen=True)
class AuditRow:
    """One audit entry as stored (``detail_text`` is the exact hashed text)."""

    seq: int
    at: float
    actor: str
    action: str
    detail_text: str
    reason: str
    client: str
    prev_hash: str
    hash: str

    @property
    def detail(self) -> dict:
        return json.loads(self.detail_text)


@dataclass(frozen=True)
class Submission:
    submission_id: str
    judge: str
    project: str
    round: str
    values: dict[str, float]
    received_at: float


@dataclass
class Snapshot:
    """A private copy of one contest at one committed moment: safe to read in another thread."""

    rt: "Runtime"
    audit: list[AuditRow] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    taken_at: float = 0.0


async def load_snapshot(svc: "Service", cid: str) -> Snapshot:
    """Copy contest ``cid`` (raises the service's NotFound).  Holds the writer lock while copying,
    so no write is half-way and the marks, state, submissions and audit log agree."""
    from .service import Runtime

    rt = svc.get(cid)
    async with svc.store.write() as tx:
        copy = Runtime(rt.contest, rt.state, dict(rt.marks), rt.results, rt.results_error)
        cur = await tx.execute("SELECT seq, at, actor, action, detail, reason, client, prev_hash, hash FROM audit "
                               "WHERE contest_id = ? ORDER BY seq", (cid,))
        audit = [AuditRow(*r) for r in await cur.fetchall()]
        cur = await tx.execute("SELECT submission_id, judge_id, project_id, round, marks, received_at FROM submissions "
                               "WHERE contest_id = ? ORDER BY received_at, submission_id", (cid,))
        subs = [Submission(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in await cur.fetchall()]
    return Snapshot(copy, audit, subs, svc.clock())


# ------------------------------------------------------------------ formatting

def fmt_time(at: float | None) -> str:
    """Server-local time, to the second ('2026-05-20 19:32:05')."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) if at else ""


def fmt_mark(x: float | None) -> str:
    """A mark or judge total as typed: 18, 18.5, 18.25 (never 18.000000 or 1e+02)."""
    if x is None:
        return ""
    return f"{x:.6f}".rstrip("0").rstrip(".")


def fmt_score(x: float | None, digits: int) -> str:
    """A published score in the rules' rounding digits (88.50)."""
    return "" if x is None else f"{x:.{digits}f}"


def round_label(round_name: str) -> str:
    return f"加时赛{overtime_number(round_name)}" if is_overtime(round_name) else "正式路演"




def ascii_filename(cid: str, what: str) -> str:
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in cid) or "contest"
    return f"{safe}-{what}"


def content_disposition(cid: str, contest_name: str, what: str, label: str) -> str:
    """``attachment`` with an ASCII filename plus the Chinese one as ``filename*`` (RFC 6266 / 5987)."""
    ext = what.rsplit(".", 1)[-1]
    nice = f"{contest_name}-{label}.{ext}" if contest_name else ascii_filename(cid, what)
    return f"attachment; filename=\"{ascii_filename(cid, what)}\"; filename*=UTF-8''{quote(nice, safe='')}"


# ------------------------------------------------------------------ CSV

def marks_csv(snap: Snapshot) -> bytes:
    """The counted marks, in exactly the ``run.py score --marks`` format, in a stable order (round,
    running order, judge order, rubric order) whatever order they were submitted or loaded in."""
    c = snap.rt.contest
    position = {pid: i for i, pid in enumerate(c.order or [p.id for p in c.projects])}
    judges = {j.id: i for i, j in enumerate(c.judges)}
    crit = {cr.id: i for i, cr in enumerate(c.rules.criteria)}
    marks = sorted(snap.rt.engine_marks(), key=lambda m: (natural_key(m.round), position.get(m.project, 1 << 30),
                                                          m.project, judges.get(m.judge, 1 << 30),
                                                          crit.get(m.criterion, -1), m.criterion))
    return write_marks(marks).encode("utf-8")


def projects_csv(snap: Snapshot) -> bytes:
    """The projects, in exactly the ``run.py score --projects`` format (name, track, requested grant)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["project", "name", "track", "requested"])
    for p in snap.rt.contest.projects:
        w.writerow([p.id, p.name, p.track, "" if p.requested is None else fmt_mark(p.requested)])
    return buf.getvalue().encode("utf-8")


def results_csv(snap: Snapshot) -> bytes:
    """The results with the ``run.py score --format csv`` columns, UTF-8 with a BOM (Excel, WPS)."""
    rt = snap.rt
    if rt.results is None:
        raise ValueError(f"成绩无法计算 / the results cannot be computed: {rt.results_error or 'no marks yet'}")
    return (BOM + format_csv(rt.results, rt.contest.rules.panel_ids)).encode("utf-8")


# ------------------------------------------------------------------ formats

EXPORTS: dict[str, tuple[str, str, str]] = {
    # name -> (media type, Chinese label for the file name, what it is)
    "results.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "成绩",
                     "Excel workbook: summary, one sheet per panel, rules, setup, corrections, audit log"),
    "results.csv": ("text/csv; charset=utf-8", "成绩", "results (run.py score --format csv columns, UTF-8 BOM)"),
    "marks.csv": ("text/csv; charset=utf-8", "评分明细", "counted marks (run.py score --marks format)"),
    "projects.csv": ("text/csv; charset=utf-8", "项目", "projects (run.py score --projects format)"),
    "rules.toml": ("application/toml; charset=utf-8", "评分规则", "the contest's own rules file"),
    "scoresheets.pdf": ("application/pdf", "评分表", "PDF: results summary + one score sheet per judge"),
    "archive.json": ("application/json", "存档", "JSON archive of the whole contest (importable)"),
}


def render(snap: Snapshot, what: str, **options: Any) -> bytes:
    """The bytes of export ``what`` (a key of :data:`EXPORTS`).  ValueError when it cannot be made."""
    if what == "results.xlsx":
        from .xlsx_export import workbook
        return workbook(snap)
    if what == "results.csv":
        return results_csv(snap)
    if what == "marks.csv":
        return marks_csv(snap)
    if what == "projects.csv":
        return projects_csv(snap)
    if what == "rules.toml":
        return snap.rt.contest.rules.text.encode("utf-8")
    if what == "scoresheets.pdf":
        from .pdf_sheets import scoresheets
        return scoresheets(snap, judges=options.get("judges"), summary=options.get("summary", True),
                           sheets=options.get("sheets", True))
    if what == "archive.json":
        from .archive import build_archive, dumps
        return dumps(build_archive(snap))
    raise ValueError(f"未知的导出格式 / unknown export {what!r}")


def register_export(sub: "argparse._SubParsersAction") -> None:
    """Add ``run.py export`` and ``run.py import`` (see :mod:`judging.export_cli`)."""
    from .export_cli import register
    register(sub)
