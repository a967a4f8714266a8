"""Benchmark of the scoring engine: a full recompute of 1,000 projects x 100 judges x 10 criteria.

    .venv/bin/python bench/bench_engine.py                 # defaults: 1000 x 100 x 10, 5 runs
    .venv/bin/python bench/bench_engine.py --projects 200 --runs 3

It prints (medians of --runs runs):
* build: ``MarkTable.from_marks`` on 1,000,000 ``Mark`` objects (what a server does once, then appends);
* compute: ``judging.core.engine.compute`` on the built table -- every round and panel aggregated
  (trimmed mean, drop 1 + 1, per judge over 10 weighted criteria), 70/30 combination, rounding,
  ranking with ties and breakers, award tiers and exact grants;
* plain Python: the same scoring, rounding, ranking and tiers written as ordinary loops over dicts
  (no numpy), on a subset of the projects when --plain-projects is smaller, scaled up linearly (the
  work is linear in the number of projects; the sort is negligible) -- the output says so;
* the ratio plain Python / compute, and whether both give the same totals on the common projects.

* cold start (``--store``, on by default): a real store file with the same contest (1,000 projects, 100
  judges, 100,000 mark sets, the last roadshow still open for scoring), then ``Store.open`` ->
  ``Service.load`` (the repository's load into :class:`MarkColumns` and the first results) timed, and how many
  Python ``Mark`` objects that made (none);
* live recompute: one more submission applied to the columns, then the results of the live state recomputed
  (what a close or a correction costs at that size: the engine's table from the columns + ``compute``), and an
  organizer's correction end to end (trial copy, recompute, commit).

The load average is printed at the start and the end.

What it does not do: time the sockets (see bench_live.py / bench_hall.py).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import secrets
import tempfile
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judging.core.engine import compute  # noqa: E402
from judging.core.rules import Rules, parse_rules  # noqa: E402
from judging.core.scoring import Mark, MarkTable  # noqa: E402

EXPERTS = 30  # the first 30 judges are the expert panel (weight 0.7), the rest the public panel (0.3)


def bench_rules(n_criteria: int) -> Rules:
    crit = "".join(f'[[criteria]]\nid = "c{i}"\nmax = 10\nweight = {1 + i % 3}\n' for i in range(n_criteria))
    return parse_rules(f'''name = "bench"
[marks]
min = 0
max = 10
step = 0.5
{crit}
[[panels]]
id = "expert"
weight = 0.7
method = "trimmed_mean"
drop_high = 1
drop_low = 1
[[panels]]
id = "public"
weight = 0.3
method = "trimmed_mean"
drop_high = 1
drop_low = 1
[rounding]
digits = 2
mode = "half_up"
steps = ["panel", "total"]
[ties]
scope = "award_boundary"
breakers = ["panel:expert", "countback", "shared"]
[[awards]]
id = "first"
count = 1
amount = 50000
[[awards]]
id = "second"
count = 2
amount = 40000
[[awards]]
id = "third"
count = 3
amount = 30000
[[awards]]
id = "merit"
count = 9
amount = 20000
[grants]
unit = 100
''', "bench")


def make_marks(n_projects: int, n_judges: int, n_criteria: int, seed: int = 2026) -> list[Mark]:
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 21, size=(n_projects, n_judges, n_criteria)) / 2  # 0 .. 10 in halves
    pids = [f"P{p:04d}" for p in range(n_projects)]
    judges = [(f"J{j:03d}", "expert" if j < EXPERTS else "public") for j in range(n_judges)]
    cids = [f"c{c}" for c in range(n_criteria)]
    return [Mark(pids[p], "final", panel, jid, cids[c], float(scores[p, j, c]))
            for p in range(n_projects) for j, (jid, panel) in enumerate(judges) for c in range(n_criteria)]


# ----------------------------------------------------------------- the plain-Python version

def half_up(x: float, digits: int) -> float:
    """Same rounding as the engine: float noise removed at 9 decimals, then half up."""
    scale = 10 ** digits
    scaled = round(x * scale, 9 - digits)
    return math.copysign(math.floor(abs(scaled) + 0.5), scaled) / scale


def plain_python(rules: Rules, marks: list[Mark]) -> dict[str, tuple[int, float, str | None]]:
    """project -> (rank, total, award id): scoring, rounding, competition ranks and count tiers."""
    weight = {c.id: c.weight for c in rules.criteria}
    judge_total: dict[tuple[str, str, str], float] = {}
    for m in marks:
        key = (m.project, m.panel, m.judge)
        judge_total[key] = judge_total.get(key, 0.0) + m.score * weight[m.criterion]
    per_panel: dict[tuple[str, str], list[float]] = {}
    for (project, panel, _), total in judge_total.items():
        per_panel.setdefault((project, panel), []).append(total)
    digits = rules.rounding.digits
    totals: dict[str, float] = {}
    for p in rules.panels:
        for (project, panel), values in per_panel.items():
            if panel != p.id:
                continue
            kept = sorted(values)[p.drop_low:len(values) - p.drop_high]
            score = half_up(sum(kept) / len(kept), digits)
            totals[project] = totals.get(project, 0.0) + p.weight * score
    totals = {k: half_up(v, digits) for k, v in totals.items()}
    order = sorted(totals, key=lambda k: -totals[k])
    tiers = [a.id for a in rules.awards for _ in range(a.count or 0)]
    out: dict[str, tuple[int, float, str | None]] = {}
    rank = 0
    for i, project in enumerate(order):
        if i == 0 or totals[project] != totals[order[i - 1]]:
            rank = i + 1
        out[project] = (rank, totals[project], tiers[rank - 1] if rank <= len(tiers) else None)
    return out


# ----------------------------------------------------------------- cold start and live recompute

def make_store(path: str, n_projects: int, n_judges: int, n_criteria: int, seed: int = 2026) -> None:
    """A store file with the contest of :func:`make_marks` as mark sets, scoring of the last roadshow open and
    its first judge's marks still to come."""
    from judging.core.contest import LiveState
    from judging.core.model import Contest, Judge, Project
    from judging.storage import repository as repo
    from judging.storage.records import MarkSet
    from judging.storage.store import Store

    rules = parse_rules(bench_rules(n_criteria).text, "bench")
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 21, size=(n_projects, n_judges, n_criteria)) / 2
    pids = [f"P{p:04d}" for p in range(n_projects)]
    judges = tuple(Judge(f"J{j:03d}", f"评委{j}", "expert" if j < EXPERTS else "public", secrets.token_urlsafe(16))
                   for j in range(n_judges))
    contest = Contest("bench", "bench", rules, tuple(Project(p, p) for p in pids), judges,
                      screen_token=secrets.token_urlsafe(16), order=tuple(pids))
    state = LiveState(phase="scoring", round="final", order=tuple(pids), current=pids[-1], done=tuple(pids[:-1]))
    cids = [f"c{c}" for c in range(n_criteria)]

    async def fill() -> None:
        store = Store(path)
        await store.open()
        async with store.write() as tx:
            await repo.insert_contest(tx, contest, state, time.time())
            await repo.save_marks(tx, "bench", [
                MarkSet(pids[p], "final", j.id, dict(zip(cids, scores[p, ji].tolist())), f"s{p}-{ji}", "active",
                        1.7e9, f"judge:{j.id}")
                for p in range(n_projects) for ji, j in enumerate(judges) if p < n_projects - 1 or ji > 0])
        await store.close()
    asyncio.run(fill())


