"""The hub is plain data (channel -> message); the publisher decides when to build and tells the snapshot
builders who is connected (issue 10)."""

from __future__ import annotations

import asyncio
import json

import pytest

from judging.app.demo import create_demo
from judging.app.service import Service
from judging.live import snapshots as views
from judging.live.hub import Hub
from judging.live.publisher import Publisher
from judging.storage.store import Store
from tests.test_layout import graph


@pytest.fixture
async def store(tmp_path):
    s = Store(str(tmp_path / "p.db"))
    await s.open()
    yield s
    await s.close()


async def test_the_hub_takes_messages_not_closures():
    hub = Hub()
    assert not any(hasattr(hub, name) for name in ("publish_soon", "scheduler", "pending", "coalescer"))
    a, b = hub.subscribe("c1/screen"), hub.subscribe("c1/screen")
    assert hub.publish("c1/screen", '{"n":1}'.encode()) == 2   # bytes from a pub/sub server: UTF-8 text
    assert await a.get() == '{"n":1}' and await b.get() == '{"n":1}'
    assert hub.messages == 1, "wrapped once for every client of the channel"


def test_the_hub_imports_nothing_of_the_application():
    assert graph()["judging.live.hub"] <= {"judging.live.frames"}


async def test_snapshots_are_told_who_is_connected_and_never_ask_the_hub(store):
    publisher = Publisher(Hub())
    svc = Service(store, publisher)
    rt = await create_demo(svc)
    cid = rt.contest.id
    phone = publisher.hub.subscribe(f"{cid}/judge/E1")
    assert publisher.presence(cid) == {"E1"}
    connected = {j["id"] for j in views.console(svc, rt, {"E2"})["judges_status"] if j["connected"]}
    assert connected == {"E2"}, "the builder shows what it is given, not what the hub has"
    assert not any(j["connected"] for j in views.console(svc, rt)["judges_status"])
    publisher.hub.unsubscribe(phone)


async def test_the_published_console_carries_presence_from_the_publisher(store):
    publisher = Publisher(Hub(), coalesce_seconds=0.01)
    svc = Service(store, publisher)
    rt = await create_demo(svc)
    cid = rt.contest.id
    console = publisher.hub.subscribe(f"{cid}/console")
    phone = publisher.hub.subscribe(f"{cid}/judge/U03")
    svc.publish_console(cid)
    snap = json.loads(await asyncio.wait_for(console.get(), 1))
    assert {j["id"] for j in snap["judges_status"] if j["connected"]} == {"U03"}
    publisher.hub.unsubscribe(phone)


async def test_a_service_without_a_publisher_runs_and_publishes_nothing(store):
    svc = Service(store)
    rt = await create_demo(svc)
    for action in ("start", "present", "open_scoring"):
        await svc.act(rt.contest.id, action, None, "organizer")
    assert rt.state.phase == "scoring"
