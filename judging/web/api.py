"""JSON API routes (thin): parse, authorise, call the service, return.

Errors are JSON ``{"error": message, "errors": {field: message}}`` with 400
(malformed: not JSON, a lone surrogate or NUL in a string), 401 (no credentials),
403 (CSRF), 404, 409 (not allowed now), 413 (too large), 422 (invalid input) or
503 ``"code": "disk_full"`` (nothing stored).  See docs/API.md and /api/openapi.json.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
from typing import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from judging.exports import audit_trail
from judging.exports import snapshot as exports
from judging.inputs import tables as importing
from judging.app import nudges
from judging.live import snapshots as views
from judging.app.errors import Conflict, Invalid, NotFound
from judging.app.runtime import Runtime
from judging.app.service import Service, presets
from judging.storage.store import StorageFull
from judging.core import roles
from judging.core.text import LINE, bad_string, text_problem
from judging.core.tracks import track_notice
from judging.web.deps import Forbidden, TooManyAttempts, Unauthorized, client_of, current_session, judge_of, principal_of, require

Handler = Callable[[Request], Awaitable[Response]]


class BadRequest(ValueError):
    pass


def json_error(status: int, message: str, errors: dict | None = None, code: str | None = None) -> JSONResponse:
    body: dict = {"error": message, "errors": errors or {}}
    if code:
        body["code"] = code
    return JSONResponse(body, status_code=status)


def api(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except TooManyAttempts as e:
            response = json_error(429, str(e), code="too_many_attempts")
            response.headers["retry-after"] = str(e.retry_after)
            return response
        except Unauthorized as e:
            return json_error(401, str(e))
        except Forbidden as e:
            return json_error(403, str(e))
        except NotFound as e:
            return json_error(404, str(e))
        except Conflict as e:
            return json_error(409, str(e), code=e.code)
        except Invalid as e:
            return json_error(422, str(e), e.errors)
        except BadRequest as e:
            return json_error(400, str(e))
        except StorageFull:  # rolled back: nothing of this request was stored; the client may send it again
            message = DISK_FULL_JUDGE if request.url.path.startswith("/api/judge/") else DISK_FULL
            response = json_error(503, message, code="disk_full")
            response.headers["retry-after"] = "5"
            return response
    return wrapper


DISK_FULL_JUDGE = "存储空间已满，您的评分未保存 / disk full: NOT saved"
DISK_FULL = "存储空间已满，本次操作未保存 / disk full: NOT saved"
_TAB = re.compile(r"[A-Za-z0-9_-]{1,64}")


MAX_NUMBER = 1e15  # no mark, amount or count of this API comes near; beyond it floats stop being exact


def _number(text: str) -> float | int:
    value = float(text) if any(c in text for c in ".eE") else int(text) if len(text) <= 20 else float("inf")
    if not abs(value) <= MAX_NUMBER:  # also NaN
        raise BadRequest(f"数值过大或无效 / number out of range: {text[:20]}")
    return value


def _no_constant(name: str) -> float:
    raise BadRequest(f"不接受 {name} / {name} is not a number this API accepts")


async def body_json(request: Request) -> dict:
    """The request body as a JSON object; NaN, Infinity, absurd numbers and strings no field may hold
    (a lone UTF-16 surrogate such as ``"\\ud800"``, a NUL) are refused at the door."""
    return parse_json(await request.body())


def parse_json(raw: bytes) -> dict:
    """:func:`body_json` of a body already read (a big one may be parsed in a worker thread)."""
    try:
        data = json.loads(raw or b"{}", parse_int=_number, parse_float=_number,
                          parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise BadRequest("请求不是有效的 JSON / the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("请求须为 JSON 对象 / the body must be a JSON object")
    where = bad_string(data)
    if where is not None:
        raise BadRequest(f"请求中「{where[:80]}」含有无效字符（孤立的代理字符或 NUL） / {where[:80]}: a lone UTF-16 "
                         "surrogate or a NUL character is not valid text")
    return data


def svc(request: Request) -> Service:
    return request.app.state.service


def console_view(request: Request, rt: Runtime) -> dict:
    """The console snapshot, with who is connected now (the publisher knows), as the caller's role sees it."""
    snap = views.console(svc(request), rt, request.app.state.publisher.presence(rt.contest.id))
    return roles.console_for(principal_of(request).role, snap)


