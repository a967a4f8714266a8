"""The judges of bench_hall.py in a process of their own: 10 judges, each submitting once a second (staggered).

Why a process of its own: the benchmark's 3,000-5,000 watcher sockets live in the parent's event loop, and a
fan-out makes it read thousands of frames at once -- a judge's acknowledgement arriving meanwhile would wait
for the *benchmark* to get to it, and the ack time would include the load generator's own backlog.  On the
hall night the judges' phones are not the phones watching.  Reads a JSON job on stdin ({"port", "seconds",
"requests": one list of [path, body, headers] per judge}) and prints {"acks": [ms...], "sent": [[t, seq]...]}
with ``t`` on ``time.perf_counter()`` (CLOCK_MONOTONIC: the same clock in the parent).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx


async def main(job: dict) -> dict:
    acks: list[float] = []
    sent: list[list[float]] = []
    judges = job["requests"]
    start = time.perf_counter() + 0.2

    async def judge(k: int, requests: list) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{job['port']}", timeout=60) as client:
            for i, (path, body, headers) in enumerate(requests):
                await asyncio.sleep(max(0.0, start + i + k / len(judges) - time.perf_counter()))
                t0 = time.perf_counter()
                r = await client.post(path, json=body, headers=headers)
                r.raise_for_status()
                acks.append((time.perf_counter() - t0) * 1000)
                sent.append([t0, r.json()["seq"]])
    await asyncio.gather(*(judge(k, reqs) for k, reqs in enumerate(judges)))
    return {"acks": acks, "sent": sent}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.load(sys.stdin)))))