class CountMarks:
    """Counts ``Mark`` objects made while it is on (a start or a recompute should make none)."""

    def __enter__(self) -> "CountMarks":
        self.n, self._init = 0, Mark.__init__
        counter = self

        def init(mark, *a, **k):
            counter.n += 1
            counter._init(mark, *a, **k)
        Mark.__init__ = init  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc) -> None:
        Mark.__init__ = self._init  # type: ignore[method-assign]


def bench_store(args: argparse.Namespace) -> None:
    from judging.app.runtime import results_for
    from judging.app.service import Service
    from judging.storage.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.db")
        t0 = time.perf_counter()
        make_store(path, args.projects, args.judges, args.criteria)
        size = os.path.getsize(path) + (os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0)
        print(f"  store file (not timed below): {size / 1e6:.0f} MB, {args.projects * args.judges - 1:,} mark sets, "
              f"made in {time.perf_counter() - t0:.1f} s")

        async def checkpoint(keep: bool) -> tuple[float, int]:
            """Write the contest's mark checkpoint (as the server does once writes pause), or drop it."""
            from judging.app.checkpoints import Checkpoints
            from judging.storage.repository_checkpoint import checkpoint_size, drop_checkpoint
            store = Store(path)
            await store.open()
            try:
                svc = Service(store)
                await svc.load()
                if not keep:
                    async with store.write() as tx:
                        await drop_checkpoint(tx, "bench")
                    return 0.0, 0
                t = time.perf_counter()
                await Checkpoints(svc).save_all()
                took = time.perf_counter() - t
                return took, await checkpoint_size(store, "bench")
            finally:
                await store.close()

        async def cold() -> tuple[float, float, int, Service, Store]:
            with CountMarks() as count:
                t = time.perf_counter()
                store = Store(path)
                await store.open()
                svc = Service(store)
                await svc.load()
                took = time.perf_counter() - t
            rt = svc.get("bench")
            assert rt.results is not None and rt.results_error is None, rt.results_error
            return took, len(rt.results.results), count.n, svc, store

        # alternating, so that both see the same noise: a start from the rows (no checkpoint: the first start
        # after a crash in mid-evening), and from the checkpoint the server writes once writes pause
        runs: dict[bool, list[float]] = {False: [], True: []}
        write_s, blob = [], 0
        for _ in range(args.runs):
            for keep in (False, True):
                took_w, size_w = asyncio.run(checkpoint(keep))
                if keep:
                    write_s.append(took_w)
                    blob = size_w
                took, n_results, made, svc, store = asyncio.run(_then_close(cold))
                runs[keep].append(took)
        for keep, label in ((False, "from the rows       "), (True, "from the checkpoint ")):
            cold_s = statistics.median(runs[keep])
            goal = "under the 0.3 s goal" if cold_s < 0.3 else "OVER the 0.3 s goal"
            print(f"  cold start {label}(open -> load -> first results of {n_results} projects): median "
                  f"{cold_s:.3f} s   runs {', '.join(f'{t:.3f}' for t in runs[keep])}   Mark objects made: {made}"
                  f"   -> {goal}")
        print(f"  checkpoint written in median {statistics.median(write_s):.3f} s (copy under the lock, encode in a "
              f"thread, store), {blob / 1e6:.1f} MB")

        async def live() -> None:
            store = Store(path)
            await store.open()
            svc = Service(store)
            await svc.load()
            rt = svc.get("bench")
            last, judge = rt.state.current, rt.contest.judges[0]
            marks = {f"c{c}": 5.0 for c in range(args.criteria)}
            await svc.submit(rt, judge, {"submission_id": "bench-one-more", "project": last, "round": "final",
                                         "marks": marks})
            closed = rt.state.__class__(**{**rt.state.__dict__, "phase": "closed", "done": rt.state.order})
            times, made = [], 0
            for _ in range(args.runs):
                with CountMarks() as count:
                    t = time.perf_counter()
                    results, error = results_for(rt, closed)
                    times.append(time.perf_counter() - t)
                made = max(made, count.n)
                assert results is not None, error
            med = statistics.median(times)
            goal = "under the 0.1 s goal" if med < 0.1 else "OVER the 0.1 s goal"
            print(f"  live recompute after one more submission (columns -> table -> compute): median {med:.3f} s   "
                  f"runs {', '.join(f'{t:.3f}' for t in times)}   Mark objects made: {made}   -> {goal}")
            rt.state = closed  # the roadshow closed: an organizer corrects a mark set of an earlier one
            times = []
            for k in range(args.runs):
                t = time.perf_counter()
                await svc.correct("bench", "P0000", "final", judge.id, {**marks, "c0": float(k % 10)},
                                  "bench 更正", "organizer")
                times.append(time.perf_counter() - t)
            print(f"  correction end to end (copy, recompute, commit):              median "
                  f"{statistics.median(times):.3f} s   runs {', '.join(f'{t:.3f}' for t in times)}")
            await store.close()
        asyncio.run(live())