# ------------------------------------------------------------------ organizer

@api
async def list_contests(request: Request) -> Response:
    who = await require(request, "contests.list")  # a staff member sees its own contest only
    out = [{"id": rt.contest.id, "name": rt.contest.name, "phase": rt.state.phase, "projects": len(rt.contest.projects),
            "judges": len(rt.contest.judges)} for rt in svc(request).runtimes.values()
           if who.is_organizer or rt.contest.id == who.contest]
    return JSONResponse({"contests": out})


@api
async def list_presets(request: Request) -> Response:
    await require(request, "presets.read")
    return JSONResponse({"presets": presets()})


@api
async def create_contest(request: Request) -> Response:
    actor = (await require(request, "contests.create")).actor
    rt = await svc(request).create_contest(await body_json(request), actor, client_of(request))
    return JSONResponse(console_view(request, rt), status_code=201)


@api
async def get_contest(request: Request) -> Response:
    await require(request, "console.read")
    return JSONResponse(console_view(request, svc(request).get(request.path_params["cid"])))


@api
async def update_contest(request: Request) -> Response:
    actor = (await require(request, "setup.change")).actor
    rt = await svc(request).update_setup(request.path_params["cid"], await body_json(request), actor,
                                         client_of(request))
    return JSONResponse(console_view(request, rt))


@api
async def import_table(request: Request) -> Response:
    """Preview (dry_run=1, default) or apply a CSV/XLSX of projects or judges."""
    actor = (await require(request, "setup.change")).actor
    cid, kind = request.path_params["cid"], request.path_params["kind"]
    if kind not in ("projects", "judges"):
        raise NotFound("只能导入 projects 或 judges / import projects or judges")
    svc(request).get(cid)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        async with request.form() as form:  # closes the uploaded file's temporary storage
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise Invalid("请选择文件 / choose a file", {"file": "required"})
            data, filename = await upload.read(), upload.filename or ""
            dry = str(form.get("dry_run", request.query_params.get("dry_run", "1"))) != "0"
    else:
        body = await body_json(request)
        data, filename = str(body.get("csv", "")).encode("utf-8"), "upload.csv"
        dry = str(body.get("dry_run", request.query_params.get("dry_run", "1"))) not in ("0", "False", "false")
    try:
        # a spreadsheet is unzipped and parsed in a worker thread: the evening's sockets keep flowing meanwhile
        table = await asyncio.to_thread(importing.read_table, data, filename)
    except ValueError as e:
        raise Invalid(str(e), {"file": str(e)}) from None
    parsed = importing.parse(table, kind, svc(request).get(cid).contest.rules.panels)  # panels named as the rules do
    if not parsed.errors:  # rows that parse but the contest would refuse (unknown panel …) show in the preview too
        try:
            svc(request).check_setup(cid, {kind: parsed.rows})
        except Invalid as e:
            parsed.errors.extend(_row_errors(e.errors, kind, parsed.file_rows))
    # what a filled 赛道 column means under this contest's rules (ranked together, or N tracks and prizes)
    notices = parsed.notes + (track_notice(svc(request).get(cid).contest.rules,
                                           [(r["id"], r.get("track", "")) for r in parsed.rows])
                              if kind == "projects" else [])
    if dry or parsed.errors:
        n, first = len(parsed.errors), (parsed.errors or [{}])[0]  # a refusal has the API's one message too
        refused = {"error": f"文件有 {n} 处错误，未导入 / {n} error(s) in the file, nothing imported — 第 {first.get('row')} "
                            f"行 / row {first.get('row')}: {first.get('message')}"} if parsed.errors else {}
        return JSONResponse({**parsed.to_json(), "notices": notices, "applied": False, **refused},
                            status_code=200 if not parsed.errors else 422)
    rt = await svc(request).update_setup(cid, {kind: parsed.rows}, actor, client_of(request))
    return JSONResponse({**parsed.to_json(), "notices": notices, "applied": True,
                         "contest": console_view(request, rt)})


def _row_errors(errors: dict[str, str], kind: str, file_rows: list[int]) -> list[dict]:
    """Setup errors keyed ``projects[3].name`` as import errors of the file row that 4th row came from."""
    out = []
    for key, message in errors.items():
        m = re.match(rf"^{kind}\[(\d+)\]\.?(\w*)$", key)
        i = int(m.group(1)) if m else -1
        row = file_rows[i] if 0 <= i < len(file_rows) else 1
        out.append({"row": row, "field": m.group(2) if m else key, "message": message})
    return out


