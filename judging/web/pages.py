"""HTML pages (thin): login, logout, console pages, big screen, judge page, QR cards, the audience page and
its QR code (docs/AUDIENCE.md).

The QR cards encode the address phones can reach (``serve --public-url`` or the LAN address, see
:mod:`judging.web.links`); the cards page and the console warn when that address is loopback.

Signing in starts a server-side console session (:mod:`judging.app.sessions`) that the cookie names; a sign-in
POSTed by another site's page is refused (login CSRF), and signing out needs the page's CSRF token.

Pages are server-rendered shells; live content arrives over the WebSocket and
is rendered by ES modules in ``static/``.  What it does not do: any decision
about the contest (the service does).
"""

from __future__ import annotations

import gzip
import hmac
import io
import secrets
from functools import lru_cache
from pathlib import Path

import segno
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from judging.app.brand import screen_json as brand_screen
from judging.core import roles, vocabulary
from judging.exports import formats
from judging.live import audience_views
from judging.app.auth import new_csrf_token
from judging.web.links import link_base, unreachable_warning
from judging.app.sessions import describe
from judging.core.text import LINE, text_problem
from judging.web.assets import Assets
from judging.web.deps import TooManyAttempts, client_of, foreign_origin

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = Jinja2Templates(directory=str(ROOT / "templates"))
ASSETS = Assets(ROOT / "static")  # the static folder's version and module graph (judging/web/assets.py)
TEMPLATES.env.globals["asset"] = ASSETS.url
TEMPLATES.env.globals["module"] = ASSETS.module_tags
TEMPLATES.env.globals["vocabulary"] = vocabulary.for_pages()  # every label a page shows (core/vocabulary.py)
TEMPLATES.env.globals["export_formats"] = formats.FORMATS  # the export menus (exports/formats.py)


def render(request: Request, name: str, status: int = 200, **context) -> Response:
    """A page; gzip-compressed for a client that accepts it (a page is 10-25 KB of HTML and the embedded
    vocabulary, about a quarter of that compressed: seconds on a hall's crowded Wi-Fi, ~0.3 ms here)."""
    response = TEMPLATES.TemplateResponse(request, name, context, status_code=status)
    if len(response.body) >= 1024 and "gzip" in request.headers.get("accept-encoding", "").lower():
        body = gzip.compress(response.body, compresslevel=6, mtime=0)
        headers = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
        headers["content-encoding"] = "gzip"
        headers["vary"] = "Accept-Encoding"
        return Response(body, status_code=response.status_code, headers=headers, media_type=response.media_type)
    return response


def error_page(request: Request, status: int, title: str, message: str, title_en: str = "") -> Response:
    """The error page: a Chinese title (its English in title_en) and a "中文 / English" message, one shown at a time."""
    return render(request, "error.html", status=status, title=title, title_en=title_en, message=message,
                  status_code=status)


