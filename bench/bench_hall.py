"""A whole hall watching: the real server with N phones following the screen link, 10 judges submitting once
a second; and the bare reference server (../shared/bench/reference_server.py) under the same load, in the
same run, alternating level by level.

    .venv/bin/python bench/bench_hall.py                          # levels 0, 1000, 3000, 5000 watchers
    .venv/bin/python bench/bench_hall.py --levels 0 1000 --seconds 10
    .venv/bin/python bench/bench_hall.py --levels 3000 --skip lone,closed    # one level, project and reference

Per level and server it prints: judge ack p50/p99 (POST → acknowledgement after commit), submit → every
watcher p50/p99 (the moment the *last* watcher has a snapshot that includes the submission), how many
submissions no watcher missed, server CPU (% of one core) and RSS, and the ratios to the reference.  Then:
a lone change to 33 big-screen sockets (paced, p50/p99), and durable writes closed-loop with 64 in flight
(acknowledged marks/s, both servers).  The load average is printed with every level: the machine is shared.

Watchers are minimal WebSocket clients (one asyncio Protocol each, no task, no JSON parsing: the snapshot's
``seq`` is read with a regular expression; they answer protocol pings).  They connect to the project as
``/ws/s/<token>?view=watch`` without permessage-deflate (``--deflate`` to ask for it).  Everything runs on
127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import asyncio
import base64
import bisect
import os
import re
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hall_judges  # noqa: E402
from lean_http import LeanClient  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent.parent / "shared" / "bench"
if not REFERENCE.exists():
    REFERENCE = Path("/work/shared/bench")
KEY = "bench-organizer-key-0123456789"
SEQ = re.compile(rb'"seq": ?(\d+)')


def raise_nofile(want: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < want:
        print(f"warning: open-file limit {soft} < {want}: run `ulimit -n {want}` first", file=sys.stderr)
    return soft


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


class Watcher(asyncio.Protocol):
    """A phone that reads every frame, notes (time, seq) of each, and answers pings."""

    def __init__(self, path: str, host: str, deflate: bool, opened: asyncio.Future) -> None:
        self.path, self.host, self.deflate, self.opened = path, host, deflate, opened
        self.buf = b""
        self.handshaken = False
        self.times: list[float] = []
        self.seqs: list[int] = []
        self.transport = None
        self.inflater = None
        self.closed_code: int | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        ext = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if self.deflate else ""
        transport.write((f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                         f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{ext}\r\n"
                         ).encode())

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.handshaken:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end], self.buf[end + 4:]
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                if not self.opened.done():
                    self.opened.set_exception(RuntimeError(head[:200].decode("latin-1")))
                return
            if b"permessage-deflate" in head.lower():
                import zlib
                self.inflater = zlib.decompressobj(-15)
            self.handshaken = True
            if not self.opened.done():
                self.opened.set_result(True)
        buf = self.buf
        now = time.perf_counter()
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n, off = b1 & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, off = struct.unpack("!H", buf[2:4])[0], 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, off = struct.unpack("!Q", buf[2:10])[0], 10
            if len(buf) < off + n:
                break
            payload, buf = buf[off:off + n], buf[off + n:]
            opcode = b0 & 0x0F
            if opcode == 0x8:        # the server closed this socket (e.g. 4503: the link's cap)
                self.closed_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            elif opcode == 0x9:        # ping -> pong (masked, as a client must)
                mask = os.urandom(4)
                masked = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + mask + masked)
            elif opcode == 0x1:
                if b0 & 0x40 and self.inflater is not None:
                    payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff")
                m = SEQ.search(payload, 0, 200)
                if m:
                    self.times.append(now)
                    self.seqs.append(int(m.group(1)))
        self.buf = buf

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect_watchers(port: int, path: str, n: int, deflate: bool, batch: int = 200) -> list[Watcher]:
    loop = asyncio.get_running_loop()
    out: list[Watcher] = []
    for start in range(0, n, batch):
        futs, ws = [], []
        for _ in range(min(batch, n - start)):
            opened = loop.create_future()
            w = Watcher(path, f"127.0.0.1:{port}", deflate, opened)
            futs.append(opened)
            ws.append(w)
            await loop.create_connection(lambda w=w: w, "127.0.0.1", port)
        await asyncio.wait_for(asyncio.gather(*futs), 60)
        out += ws
    return out


class Target:
    """One server under test: how to start it, submit to it and watch it."""

    name = ""
    proc: subprocess.Popen

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Project(Target):
    name = "project"
    later = True   # a snapshot includes a submission when its seq is higher than the acknowledgement's

    def __init__(self, probe: bool = False, cprofile: str | None = None) -> None:
        self.probe, self.cprofile = probe, cprofile

    async def start(self) -> None:
        self.port = free_port()
        self.db = os.path.join(tempfile.mkdtemp(), "hall.db")
        env = {**os.environ, "JUDGING_ORGANIZER_KEY": KEY}
        entry = "run.py"
        if self.probe or self.cprofile:   # bench/probe_serve.py: the same server with timers (see its docstring)
            entry = str(ROOT / "bench" / "probe_serve.py")
            self.probe_out = os.path.join(os.path.dirname(self.db), "probe.json")
            env["PROBE_OUT"] = self.probe_out
            if self.cprofile:
                env["PROBE_CPROFILE"] = self.cprofile
        self.proc = subprocess.Popen([sys.executable, entry, "serve", "--db", self.db, "--port", str(self.port),
                                      "--no-demo"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{self.port}"
        self.api = httpx.AsyncClient(base_url=base, headers={"authorization": f"Bearer {KEY}"}, timeout=30)
        for _ in range(300):
            try:
                if (await self.api.get("/api/openapi.json")).status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
        judges = [{"id": f"J{i:02d}", "name": f"评委{i}", "panel": "expert" if i < 7 else "public"} for i in range(10)]
        r = await self.api.post("/api/contests", json={
            "name": "满场 hall", "rules_preset": "expert_public.toml",
            "projects": [{"id": f"P{i:02d}", "name": f"社区项目{i}", "organization": f"社会工作服务中心{i}"}
                         for i in range(15)],
            "judges": judges, "order": [f"P{i:02d}" for i in range(15)]})
        r.raise_for_status()
        setup = r.json()["setup"]
        self.cid = r.json()["contest"]["id"]
        self.tokens = {j["id"]: j["token"] for j in setup["judges"]}
        self.panel = {j["id"]: j["panel"] for j in setup["judges"]}
        token = setup["screen_link"].rsplit("/", 1)[1]
        self.watch_path, self.screen_path = f"/ws/s/{token}?view=watch", f"/ws/s/{token}"
        for action in ("start", "present", "open_scoring"):
            (await self.api.post(f"/api/contests/{self.cid}/actions",
                                 json={"action": action, "confirm": True})).raise_for_status()
        self.project = (await self.api.get(f"/api/contests/{self.cid}")).json()["current"]["id"]
        self.judges = list(self.tokens)
        self.n = 0

    def request(self, judge: str) -> tuple[str, dict, dict]:
        """(path, JSON body, headers) of judge ``judge``'s next submission."""
        self.n += 1
        marks = ({"need": 20, "design": 10 + self.n % 20, "impact": 20, "team": 15} if self.panel[judge] == "expert"
                 else {"overall": 50 + self.n % 50})
        return ("/api/judge/submit", {"submission_id": uuid.uuid4().hex, "project": self.project, "round": "final",
                                      "marks": marks}, {"authorization": f"Bearer {self.tokens[judge]}"})

    async def submit(self, client: httpx.AsyncClient, judge: str) -> int:
        path, body, headers = self.request(judge)
        r = await client.post(path, headers=headers, json=body)
        r.raise_for_status()
        return r.json()["seq"]

    async def close(self) -> None:
        await self.api.aclose()
        self.stop()