@api
async def set_order(request: Request) -> Response:
    actor = (await require(request, "setup.change")).actor
    body = await body_json(request)
    order = body.get("order")
    if not isinstance(order, list) or not all(isinstance(x, str) for x in order):
        raise Invalid("order 须为项目编号列表 / order must be a list of project ids", {"order": "required"})
    rt = await svc(request).set_order(request.path_params["cid"], order, None, actor, client_of(request))
    return JSONResponse(console_view(request, rt))


@api
async def draw(request: Request) -> Response:
    actor = (await require(request, "setup.change")).actor
    body = await body_json(request)
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, str) or len(seed) > 200):
        raise Invalid("seed 须为文本 / seed must be text", {"seed": "must be text"})
    if seed and (problem := text_problem(seed, LINE, ("抽签种子", "the seed"))):
        raise Invalid(problem, {"seed": problem})
    rt = await svc(request).set_order(request.path_params["cid"], None, seed or None, actor, client_of(request))
    return JSONResponse(console_view(request, rt))


@api
async def action(request: Request) -> Response:
    actor = (await require(request, "live.act")).actor
    body = await body_json(request)
    name = body.get("action")
    if not isinstance(name, str):
        raise Invalid("缺少 action / action is required", {"action": "required"})
    project = body.get("project")
    expect = body.get("expect_version")
    if expect is not None and (not isinstance(expect, int) or isinstance(expect, bool)):
        raise Invalid("expect_version 须为整数 / expect_version must be an integer", {"expect_version": "integer"})
    tab = body.get("tab")  # the console tab pressing (two tabs share one session)
    if tab is not None and (not isinstance(tab, str) or not _TAB.fullmatch(tab)):
        raise Invalid("tab 须为 1-64 个字母、数字、_ 或 - / tab: 1-64 letters, digits, _ or -", {"tab": "invalid"})
    session = current_session(request)
    # a console (a signed-in session, or a client naming its tab); a script with the key and no tab is none
    origin = f"{session.id if session else 'api'}:{tab or ''}" if session or tab else None
    rt = await svc(request).act(request.path_params["cid"], name, project if isinstance(project, str) else None,
                                actor, client_of(request), confirm=body.get("confirm") is True, expect_version=expect,
                                origin=origin, confirm_recent=body.get("confirm_recent") is True)
    return JSONResponse(console_view(request, rt))


@api
async def nudge(request: Request) -> Response:
    """请尽快提交: ``{"judges": [ids]}`` (or ``{"judge": id}``) nudges those judges; ``{}`` every missing one."""
    actor = (await require(request, "live.act")).actor
    body = await body_json(request)
    wanted = [body["judge"]] if "judge" in body else body.get("judges")
    if wanted is not None and (not isinstance(wanted, list) or not wanted
                               or not all(isinstance(j, str) and 0 < len(j) <= 64 for j in wanted)):
        raise Invalid("judges 须为评委编号列表 / judges must be a non-empty list of judge ids", {"judges": "list of ids"})
    cid = request.path_params["cid"]
    done = await nudges.nudge(svc(request), cid, wanted, actor, client_of(request))
    return JSONResponse({"nudged": done, "contest": console_view(request, svc(request).get(cid))})


@api
async def correct_mark(request: Request) -> Response:
    actor = (await require(request, "marks.correct")).actor
    if request.path_params["op"] not in ("correct", "void"):
        raise NotFound("只能 correct 或 void / use marks/correct or marks/void")
    body = await body_json(request)
    void = request.path_params["op"] == "void"
    marks = None if void else body.get("marks")
    if not void and not isinstance(marks, dict):
        raise Invalid("marks 须为 {评分项: 分数} / marks must be an object", {"marks": "required"})
    text = {k: body.get(k, d) for k, d in (("project", ""), ("round", "final"), ("judge", ""), ("reason", ""))}
    if wrong := [k for k, v in text.items() if not isinstance(v, str)]:  # never stored as the text "[]" or "7"
        raise Invalid(f"{wrong[0]} 须为文本 / {wrong[0]} must be text", {k: "must be text" for k in wrong})
    rt = await svc(request).correct(request.path_params["cid"], text["project"], text["round"], text["judge"], marks,
                                    text["reason"], actor, client_of(request))
    return JSONResponse(console_view(request, rt))


