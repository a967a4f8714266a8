"""What the exports are made of: a consistent snapshot of one contest, the rows every export
shares (results summary, one judge's score sheet, corrections), and the two CSVs.

What it does: :func:`load_snapshot` copies a contest's live state, marks, submissions and
audit log under the store's writer lock (so the copy matches one committed moment); the
formatting helpers and the CSVs below are pure functions of a :class:`Snapshot`; which
renderer makes which export is the registry :mod:`judging.exports.formats`.  The rows shared by
the Excel and PDF exports (results summary, a judge's score sheet, corrections) are in
:mod:`judging.exports.rows`.  The other formats live
in :mod:`judging.exports.xlsx` (Excel), :mod:`judging.exports.pdf_sheets` (PDF score sheets) and
:mod:`judging.exports.archive` (JSON archive and import); ``run.py export`` / ``run.py import`` are in
:mod:`judging.cli.export` (registered by :func:`register_export`).

CSV choices: every CSV starts with a UTF-8 BOM (Excel on a Chinese Windows reads a CSV without
one as GBK).  ``results.csv``, ``marks.csv`` and ``projects.csv`` are for people: Chinese headers
and names, scores at the rules' digits, formula-looking text neutralised
(:mod:`judging.exports.csv_sheets`).  The machine formats keep their own names: ``marks-machine.csv`` is
exactly what ``run.py score --marks`` reads, ``projects-machine.csv`` what ``--projects`` reads,
``results-machine.csv`` the ``run.py score --format csv`` output (``run.py score`` skips the BOM);
their text is exact, not neutralised, so that they round-trip.

What it does not do: decide anything about the contest, or ever include a judge's or the big
screen's link token (exports are handed around; tokens are credentials).
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from judging.cli.main import format_csv
from judging.exports.text import clean
from judging.inputs.marks_csv import write_marks
from judging.core.scoring import is_overtime, natural_key, overtime_number

if TYPE_CHECKING:
    import argparse

    from judging.app.service import Runtime, Service

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
    from judging.app.service import Runtime

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


def step_digits(step: float) -> int:
    """Decimals of a mark step: 1 -> 0, 0.5 -> 1, 0.1 -> 1, 0.25 -> 2, 0 (any) -> 2."""
    if step <= 0:
        return 2
    text = f"{step:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def fmt_step(x: float | None, digits: int) -> str:
    """A mark at the decimals of the rules' step (20.0 beside 17.7 when the step is 0.1)."""
    return "" if x is None else f"{x:.{digits}f}"


# Money: one small place, to be swapped for the shared money format (judging/core/money.py) when it lands.
def money_text(x: float | int | None) -> str:
    """A plain amount for a CSV cell: 50000, 80000.5 (no separators: spreadsheets read it as a number)."""
    return "" if x is None else fmt_mark(float(x))


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

def _machine(text: str) -> bytes:
    """A machine CSV: exact text but for characters no CSV reader takes (NUL and the other controls)."""
    return (BOM + clean(text)).encode("utf-8")


def sorted_marks(snap: Snapshot) -> list:
    """The counted marks in a stable order (round, running order, judge order, rubric order) whatever
    order they were submitted or loaded in."""
    c = snap.rt.contest
    position = {pid: i for i, pid in enumerate(c.order or [p.id for p in c.projects])}
    judges = {j.id: i for i, j in enumerate(c.judges)}
    crit = {cr.id: i for i, cr in enumerate(c.rules.criteria)}
    return sorted(snap.rt.engine_marks(), key=lambda m: (natural_key(m.round), position.get(m.project, 1 << 30),
                                                         m.project, judges.get(m.judge, 1 << 30),
                                                         crit.get(m.criterion, -1), m.criterion))


def marks_machine_csv(snap: Snapshot) -> bytes:
    """The counted marks in exactly the ``run.py score --marks`` format (ids, BOM), stable order."""
    return _machine(write_marks(sorted_marks(snap)))


def projects_machine_csv(snap: Snapshot) -> bytes:
    """The projects, in exactly the ``run.py score --projects`` format (name, track, requested grant)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["project", "name", "track", "requested"])
    for p in snap.rt.contest.projects:
        w.writerow([p.id, p.name, p.track, "" if p.requested is None else fmt_mark(p.requested)])
    return _machine(buf.getvalue())


def results_machine_csv(snap: Snapshot) -> bytes:
    """The results with the ``run.py score --format csv`` columns (English headers), with a BOM."""
    rt = snap.rt
    if rt.results is None:
        raise ValueError(f"成绩无法计算 / the results cannot be computed: {rt.results_error or 'no marks yet'}")
    return _machine(format_csv(rt.results, rt.contest.rules.panel_ids))


# ------------------------------------------------------------------ formats
# The list of formats and which renderer makes each: judging/exports/formats.py (the one registry).


def register_export(sub: "argparse._SubParsersAction") -> None:
    """Add ``run.py export`` and ``run.py import`` (see :mod:`judging.cli.export`)."""
    from judging.cli.export import register
    register(sub)
