"""The one writer alone, in process (no HTTP, no load generator): N judges' submissions, 64 at once, through
``Service.submit`` on a fresh demo contest in a temporary SQLite file (WAL, ``synchronous=FULL``).

Prints acknowledged submissions a second, the group commits they took, and the trips to aiosqlite's thread
per submission -- the figure the writer's lock is held for (judging/storage/tx.py).  ``--profile`` adds a
cProfile of the run.  Usage: ``.venv/bin/python bench/bench_writer.py [--total 2000] [--runs 3] [--profile]``
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judging.app.demo import create_demo  # noqa: E402
from judging.app.service import Service  # noqa: E402
from judging.live.hub import Hub  # noqa: E402
from judging.live.publisher import Publisher  # noqa: E402
from judging.storage.store import Store  # noqa: E402


def marks_for(judge, n: int) -> dict:
    return ({"overall": 60 + n % 30} if judge.panel == "public"
            else {"need": 20, "design": 20, "impact": 20, "team": 10 + n % 10})


async def run(total: int, inflight: int, profile: bool) -> tuple[float, int, float]:
    store = Store(os.path.join(tempfile.mkdtemp(), "writer.db"))
    await store.open()
    svc = Service(store, Publisher(Hub()))
    rt = await create_demo(svc)
    for action in ("start", "present", "open_scoring"):
        await svc.act(rt.contest.id, action, None, "organizer")
    judges = [j for j in rt.contest.judges if not rt.contest.is_recused(j.id, rt.state.current)]
    trips = {"n": 0}
    real = store.db._execute

    async def counted(fn, *args, **kwargs):
        trips["n"] += 1
        return await real(fn, *args, **kwargs)
    store.db._execute = counted  # type: ignore[method-assign]
    sem = asyncio.Semaphore(inflight)

    async def one(i: int) -> None:
        async with sem:
            j = judges[i % len(judges)]
            await svc.submit(rt, j, {"submission_id": uuid.uuid4().hex, "project": rt.state.current,
                                     "marks": marks_for(j, i)})
    commits = store.commits
    prof = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    await asyncio.gather(*(one(i) for i in range(total)))
    if prof:
        prof.disable()
    rate = total / (time.perf_counter() - t0)
    commits = store.commits - commits
    await store.close()
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)
    return rate, commits, trips["n"] / total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--total", type=int, default=2000)
    ap.add_argument("--inflight", type=int, default=64)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    rates = []
    for k in range(args.runs):
        rate, commits, trips = asyncio.run(run(args.total, args.inflight, args.profile))
        rates.append(rate)
        print(f"run {k + 1}: {rate:.0f} submissions/s acknowledged, {commits} commits, {trips:.2f} trips per "
              f"submission; load {os.getloadavg()[0]:.2f}", flush=True)
    print(f"median {statistics.median(rates):.0f}/s over {args.runs} runs")


if __name__ == "__main__":
    main()