@api
async def results(request: Request) -> Response:
    await require(request, "results.read")
    rt = svc(request).get(request.path_params["cid"])
    if rt.results is None:
        return JSONResponse({"results": [], "ties": [], "needs_overtime": [], "warnings": [],
                             "error": rt.results_error})
    return JSONResponse({**rt.results.to_json(), "error": None, "phase": rt.state.phase})


@api
async def marks_csv(request: Request) -> Response:
    await require(request, "exports.read")
    rt = svc(request).get(request.path_params["cid"])  # the same file as /export/marks-machine.csv
    # built in a worker thread from a copy: a big contest's file never holds up another hall's judges
    data = await asyncio.to_thread(exports.marks_machine_csv, exports.Snapshot(rt.copy()))
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{rt.contest.id}-marks.csv"'})


@api
async def rules_toml(request: Request) -> Response:
    await require(request, "console.read")
    rt = svc(request).get(request.path_params["cid"])
    return PlainTextResponse(rt.contest.rules.text, media_type="application/toml; charset=utf-8")


@api
async def audit(request: Request) -> Response:
    await require(request, "audit.read")
    cid = svc(request).get(request.path_params["cid"]).contest.id
    q = request.query_params
    if q.get("order", "oldest") not in ("newest", "oldest"):
        raise BadRequest("order 须为 newest 或 oldest / order must be newest or oldest")
    try:
        page = await audit_trail.raw_page(
            svc(request).store, cid, project=q.get("project") or None, judge=q.get("judge") or None,
            kind=q.get("kind") or None, newest_first=q.get("order") == "newest",
            after_seq=query_int(request, "after_seq", None), before_seq=query_int(request, "before_seq", None),
            limit=query_int(request, "limit", None) or audit_trail.RAW_LIMIT)
    except ValueError as e:
        raise BadRequest(str(e)) from None
    return JSONResponse(page)


def query_int(request: Request, name: str, default: int | None) -> int | None:
    """A whole number of the query string (``default`` when absent); not a number, or beyond what any page,
    limit or sequence number of this API reaches (±10^15; the database's own integers end at 2^63): 400."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw) if len(raw) <= 20 else None
    except ValueError:
        value = None
    if value is None or not abs(value) <= MAX_NUMBER:
        raise BadRequest(f"{name} 须为整数（绝对值不超过 10^15） / {name} must be a whole number "
                         "(at most 10^15 either way)") from None
    return value


# ------------------------------------------------------------------ judge

@api
async def judge_state(request: Request) -> Response:
    rt, judge = judge_of(request)
    return JSONResponse(views.judge(svc(request), rt, judge))


@api
async def judge_submit(request: Request) -> Response:
    rt, judge = judge_of(request)
    ack = await svc(request).submit(rt, judge, await body_json(request), client_of(request))
    return JSONResponse(ack)


def routes() -> list[Route]:
    return [
        Route("/api/presets", list_presets),
        Route("/api/contests", list_contests, methods=["GET"]),
        Route("/api/contests", create_contest, methods=["POST"]),
        Route("/api/contests/{cid}", get_contest, methods=["GET"]),
        Route("/api/contests/{cid}", update_contest, methods=["PATCH"]),
        Route("/api/contests/{cid}/import/{kind}", import_table, methods=["POST"]),
        Route("/api/contests/{cid}/order", set_order, methods=["POST"]),
        Route("/api/contests/{cid}/draw", draw, methods=["POST"]),
        Route("/api/contests/{cid}/actions", action, methods=["POST"]),
        Route("/api/contests/{cid}/marks/{op:str}", correct_mark, methods=["POST"]),
        Route("/api/contests/{cid}/nudge", nudge, methods=["POST"]),
        Route("/api/contests/{cid}/results", results),
        Route("/api/contests/{cid}/marks.csv", marks_csv),
        Route("/api/contests/{cid}/rules.toml", rules_toml),
        Route("/api/contests/{cid}/audit", audit),
        Route("/api/judge/state", judge_state),
        Route("/api/judge/submit", judge_submit, methods=["POST"]),
    ]
