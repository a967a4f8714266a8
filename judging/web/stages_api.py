"""JSON API routes of a season's stages (thin): parse, authorise, call the stage commands, return.

Organizer: ``GET /api/contests/{cid}/stages`` (the stage part of the console snapshot), ``POST …/stage`` (kind
and label), ``POST …/stages`` (add the next stage, 201), ``POST …/review`` (open / deadline / close a review
stage), ``POST …/advance`` (fill the next stage).  A review judge: ``GET /api/judge/review`` (their list of
applications) and ``POST /api/judge/review/submit`` (one application's marks).  Errors as in
:mod:`judging.web.api`; documented in docs/API.md and /api/openapi.json.

What it does not do: decide anything (:mod:`judging.app.stages`) or build the views (:mod:`judging.live.stage_views`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from judging.app.errors import Conflict, Invalid
from judging.live import stage_views
from judging.web.api import api, body_json, console_view, svc
from judging.web.deps import client_of, judge_of, require_organizer


@api
async def stages(request: Request) -> Response:
    await require_organizer(request)
    rt = svc(request).get(request.path_params["cid"])
    return JSONResponse({"id": rt.contest.id, "stage": stage_views.console(svc(request), rt)})


@api
async def set_stage(request: Request) -> Response:
    actor = await require_organizer(request)
    rt = await svc(request).set_stage(request.path_params["cid"], await body_json(request), actor, client_of(request))
    return JSONResponse(console_view(request, rt))


@api
async def add_next_stage(request: Request) -> Response:
    actor = await require_organizer(request)
    rt = await svc(request).add_next_stage(request.path_params["cid"], await body_json(request), actor,
                                           client_of(request))
    return JSONResponse(console_view(request, rt), status_code=201)


@api
async def review_action(request: Request) -> Response:
    actor = await require_organizer(request)
    body = await body_json(request)
    action = body.get("action")
    if not isinstance(action, str):
        raise Invalid("缺少 action / action is required", {"action": "required"})
    rt = await svc(request).review_action(request.path_params["cid"], action, body.get("deadline"), actor,
                                          client_of(request))
    return JSONResponse(console_view(request, rt))


@api
async def advance(request: Request) -> Response:
    actor = await require_organizer(request)
    nxt = await svc(request).advance(request.path_params["cid"], actor, client_of(request))
    return JSONResponse(console_view(request, nxt))


def _review_judge(request: Request):
    rt, judge = judge_of(request)
    if rt.contest.stage is None or not rt.contest.stage.is_review:
        raise Conflict("这不是书面评审阶段 / this is not a review stage")
    return rt, judge


@api
async def judge_review(request: Request) -> Response:
    rt, judge = _review_judge(request)
    return JSONResponse(stage_views.judge_review(svc(request), rt, judge))


@api
async def judge_review_submit(request: Request) -> Response:
    rt, judge = _review_judge(request)
    ack = await svc(request).review_submit(rt, judge, await body_json(request), client_of(request))
    return JSONResponse({**ack, "review": stage_views.judge_review(svc(request), rt, judge)})


def routes() -> list[Route]:
    return [
        Route("/api/contests/{cid}/stages", stages, methods=["GET"]),
        Route("/api/contests/{cid}/stages", add_next_stage, methods=["POST"]),
        Route("/api/contests/{cid}/stage", set_stage, methods=["POST"]),
        Route("/api/contests/{cid}/review", review_action, methods=["POST"]),
        Route("/api/contests/{cid}/advance", advance, methods=["POST"]),
        Route("/api/judge/review", judge_review, methods=["GET"]),
        Route("/api/judge/review/submit", judge_review_submit, methods=["POST"]),
    ]