class Reference(Target):
    name = "reference"
    later = False  # the reference's broadcast for score n carries seq n

    async def start(self) -> None:
        self.port = free_port()
        env = {**os.environ, "LIMIT_SYNC": "FULL", "LIMIT_DB": os.path.join(tempfile.mkdtemp(), "limit.db")}
        self.proc = subprocess.Popen([sys.executable, str(REFERENCE / "reference_server.py"), str(self.port)],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        async with httpx.AsyncClient() as c:
            for _ in range(300):
                try:
                    await c.get(f"http://127.0.0.1:{self.port}/")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        self.watch_path = self.screen_path = "/ws"
        self.judges = [f"j{i}" for i in range(10)]
        self.n = 0

    def request(self, judge: str) -> tuple[str, dict, dict]:
        self.n += 1
        return "/score", {"judge": judge, "project": f"p{self.n % 15}", "value": 90 + self.n % 10}, {}

    async def submit(self, client: httpx.AsyncClient, judge: str) -> int:
        path, body, _ = self.request(judge)
        r = await client.post(f"http://127.0.0.1:{self.port}{path}", json=body)
        r.raise_for_status()
        return r.json()["seq"]

    async def close(self) -> None:
        self.stop()


def judges_job(target: Target, seconds: float) -> dict:
    """The 10 judges' submissions for bench/hall_judges.py: each judge once a second for ``seconds``."""
    return {"port": target.port, "seconds": seconds,
            "requests": [[target.request(jid) for _ in range(int(seconds))] for jid in target.judges]}


async def judges_apart(target: Target, seconds: float) -> tuple[list[float], list[tuple[float, int]]]:
    """10 judges, each submitting once a second (staggered), from a process of their own (bench/hall_judges.py:
    why): ack latencies and (sent at, ack seq)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, str(Path(__file__).with_name("hall_judges.py")),
                                                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate(json.dumps(judges_job(target, seconds)).encode())
    if proc.returncode:
        raise RuntimeError(f"bench/hall_judges.py exited with {proc.returncode}")
    got = json.loads(out)
    return got["acks"], [(t, seq) for t, seq in got["sent"]]


async def judges_once_a_second(target: Target, seconds: float) -> tuple[list[float], list[tuple[float, int]]]:
    """The same judges in this process, the watchers' (``--judges-inline``)."""
    got = await hall_judges.main(judges_job(target, seconds))
    return got["acks"], [(t, seq) for t, seq in got["sent"]]


def delivery(watchers: list[Watcher], sent: list[tuple[float, int]], later: bool) -> tuple[list[float], int]:
    """Per submission: ms until the last watcher had a snapshot including it; and how many no watcher missed."""
    out, complete = [], 0
    for t0, seq in sent:
        worst = 0.0
        for w in watchers:
            i = bisect.bisect_right(w.seqs, seq) if later else bisect.bisect_left(w.seqs, seq)
            if i >= len(w.seqs):
                worst = None
                break
            worst = max(worst, w.times[i] - t0)
        if worst is not None:
            out.append(worst * 1000)
            complete += 1
    return out, complete


async def level(target: Target, n: int, seconds: float, deflate: bool, apart: bool = True) -> dict:
    watchers = await connect_watchers(target.port, target.watch_path, n, deflate) if n else []
    await asyncio.sleep(1.0)
    cpu0, t0 = proc_cpu(target.proc.pid), time.perf_counter()
    acks, sent = await (judges_apart if apart else judges_once_a_second)(target, seconds)
    await asyncio.sleep(1.5)   # the last snapshots arrive
    cpu = (proc_cpu(target.proc.pid) - cpu0) / (time.perf_counter() - t0) * 100
    rss = proc_rss_mb(target.proc.pid)
    t1 = time.perf_counter()
    if getattr(target, "probe", False):   # a forced full collection, timed while every watcher is connected
        Path(target.probe_out + ".gc").touch()
        await asyncio.sleep(1.0)
    lat, complete = delivery(watchers, sent, target.later) if watchers else ([], 0)
    refused = sum(1 for w in watchers if w.closed_code is not None)
    if refused:
        print(f"warning: the server closed {refused} of {n} watcher sockets", file=sys.stderr)
    for w in watchers:
        w.close()
    await asyncio.sleep(1.0)
    return {"t0": t0, "t1": t1, "ack_p50": pct(acks, 0.5), "ack_p99": pct(acks, 0.99), "ack_max": max(acks), "rate": len(acks) / seconds,
            "w_p50": pct(lat, 0.5), "w_p99": pct(lat, 0.99), "complete": complete, "sent": len(sent),
            "cpu": cpu, "rss": rss, "load": os.getloadavg()[0]}


async def lone_changes(target: Target, screens: int = 33, samples: int = 60, pace: float = 0.2) -> list[float]:
    """A lone change (paced) to ``screens`` big-screen sockets: ms until the last has it."""
    watchers = await connect_watchers(target.port, target.screen_path, screens, False)
    await asyncio.sleep(0.5)
    sent = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{target.port}", timeout=30) as client:
        for k in range(samples):
            await asyncio.sleep(pace)
            t0 = time.perf_counter()
            sent.append((t0, await target.submit(client, target.judges[k % len(target.judges)])))
    await asyncio.sleep(0.5)
    lat, _ = delivery(watchers, sent, target.later)
    for w in watchers:
        w.close()
    return lat


async def closed_loop(target: Target, total: int = 3000, inflight: int = 64, lean: bool = True) -> float:
    """Acknowledged writes a second with ``inflight`` requests always in flight.  ``lean``: driven by
    bench/lean_http.py (a load generator that leaves the shared cores to the server), else by httpx."""
    if lean:
        async with LeanClient(target.port, inflight) as client:
            async def send(i: int) -> None:
                status, answer = await client.post_json(*target.request(target.judges[i % len(target.judges)]))
                if status != 200:
                    raise RuntimeError(f"{target.name}: HTTP {status} {answer[:200]!r}")
            t0 = time.perf_counter()
            await asyncio.gather(*(send(i) for i in range(total)))
            return total / (time.perf_counter() - t0)
    sem = asyncio.Semaphore(inflight)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{target.port}", timeout=60,
                                 limits=httpx.Limits(max_connections=inflight)) as client:
        async def one(i: int) -> None:
            async with sem:
                await target.submit(client, target.judges[i % len(target.judges)])
        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(total)))
        return total / (time.perf_counter() - t0)


