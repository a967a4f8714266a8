"""Who is asking: the organizer (Bearer key, or session cookie + CSRF header) or a judge (Bearer token).

What it does: small functions handlers call first; they raise
:class:`Unauthorized` / :class:`Forbidden` / :class:`TooManyAttempts` (429) or
return the identity.  :func:`require_organizer` is a coroutine: an organizer key
not seen before is checked with scrypt in a worker thread, never on the event
loop (see :mod:`judging.app.auth`).  What it does not do: decide what that identity
may do in the contest (the service does).
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection, Request

from judging.app.auth import TooManyAttempts
from judging.core.model import Judge


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


async def require_organizer(request: HTTPConnection) -> str:
    """The organizer's actor name, or raise.  Cookie writes need the X-CSRF-Token header.  A wrong Bearer key
    counts against the client's address (too many in a minute: :class:`TooManyAttempts`, without hashing)."""
    token = bearer(request)
    if token is not None:
        if await request.app.state.auth.verify(token, client_of(request)):
            return "organizer:api"
        raise Unauthorized("组织者密钥无效 / invalid organizer key")
    return organizer_session(request)


def organizer_session(request: HTTPConnection) -> str:
    """The organizer signed in on the console (session cookie naming a live session), or raise; never looks at
    a Bearer key.  An ended session (logout, revoked, key changed, idle) is refused like no cookie at all."""
    session = request.session if "session" in request.scope else {}
    current = request.app.state.sessions.check(session.get("sid"))
    if current is not None:
        method = request.scope.get("method", "GET")
        if method not in SAFE_METHODS:
            sent = request.headers.get("x-csrf-token", "")
            if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
                raise Forbidden("页面已过期，请刷新后重试 / missing or wrong CSRF token; reload the page")
        request.scope["console_session"] = current
        return "organizer"
    raise Unauthorized("请先登录控制台 / sign in with the organizer key first")


def current_session(conn: HTTPConnection):
    """The console session :func:`organizer_session` accepted for this request (None for a Bearer key)."""
    return conn.scope.get("console_session")


def foreign_origin(conn: HTTPConnection) -> bool:
    """Sent by a page of another site (or another port: SameSite cookies do not tell ports apart).  Browsers
    send Origin on sockets and on cross-origin POSTs; scripts and tests that send none are judged by their
    credentials alone."""
    origin = conn.headers.get("origin")
    if origin is None:
        return False
    return urlsplit(origin).netloc.lower() != conn.headers.get("host", "").lower()


def judge_of(request: Request):
    token = bearer(request)
    found = request.app.state.service.by_judge_token(token) if token else None
    if found is None:
        raise Unauthorized("评委链接无效 / this judge link is not valid")
    return found


def client_of(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else ""


__all__ = ["Unauthorized", "Forbidden", "TooManyAttempts", "require_organizer", "organizer_session", "judge_of",
           "client_of", "bearer", "current_session", "foreign_origin", "Judge"]
