"""The stages' SQL: a contest's place in its season (the ``stages`` table, migration in
:mod:`judging.storage.schema`).

What it does: reads every stage row at start (:func:`load_stages`) and writes one inside the caller's
transaction (:func:`save_stage`); the review state, the previous stage's totals and its ranking are kept as
JSON in ``detail``.

What it does not do: decide anything (:mod:`judging.app.stages`), or touch a contest's own rows
(:mod:`judging.storage.repository`).
"""

from __future__ import annotations

import json

from judging.core.review import ReviewState
from judging.core.stages import EarlierRow, StageInfo
from judging.storage.store import Store, Tx


def _info(series: str, stage: int, label: str, kind: str, detail: str) -> StageInfo:
    d = json.loads(detail or "{}")
    return StageInfo(series, int(stage), label, kind, ReviewState.load(d.get("review") or {}), d.get("came_from"),
                     str(d.get("came_from_label", "")),
                     tuple((str(p), float(t)) for p, t in d.get("previous", ())),
                     tuple(EarlierRow.load(r) for r in d.get("earlier", ())), d.get("advanced_at"))


async def load_stages(store: Store) -> dict[str, StageInfo]:
    """contest id -> its stage, for every contest that is a stage of a season."""
    rows = await store.fetchall("SELECT contest_id, series, stage, label, kind, detail FROM stages")
    return {r[0]: _info(*r[1:]) for r in rows}


async def save_stage(tx: Tx, cid: str, info: StageInfo) -> None:
    detail = {"review": info.review.to_json(), "came_from": info.came_from, "came_from_label": info.came_from_label,
              "previous": [list(p) for p in info.previous], "earlier": [r.to_json() for r in info.earlier],
              "advanced_at": info.advanced_at}
    await tx.execute("INSERT INTO stages (contest_id, series, stage, label, kind, detail) VALUES (?,?,?,?,?,?) "
                     "ON CONFLICT(contest_id) DO UPDATE SET series = excluded.series, stage = excluded.stage, "
                     "label = excluded.label, kind = excluded.kind, detail = excluded.detail",
                     (cid, info.series, info.stage, info.label, info.kind, json.dumps(detail, ensure_ascii=False)))
