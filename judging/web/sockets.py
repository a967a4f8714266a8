"""WebSocket endpoints: /ws/j/{token} (judge), /ws/s/{token} (screen), /ws/console/{cid}.

What it does: authenticates, subscribes the socket to its hub channel, sends
the full current snapshot at once, then every newer snapshot (conflated by the
hub), and a heartbeat every few seconds so both ends notice a dead link.
Clients may send ``{"type": "ping"}``; nothing else is accepted over sockets
(marks go through the HTTP API, which acknowledges after commit).

What it does not do: build snapshots (:mod:`judging.views`).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Callable

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import views
from ..hub import CLOSE, Subscriber
from ..service import encode
from .deps import Forbidden, TooManyAttempts, Unauthorized, current_session, foreign_origin, require_organizer

HEARTBEAT_SECONDS = 10.0
INVALID = 4401  # close code: wrong or expired token / session; clients stop retrying
THROTTLED = 4429  # close code: too many wrong organizer keys from this address lately; retry later


async def _serve(ws: WebSocket, channel: str, snapshot: Callable[[], dict], on_change: Callable[[], None] | None = None,
                 watch: Callable[[Subscriber], Callable[[], None]] | None = None):
    """``watch(sub)``: called once subscribed, returns the function that stops watching (a console session
    offers CLOSE to ``sub`` when it ends: the socket then closes with 4401)."""
    hub = ws.app.state.hub
    sub = hub.subscribe(channel)
    unwatch = watch(sub) if watch else None
    if on_change:
        on_change()
    try:
        await ws.send_text(encode(snapshot()))
        sender = asyncio.create_task(_send_loop(ws, sub))
        try:
            while True:  # clients only ever ping; anything else (binary frames included) is ignored
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if '"ping"' in (message.get("text") or ""):
                    await ws.send_text('{"type":"pong"}')
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        if unwatch:
            unwatch()
        hub.unsubscribe(sub)
        if on_change:
            on_change()


async def _send_loop(ws: WebSocket, sub) -> None:
    while True:
        try:
            message = await asyncio.wait_for(sub.get(), HEARTBEAT_SECONDS)
        except asyncio.TimeoutError:
            await ws.send_text('{"type":"ping"}')
            continue
        if message is CLOSE:  # e.g. this judge was removed from the contest: the link is no longer valid
            await ws.close(code=INVALID)
            return
        await ws.send_text(message)  # already encoded once by the publisher


async def _refuse(ws: WebSocket, code: int = INVALID) -> None:
    """Accept, then close with ``code`` (4401 invalid link, 4429 throttled).  Closing before accept becomes
    an HTTP 403 in which browsers see only code 1006, and would retry for ever instead of saying why."""
    await ws.accept()
    await ws.close(code=code)


async def judge_socket(ws: WebSocket) -> None:
    svc = ws.app.state.service
    found = svc.by_judge_token(ws.path_params["token"])
    if found is None:
        await _refuse(ws)
        return
    rt, judge = found
    await ws.accept()
    cid = rt.contest.id

    def console_update() -> None:  # the console shows who is connected (coalesced: 300 phones reconnecting at once)
        svc.publish_console(cid)

    await _serve(ws, f"{cid}/judge/{judge.id}", lambda: views.judge(svc, svc.get(cid), svc.get(cid).contest.judge(judge.id) or judge),
                 console_update)


async def screen_socket(ws: WebSocket) -> None:
    svc = ws.app.state.service
    rt = svc.by_screen_token(ws.path_params["token"])
    if rt is None:
        await _refuse(ws)
        return
    await ws.accept()
    cid = rt.contest.id
    await _serve(ws, f"{cid}/screen", lambda: views.screen(svc, svc.get(cid)))


async def console_socket(ws: WebSocket) -> None:
    svc = ws.app.state.service
    if foreign_origin(ws):
        await _refuse(ws)
        return
    try:
        await require_organizer(ws)
        rt = svc.runtimes.get(ws.path_params["cid"])
    except TooManyAttempts:  # too many wrong keys from this address: refused without hashing, may retry later
        await _refuse(ws, THROTTLED)
        return
    except (Unauthorized, Forbidden):
        rt = None
    if rt is None:
        await _refuse(ws)
        return
    await ws.accept()
    cid = rt.contest.id
    session = current_session(ws)  # None for a Bearer key; else the socket closes when this session ends

    def watch(sub: Subscriber) -> Callable[[], None]:
        return ws.app.state.sessions.watch(session, lambda: sub.offer(CLOSE))

    await _serve(ws, f"{cid}/console", lambda: views.console(svc, svc.get(cid)), watch=watch if session else None)


def routes() -> list[WebSocketRoute]:
    return [WebSocketRoute("/ws/j/{token}", judge_socket), WebSocketRoute("/ws/s/{token}", screen_socket),
            WebSocketRoute("/ws/console/{cid}", console_socket)]
