"""HTML pages (thin): login, console pages, big screen, judge page, QR cards.

Pages are server-rendered shells; live content arrives over the WebSocket and
is rendered by ES modules in ``static/``.  What it does not do: any decision
about the contest (the service does).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import segno
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from ..auth import new_csrf_token
from ..text import LINE, text_problem
from .deps import TooManyAttempts, client_of

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[2] / "templates"))


def render(request: Request, name: str, status: int = 200, **context) -> Response:
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    return render(request, "error.html", status=status, title=title, message=message, status_code=status)


def _csrf(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = new_csrf_token()
    return request.session["csrf"]


async def home(request: Request) -> Response:
    return RedirectResponse("/console", status_code=303)


async def login_page(request: Request) -> Response:
    return render(request, "login.html", error=None)


async def login_post(request: Request) -> Response:
    form = await request.form()
    key = str(form.get("key", "")).strip()
    target = _local_path(str(form.get("next") or ""))
    if problem := text_problem(key, LINE, ("密钥", "the key")):  # refused before it costs a hash or an attempt
        return render(request, "login.html", status=400, error=problem, next=target)
    try:
        good = await request.app.state.auth.verify(key, client_of(request))
    except TooManyAttempts as e:  # answered at once, without hashing the key
        response = render(request, "login.html", status=429, error=str(e), next=target)
        response.headers["retry-after"] = str(e.retry_after)
        return response
    if not good:
        return render(request, "login.html", status=401, error="密钥不正确 / wrong organizer key", next=target)
    request.session.clear()
    request.session["organizer"] = True
    request.session["csrf"] = new_csrf_token()
    return RedirectResponse(target, status_code=303)


def _local_path(target: str) -> str:
    """Where to go after signing in: a path on this server only ('//host' or '/\\host' would leave it)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or text_problem(target, LINE):
        return "/console"
    return target


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _console_guard(request: Request) -> Response | None:
    if not request.session.get("organizer"):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return None


async def console_index(request: Request) -> Response:
    if (r := _console_guard(request)) is not None:
        return r
    svc = request.app.state.service
    return render(request, "console_index.html", csrf=_csrf(request), contests=list(svc.runtimes.values()))


def _console_page(template: str):
    async def page(request: Request) -> Response:
        if (r := _console_guard(request)) is not None:
            return r
        rt = request.app.state.service.runtimes.get(request.path_params["cid"])
        if rt is None:
            return error_page(request, 404, "没有这个大赛", "No such contest.")
        return render(request, template, csrf=_csrf(request), cid=rt.contest.id, contest=rt.contest)
    return page


async def judge_cards(request: Request) -> Response:
    if (r := _console_guard(request)) is not None:
        return r
    rt = request.app.state.service.runtimes.get(request.path_params["cid"])
    if rt is None:
        return error_page(request, 404, "没有这个大赛", "No such contest.")
    base = str(request.base_url).rstrip("/")
    cards = []
    for j in rt.contest.judges:
        url = f"{base}/j/{j.token}"
        panel = rt.contest.rules.panel(j.panel)
        cards.append({"judge": j, "panel": panel.label, "url": url,
                      "qr": segno.make(url, error="m").svg_inline(scale=5, border=2, omitsize=True)})
    screen_url = f"{base}/s/{rt.contest.screen_token}"
    return render(request, "cards.html", csrf=_csrf(request), cid=rt.contest.id, contest=rt.contest, cards=cards,
                  screen_url=screen_url,
                  screen_qr=segno.make(screen_url, error="m").svg_inline(scale=4, border=2, omitsize=True))


async def screen_page(request: Request) -> Response:
    rt = request.app.state.service.by_screen_token(request.path_params["token"])
    if rt is None:
        return error_page(request, 404, "大屏链接无效", "This big-screen link is not valid. Ask the organizer for the link.")
    return render(request, "screen.html", contest=rt.contest)


async def judge_page(request: Request) -> Response:
    found = request.app.state.service.by_judge_token(request.path_params["token"])
    if found is None:
        return error_page(request, 404, "评委链接无效",
                          "这个评分链接无效或已失效，请联系工作人员重新获取二维码。 / This judge link is not valid; "
                          "ask the staff for your QR code.")
    rt, judge = found
    return render(request, "judge.html", contest=rt.contest, judge=judge)


def routes() -> list[Route]:
    return [
        Route("/", home), Route("/login", login_page, methods=["GET"]), Route("/login", login_post, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]), Route("/console", console_index),
        Route("/console/{cid}", _console_page("console.html")),
        Route("/console/{cid}/setup", _console_page("setup.html")),
        Route("/console/{cid}/audit", _console_page("audit.html")),
        Route("/console/{cid}/cards", judge_cards),
        Route("/s/{token}", screen_page), Route("/j/{token}", judge_page),
    ]


__all__ = ["routes", "secrets"]
