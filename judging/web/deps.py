"""Who is asking: the organizer (Bearer key, or session cookie + CSRF header) or a judge (Bearer token).

What it does: small functions handlers call first; they raise
:class:`Unauthorized` / :class:`Forbidden` or return the identity.  What it
does not do: decide what that identity may do in the contest (the service does).
"""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection, Request

from ..model import Judge


class Unauthorized(PermissionError):
    pass


class Forbidden(PermissionError):
    pass


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def bearer(conn: HTTPConnection) -> str | None:
    auth = conn.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def organizer(request: HTTPConnection) -> str:
    """The organizer's actor name, or raise.  Cookie writes need the X-CSRF-Token header."""
    token = bearer(request)
    if token is not None:
        if request.app.state.auth.check(token):
            return "organizer:api"
        raise Unauthorized("组织者密钥无效 / invalid organizer key")
    session = request.session if "session" in request.scope else {}
    if session.get("organizer"):
        method = request.scope.get("method", "GET")
        if method not in SAFE_METHODS:
            sent = request.headers.get("x-csrf-token", "")
            if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
                raise Forbidden("页面已过期，请刷新后重试 / missing or wrong CSRF token; reload the page")
        return "organizer"
    raise Unauthorized("请先登录控制台 / sign in with the organizer key first")


def judge_of(request: Request):
    token = bearer(request)
    found = request.app.state.service.by_judge_token(token) if token else None
    if found is None:
        raise Unauthorized("评委链接无效 / this judge link is not valid")
    return found


def client_of(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else ""


def is_organizer(conn: HTTPConnection) -> bool:
    try:
        organizer(conn)
        return True
    except (Unauthorized, Forbidden):
        return False


__all__ = ["Unauthorized", "Forbidden", "organizer", "judge_of", "client_of", "bearer", "is_organizer", "Judge"]
