"""Marks in columns (issue 11): the incremental :class:`MarkColumns` equals one rebuilt from the same mark sets and
gives the engine exactly the table the old one-``Mark``-per-mark list gave (same rows, same order, same bits);
a restart loads the same table from the packed column; an old database (rows without it) migrates."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judging.app.runtime import Runtime, is_closed
from judging.core.contest import LiveState
from judging.core.engine import ProjectInfo, compute
from judging.core.model import Contest, Judge, Project
from judging.core.rules import parse_rules
from judging.core.scoring import Mark, MarkTable
from judging.storage import repository as repo
from judging.storage.mark_columns import MarkColumns, pack
from judging.storage.records import MarkSet
from judging.storage.store import MIGRATIONS, Store

RULES = parse_rules((Path(__file__).resolve().parents[1] / "scoring_rules" / "expert_public.toml").read_text("utf-8"),
                    "expert_public.toml")
PROJECTS = ["P1", "P2", "P10", "项目三"]
ROUNDS = ["final", "overtime1", "overtime2"]
JUDGES = [("E1", "expert"), ("E2", "expert"), ("E10", "expert"), ("E4", "expert"), ("U1", "public"), ("U2", "public"),
          ("U3", "public"), ("U4", "public")]
CONTEST = Contest("c", "c", RULES, tuple(Project(p, p) for p in PROJECTS),
                  tuple(Judge(j, j, panel, f"tok-{j}") for j, panel in JUDGES), screen_token="scr", order=tuple(PROJECTS))
PANEL = dict(JUDGES)
CRITERIA = {"expert": ["need", "design", "impact", "team"], "public": ["overall"]}


def old_engine_marks(contest: Contest, state: LiveState, sets: dict) -> list[Mark]:
    """The per-mark list the runtime built before issue 11 (the reference)."""
    panels = {j.id: j.panel for j in contest.judges}
    return [Mark(m.project, m.round, panels[m.judge], m.judge, crit, v)
            for m in sets.values() if m.status == "active" and m.judge in panels
            and is_closed(state, m.project, m.round) for crit, v in sorted(m.values.items())]


def same_table(a: MarkTable, b: MarkTable) -> None:
    assert (a.projects, a.rounds, a.judges, a.judge_panel, a.criteria, a.factors) == \
        (b.projects, b.rounds, b.judges, b.judge_panel, b.criteria, b.factors)
    for name in ("p", "r", "j", "c", "score"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), name


def stored_rows(sets: dict) -> MarkColumns:
    """What the repository's load makes of these sets stored (packed) in this order."""
    ms = list(sets.values())
    packed = [pack(m.values) for m in ms]
    return MarkColumns.from_rows([m.project for m in ms], [m.round for m in ms], [m.judge for m in ms],
                                 [m.submission_id for m in ms], [b for b, _ in packed], [c for _, c in packed],
                                 [m.status for m in ms], [m.updated_at for m in ms], [m.updated_by for m in ms])


values = st.sampled_from([0.0, 5.0, 7.5, 10.0, 17.7, 20.0, 33.3, 99.9, 100.0])
op = st.tuples(st.sampled_from(["submit", "void", "correct"]), st.sampled_from(PROJECTS), st.sampled_from(ROUNDS),
               st.sampled_from([j for j, _ in JUDGES] + ["GONE"]), st.lists(values, min_size=4, max_size=4),
               st.integers(0, 2 ** 20))
state = st.builds(lambda phase, rnd, done, ot: LiveState(phase=phase, round=rnd, order=tuple(PROJECTS), done=tuple(done),
                                                          overtime=ot),
                  st.sampled_from(["idle", "scoring", "result", "ranking", "locked"]), st.sampled_from(ROUNDS),
                  st.lists(st.sampled_from(PROJECTS), unique=True), st.integers(0, 2))


def apply(sets: dict, mc: MarkColumns, step: tuple) -> None:
    kind, p, r, j, vals, n = step
    key = (p, r, j)
    if kind == "void":
        if key not in sets:
            return
        old = sets[key]
        new = MarkSet(p, r, j, old.values, old.submission_id, "voided", n + 0.5, "organizer")
    else:
        crits = CRITERIA[PANEL.get(j, "public")]
        new = MarkSet(p, r, j, dict(zip(crits, vals)), f"s{n}", "active", n + 0.25,
                      "organizer" if kind == "correct" else f"judge:{j}")
    sets[key] = new
    mc[key] = new


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, max_size=40), st.lists(state, min_size=1, max_size=3))
def test_incremental_columns_equal_rebuilt_and_give_the_old_table(steps, states):
    sets: dict = {}
    mc = MarkColumns()
    for step in steps:
        apply(sets, mc, step)
    assert list(mc) == list(sets) and len(mc) == len(sets)
    assert dict(mc.items()) == sets and all(mc[k] == m for k, m in sets.items())
    assert ("nope", "final", "E1") not in mc and mc.get(("P1", "semi", "E1")) is None
    rebuilt, loaded, copied = MarkColumns(sets), stored_rows(sets), mc.copy()
    for s in states:
        rt = Runtime(CONTEST, s, mc)
        old = MarkTable.from_marks(old_engine_marks(CONTEST, s, sets))
        new = rt.engine_table()
        same_table(new, old)
        for other in (rebuilt, loaded, copied):
            same_table(Runtime(CONTEST, s, other).engine_table(), old)
        assert rt.engine_marks() == [m for m in MarkTable_rows(old)]


