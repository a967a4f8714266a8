"""What the exports are made of: a consistent snapshot of one contest, the rows every export
shares (results summary, one judge's score sheet, corrections), and the two CSVs.

What it does: :func:`load_snapshot` copies a contest's live state, marks, submissions and
in :mod:`judging.exports.xlsx` (Excel), :mod:`judging.exports.pdf_sheets` (PDF score sheets) and
:mod:`judging.exports.archive` (JSON archive; reading one back: :mod:`judging.app.archive_import`);
``run.py export`` / ``run.py import`` are in :mod:`judging.cli.export`.

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

import asyncio
import csv
import io
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from judging.app.lifecycle import marked_for_export
from judging.app.audience_marks import popularity_marks
from judging.app.runtime import Runtime
from judging.exports.text import clean
from judging.exports.results_text import format_csv
from judging.inputs.marks_csv import write_marks
from judging.core.scoring import natural_key
from judging.core.vocabulary import score_text
from judging.storage import repository as repo
from judging.storage import repository_halls as halls_repo
from judging.storage.records import AuditRow, Submission  # noqa: F401 (the rows an export holds)

if TYPE_CHECKING:
    from judging.app.service import Service

BOM = "\ufeff"
NOT_FINAL = "注意：比赛结果尚未锁定，本表不是最终成绩。 Not final: the results are not locked yet."



@dataclass
class Snapshot:
    """A private copy of one contest at one committed moment: safe to read in another thread."""

    rt: "Runtime"
    audit: list[AuditRow] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    taken_at: float = 0.0


async def load_snapshot(svc: "Service", cid: str) -> Snapshot:
    """Copy contest ``cid`` (raises the service's NotFound).  Under the writer lock (no write half-way) it
    copies the contest in memory and pins a read snapshot of the database file at that same moment
    (:mod:`judging.storage.repository_halls`); the audit log and submissions are then read and decoded in a
    worker thread after the lock is released, so the marks, state, submissions and audit log agree and no
    other hall's write waits for a big contest's rows (20,000 audit rows + 20,000 submissions: another hall's
    write waited 0.9-1.8 s, now 17-45 ms; docs/SEASON.md).  A database without a file (``:memory:``) is
    read under the lock as before."""
    rt = svc.get(cid)
    path = getattr(svc.store, "path", ":memory:")
    async with svc.store.write() as tx:
        copy = rt.copy()  # marks, paper entries and audience: private to this export
        copy.contest = marked_for_export(rt.contest)
        if path == ":memory:" or not os.path.exists(path):
            audit = await repo.audit_rows(tx, cid)
            subs = await repo.submissions(tx, cid)
            return Snapshot(copy, audit, subs, svc.clock())
        pinned = await asyncio.to_thread(halls_repo.pin, path)
    audit, subs = await asyncio.to_thread(halls_repo.export_rows, pinned, cid)
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


fmt_score = score_text  # a published score in the rules' digits (88.50): the one rule, core/vocabulary.py


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
    return _machine(write_marks(sorted_marks(snap) + popularity_marks(snap.rt)))  # + round "popularity" rows


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
