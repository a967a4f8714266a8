"""Export, import and audit-trail routes (thin): organizer only (Bearer key, or console cookie + CSRF on POST).

GET  /api/contests/{cid}/export/{format}          a format of the registry (judging/exports/formats.py:
                                                  results.xlsx, results.csv, scoresheets.pdf, archive.json, ...);
                                                  an unknown format is a 404 that lists the known ones
POST /api/contests/import[?as=ID]                 a JSON archive -> a new contest (201)
GET  /api/contests/{cid}/audit/entries            one page of the readable audit trail, filtered
GET  /api/contests/{cid}/audit/verify             the hash chain's status, the contest's last entry and hash

Files are built off the event loop (a thread) from a snapshot copied under the writer's lock,
so a judge's submission is never held up by a PDF.  What it does not do: build files itself
(:mod:`judging.exports.snapshot`), or decide anything about the contest (:mod:`judging.app.service`).
"""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from judging.exports import audit_trail
from judging.exports import formats
from judging.exports.snapshot import content_disposition, load_snapshot
from judging.app.errors import Conflict, Invalid, NotFound
from judging.exports.pdf_sheets import FontMissing
from judging.web.api import BadRequest, api, console_view, json_error, parse_json, query_int, svc
from judging.web.deps import client_of, require


@api
async def download(request: Request) -> Response:
    """GET /api/contests/{cid}/export/{format}: any format of the registry (judging/exports/formats.py)."""
    await require(request, "exports.read")
    try:
        fmt = formats.get(request.path_params["format"])
    except formats.UnknownFormat as e:
        raise NotFound(str(e)) from None
    service = svc(request)
    rt = service.get(request.path_params["cid"])
    options: dict = {}
    name, nice = fmt.name, fmt.file_label
    if fmt.sheet_options:
        judges = [j for v in request.query_params.getlist("judge") for j in v.split(",") if j]
        unknown = [j for j in judges if rt.contest.judge(j) is None]
        if unknown:
            raise NotFound(f"没有这个评委 / no judge {unknown[0]!r}")
        part = request.query_params.get("part", "all")
        if part not in ("all", "summary", "sheets"):
            raise Invalid("part 须为 all、summary 或 sheets / part must be all, summary or sheets",
                          {"part": "all | summary | sheets"})
        options = {"judges": judges or None, "summary": part in ("all", "summary") and not judges,
                   "sheets": part in ("all", "sheets")}
        if len(judges) == 1:
            name, nice = f"scoresheet-{judges[0]}.{fmt.extension}", f"评分表-{rt.contest.judge(judges[0]).name}"
        elif part == "summary":
            name, nice = f"summary.{fmt.extension}", "成绩汇总表"
    snap = await load_snapshot(service, rt.contest.id)
    try:
        data = await run_in_threadpool(fmt.render, snap, **options)
    except FontMissing as e:  # this machine lacks the font; the server and every other export still work
        return json_error(503, str(e), code="pdf_font_missing")
    except ValueError as e:
        raise Conflict(str(e)) from None
    if fmt.name == "archive.json":  # the record a delete of a contest with marks needs (judging.app.lifecycle)
        await service.record_archive_export(rt.contest.id, snap.audit, snap.taken_at)
    if rt.contest.rehearsal:  # 彩排 in the file names too (the titles have it: the snapshot's name)
        name = f"rehearsal-{name}"
    return Response(data, media_type=fmt.media_type, headers={
        "content-disposition": content_disposition(rt.contest.id, snap.rt.contest.name, name, nice),
        "cache-control": "no-store"})


@api
async def import_archive(request: Request) -> Response:
    actor = (await require(request, "archive.import")).actor
    new_id = request.query_params.get("as") or None
    archive = await asyncio.to_thread(parse_json, await request.body())  # megabytes of JSON: off the event loop
    report: list[str] = []  # a season's stage: other stages missing here, or imported on its own
    rt = await svc(request).import_contest(archive, actor, client_of(request), new_id=new_id, report=report)
    return JSONResponse({**console_view(request, rt), "import_warnings": report}, status_code=201)


def _int(request: Request, name: str, default: int) -> int:
    return query_int(request, name, default)


@api
async def audit_entries(request: Request) -> Response:
    await require(request, "audit.read")
    rt = svc(request).get(request.path_params["cid"])
    q = request.query_params
    order = q.get("order", "newest")
    if order not in ("newest", "oldest"):
        raise BadRequest("order 须为 newest 或 oldest / order must be newest or oldest")
    try:
        page = await audit_trail.query_page(
            svc(request).store, rt.contest, project=q.get("project") or None, judge=q.get("judge") or None,
            kind=q.get("kind") or None, newest_first=order == "newest", offset=_int(request, "offset", 0),
            limit=_int(request, "limit", 100))
    except ValueError as e:
        raise BadRequest(str(e)) from None
    return JSONResponse(page)


@api
async def audit_verify(request: Request) -> Response:
    await require(request, "audit.read")
    cid = svc(request).get(request.path_params["cid"]).contest.id
    store = svc(request).store
    status = await audit_trail.verify(store)
    return JSONResponse({**status, **await audit_trail.contest_head(store, cid)})


def routes() -> list[Route]:
    return [
        Route("/api/contests/{cid}/export/{format}", download, methods=["GET"]),
        Route("/api/contests/import", import_archive, methods=["POST"]),
        Route("/api/contests/{cid}/audit/entries", audit_entries, methods=["GET"]),
        Route("/api/contests/{cid}/audit/verify", audit_verify, methods=["GET"]),
    ]


__all__ = ["routes", "NotFound"]
