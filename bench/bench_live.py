"""Load benchmark of the live server: a real uvicorn process on loopback, N judge sockets, M screen sockets
and one organizer console socket.

    .venv/bin/python bench/bench_live.py --judges 30 --screens 3
    .venv/bin/python bench/bench_live.py --judges 970 --screens 30      # 1,000 sockets

It prints:
* submissions/s: every judge submits (and amends) as fast as the server acknowledges, 64 requests in flight,
  and the server's CPU time (user + system) per 1,000 of them; with the console and screen messages that
  burst produced (they are coalesced: at most one build per 0.12 s per channel);
* submit -> screen-update latency p50/p99: one judge submits, the clock stops when *every* screen socket has
  received the snapshot that counts it (all judge sockets stay connected and receive their own updates);
  submissions are paced --pace seconds apart, i.e. this is the latency of a change after a quiet spell
  (back-to-back changes wait for the coalescing interval instead);
* submit -> the judge's own snapshot p50 (judges are never coalesced);
* the server's resident memory (VmRSS) with all sockets connected, after the load.

The load generator runs on the same 2-core machine as the server, so the figures are pessimistic.
Traffic goes to 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-organizer-key-0123456789"


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


class Screen:
    def __init__(self) -> None:
        self.submitted = -1
        self.changed = asyncio.Event()
        self.messages = 0

    async def run(self, url: str, ready: asyncio.Event) -> None:
        async with connect(url, max_size=None, ping_interval=None) as ws:
            ready.set()
            async for raw in ws:
                self.messages += 1
                msg = json.loads(raw)
                if msg.get("type") == "state" and msg.get("progress"):
                    self.submitted = msg["progress"]["submitted"]
                    self.changed.set()


class Drain:
    """A socket that only counts what it receives (judges; the console)."""

    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0
        self.received = asyncio.Event()

    async def run(self, url: str, ready: asyncio.Event, headers: dict | None = None) -> None:
        async with connect(url, max_size=None, ping_interval=None, additional_headers=headers) as ws:
            ready.set()
            async for raw in ws:
                self.messages += 1
                self.bytes += len(raw)
                self.received.set()


async def bench(n_judges: int, n_screens: int, latency_samples: int, pace: float) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = os.path.join(tempfile.mkdtemp(), "bench.db")
    env = {**os.environ, "JUDGING_ORGANIZER_KEY": KEY}
    proc = subprocess.Popen([sys.executable, "run.py", "serve", "--db", db, "--port", str(port), "--no-demo"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tasks: list[asyncio.Task] = []
    try:
        async with httpx.AsyncClient(base_url=base, headers={"authorization": f"Bearer {KEY}"}, timeout=30,
                                     limits=httpx.Limits(max_connections=64)) as api:
            for _ in range(300):
                try:
                    if (await api.get("/api/openapi.json")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            judges = [{"id": f"J{i:04d}", "name": f"评委{i}", "panel": "expert" if i < 7 else "public"}
                      for i in range(n_judges)]
            r = await api.post("/api/contests", json={
                "name": "压测 bench", "rules_preset": "expert_public.toml",
                "projects": [{"id": f"P{i}", "name": f"项目{i}"} for i in range(4)],
                "judges": judges, "order": [f"P{i}" for i in range(4)]})
            r.raise_for_status()
            setup = r.json()["setup"]
            cid = r.json()["contest"]["id"]
            tokens = {j["id"]: j["token"] for j in setup["judges"]}
            screen_token = setup["screen_link"].rsplit("/", 1)[1]
            ws_base = f"ws://127.0.0.1:{port}"

            readies = []
            screens = [Screen() for _ in range(n_screens)]
            for s in screens:
                ev = asyncio.Event()
                readies.append(ev)
                tasks.append(asyncio.create_task(s.run(f"{ws_base}/ws/s/{screen_token}", ev)))
            phones = {}
            for jid, tok in tokens.items():
                ev = asyncio.Event()
                readies.append(ev)
                phones[jid] = Drain()
                tasks.append(asyncio.create_task(phones[jid].run(f"{ws_base}/ws/j/{tok}", ev)))
            console = Drain()
            ev = asyncio.Event()
            readies.append(ev)
            tasks.append(asyncio.create_task(console.run(f"{ws_base}/ws/console/{cid}", ev,
                                                         {"authorization": f"Bearer {KEY}"})))
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in readies)), 120)
            connected_rss = rss_mb(proc.pid)

            async def act(action: str) -> None:
                (await api.post(f"/api/contests/{cid}/actions", json={"action": action, "confirm": True})
                 ).raise_for_status()

            def marks(jid: str, n: int) -> dict:
                return ({"need": 20, "design": 20 + n % 10, "impact": 20, "team": 15} if jid < "J0007"
                        else {"overall": 60 + n % 40})

            # --- latency: one submission at a time, until every screen shows it
            await act("start")
            await act("present")
            await act("open_scoring")
            latencies, own = [], []
            ids = list(tokens)
            await asyncio.sleep(1.0)   # the connection storm's console updates are over
            for k in range(min(latency_samples, len(ids))):
                jid = ids[k]
                for s in screens:
                    s.changed.clear()
                phones[jid].received.clear()
                await asyncio.sleep(pace)
                t0 = time.perf_counter()
                r = await api.post("/api/judge/submit", headers={"authorization": f"Bearer {tokens[jid]}"},
                                   json={"submission_id": uuid.uuid4().hex, "project": "P0", "round": "final",
                                         "marks": marks(jid, k)})
                r.raise_for_status()
                await asyncio.wait_for(phones[jid].received.wait(), 10)
                own.append((time.perf_counter() - t0) * 1000)
                for s in screens:
                    while s.submitted < k + 1:
                        s.changed.clear()
                        await asyncio.wait_for(s.changed.wait(), 10)
                latencies.append((time.perf_counter() - t0) * 1000)

            # --- throughput: every judge submits twice (submit + amend), 64 in flight
            sem = asyncio.Semaphore(64)

            async def one(jid: str, n: int) -> None:
                async with sem:
                    r = await api.post("/api/judge/submit", headers={"authorization": f"Bearer {tokens[jid]}"},
                                       json={"submission_id": uuid.uuid4().hex, "project": "P0", "round": "final",
                                             "marks": marks(jid, n)})
                    r.raise_for_status()

            jobs = [(jid, n) for n in range(2) for jid in ids]
            await asyncio.sleep(0.5)
            console_before, screen_before = console.messages, screens[0].messages if screens else 0
            cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            await asyncio.gather(*(one(j, n) for j, n in jobs))
            elapsed = time.perf_counter() - t0
            cpu = cpu_seconds(proc.pid) - cpu0
            await asyncio.sleep(0.5)   # the last coalesced builds arrive
            return {"judges": n_judges, "screens": n_screens, "sockets": n_judges + n_screens + 1,
                    "submissions_per_s": len(jobs) / elapsed, "submissions": len(jobs),
                    "cpu_ms_per_1000": cpu / len(jobs) * 1e6,
                    "console_messages": console.messages - console_before,
                    "screen_messages": (screens[0].messages if screens else 0) - screen_before,
                    "latency_p50_ms": statistics.median(latencies),
                    "latency_p99_ms": percentile(latencies, 0.99), "latency_samples": len(latencies),
                    "own_p50_ms": statistics.median(own),
                    "rss_connected_mb": connected_rss, "rss_after_mb": rss_mb(proc.pid)}
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--judges", type=int, default=30)
    ap.add_argument("--screens", type=int, default=3)
    ap.add_argument("--samples", type=int, default=200, help="latency samples (at most one per judge)")
    ap.add_argument("--pace", type=float, default=0.15, help="seconds between latency samples (> coalescing)")
    args = ap.parse_args()
    res = asyncio.run(bench(args.judges, args.screens, args.samples, args.pace))
    print(f"sockets {res['sockets']} ({res['judges']} judges + {res['screens']} screens + 1 console)")
    print(f"  throughput           {res['submissions_per_s']:8.1f} submissions/s (acknowledged after commit), "
          f"server CPU {res['cpu_ms_per_1000']:.0f} ms per 1,000")
    print(f"  during that burst    {res['console_messages']} console and {res['screen_messages']} screen "
          f"messages for {res['submissions']} submissions (coalesced)")
    print(f"  submit->screen p50   {res['latency_p50_ms']:8.1f} ms   p99 {res['latency_p99_ms']:.1f} ms "
          f"({res['latency_samples']} samples, every screen must show it)")
    print(f"  submit->own snapshot {res['own_p50_ms']:8.1f} ms p50 (the judge's phone)")
    print(f"  server memory        {res['rss_connected_mb']:8.1f} MB connected, {res['rss_after_mb']:.1f} MB after load")


if __name__ == "__main__":
    main()