async def probe_summary(project: Project, t0: float, t1: float) -> str:
    """Ask the probed server for its records (bench/probe_serve.py) and summarise the level's window."""
    import glob
    import json
    sys.path.insert(0, str(ROOT / "bench"))
    from probe_serve import summary
    before = set(glob.glob(project.probe_out + ".*[0-9]"))
    Path(project.probe_out + ".mark").touch()
    for _ in range(100):
        await asyncio.sleep(0.05)
        new = set(glob.glob(project.probe_out + ".*[0-9]")) - before
        if new:
            await asyncio.sleep(0.2)
            return summary(json.loads(Path(max(new)).read_text()), t0, t1)
    return "  (no probe records)"


async def main(args) -> None:
    raise_nofile(max(args.levels) * 2 + 4096)
    project = Project(args.probe, args.cprofile)
    reference = None if "reference" in args.skip else Reference()
    targets = (project,) if reference is None else (project, reference)
    await project.start()
    if reference is not None:
        await reference.start()
    try:
        print(f"hall benchmark: {args.seconds:.0f} s per level, 10 judges once a second; load average "
              f"{os.getloadavg()[0]:.2f} at start; watchers {'with' if args.deflate else 'without'} deflate; judges "
              f"{'in the watchers’ process' if args.judges_inline else 'in a process of their own'}")
        print(f"{'watchers':>8} {'server':>9} | {'ack p50':>8} {'p99':>8} {'max':>8} | {'→watchers p50':>13} {'p99':>8} "
              f"{'complete':>9} | {'CPU %':>6} {'RSS MB':>7} | load")
        rows = {}
        for n in args.levels:
            for target in targets:
                r = await level(target, n, args.seconds, args.deflate, apart=not args.judges_inline)
                rows[(n, target.name)] = r
                print(f"{n:>8} {target.name:>9} | {r['ack_p50']:8.1f} {r['ack_p99']:8.1f} {r['ack_max']:8.1f} | "
                      f"{r['w_p50']:13.1f} {r['w_p99']:8.1f} {r['complete']:>4}/{r['sent']:<4} | {r['cpu']:6.1f} "
                      f"{r['rss']:7.1f} | {r['load']:.2f}", flush=True)
                if target is project and project.probe:
                    print(await probe_summary(project, r["t0"], r["t1"]), flush=True)
            if reference is None:
                continue
            p, ref = rows[(n, "project")], rows[(n, "reference")]
            print(f"{'':>8} {'ratio':>9} | {p['ack_p50'] / ref['ack_p50']:8.2f} {p['ack_p99'] / ref['ack_p99']:8.2f} "
                  f"{'':>8} | {(p['w_p50'] / ref['w_p50']) if n else float('nan'):13.2f} "
                  f"{(p['w_p99'] / ref['w_p99']) if n else float('nan'):8.2f}  (project / reference; < 1: project faster)",
                  flush=True)
        for target in targets if "lone" not in args.skip else ():
            lat = await lone_changes(target)
            print(f"lone change → 33 screen sockets, {target.name:>9}: p50 {pct(lat, 0.5):.1f} ms  p99 "
                  f"{pct(lat, 0.99):.1f} ms ({len(lat)} samples)", flush=True)
        if "closed" in args.skip:
            return
        rates = {"reference": float("nan")}
        for target in targets:
            rates[target.name] = await closed_loop(target, args.closed, lean=args.closed_client == "lean")
        print(f"durable writes ({args.closed_client} client), closed loop, 64 in flight, no watchers: project "
              f"{rates['project']:.0f}/s, reference "
              f"{rates['reference']:.0f}/s (ratio {rates['project'] / rates['reference']:.2f}); load "
              f"{os.getloadavg()[0]:.2f}", flush=True)
    finally:
        await project.close()
        if reference is not None:
            await reference.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", type=int, nargs="+", default=[0, 1000, 3000, 5000])
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--closed", type=int, default=3000, help="submissions in the closed-loop write test")
    ap.add_argument("--closed-client", choices=["lean", "httpx"], default="lean",
                    help="load generator of the closed loop (lean: bench/lean_http.py; httpx: the earlier figures)")
    ap.add_argument("--deflate", action="store_true", help="watchers ask for permessage-deflate")
    ap.add_argument("--judges-inline", action="store_true",
                    help="judges in the benchmark's own event loop with the watchers (the figures before "
                         "bench/hall_judges.py; their acks include the load generator's backlog)")
    ap.add_argument("--probe", action="store_true",
                    help="run the project's server under bench/probe_serve.py and print where its loop's time went")
    ap.add_argument("--cprofile", default=None, metavar="FILE", help="also run it under cProfile, stats to FILE")
    ap.add_argument("--skip", default="", type=lambda s: set(filter(None, s.split(","))),
                    help="comma-separated parts to leave out: reference, lone, closed (e.g. --skip lone,closed)")
    asyncio.run(main(ap.parse_args()))
