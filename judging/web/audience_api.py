"""The audience's HTTP routes and socket (thin; docs/AUDIENCE.md): parse, authorise, call the service, answer.

What it does: the phone's routes under ``/api/a/<audience token>/`` (``device``, ``code``, ``ballot``, ``me``:
the device credential comes in ``X-Audience-Device`` or the ``aud_<contest>`` cookie), the organizer's
(``POST /api/contests/<cid>/audience`` actions, ``…/audience/codes`` generate and list) and the socket
``/ws/a/<token>`` (channel ``<cid>/audience``: a hub sink on a real server like the watchers, capped like the
screen links).  Every refusal is JSON ``{"error": "中文 / English", "code": …}`` with a 4xx: 404 unknown link,
403 bad device (or a request from another site), 409 window closed / code taken, 422 bad ballot, 429 too fast
(with ``retry-after``).

What it does not do: decide anything (:mod:`judging.app.audience`) or build snapshots
(:mod:`judging.live.audience_views`).
"""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from starlette.concurrency import run_in_threadpool

from judging.app.audience_model import AudienceRefused
from judging.exports.audience_tickets import tickets_pdf
from judging.exports.pdf_sheets import FontMissing
from judging.live import audience_views
from judging.web.api import Handler, api, body_json, json_error, svc
from judging.web.deps import client_of, foreign_origin, require, require_organizer

DEVICE_HEADER = "x-audience-device"
COOKIE_YEAR = 365 * 24 * 3600
MAX_AUDIENCE_SOCKETS = 8000      # per contest (3,000 measured: bench/bench_audience.py)
MAX_AUDIENCE_PER_ADDRESS = 6000  # a whole hall shares one Wi-Fi address


def audience(handler: Handler) -> Handler:
    """:func:`judging.web.api.api`, and an :class:`AudienceRefused` as its status with its code."""
    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except AudienceRefused as e:
            response = json_error(e.status, str(e), e.errors, code=e.code)
            if e.retry_after:
                response.headers["retry-after"] = str(e.retry_after)
            return response
    return api(wrapper)


def _contest(request: Request):
    rt = svc(request).by_audience_token(request.path_params["token"])
    if rt is None:
        raise AudienceRefused(404, "观众链接无效 / this audience link is not valid", "unknown_link")
    if request.method == "POST" and foreign_origin(request):
        raise AudienceRefused(403, "请求来自其他网站 / refused: sent from another site", "foreign_origin")
    return rt


def _credential(request: Request, cid: str) -> str | None:
    return request.headers.get(DEVICE_HEADER) or request.cookies.get(f"aud_{cid}")


@audience
async def device(request: Request) -> Response:
    rt = _contest(request)
    body = await body_json(request)
    old = body.get("device") if isinstance(body.get("device"), str) else None
    credential = svc(request).issue_device(rt, old or _credential(request, rt.contest.id), client_of(request))
    response = JSONResponse({"device": credential})
    response.set_cookie(f"aud_{rt.contest.id}", credential, max_age=COOKIE_YEAR, httponly=True, samesite="lax",
                        path="/")
    return response


@audience
async def code(request: Request) -> Response:
    rt = _contest(request)
    body = await body_json(request)
    return JSONResponse(await svc(request).bind_code(rt, _credential(request, rt.contest.id), body.get("code")))


@audience
async def ballot(request: Request) -> Response:
    rt = _contest(request)
    body = await body_json(request)
    out = await svc(request).cast_ballot(rt, _credential(request, rt.contest.id), body, client_of(request))
    return JSONResponse(out)


@audience
async def me(request: Request) -> Response:
    rt = _contest(request)
    return JSONResponse(svc(request).my_ballots(rt, _credential(request, rt.contest.id)))


@audience
async def organizer_action(request: Request) -> Response:
    actor = (await require(request, "live.act")).actor  # the hall operator runs the audience's part too
    body = await body_json(request)
    rt = await svc(request).audience_action(request.path_params["cid"], body.get("action"), actor,
                                            client_of(request))
    presence = request.app.state.hub.count(f"{rt.contest.id}/audience")
    return JSONResponse({"ok": True, "audience": audience_views.console_part(svc(request), rt, presence)})


@audience
async def generate_codes(request: Request) -> Response:
    actor = await require_organizer(request)
    body = await body_json(request)
    codes = await svc(request).generate_codes(request.path_params["cid"], body.get("count"), actor,
                                              client_of(request))
    return JSONResponse({"ok": True, "codes": codes}, status_code=201)


@audience
async def list_codes(request: Request) -> Response:
    await require(request, "links.read")
    rt = svc(request).get(request.path_params["cid"])
    return JSONResponse(audience_views.codes_list(rt))


@audience
async def codes_pdf(request: Request) -> Response:
    """The tickets to print: every code (``?unused=1``: only those not used yet)."""
    await require(request, "links.read")
    rt = svc(request).get(request.path_params["cid"])
    listed = audience_views.codes_list(rt)
    codes = [c["code"] for c in listed["codes"] if not (request.query_params.get("unused") and c["used"])]
    base = (getattr(request.app.state, "public_url", None) or str(request.base_url)).rstrip("/")
    try:
        data = await run_in_threadpool(tickets_pdf, rt.contest.name, base + listed["link"], codes)
    except FontMissing as e:
        return json_error(503, str(e), code="pdf_font_missing")
    return Response(data, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{rt.contest.id}-ballot-codes.pdf"'})


async def audience_socket(ws: WebSocket) -> None:
    """``/ws/a/<token>``: the audience snapshot, at most 4 a second (an unknown link closes with 4401)."""
    from judging.web import sockets  # the shared serving loops (sockets imports nothing of this module)

    service = ws.app.state.service
    rt = service.by_audience_token(ws.path_params["token"])
    if rt is None:
        await sockets._refuse(ws)
        return
    cid = rt.contest.id
    caps = getattr(ws.app.state, "audience_caps", None) or (MAX_AUDIENCE_SOCKETS, MAX_AUDIENCE_PER_ADDRESS)

    def console() -> None:  # the console shows the phones connected
        if cid in service.runtimes:
            service.publish_console(cid)
    await sockets.serve_public(ws, f"{cid}/audience", lambda: audience_views.audience(service, service.get(cid)),
                               in_use=ws.app.state.hub.count(f"{cid}/audience"), caps=caps,
                               addresses="audience_addresses",
                               full="观众人数已满，请稍后再试 / too many phones on this link, try again later",
                               on_open=console, on_close=console)


def routes() -> list:
    return [
        Route("/api/a/{token}/device", device, methods=["POST"]),
        Route("/api/a/{token}/code", code, methods=["POST"]),
        Route("/api/a/{token}/ballot", ballot, methods=["POST"]),
        Route("/api/a/{token}/me", me, methods=["GET"]),
        Route("/api/contests/{cid}/audience", organizer_action, methods=["POST"]),
        Route("/api/contests/{cid}/audience/codes", generate_codes, methods=["POST"]),
        Route("/api/contests/{cid}/audience/codes", list_codes, methods=["GET"]),
        Route("/api/contests/{cid}/audience/codes.pdf", codes_pdf, methods=["GET"]),
        WebSocketRoute("/ws/a/{token}", audience_socket),
    ]
