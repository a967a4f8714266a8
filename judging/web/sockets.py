"""WebSocket endpoints: /ws/j/{token} (judge), /ws/s/{token} (screen; ``?view=watch``: a phone following
it), /ws/console/{cid}.

What it does: authenticates, subscribes the socket to its hub channel, sends
the full current snapshot at once, then every newer snapshot (conflated by the
hub), and a heartbeat every few seconds so both ends notice a dead link.
Clients may send ``{"type": "ping"}``; nothing else is accepted over sockets
(marks go through the HTTP API, which acknowledges after commit).  Screen and
watcher sockets on a real uvicorn server are hub *sinks* (:mod:`judging.web.fanout`):
the shared frame is written to them directly, without a send task per socket.
Screen-token sockets are capped per contest and per client address (close code 4503).

What it does not do: build snapshots (:mod:`judging.live.snapshots`).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Callable

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from judging.live import snapshots as views
from judging.live.frames import Message
from judging.live.hub import CLOSE, Subscriber
from judging.live.publisher import encode
from judging.web.fanout import PONG, Sink, sansio_protocol
from judging.core import roles
from judging.web.deps import Forbidden, TooManyAttempts, Unauthorized, current_session, foreign_origin, principal

HEARTBEAT_SECONDS = 10.0
INVALID = 4401  # close code: wrong or expired token / session; clients stop retrying
FORBIDDEN = 4403  # close code: signed in, but this role may not open it (another contest's staff); no retry
THROTTLED = 4429  # close code: too many wrong organizer keys from this address lately; retry later
FULL = 4503  # close code: too many sockets on this screen link (or from this address); retry later
# Caps on screen-link sockets (the projector and every phone following it).  Per contest: well above the 5,000
# watchers the benchmark holds on one 2-core box at 187 MB (bench/README.md), below where memory (~35 KB per
# socket) or the raised open-file limit (16,384) would run short.  Per address: a whole hall behind one NAT (a
# venue router forwarding a port, phones on mobile data behind a carrier NAT) arrives from one address, so this
# cap is a hall and more, not a person: it only stops one machine from taking every slot.  Both are settable
# through create_app(socket_caps=...).
MAX_SCREEN_SOCKETS = 8000
MAX_SOCKETS_PER_ADDRESS = 6000


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


async def _serve_sink(ws: WebSocket, proto, channel: str, snapshot: Callable[[], dict]) -> None:
    """A screen or watcher socket on a real uvicorn server: every data frame goes through its sink."""
    hub = ws.app.state.hub
    closing: list[asyncio.Task] = []
    sink = Sink(channel, proto, lambda: closing.append(asyncio.ensure_future(ws.close(code=INVALID))))
    hub.attach(sink)
    try:
        sink.start(Message(encode(snapshot())))
        while True:  # clients only ever ping; anything else (binary frames included) is ignored
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            if '"ping"' in (message.get("text") or ""):
                sink.offer(PONG)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.unsubscribe(sink)
        sink.stop()


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


async def _refuse(ws: WebSocket, code: int = INVALID, reason: str = "") -> None:
    """Accept, then close with ``code`` (4401 invalid link, 4429 throttled).  Closing before accept becomes
    an HTTP 403 in which browsers see only code 1006, and would retry for ever instead of saying why."""
    await ws.accept()
    await ws.close(code=code, reason=reason)


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
    """The big screen (full snapshot, as fast as changes come) or, with ``?view=watch``, a phone following
    it (the small public snapshot at a few updates a second)."""
    svc = ws.app.state.service
    rt = svc.by_screen_token(ws.path_params["token"])
    if rt is None:
        await _refuse(ws)
        return
    cid = rt.contest.id
    hub = ws.app.state.hub
    caps = getattr(ws.app.state, "socket_caps", None) or (MAX_SCREEN_SOCKETS, MAX_SOCKETS_PER_ADDRESS)
    watching = ws.query_params.get("view") == "watch"
    channel = f"{cid}/watch" if watching else f"{cid}/screen"
    build = views.watch if watching else views.screen
    await serve_public(ws, channel, lambda: build(svc, svc.get(cid)),
                       in_use=hub.count(f"{cid}/screen") + hub.count(f"{cid}/watch"), caps=caps,
                       addresses="screen_addresses",
                       full="观看人数已满，请稍后再试 / too many viewers on this link, try again later")


async def serve_public(ws: WebSocket, channel: str, build: Callable[[], dict], *, in_use: int,
                       caps: tuple[int, int], addresses: str, full: str,
                       on_open: Callable[[], None] | None = None, on_close: Callable[[], None] | None = None) -> None:
    """A socket of a public link (the big screen, a phone following it, an audience phone): refused with
    :data:`FULL` and ``full`` when the link already has ``caps[0]`` sockets (``in_use``) or this client address
    ``caps[1]`` (counted in ``app.state.<addresses>`` while open); else served as a hub sink on a real server,
    a subscriber otherwise.  ``on_open`` runs once accepted, ``on_close`` when it ends (not when refused)."""
    per_address = getattr(ws.app.state, addresses, None)
    if per_address is None:
        per_address = {}
        setattr(ws.app.state, addresses, per_address)
    address = ws.client.host if ws.client else ""
    if in_use >= caps[0] or per_address.get(address, 0) >= caps[1]:
        await _refuse(ws, FULL, full)
        return
    per_address[address] = per_address.get(address, 0) + 1
    try:
        await ws.accept()
        if on_open:
            on_open()
        proto = sansio_protocol(ws.scope)
        if proto is not None:
            await _serve_sink(ws, proto, channel, build)
        else:
            await _serve(ws, channel, build)
    finally:
        left = per_address.get(address, 1) - 1
        if left > 0:
            per_address[address] = left
        else:
            per_address.pop(address, None)
        if on_close:
            on_close()


async def console_socket(ws: WebSocket) -> None:
    svc = ws.app.state.service
    if foreign_origin(ws):
        await _refuse(ws)
        return
    try:
        who = await principal(ws)
        rt = svc.runtimes.get(ws.path_params["cid"])
    except TooManyAttempts:  # too many wrong keys from this address: refused without hashing, may retry later
        await _refuse(ws, THROTTLED)
        return
    except (Unauthorized, Forbidden):
        who, rt = None, None
    if who is not None and not roles.allows(who, "console.read", ws.path_params["cid"]):
        await _refuse(ws, FORBIDDEN, "没有权限 / not allowed")  # another contest's staff
        return
    if rt is None or who is None:
        await _refuse(ws)
        return
    await ws.accept()
    cid = rt.contest.id
    session = current_session(ws)  # None for a Bearer key; else the socket closes when this session ends
    staff = ws.app.state.staff

    def watch(sub: Subscriber) -> Callable[[], None]:
        # closes when the console session ends, or the staff member is revoked (also a socket opened with its key)
        stops = [ws.app.state.sessions.watch(session, lambda: sub.offer(CLOSE))] if session else []
        if who.staff_id:
            stops.append(staff.watch(who.staff_id, lambda: sub.offer(CLOSE)))
        return lambda: [stop() for stop in stops] and None

    channel = f"{cid}/console" if who.is_organizer else f"{cid}/console/{who.role}"  # one snapshot per role
    await _serve(ws, channel, lambda: roles.console_for(who.role, views.console(
        svc, svc.get(cid), ws.app.state.publisher.presence(cid))), watch=watch if session or who.staff_id else None)


def routes() -> list[WebSocketRoute]:
    return [WebSocketRoute("/ws/j/{token}", judge_socket), WebSocketRoute("/ws/s/{token}", screen_socket),
            WebSocketRoute("/ws/console/{cid}", console_socket)]
