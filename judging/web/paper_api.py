"""Paper fallback routes (thin), all under ``/api/contests/{cid}/paper``: blank score sheets and the double entry
of paper marks.  Organizer only for now (Bearer key, or console cookie + CSRF on POST); the whole prefix is
meant for the scorekeeper role.

GET  /api/contests/{cid}/paper                          sheets to enter: roadshows, judges, pending entries, mismatches
GET  /api/contests/{cid}/paper/sheet?code=P:...         one sheet (or ?judge=&project=&round=): rubric, entries
POST /api/contests/{cid}/paper/entries                  one typed entry {code | judge, project, round; marks;
                                                        entered_by; replace}
POST /api/contests/{cid}/paper/entries/{eid}/discard    set a pending entry aside {reason}
GET  /api/contests/{cid}/paper/sheets.pdf               blank A4 sheets (?judge=ID repeatable, ?round=, ?project=)

What it does not do: decide anything (:mod:`judging.app.paper`) or lay out the PDF
(:mod:`judging.exports.paper_sheets`).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from judging.app.errors import Invalid, NotFound
from judging.app.paper import roadshows
from judging.core import vocabulary
from judging.exports.paper_sheets import blank_sheets, chosen_sheets
from judging.exports.pdf_sheets import FontMissing
from judging.exports.snapshot import content_disposition
from judging.web.api import api, body_json, json_error, svc
from judging.web.deps import client_of, require


@api
async def overview(request: Request) -> Response:
    await require(request, "marks.correct")
    service = svc(request)
    rt = service.get(request.path_params["cid"])
    c = rt.contest
    names = {p.id: p.name for p in c.projects}
    return JSONResponse({
        "contest": {"id": c.id, "name": c.name}, "phase": rt.state.phase,
        "roadshows": [{"round": r, "round_label": dict(zip(("zh", "en"), vocabulary.round_label(r))),
                       "projects": [{"id": p, "name": names.get(p, p)} for p in ps]} for r, ps in roadshows(rt)],
        "judges": [{"id": j.id, "name": j.name, "panel": j.panel} for j in c.judges],
        "paper": service.paper_view(rt)})


@api
async def sheet(request: Request) -> Response:
    await require(request, "marks.correct")
    service = svc(request)
    rt = service.get(request.path_params["cid"])
    q = request.query_params
    key = service.sheet(rt, q.get("code") or None, q.get("judge", ""), q.get("project", ""), q.get("round", ""))
    return JSONResponse(service.sheet_view(rt, *key))


@api
async def enter(request: Request) -> Response:
    actor = (await require(request, "marks.correct")).actor
    answer = await svc(request).enter_paper(request.path_params["cid"], await body_json(request), actor,
                                            client_of(request))
    return JSONResponse(answer, status_code=201)


@api
async def discard(request: Request) -> Response:
    actor = (await require(request, "marks.correct")).actor
    reason = (await body_json(request)).get("reason") or ""
    if not isinstance(reason, str):
        raise Invalid("作废原因须为文本 / reason must be text", {"reason": "must be text"})
    answer = await svc(request).discard_paper(request.path_params["cid"], request.path_params["eid"], reason, actor,
                                              client_of(request))
    return JSONResponse(answer)


@api
async def sheets_pdf(request: Request) -> Response:
    await require(request, "marks.correct")
    rt = svc(request).get(request.path_params["cid"])
    q = request.query_params
    judges = [j for v in q.getlist("judge") for j in v.split(",") if j]
    try:
        chosen = chosen_sheets(rt, judges or None, q.get("round") or None, q.get("project") or None)
    except LookupError as e:
        raise NotFound(str(e)) from None
    try:
        data = await run_in_threadpool(blank_sheets, rt.contest, chosen)
    except FontMissing as e:
        return json_error(503, str(e), code="pdf_font_missing")
    name = f"paper-sheets-{judges[0]}.pdf" if len(judges) == 1 else "paper-sheets.pdf"
    return Response(data, media_type="application/pdf", headers={
        "content-disposition": content_disposition(rt.contest.id, rt.contest.name, name, "纸质评分表"),
        "cache-control": "no-store"})


def routes() -> list[Route]:
    base = "/api/contests/{cid}/paper"
    return [Route(base, overview, methods=["GET"]), Route(f"{base}/sheet", sheet, methods=["GET"]),
            Route(f"{base}/entries", enter, methods=["POST"]),
            Route(f"{base}/entries/{{eid}}/discard", discard, methods=["POST"]),
            Route(f"{base}/sheets.pdf", sheets_pdf, methods=["GET"])]