def MarkTable_rows(t: MarkTable) -> list[Mark]:
    return [Mark(t.projects[p], t.rounds[r], t.judge_panel[j], t.judges[j], t.criteria[c], float(v))
            for p, r, j, c, v in zip(t.p, t.r, t.j, t.c, t.score)]


def test_a_trial_copy_leaves_the_original_alone():
    mc = MarkColumns([MarkSet("P1", "final", "E1", {"need": 1.0, "design": 2.0, "impact": 3.0, "team": 4.0}, "s1",
                              "active", 1.0, "judge:E1")])
    trial = mc.copy()
    trial[("P1", "final", "E1")] = MarkSet("P1", "final", "E1", {"need": 9.0, "design": 2.0, "impact": 3.0,
                                                                 "team": 4.0}, "s2", "active", 2.0, "organizer")
    trial[("P2", "final", "U1")] = MarkSet("P2", "final", "U1", {"overall": 50.0}, "s3", "active", 3.0, "judge:U1")
    assert mc[("P1", "final", "E1")].values["need"] == 1.0 and len(mc) == 1 and ("P2", "final", "U1") not in mc
    assert trial[("P1", "final", "E1")].submission_id == "s2" and len(trial) == 2


def evening_sets(seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    sets = {}
    for i, p in enumerate(PROJECTS):
        for j, panel in JUDGES:
            vals = {c: float(rng.integers(0, 201) / 10) for c in CRITERIA[panel]}
            sets[(p, "final", j)] = MarkSet(p, "final", j, vals, f"s-{p}-{j}", "voided" if (i, j) == (1, "U2")
                                            else "active", 1.7e9 + rng.random(), f"judge:{j}")
    return sets


async def write_contest(path: str, sets: dict, state: LiveState) -> None:
    store = Store(path)
    await store.open()
    async with store.write() as tx:
        await repo.insert_contest(tx, CONTEST, state, 1.0)
        await repo.save_marks(tx, "c", sets.values())
    await store.close()


async def load(path: str):
    store = Store(path)
    await store.open()
    try:
        stored, bad = await repo.load_contests(store)
        rows = await store.fetchall("SELECT packed, packed_criteria, marks FROM marks")
    finally:
        await store.close()
    assert bad == {}
    return stored[0], rows


def test_a_restart_loads_the_same_columns_and_results(tmp_path):
    sets = evening_sets()
    s = LiveState(phase="ranking", round="final", order=tuple(PROJECTS), done=tuple(PROJECTS))
    path = str(tmp_path / "j.db")
    asyncio.run(write_contest(path, sets, s))
    stored, rows = asyncio.run(load(path))
    assert isinstance(stored.marks, MarkColumns)
    assert dict(stored.marks.items()) == sets
    live = Runtime(CONTEST, s, MarkColumns(sets))
    again = Runtime(stored.contest, stored.state, stored.marks)
    old = MarkTable.from_marks(old_engine_marks(CONTEST, s, sets))
    same_table(again.engine_table(), MarkTable.from_marks(old_engine_marks(CONTEST, s, dict(stored.marks.items()))))
    infos = {p.id: ProjectInfo(p.id, p.name) for p in CONTEST.projects}
    assert compute(RULES, again.engine_table(), infos).to_json() == compute(RULES, live.engine_table(), infos).to_json() \
        == compute(RULES, old, infos).to_json()
    for packed, criteria, text in rows:  # the packed column says what the JSON says
        assert dict(zip(json.loads(criteria), np.frombuffer(packed, "<f8").tolist())) == json.loads(text)


def test_an_old_database_migrates_and_loads_its_marks(tmp_path):
    """A file written before migration 4 (marks as JSON only): opening it packs every row, the load reads them."""
    path = str(tmp_path / "old.db")
    sets = evening_sets(11)
    s = LiveState(phase="ranking", round="final", order=tuple(PROJECTS), done=tuple(PROJECTS))
    asyncio.run(write_contest(str(tmp_path / "new.db"), sets, s))
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        con.executescript(script)
    con.execute("PRAGMA user_version = 3")
    new = sqlite3.connect(str(tmp_path / "new.db"))
    for table in ("contests", "projects", "judges", "marks"):
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        rows = new.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
        con.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
    con.commit()
    assert "packed" not in [r[1] for r in con.execute("PRAGMA table_info(marks)")]
    con.close()
    new.close()
    stored, rows = asyncio.run(load(path))
    assert dict(stored.marks.items()) == sets
    assert all(packed is not None for packed, _, _ in rows)
    for packed, criteria, text in rows:
        assert dict(zip(json.loads(criteria), np.frombuffer(packed, "<f8").tolist())) == json.loads(text)
    (version,) = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()
    assert version == len(MIGRATIONS)