def _csrf(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = new_csrf_token()
    return request.session["csrf"]


async def home(request: Request) -> Response:
    return RedirectResponse("/console", status_code=303)


async def login_page(request: Request) -> Response:
    return render(request, "login.html", error=None)


async def login_post(request: Request) -> Response:
    if _posted_elsewhere(request):  # login CSRF: another page must not sign this browser in
        return error_page(request, 403, "登录请求来自其他网站，已拒绝", title_en="Sign-in from another site refused", message=
                          "请在本服务器的登录页输入密钥。 / This sign-in came from another site and was refused.")
    form = await request.form()
    key = str(form.get("key", "")).strip()
    target = _local_path(str(form.get("next") or ""))
    if problem := text_problem(key, LINE, ("密钥", "the key")):  # refused before it costs a hash or an attempt
        return render(request, "login.html", status=400, error=problem, next=target)
    member = request.app.state.staff.by_key(key)  # a staff key: a console session bound to that member
    if member is not None:
        own = f"/console/{member.contest}"
        return await _sign_in(request, target if target.startswith(own + "/") or target == own else own,
                              staff=(member.id, member.contest, member.principal().actor))
    try:
        good = await request.app.state.auth.verify(key, client_of(request))
    except TooManyAttempts as e:  # answered at once, without hashing the key
        response = render(request, "login.html", status=429, error=str(e), next=target)
        response.headers["retry-after"] = str(e.retry_after)
        return response
    if not good:
        return render(request, "login.html", status=401, error="密钥不正确 / wrong organizer key", next=target)
    return await _sign_in(request, target)


async def _sign_in(request: Request, target: str, staff: tuple[str, str, str] | None = None) -> Response:
    sid = await request.app.state.sessions.create(client_of(request), request.headers.get("user-agent", ""),
                                                  replaces=request.session.get("sid"), staff=staff)
    request.session.clear()
    request.session["sid"] = sid  # the cookie names a server-side session: ending it there signs this browser out
    request.session["csrf"] = new_csrf_token()
    return RedirectResponse(target, status_code=303)


def _posted_elsewhere(request: Request) -> bool:
    """Sent by a page that is not this server's: Sec-Fetch-Site (every current browser) says so, or an Origin
    of another host or port.  'Origin: null' is not refused: our pages send no referrer, so Chromium sends
    null for their own form posts.  Scripts that send neither header are judged by the key alone."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return True
    return request.headers.get("origin") != "null" and foreign_origin(request)


def _local_path(target: str) -> str:
    """Where to go after signing in: a path on this server only ('//host' or '/\\host' would leave it)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or text_problem(target, LINE):
        return "/console"
    return target


async def logout(request: Request) -> Response:
    """Ends this browser's session on the server (a copy of the cookie stops working too).  The form carries
    the page's CSRF token: a POST from another page without it is refused and signs nobody out."""
    sessions = request.app.state.sessions
    current = sessions.check(request.session.get("sid"))
    if current is None:  # nothing to end
        request.session.clear()
        return RedirectResponse("/login", status_code=303)
    form = await request.form()
    sent = str(form.get("csrf") or request.headers.get("x-csrf-token") or "")
    if not sent or not hmac.compare_digest(sent, str(request.session.get("csrf", ""))):
        return error_page(request, 403, "页面已过期，未退出登录", title_en="Page expired: still signed in", message=
                          "请回到控制台刷新后再点「退出登录」。 / Missing or wrong CSRF token: you are still signed "
                          "in; reload the console and sign out again.")
    member = request.app.state.staff.get(current.staff_id)
    actor = member.principal().actor if member else roles.staff_actor(current.staff_id) if current.staff_id else "organizer"
    await sessions.end([current], "logout", actor, client_of(request))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _page_principal(request: Request) -> roles.Principal | None:
    """The organizer or staff member this browser's live console session belongs to, else None."""
    current = request.app.state.sessions.check(request.session.get("sid"))
    if current is None:
        return None
    if current.staff_id is None:
        return roles.organizer()
    member = request.app.state.staff.get(current.staff_id)
    return member.principal() if member is not None else None


def _console_guard(request: Request, operation: str | None = None) -> Response | None:
    """None if this browser's session may open the page (``operation`` in the route's contest), else the
    way to the sign-in page (no live session) or the 403 page (a role that may not)."""
    who = _page_principal(request)
    if who is None:
        request.session.clear()
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    if operation is not None and not roles.allows(who, operation, request.path_params.get("cid")):
        z, e = vocabulary.label("role", who.role)
        return error_page(request, 403, "没有权限打开这个页面", title_en="Not allowed", message=
                          f"{z}「{who.name}」不能打开这个页面。 / {e} {who.name} may not open this page.")
    request.scope["principal"] = who
    return None


def _role_context(request: Request) -> dict:
    who = request.scope.get("principal") or roles.organizer()
    return {"role": roles.role_block(who.role), "staff_name": who.name}


async def console_index(request: Request) -> Response:
    if (r := _console_guard(request)) is not None:
        return r
    who = request.scope["principal"]
    if not who.is_organizer:  # a staff member works one contest: straight to its console
        return RedirectResponse(f"/console/{who.contest}", status_code=303)
    svc, sessions = request.app.state.service, request.app.state.sessions
    current = sessions.check(request.session.get("sid"))
    now = sessions.clock()
    staff = request.app.state.staff  # a staff member's session says whose it is (name, role, contest)
    rows = [{**describe(s, current, now), "staff": staff.get(s.staff_id)} for s in sessions.live()]
    return render(request, "console_index.html", csrf=_csrf(request), contests=list(svc.runtimes.values()),
                  sessions=rows, lifecycle=await svc.lifecycle_flags())


def _console_contest(request: Request, operation: str):
    """(the contest's runtime, None) for a console page of ``path_params["cid"]`` the caller may open for
    ``operation``; else (None, the answer: the sign-in page, a 403, or the 404 of an unknown contest)."""
    if (r := _console_guard(request, operation)) is not None:
        return None, r
    rt = request.app.state.service.runtimes.get(request.path_params["cid"])
    if rt is None:
        return None, error_page(request, 404, "没有这个大赛", "没有这个大赛，请从控制台首页进入。 / No such contest.",
                                "No such contest")
    return rt, None


def _console_page(template: str, operation: str):
    async def page(request: Request) -> Response:
        rt, refused = _console_contest(request, operation)
        if refused is not None:
            return refused
        return render(request, template, csrf=_csrf(request), cid=rt.contest.id, contest=rt.contest,
                      unreachable=unreachable_warning(_link_base(request)), **_role_context(request))
    return page


async def staff_link(request: Request) -> Response:
    """A staff member's login link (/k/<key>): says who and where, and signs in only when the button is pressed
    (a link preview fetching the address signs nobody in)."""
    member = request.app.state.staff.by_key(request.path_params["key"])
    rt = request.app.state.service.runtimes.get(member.contest) if member is not None else None
    if member is None or rt is None:
        return error_page(request, 404, "登录链接无效", title_en="Login link not valid", message=
                          "这个工作人员登录链接无效或已被撤销，请向组织者索取新链接。 / This staff login link is not "
                          "valid or was revoked; ask the organizer for a new one.")
    z, e = vocabulary.label("role", member.role)
    return render(request, "staff_login.html", key=request.path_params["key"], member=member, contest=rt.contest,
                  role_zh=z, role_en=e)


def _link_base(request: Request) -> str:
    """What judge and screen links start with: ``serve --public-url`` / the LAN address, else this page's."""
    return link_base(getattr(request.app.state, "public_url", None), str(request.base_url))


async def judge_cards(request: Request) -> Response:
    rt, refused = _console_contest(request, "links.read")
    if refused is not None:
        return refused
    base = _link_base(request)
    cards = []
    for j in rt.contest.judges:
        url = f"{base}/j/{j.token}"
        panel = rt.contest.rules.panel(j.panel)
        cards.append({"judge": j, "panel": panel.label, "url": url,
                      "qr": segno.make(url, error="m").svg_inline(scale=5, border=2, omitsize=True)})
    screen_url = f"{base}/s/{rt.contest.screen_token}"
    token = _audience_token(rt)
    audience_url = f"{base}/a/{token}" if token else None
    return render(request, "cards.html", csrf=_csrf(request), cid=rt.contest.id, contest=rt.contest, cards=cards,
                  screen_url=screen_url, link_base=base, unreachable=unreachable_warning(base),
                  screen_qr=segno.make(screen_url, error="m").svg_inline(scale=4, border=2, omitsize=True),
                  **_role_context(request),
                  audience_url=audience_url, audience_qr=audience_url and segno.make(audience_url, error="m").svg_inline(
                      scale=8, border=2, omitsize=True))


async def ballot_tickets(request: Request) -> Response:
    """The ballot codes (选票码) as tickets to print and cut, 21 to an A4 page, from the codes the server issued."""
    rt, refused = _console_contest(request, "links.read")
    if refused is not None:
        return refused
    codes = audience_views.codes_list(rt)["codes"] if _audience_token(rt) else []
    unused = sorted(c["code"] for c in codes if not c["used"])
    return render(request, "tickets.html", csrf=_csrf(request), cid=rt.contest.id, contest=rt.contest, codes=unused,
                  used=len(codes) - len(unused))


async def screen_page(request: Request) -> Response:
    rt = request.app.state.service.by_screen_token(request.path_params["token"])
    if rt is None:
        return error_page(request, 404, "大屏链接无效", "这个大屏链接无效，请向组织者索取新链接。 / This big-screen link is not valid. Ask the organizer for the link.", "Big-screen link not valid")
    return render(request, "screen.html", contest=rt.contest, brand=brand_screen(rt))


async def judge_page(request: Request) -> Response:
    found = request.app.state.service.by_judge_token(request.path_params["token"])
    if found is None:
        return error_page(request, 404, "评委链接无效", title_en="Judge link not valid", message=
                          "这个评分链接无效或已失效，请联系工作人员重新获取二维码。 / This judge link is not valid; "
                          "ask the staff for your QR code.")
    rt, judge = found
    review = rt.contest.stage is not None and rt.contest.stage.is_review  # 书面评审: the list of applications
    return render(request, "judge_review.html" if review else "judge.html", contest=rt.contest, judge=judge,
                  brand=brand_screen(rt))


def _audience_token(rt) -> str | None:
    """The contest's audience link token, when its rules have an audience part (None otherwise)."""
    return rt.audience.token if rt.contest.rules.has_audience else None


def _audience_runtime(request: Request):
    """The contest whose audience link this is (None: no such link, or the rules have no audience part)."""
    rt = request.app.state.service.by_audience_token(request.path_params["token"])
    return rt if rt is not None and _audience_token(rt) else None


def _audience_missing(request: Request) -> Response:
    return error_page(request, 404, "观众链接无效", title_en="Audience link not valid", message=
                      "这个观众投票链接无效，请扫描大屏上的二维码。 / This audience link is not valid: scan the code "
                      "on the big screen.")


async def audience_page(request: Request) -> Response:
    """The audience's phone page: a small shell, filled by static/audience.js from /ws/a/<token>."""
    rt = _audience_runtime(request)
    if rt is None:
        return _audience_missing(request)
    # the snapshot comes with the page: a phone on a slow link shows the stars before its socket is up
    initial = audience_views.audience(request.app.state.service, rt)
    return render(request, "audience.html", contest=rt.contest, token=request.path_params["token"], initial=initial)


@lru_cache(maxsize=64)
def _qr_svg(url: str) -> bytes:
    """The join card's and the poster's QR code of ``url`` (SVG, drawn once per address)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=10, border=2, xmldecl=False, svgclass=None,
                                    lineclass=None, title="观众投票二维码 Audience QR code")
    return out.getvalue()


async def audience_qr(request: Request) -> Response:
    """The audience link as a QR code (SVG) for the big screen's join card and the printed poster."""
    if _audience_runtime(request) is None:
        return _audience_missing(request)
    url = f"{_link_base(request)}/a/{request.path_params['token']}"
    return Response(_qr_svg(url), media_type="image/svg+xml", headers={"cache-control": "max-age=300"})


async def not_found(request: Request, exc) -> Response:
    """An address nobody serves: the JSON API answers JSON, everything else the error page (never a bare
    "Not Found" text without a title or a language)."""
    status = getattr(exc, "status_code", 404)
    if request.url.path.startswith("/api/"):
        from starlette.responses import JSONResponse
        return JSONResponse({"error": "没有这个接口 / no such endpoint", "errors": {}}, status_code=status)
    return error_page(request, status, "没有这个页面", "这个地址不存在，请检查链接。 / No such page: check the link.", "No such page")


HTTP_ERRORS = {400: ("请求格式有误", "Bad request", "请求的格式无法读取（例如上传的表单不完整），请重试。 / The request could not be read "
                                                   "(e.g. an incomplete form upload): try again."),
               405: ("不支持这种请求", "Method not allowed", "这个地址不接受这种请求方法。 / This address does not take "
                                                           "this request method.")}


async def http_error(request: Request, exc) -> Response:
    """Any other refusal Starlette raises itself before a handler runs (400: a multipart body without its
    boundary or with a broken part; 405: a method the address does not take): JSON under /api/, else the
    error page — never a bare English text."""
    status = getattr(exc, "status_code", 400)
    title, title_en, message = HTTP_ERRORS.get(status, ("请求无法处理", "Request refused",
                                                        f"请求无法处理（{status}）。 / The request was refused ({status})."))
    headers = getattr(exc, "headers", None) or {}
    if request.url.path.startswith("/api/"):
        from starlette.responses import JSONResponse
        detail = str(getattr(exc, "detail", ""))[:200]
        return JSONResponse({"error": f"{title} / {title_en}: {detail}", "errors": {}}, status_code=status,
                            headers=headers)
    response = error_page(request, status, title, message, title_en)
    response.headers.update(headers)
    return response


def routes() -> list[Route]:
    return [
        Route("/", home), Route("/login", login_page, methods=["GET"]), Route("/login", login_post, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]), Route("/console", console_index),
        Route("/console/{cid}", _console_page("console.html", "console.read")),
        Route("/console/{cid}/setup", _console_page("setup.html", "setup.change")),
        Route("/console/{cid}/audit", _console_page("audit.html", "audit.read")),
        Route("/console/{cid}/paper", _console_page("paper.html", "marks.correct")),  # paper entry (paper_api)
        Route("/k/{key}", staff_link, methods=["GET"]),
        Route("/console/{cid}/cards", judge_cards), Route("/console/{cid}/tickets", ballot_tickets),
        Route("/s/{token}", screen_page), Route("/j/{token}", judge_page),
        Route("/a/{token}", audience_page), Route("/a/{token}/qr.svg", audience_qr),
    ]


__all__ = ["routes", "secrets"]
