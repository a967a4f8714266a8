"""The audience votes (docs/AUDIENCE.md): the real server with 3,000 phones on the audience link, 2,000 of which
score the roadshow on stage within 20 s, while 10 judges submit once a second.

    .venv/bin/python bench/bench_audience.py                      # 3 runs; the median of each figure
    .venv/bin/python bench/bench_audience.py --runs 1 --sockets 1000 --voters 500 --seconds 10

Per run it prints: ballots acknowledged per second, lost ballots (acknowledged but not in the final count:
must be 0; checked against the window's count and the ballot rows of the database file), judge ack p50/p99,
ballot ack p50/p99, screen count latency p99 (a ballot's acknowledgement → the big screen's socket shows a
count that includes it: counts only grow, so a count at least the one acknowledged includes it), snapshots
per audience socket per second (coalesced: at most 4), server RSS and the load average (the machine is
shared).  Each run starts a fresh server and database.

Audience sockets and the screen socket are the minimal clients of bench_hall.py (one asyncio Protocol each);
the voters first get a device credential (paced under the server's 500 new devices a second), then post one
ballot each at an even pace over keep-alive HTTP/1.1 connections (``--connections``, a minimal client: httpx cost the bench more CPU per request than the server spends).  Everything runs on
127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_hall import KEY, ROOT, Watcher, connect_watchers, free_port, pct, proc_rss_mb, raise_nofile  # noqa: E402

COUNT = re.compile(rb'"window":\{"id":"score:[^"]*","kind":"score","open":true,"stars":\d+,"count":(\d+)')
RULES_TAIL = ('\n[[panels]]\nid = "audience"\nlabel = "现场观众 Audience"\nkind = "audience"\nweight = 0.1\n'
              'method = "mean"\nstars = 10\n\n[popularity]\nlabel = "最佳人气奖"\ncount = 1\nchoices = 3\n')


class Screen(Watcher):
    """The big screen: notes (time, audience count) of every snapshot."""

    def __init__(self, *a) -> None:
        super().__init__(*a)
        self.counts: list[tuple[float, int]] = []

    def data_received(self, data: bytes) -> None:
        before = len(self.times)
        tail = self.buf + data
        super().data_received(data)
        if len(self.times) > before:  # new text frames: find the last count in what arrived
            found = COUNT.findall(tail)
            if found:
                self.counts.append((time.perf_counter(), int(found[-1])))


class Server:
    async def start(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp()
        self.db = os.path.join(self.dir, "aud.db")
        env = {**os.environ, "JUDGING_ORGANIZER_KEY": KEY}
        self.proc = subprocess.Popen(
            [sys.executable, "run.py", "serve", "--db", self.db, "--port", str(self.port), "--no-demo"], cwd=ROOT,
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        self.api = httpx.AsyncClient(base_url=self.base, headers={"authorization": f"Bearer {KEY}"}, timeout=60)
        for _ in range(300):
            try:
                if (await self.api.get("/api/openapi.json")).status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
        rules = (ROOT / "scoring_rules" / "expert_public.toml").read_text(encoding="utf-8")
        rules = rules.replace("weight = 0.7", "weight = 0.6") + RULES_TAIL
        judges = [{"id": f"J{i:02d}", "name": f"评委{i}", "panel": "expert" if i < 7 else "public"} for i in range(10)]
        r = await self.api.post("/api/contests", json={
            "name": "观众投票 audience", "rules_text": rules, "rules_name": "audience.toml",
            "projects": [{"id": f"P{i:02d}", "name": f"社区项目{i}", "organization": f"社会工作服务中心{i}"}
                         for i in range(15)],
            "judges": judges, "order": [f"P{i:02d}" for i in range(15)]})
        r.raise_for_status()
        snap = r.json()
        self.cid = snap["contest"]["id"]
        setup = snap["setup"]
        self.tokens = {j["id"]: j["token"] for j in setup["judges"]}
        self.panel = {j["id"]: j["panel"] for j in setup["judges"]}
        self.screen_path = "/ws/s/" + setup["screen_link"].rsplit("/", 1)[1]
        self.audience_token = snap["audience"]["link"]["path"].rsplit("/", 1)[1]
        for action in ("start", "present", "open_scoring"):
            (await self.api.post(f"/api/contests/{self.cid}/actions",
                                 json={"action": action, "confirm": True})).raise_for_status()
        self.project = (await self.api.get(f"/api/contests/{self.cid}")).json()["current"]["id"]
        self.window = f"score:final:{self.project}"

    async def close(self) -> None:
        await self.api.aclose()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def judges(server: Server, seconds: float) -> list[float]:
    acks: list[float] = []
    start = time.perf_counter() + 0.2

    async def judge(k: int, jid: str) -> None:
        async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
            for i in range(int(seconds)):
                await asyncio.sleep(max(0.0, start + i + k / 10 - time.perf_counter()))
                marks = ({"need": 20, "design": 10 + i % 20, "impact": 20, "team": 15}
                         if server.panel[jid] == "expert" else {"overall": 50 + i % 50})
                t0 = time.perf_counter()
                r = await client.post("/api/judge/submit", headers={"authorization": f"Bearer {server.tokens[jid]}"},
                                      json={"submission_id": uuid.uuid4().hex, "project": server.project,
                                            "round": "final", "marks": marks})
                r.raise_for_status()
                acks.append((time.perf_counter() - t0) * 1000)
    await asyncio.gather(*(judge(k, j) for k, j in enumerate(server.tokens)))
    return acks


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status_code, self.headers, self.content = status, headers, body

    def json(self):
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class KeepAlive:
    """A minimal HTTP/1.1 client: ``size`` keep-alive connections, one request on each at a time (httpx costs
    the bench ~5 ms of CPU a request here, more than the server spends on it)."""

    def __init__(self, port: int, size: int) -> None:
        self.port, self.size = port, size
        self.free: asyncio.Queue = asyncio.Queue()

    async def open(self) -> None:
        for _ in range(self.size):
            self.free.put_nowait(await asyncio.open_connection("127.0.0.1", self.port))

    async def post(self, path: str, body: dict, headers: dict | None = None) -> Reply:
        data = json.dumps(body).encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n{extra}\r\n").encode()
        reader, writer = await self.free.get()
        try:
            writer.write(head + data)
            raw = await reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            got = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
            body_bytes = await reader.readexactly(int(got.get("content-length", "0")))
        except BaseException:
            writer.close()
            self.free.put_nowait(await asyncio.open_connection("127.0.0.1", self.port))
            raise
        self.free.put_nowait((reader, writer))
        return Reply(int(lines[0].split()[1]), got, body_bytes)

    async def close(self) -> None:
        while not self.free.empty():
            _, writer = self.free.get_nowait()
            writer.close()


async def devices(client: KeepAlive, token: str, n: int, per_second: int = 400) -> list[str]:
    out: list[str] = []
    start = time.perf_counter()

    async def one(i: int) -> None:
        await asyncio.sleep(max(0.0, start + i / per_second - time.perf_counter()))
        for _ in range(20):
            r = await client.post(f"/api/a/{token}/device", {})
            if r.status_code == 200:
                out.append(r.json()["device"])
                return
            await asyncio.sleep(float(r.headers.get("retry-after", "1")))
        raise RuntimeError(f"no device: {r.status_code} {r.text[:200]}")
    await asyncio.gather(*(one(i) for i in range(n)))
    return out


async def voters(client: KeepAlive, server: Server, creds: list[str], seconds: float) -> list[dict]:
    """Each credential posts one ballot, at an even pace over ``seconds``: (sent, acked, count, ballot id)."""
    out: list[dict] = []
    start = time.perf_counter() + 0.2

    async def one(i: int, cred: str) -> None:
        await asyncio.sleep(max(0.0, start + i * seconds / len(creds) - time.perf_counter()))
        bid = uuid.uuid4().hex
        t0 = time.perf_counter()
        for _ in range(5):  # a resend (the same ballot id) after an error, as a phone would
            try:
                r = await client.post(f"/api/a/{server.audience_token}/ballot",
                                      {"ballot_id": bid, "window": server.window, "stars": 1 + i % 10},
                                      {"X-Audience-Device": cred})
            except (OSError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.5)
                continue
            if r.status_code == 200:
                out.append({"sent": t0, "acked": time.perf_counter(), "count": r.json()["count"], "id": bid})
                return
            await asyncio.sleep(float(r.headers.get("retry-after", "0.5")))
    await asyncio.gather(*(one(i, c) for i, c in enumerate(creds)))
    return out


def screen_latency(screen: Screen, acks: list[dict]) -> list[float]:
    times = [t for t, _ in screen.counts]
    highest, top = [], 0
    for _, c in screen.counts:
        top = max(top, c)
        highest.append(top)
    out = []
    for a in acks:
        i = bisect.bisect_left(times, a["acked"] - 1e-3)
        j = bisect.bisect_left(highest, a["count"], lo=i)
        if j < len(times):
            out.append(max(0.0, times[j] - a["acked"]) * 1000)
    return out


def note(text: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


async def run(args) -> dict:
    server = Server()
    await server.start()
    try:
        loop = asyncio.get_running_loop()
        note("server up; connecting the audience sockets")
        phones = await connect_watchers(server.port, f"/ws/a/{server.audience_token}", args.sockets, False)
        note(f"{len(phones)} audience sockets open")
        opened = loop.create_future()
        screen = Screen(server.screen_path, f"127.0.0.1:{server.port}", False, opened)
        await loop.create_connection(lambda: screen, "127.0.0.1", server.port)
        await asyncio.wait_for(opened, 30)
        client = KeepAlive(server.port, args.connections)  # no cookies: each credential is its own phone
        await client.open()
        try:
            creds = await devices(client, server.audience_token, args.voters)
            note(f"{len(creds)} devices; voting")
            await asyncio.sleep(1.0)
            frames0 = sum(len(p.times) for p in phones)
            t0 = time.perf_counter()
            judge_acks, acks = await asyncio.gather(judges(server, args.seconds),
                                                    voters(client, server, creds, args.seconds))
            elapsed = time.perf_counter() - t0
            note(f"{len(acks)} ballots acknowledged in {elapsed:.1f} s")
            await asyncio.sleep(1.5)
        finally:
            await client.close()
        frames = (sum(len(p.times) for p in phones) - frames0) / max(1, len(phones)) / elapsed
        rss = proc_rss_mb(server.proc.pid)
        final = (await server.api.get(f"/api/contests/{server.cid}")).json()["audience"]["window"]["count"]
        con = sqlite3.connect(server.db)
        try:
            stored = {r[0] for r in con.execute("SELECT ballot_id FROM audience_ballots")}
        finally:
            con.close()
        lost = sum(1 for a in acks if a["id"] not in stored)
        refused = sum(1 for p in phones if p.closed_code is not None)
        first, last = min(a["sent"] for a in acks), max(a["acked"] for a in acks)
        lat = screen_latency(screen, acks)
        note("measured")
        for p in phones:
            p.close()
        screen.close()
        return {"acked": len(acks), "rate": len(acks) / (last - first), "lost": lost, "lost_count": len(acks) - final,
                "final": final, "judge_p50": pct(judge_acks, 0.5), "judge_p99": pct(judge_acks, 0.99),
                "ballot_p50": pct([(a["acked"] - a["sent"]) * 1000 for a in acks], 0.5),
                "ballot_p99": pct([(a["acked"] - a["sent"]) * 1000 for a in acks], 0.99),
                "screen_p99": pct(lat, 0.99), "screen_seen": len(lat), "frames": frames, "rss": rss,
                "refused": refused, "load": os.getloadavg()[0]}
    finally:
        await server.close()


FIELDS = [("acked", "acked", "{:.0f}"), ("rate", "ballots/s", "{:.0f}"), ("lost", "lost", "{:.0f}"),
          ("lost_count", "lost(count)", "{:.0f}"), ("judge_p50", "judge p50 ms", "{:.1f}"),
          ("judge_p99", "judge p99 ms", "{:.1f}"), ("ballot_p50", "ballot p50 ms", "{:.1f}"),
          ("ballot_p99", "ballot p99 ms", "{:.1f}"), ("screen_p99", "screen p99 ms", "{:.1f}"),
          ("frames", "snap/s/phone", "{:.2f}"), ("rss", "RSS MB", "{:.0f}"), ("load", "load", "{:.2f}")]


async def main(args) -> None:
    raise_nofile(args.sockets * 2 + 4096)
    print(f"audience benchmark: {args.sockets} audience sockets, {args.voters} voters in {args.seconds:.0f} s, "
          f"10 judges once a second; load average {os.getloadavg()[0]:.2f} at start", flush=True)
    rows = []
    for k in range(args.runs):
        r = await run(args)
        rows.append(r)
        print(f"run {k + 1}: " + "  ".join(f"{label} {fmt.format(r[key])}" for key, label, fmt in FIELDS)
              + (f"  (refused sockets {r['refused']})" if r["refused"] else ""), flush=True)
    if len(rows) > 1:
        print("median: " + "  ".join(f"{label} {fmt.format(statistics.median(r[key] for r in rows))}"
                                     for key, label, fmt in FIELDS), flush=True)
    if any(r["lost"] or r["lost_count"] for r in rows):
        print("LOST BALLOTS: an acknowledged ballot is missing from the final count", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sockets", type=int, default=3000)
    ap.add_argument("--voters", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--connections", type=int, default=64, help="keep-alive HTTP connections the voters share")
    asyncio.run(main(ap.parse_args()))
