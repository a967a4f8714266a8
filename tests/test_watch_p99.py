"""Issue 11, the judge's ack at 3,000 watchers: a fan-out never holds the event loop for long, and a judge's
request goes first.

The profile (bench/README.md, *hall*): one publish to 3,000 phones was 3,000 ``send`` calls in one go (40-150 ms
of loop), run inside the judge's own request when it was the first change after a quiet spell, and a judge's
request arriving meanwhile waited for all of it.  Now the watchers' snapshot is built after the caller, the
sinks are written by one writer in slices that let other ready callbacks go first, and ``run.py serve``
freezes its start-up heap out of the collector's full passes.  Behaviour only: no timing asserts (the slices
are counted with a transport whose ``write`` is made slow on purpose).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time

import pytest

from judging.live.hub import Hub
from judging.live.publisher import Coalescer, Publisher
from judging.web import fanout


class FakeTransport:
    """What a sink needs of an asyncio transport; ``write`` logs the frame (optionally spending ``cost`` s)."""

    def __init__(self, log: list, cost: float = 0.0) -> None:
        self.log, self.cost, self.buffered = log, cost, 0

    def write(self, data: bytes) -> None:
        if self.cost:
            end = time.perf_counter() + self.cost
            while time.perf_counter() < end:
                pass
        self.log.append((self, data))

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def is_closing(self) -> bool:
        return False


class FakeConn:
    extensions: list = []
    data_to_send = None


class FakeProto:
    def __init__(self, transport: FakeTransport) -> None:
        self.transport, self.conn = transport, FakeConn()
        self.close_sent = self.disconnected = False


def sinks(hub: Hub, n: int, log: list, cost: float = 0.0) -> list[fanout.Sink]:
    out = []
    for _ in range(n):
        sink = fanout.Sink("c1/watch", FakeProto(FakeTransport(log, cost)), lambda: None)
        hub.attach(sink)
        sink.ready = True   # as after start(): the first snapshot has gone out
        out.append(sink)
    return out


async def settle(log: list, want: int) -> None:
    for _ in range(20_000):
        if len(log) >= want and not fanout._writer.queue:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{len(log)} of {want} frames written")


async def test_publish_writes_nothing_itself_and_a_chain_of_awaits_finishes_before_the_fan_out():
    hub, log = Hub(), []
    sinks(hub, 2000, log)
    assert hub.publish("c1/watch", '{"type":"state","seq":1}') == 2000
    assert log == [], "publish only queues: the sockets are written by the writer, later"
    done_at: list[int] = []

    async def judge_request() -> None:   # a request that needs a dozen turns of the loop (database hops)
        for _ in range(12):
            await asyncio.sleep(0)
        done_at.append(len(log))
    await asyncio.gather(judge_request(), settle(log, 2000))
    assert done_at and done_at[0] < 2000, "the judge's request ran between the slices, not after all of them"
    assert len(log) == 2000 and len({t for t, _ in log}) == 2000, "every socket once"


async def test_the_writer_lets_ready_callbacks_go_first_and_writes_in_short_slices():
    hub, log = Hub(), []
    sinks(hub, 320, log, cost=0.0001)   # 0.1 ms per write: a slice (1 ms, checked every 16 writes) is 16 writes
    seen: list[int] = []
    slices = fanout._writer.slices
    hub.publish("c1/watch", '{"type":"state","seq":2}')
    asyncio.get_running_loop().call_soon(lambda: seen.append(len(log)))   # ready before the writer's turn
    await settle(log, 320)
    assert seen == [0], "a callback already waiting ran before the first frame was written"
    assert fanout._writer.slices - slices >= 320 // 16, "at most 16 slow writes per turn of the loop"


async def test_a_newer_snapshot_replaces_the_queued_one_and_pings_do_not():
    hub, log = Hub(), []
    group = sinks(hub, 50, log)
    hub.publish("c1/watch", '{"type":"state","seq":3}')
    group[0].offer(fanout.PONG)   # a snapshot is on its way: the pong is not needed (nor written over it)
    hub.publish("c1/watch", '{"type":"state","seq":4}')
    await settle(log, 50)
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(log) == 50 and all(b'"seq":4' in data for _, data in log), "each socket once, the newest"
    assert all(s.skipped == 1 and s.pending is None for s in group)


async def test_a_full_socket_waits_aside_and_is_written_when_it_drains(monkeypatch):
    monkeypatch.setattr(fanout, "RETRY_SECONDS", 0.01)
    hub, log = Hub(), []
    slow, fast = sinks(hub, 2, log)
    slow.proto.transport.buffered = fanout.HIGH_WATER
    hub.publish("c1/watch", '{"type":"state","seq":5}')
    await settle(log, 1)
    assert [t for t, _ in log] == [fast.proto.transport] and slow.pending is not None
    slow.proto.transport.buffered = 0
    for _ in range(200):
        if len(log) == 2:
            break
        await asyncio.sleep(0.01)
    assert log[-1] == (slow.proto.transport, log[0][1]) and slow.pending is None


async def test_the_watchers_snapshot_is_built_after_the_request_that_caused_it():
    hub = Hub()
    publisher = Publisher(hub)
    sub = hub.subscribe("c1/watch")
    built: list[str] = []
    publisher.soon("c1/watch", lambda: built.append("watch") or '{"type":"state"}')
    assert built == [], "not inside the judge's request: the acknowledgement goes out first"
    await asyncio.sleep(0)
    assert built == ["watch"] and await asyncio.wait_for(sub.get(), 1) == '{"type":"state"}'
    c = Coalescer(10.0, after_caller=True)   # outside a loop (scripts) it still builds at once
    assert c.after_caller and publisher.watchers.after_caller and not publisher.coalescer.after_caller


def test_serve_freezes_the_start_up_heap(tmp_path, monkeypatch):
    import uvicorn
    from starlette.testclient import TestClient

    from judging.cli import serve

    frozen: list[int] = []

    def fake_run(app, **kw):   # start the app (its lifespan calls serve's ready), note the frozen count, stop
        with TestClient(app):
            frozen.append(gc.get_freeze_count())
    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setattr(serve.logging, "basicConfig", lambda **kw: None)   # leave the test run's logging alone
    monkeypatch.setenv("JUDGING_ORGANIZER_KEY", "test-organizer-key-0123456789")
    gc.unfreeze()
    try:
        args = argparse.Namespace(host="127.0.0.1", port=8000, db=str(tmp_path / "s.db"), no_demo=False,
                                  new_key=False, public_url=None, print_links=False)
        assert serve.cmd_serve(args) == 0
        assert frozen and frozen[0] > 10_000, frozen
    finally:
        gc.unfreeze()


@pytest.fixture(autouse=True)
def fresh_writer(monkeypatch):
    monkeypatch.setattr(fanout, "_writer", fanout._Writer())
    monkeypatch.setattr(fanout, "_timers", fanout._Timers())
