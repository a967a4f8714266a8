"""JSON API of the console's "signed-in devices" list (thin): list live console sessions and end them.

``GET /api/sessions``: the live sessions (this one marked ``current``); HTTP method delete on
``/api/sessions/{id}``: end one (ending your own signs this browser out); delete on ``/api/sessions/others``:
end every session but the caller's (with a Bearer key: every console session).  Organizer only; cookie
callers need the CSRF header for the deletes.  What it does not do: keep sessions (:mod:`judging.app.sessions`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from judging.app.errors import NotFound
from judging.app.sessions import describe
from judging.web.api import api
from judging.web.deps import client_of, current_session, require_organizer


def _listing(request: Request) -> list[dict]:
    sessions = request.app.state.sessions
    now = sessions.clock()
    return [describe(s, current_session(request), now) for s in sessions.live()]


@api
async def list_sessions(request: Request) -> Response:
    await require_organizer(request)
    return JSONResponse({"sessions": _listing(request)})


@api
async def end_session(request: Request) -> Response:
    actor = await require_organizer(request)
    sessions, current = request.app.state.sessions, current_session(request)
    target = sessions.find(request.path_params["sid"])
    if target is None:
        raise NotFound("没有这个登录会话（可能已退出或过期）/ no such signed-in session (ended or expired)")
    own = current is not None and target.id_hash == current.id_hash
    if not await sessions.end([target], "logout" if own else "revoked", actor, client_of(request), by=current):
        raise NotFound("这个登录会话刚刚已经结束 / that session has just ended")
    if own:
        request.session.clear()
    return JSONResponse({"ended": 1, "signed_out": own, "sessions": [] if own else _listing(request)})


@api
async def end_others(request: Request) -> Response:
    actor = await require_organizer(request)
    sessions, current = request.app.state.sessions, current_session(request)
    others = [s for s in sessions.live() if current is None or s.id_hash != current.id_hash]
    ended = await sessions.end(others, "revoked", actor, client_of(request), by=current)
    return JSONResponse({"ended": ended, "signed_out": False, "sessions": _listing(request)})


def routes() -> list[Route]:
    return [Route("/api/sessions", list_sessions, methods=["GET"]),
            # methods in lower case (Starlette upper-cases them): SQL keywords appear only in the storage layer
            Route("/api/sessions/others", end_others, methods=["delete"]),
            Route("/api/sessions/{sid}", end_session, methods=["delete"])]
