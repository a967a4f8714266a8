"""Contest lifecycle routes (thin), organizer only: duplicate, rehearsal mode, reset, delete, and what the
contest list shows of it.

POST   /api/contests/{cid}/duplicate   {id?, name?, date?, venue?} -> the copy's console snapshot (201)
POST   /api/contests/{cid}/rehearsal   {on: true|false}            -> console snapshot (409 reset_first)
POST   /api/contests/{cid}/reset       {confirm: cid, new_judge_tokens?: bool} -> console snapshot
DELETE /api/contests/{cid}             {confirm: cid} (or ?confirm=cid) -> {deleted, removed} (409 archive_first)
GET    /api/contests/{cid}/lifecycle   {rehearsal, has_marks, archive_export, archive_current, deletable}

What it does not do: decide anything (:mod:`judging.app.lifecycle`); see docs/API.md "Contest lifecycle".
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from judging.app.errors import Invalid
from judging.web.api import api, body_json, console_view, svc
from judging.web.deps import client_of, require_organizer


@api
async def duplicate(request: Request) -> Response:
    actor = await require_organizer(request)
    rt = await svc(request).duplicate(request.path_params["cid"], await body_json(request), actor, client_of(request))
    return JSONResponse(console_view(request, rt), status_code=201)


@api
async def rehearsal(request: Request) -> Response:
    actor = await require_organizer(request)
    on = (await body_json(request)).get("on")
    if not isinstance(on, bool):
        raise Invalid("on 须为 true 或 false / on must be true or false", {"on": "true | false"})
    rt = await svc(request).set_rehearsal(request.path_params["cid"], on, actor, client_of(request))
    return JSONResponse(console_view(request, rt))


@api
async def reset(request: Request) -> Response:
    actor = await require_organizer(request)
    body = await body_json(request)
    fresh = body.get("new_judge_tokens", False)
    if not isinstance(fresh, bool):
        raise Invalid("new_judge_tokens 须为 true 或 false / new_judge_tokens must be true or false",
                      {"new_judge_tokens": "true | false"})
    rt = await svc(request).reset(request.path_params["cid"], body.get("confirm"), actor, client_of(request),
                                  new_judge_tokens=fresh)
    return JSONResponse(console_view(request, rt))


@api
async def delete(request: Request) -> Response:
    actor = await require_organizer(request)
    confirm = (await body_json(request)).get("confirm", request.query_params.get("confirm"))
    done = await svc(request).delete_contest(request.path_params["cid"], confirm, actor, client_of(request))
    await request.app.state.staff.contest_deleted(request.path_params["cid"])  # its staff's sessions end too
    return JSONResponse(done)


@api
async def info(request: Request) -> Response:
    await require_organizer(request)
    return JSONResponse(await svc(request).lifecycle_info(request.path_params["cid"]))


def routes() -> list[Route]:
    return [
        Route("/api/contests/{cid}/duplicate", duplicate, methods=["POST"]),
        Route("/api/contests/{cid}/rehearsal", rehearsal, methods=["POST"]),
        Route("/api/contests/{cid}/reset", reset, methods=["POST"]),
        Route("/api/contests/{cid}", delete, methods=["DELETE"]),
        Route("/api/contests/{cid}/lifecycle", info, methods=["GET"]),
    ]
