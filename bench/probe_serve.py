"""``run.py serve`` with probes: where the event loop spends its time while a judge's request waits.

    PROBE_OUT=/tmp/probe.json .venv/bin/python bench/probe_serve.py serve --db X --port N --no-demo
    PROBE_OUT=/tmp/probe.json PROBE_CPROFILE=/tmp/serve.prof .venv/bin/python bench/probe_serve.py serve ...

``bench/bench_hall.py --probe`` starts the server this way and prints the summary (:func:`summary`) after each
level.  What it records, all in the server process, written as JSON to ``$PROBE_OUT.<time>`` whenever
``$PROBE_OUT.mark`` appears (the bench asks for one dump per level; the records then start afresh):

* **loop lag**: a task that sleeps 1 ms and records how late it woke (the longest the loop ran something else);
* **slow callbacks**: every event-loop callback that ran more than 2 ms, with what it was (its repr);
* **GC pauses**: ``gc.callbacks``, each collection's generation and duration;
* **fan-outs**: each ``Hub.publish`` (channel, sockets, duration: snapshot ready → the last socket written);
* **builds**: each scheduled snapshot build + publish (channel, duration);
* **judge submits**: per ``POST /api/judge/submit``, the time from the request's first bytes reaching the
  server (``data_received``) to the app being called (queued), and from there to the response sent (in app).

What it does not do: change the server's behaviour (it only wraps functions with timers; the overhead is a
few microseconds per loop callback).  Bench-only: nothing in ``judging`` imports it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = os.environ.get("PROBE_OUT", "/tmp/probe.json")
SLOW_CALLBACK = 0.002
now = time.perf_counter

_prof: list = []  # the cProfile.Profile when $PROBE_CPROFILE is set (dumped with every mark: uvicorn
#                   re-raises SIGTERM after its shutdown, so neither atexit nor a finally runs then)
rec: dict[str, list] = {"lag": [], "slow": [], "gc": [], "fanout": [], "build": [], "submit": []}


def dump(path: str = OUT) -> None:
    Path(path).write_text(json.dumps(rec))


# ---------------------------------------------------------------- GC pauses
_gc_start = [0.0]


def _gc_cb(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_start[0] = now()
    else:
        rec["gc"].append((now(), info["generation"], now() - _gc_start[0], info.get("collected", 0)))


gc.callbacks.append(_gc_cb)

# ---------------------------------------------------------------- slow callbacks
_orig_run = asyncio.events.Handle._run


def _timed_run(self):
    t, c = now(), time.thread_time()
    _orig_run(self)
    d = now() - t
    if d > SLOW_CALLBACK:
        try:
            what = repr(self)[:300]
        except Exception:  # noqa: BLE001
            what = "?"
        rec["slow"].append((t, d, what, time.thread_time() - c))   # wall, and CPU (the rest: the box's other jobs)


asyncio.events.Handle._run = _timed_run


async def _lag_probe() -> None:
    mark, heap = Path(OUT + ".mark"), Path(OUT + ".gc")
    while True:
        t = now()
        await asyncio.sleep(0.001)
        late = now() - t - 0.001
        rec["lag"].append((t, late))
        if heap.exists():   # the bench asks (sockets still connected): what a full collection costs now
            heap.unlink()
            t, c = now(), time.thread_time()
            gc.collect()
            rec["heap"] = [(t, len(gc.get_objects()), gc.get_freeze_count(), now() - t, time.thread_time() - c)]
        if mark.exists():   # the bench asks for a dump between levels
            mark.unlink()
            dump(OUT + f".{int(time.time())}")
            if _prof:
                _prof[0].dump_stats(os.environ["PROBE_CPROFILE"])
            for v in rec.values():
                v.clear()


# ---------------------------------------------------------------- fan-out and builds
from judging.live import hub as _hub  # noqa: E402
from judging.live import publisher as _pub  # noqa: E402

_orig_publish = _hub.Hub.publish


def _publish(self, channel, message):
    t = now()
    n = _orig_publish(self, channel, message)
    if n > 1 or channel.endswith(("/watch", "/screen")):
        rec["fanout"].append((t, channel.split("/", 1)[1], n, now() - t))
    return n


_hub.Hub.publish = _publish

for cls in (_pub.Coalescer, _pub.Conflater):
    def wrap(orig):
        def _run(self, key, build, loop):
            t = now()
            orig(self, key, build, loop)
            rec["build"].append((t, key.split("/", 1)[1], now() - t))
        return _run
    cls._run = wrap(cls._run)

# ---------------------------------------------------------------- judge submits: queued and in-app
import h11  # noqa: E402
from uvicorn.protocols.http.h11_impl import H11Protocol  # noqa: E402

_arrived: dict[tuple, float] = {}
_orig_data = H11Protocol.data_received


def _data_received(self, data):
    if self.conn.their_state is h11.IDLE:
        peer = self.transport.get_extra_info("peername")
        if peer is not None:
            _arrived.setdefault(tuple(peer[:2]), now())
    _orig_data(self, data)


H11Protocol.data_received = _data_received

import judging.web.app as _app  # noqa: E402

_orig_create = _app.create_app


class _SubmitTimer:
    def __init__(self, app) -> None:
        self.app = app
        self.__dict__["state"] = getattr(app, "state", None)

    def __getattr__(self, name):
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path") != "/api/judge/submit":
            if scope["type"] == "lifespan":
                asyncio.get_running_loop().create_task(_lag_probe())
            return await self.app(scope, receive, send)
        t_in = now()
        arrived = _arrived.pop(tuple(scope["client"]), t_in) if scope.get("client") else t_in
        await self.app(scope, receive, send)
        rec["submit"].append((arrived, t_in - arrived, now() - t_in))


def create_app(*a, **kw):
    return _SubmitTimer(_orig_create(*a, **kw))


_app.create_app = create_app


def _clear_arrival_on_response():
    orig = H11Protocol.on_response_complete

    def done(self):
        orig(self)
        peer = self.transport.get_extra_info("peername") if self.transport else None
        if peer is not None:
            _arrived.pop(tuple(peer[:2]), None)
    H11Protocol.on_response_complete = done


_clear_arrival_on_response()


# ---------------------------------------------------------------- summary (used by bench_hall --probe)
def _p(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round((len(values) - 1) * q)))]


def summary(data: dict, t0: float | None = None, t1: float | None = None) -> str:
    def within(rows):
        return [r for r in rows if (t0 is None or r[0] >= t0) and (t1 is None or r[0] <= t1)]
    lag = [r[1] * 1000 for r in within(data["lag"])]
    gcs = within(data["gc"])
    out = [f"  loop lag ms: p50 {_p(lag, .5):.2f} p99 {_p(lag, .99):.1f} max {max(lag, default=0):.1f} "
           f"({len(lag)} samples; >10 ms: {sum(1 for x in lag if x > 10)})"]
    for g in (0, 1, 2):
        d = [r[2] * 1000 for r in gcs if r[1] == g]
        if d:
            out.append(f"  gc gen{g}: {len(d)} collections, p50 {_p(d, .5):.2f} ms, max {max(d):.1f} ms, total "
                       f"{sum(d):.0f} ms")
    by: dict[str, list] = {}
    for r in within(data["fanout"]):
        by.setdefault(r[1], []).append(r)
    for ch, rows in sorted(by.items()):
        d = [r[3] * 1000 for r in rows]
        out.append(f"  fan-out {ch}: {len(rows)}× to ≤{max(r[2] for r in rows)} sockets, p50 {_p(d, .5):.2f} ms, "
                   f"max {max(d):.1f} ms, total {sum(d):.0f} ms")
    bb: dict[str, list] = {}
    for r in within(data["build"]):
        bb.setdefault(r[1], []).append(r[2] * 1000)
    for ch, d in sorted(bb.items()):
        out.append(f"  build+publish {ch}: {len(d)}×, p50 {_p(d, .5):.2f} ms, max {max(d):.1f} ms")
    for _, objects, frozen, took, cpu in data.get("heap", []):
        out.append(f"  heap: {objects} tracked objects ({frozen} frozen); a full collection now takes "
                   f"{took * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU")
    sub = within(data["submit"])
    if sub:
        q = [r[1] * 1000 for r in sub]
        a = [r[2] * 1000 for r in sub]
        out.append(f"  submit queued ms: p50 {_p(q, .5):.2f} p99 {_p(q, .99):.1f}; in app: p50 {_p(a, .5):.2f} "
                   f"p99 {_p(a, .99):.1f} max {max(a):.1f}")
    slow: dict[str, list] = {}
    for r in within(data["slow"]):
        key = re.sub(r"when=[0-9.]+ ", "", r[2]).split(" at ")[0].split("(")[0][:120]
        slow.setdefault(key, []).append((r[1] * 1000, r[3] * 1000))
    for k, d in sorted(slow.items(), key=lambda kv: -sum(x for x, _ in kv[1]))[:8]:
        out.append(f"  callbacks over {SLOW_CALLBACK * 1000:.0f} ms: {k}: {len(d)}×, max {max(x for x, _ in d):.1f} ms "
                   f"wall / {max(c for _, c in d):.1f} ms CPU, total {sum(x for x, _ in d):.0f} ms wall")
    return "\n".join(out)


def main() -> int:
    from judging.cli.main import main as run_main
    prof_path = os.environ.get("PROBE_CPROFILE")
    if not prof_path:
        return run_main()
    import cProfile
    prof = cProfile.Profile()
    _prof.append(prof)
    try:
        return prof.runcall(run_main)
    finally:
        prof.dump_stats(prof_path)


if __name__ == "__main__":
    sys.exit(main())
