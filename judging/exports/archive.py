"""The JSON archive of one contest: written after the evening, importable into another server.

An archive holds the format name and version, the setup (projects, judges *without* their link
tokens, recusals, running order and draw seed, timer), the rules text, the live state (phase,
rounds, undo history), every mark set (voided ones too), every submission a phone made, every paper entry (``paper_entries``), the
contest's audit entries with their chain hashes, the results, its branding when it has any (colours,
sponsor line, the logos as base64 PNG), and a SHA-256 of all of it.

What it does: :func:`build_archive` makes the archive from a :class:`~judging.exports.snapshot.Snapshot`.
Reading one back (every check before anything is written) is :func:`judging.app.archive_import.read_archive`,
re-exported here.  Judge and screen tokens are credentials: they are never exported.

What it does not do: read archives or write to a database.
"""

from __future__ import annotations

import json
from typing import Any

from judging.app.archive_import import FORMAT, VERSION, ArchiveError, Imported, checksum, read_archive  # noqa: F401
from judging.app.brand import archive_json as archive_brand
from judging.app.audience_archive import archive_part
from judging.exports.snapshot import Snapshot


def build_archive(snap: Snapshot) -> dict:
    rt = snap.rt
    c = rt.contest
    archive: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "exported_at": snap.taken_at, "generator": "roadshow-judging",
        "contest": {
            "id": c.id, "name": c.name, "timer_seconds": c.timer_seconds, "regular_round": c.regular_round,
            "date": c.date, "venue": c.venue,
            "rules": {"name": c.rules.name, "source": c.rules.source, "text": c.rules.text},
            "projects": [p.to_json() for p in c.projects],
            "judges": [j.to_json() for j in c.judges],  # no tokens: they are credentials
            "recusals": [{"judge": j, "project": p} for j, p in sorted(c.recusals)],
            "order": list(c.order), "draw_seed": c.draw_seed},
        "state": rt.state.dump(),
        "marks": [m.to_json() for _, m in sorted(rt.marks.items())],
        "submissions": [{"submission_id": s.submission_id, "judge": s.judge, "project": s.project, "round": s.round,
                         "values": s.values, "received_at": s.received_at} for s in snap.submissions],
        "audit": [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail,
                   "reason": e.reason, "client": e.client, "prev_hash": e.prev_hash, "hash": e.hash}
                  for e in snap.audit],
        "paper_entries": [e.to_json() for e in sorted(rt.paper.values(), key=lambda e: (e.entered_at, e.id))],
        "results": rt.results.to_json() if rt.results else None,
        "results_error": rt.results_error,
    }
    if c.stage is not None:  # a stage of a season: its place, and what it brought from the stage before
        archive["stage"] = c.stage.to_json()
    if (brand := archive_brand(rt)) is not None:  # logo and sponsor logos as base64 PNG; no key without branding
        archive["brand"] = brand
    if rt.contest.rules.has_audience or (rt.audience is not None and rt.audience.ballots):
        archive["audience"] = archive_part(rt.audience)  # ballots (voter hashes), codes, the audience state
    archive["sha256"] = checksum(archive)
    return archive


def dumps(archive: dict) -> bytes:
    return json.dumps(archive, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
