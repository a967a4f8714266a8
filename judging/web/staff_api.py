"""JSON API of a contest's staff (thin): list, add (the key and login link shown once), revoke.

``GET /api/contests/{cid}/staff``: the live staff members; ``POST`` the same with ``{name, role}``: a new one,
answered 201 with ``key``, ``link`` (``/k/<key>`` on the address phones reach) and ``qr`` (an SVG data URI of
the link) -- the only time the key is ever shown; the HTTP method delete on ``/api/contests/{cid}/staff/{sid}``:
revoke one (its key stops working, its console sessions end, its sockets close).  Organizer only
(``staff.manage``); cookie callers need the CSRF header.  What it does not do: keep staff
(:mod:`judging.app.staff`) or decide roles (:mod:`judging.core.roles`).
"""

from __future__ import annotations

import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from judging.web.api import api, body_json, svc
from judging.web.deps import client_of, require
from judging.web.links import link_base


def login_link(request: Request, key: str) -> str:
    return f"{link_base(getattr(request.app.state, 'public_url', None), str(request.base_url))}/k/{key}"


@api
async def list_staff(request: Request) -> Response:
    await require(request, "staff.manage")
    cid = svc(request).get(request.path_params["cid"]).contest.id
    return JSONResponse({"staff": request.app.state.staff.listing(cid)})


@api
async def add_staff(request: Request) -> Response:
    actor = (await require(request, "staff.manage")).actor
    cid = svc(request).get(request.path_params["cid"]).contest.id
    body = await body_json(request)
    member, key = await request.app.state.staff.issue(cid, body.get("name"), body.get("role"), actor,
                                                      client_of(request))
    link = login_link(request, key)
    return JSONResponse({"member": member.to_json(), "key": key, "link": link,
                         "qr": segno.make(link, error="m").svg_data_uri(scale=4, border=2),
                         "staff": request.app.state.staff.listing(cid)}, status_code=201)


@api
async def revoke_staff(request: Request) -> Response:
    actor = (await require(request, "staff.manage")).actor
    cid = svc(request).get(request.path_params["cid"]).contest.id
    ended = await request.app.state.staff.revoke(cid, request.path_params["sid"], actor, client_of(request))
    return JSONResponse({"revoked": request.path_params["sid"], "sessions_ended": ended,
                         "staff": request.app.state.staff.listing(cid)})


def routes() -> list[Route]:
    return [Route("/api/contests/{cid}/staff", list_staff, methods=["GET"]),
            Route("/api/contests/{cid}/staff", add_staff, methods=["POST"]),
            # methods in lower case (Starlette upper-cases them), as in sessions_api
            Route("/api/contests/{cid}/staff/{sid}", revoke_staff, methods=["delete"])]