async def _then_close(fn):
    took, n, made, svc, store = await fn()
    await store.close()
    return took, n, made, svc, store


# ----------------------------------------------------------------- main

def timed(fn, runs: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--projects", type=int, default=1000)
    ap.add_argument("--judges", type=int, default=100)
    ap.add_argument("--criteria", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-store", action="store_true", help="skip the cold start and live recompute from a store")
    ap.add_argument("--plain-projects", type=int, default=None,
                    help="projects for the plain-Python loop (default: all); scaled up when fewer")
    args = ap.parse_args()
    rules = bench_rules(args.criteria)
    n_marks = args.projects * args.judges * args.criteria
    print(f"engine benchmark: {args.projects} projects x {args.judges} judges x {args.criteria} criteria "
          f"= {n_marks:,} marks, {args.runs} runs (median); load average {load_average()}")
    if not args.no_store:
        bench_store(args)

    t0 = time.perf_counter()
    marks = make_marks(args.projects, args.judges, args.criteria)
    print(f"  generating Mark objects (not timed below): {time.perf_counter() - t0:.2f} s")

    build, build_runs, table = timed(lambda: MarkTable.from_marks(marks), args.runs)
    print(f"  build MarkTable.from_marks:  median {build:.3f} s   runs {', '.join(f'{t:.3f}' for t in build_runs)}")
    comp, comp_runs, results = timed(lambda: compute(rules, table), args.runs)
    goal = "under the 0.2 s goal" if comp < 0.2 else "OVER the 0.2 s goal"
    print(f"  compute (full recompute):    median {comp:.3f} s   runs {', '.join(f'{t:.3f}' for t in comp_runs)}"
          f"   -> {goal}")

    n_plain = min(args.plain_projects or args.projects, args.projects)
    subset = marks[:n_plain * args.judges * args.criteria]  # marks are generated project by project
    plain, plain_runs, plain_out = timed(lambda: plain_python(rules, subset), max(1, min(args.runs, 3)))
    scale = args.projects / n_plain
    plain_full = plain * scale
    note = "" if n_plain == args.projects else f" (run on {n_plain} projects, scaled x{scale:g})"
    print(f"  plain Python loop:           median {plain_full:.3f} s{note}   runs "
          f"{', '.join(f'{t:.3f}' for t in plain_runs)}")
    print(f"  ratio plain Python / compute: {plain_full / comp:.0f}x")

    engine_totals = {r.project: r.total for r in results.results}
    same = all(engine_totals[p] == t for p, (_, t, _) in plain_out.items())
    if n_plain == args.projects:
        engine_ranks = {r.project: r.rank for r in results.results}
        ties_broken = sum(1 for p, (rank, _, _) in plain_out.items() if engine_ranks[p] != rank)
        extra = (f"; ranks that differ: {ties_broken} (the engine breaks ties at award boundaries, the loop "
                 "does not)")
    else:
        extra = ""
    print(f"  same totals as the engine: {'yes' if same else 'NO'}{extra}")
    print(f"  load average at the end: {load_average()}")


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
