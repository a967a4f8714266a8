"""Who is asking, and may they: the organizer or a staff member (Bearer key, or session cookie + CSRF header),
or a judge (Bearer token).

What it does: small functions handlers call first; they raise
:class:`Unauthorized` / :class:`Forbidden` / :class:`TooManyAttempts` (429) or
return the identity.  :func:`require` is the one authorisation check of the routes: it finds the caller
(:func:`principal`) and asks the role table (:func:`judging.core.roles.allows`) whether it may perform the
route's operation in the route's contest (``{cid}``).  :func:`require_organizer` is the organizer only (a
staff member gets 403).  An organizer key not seen before is checked with scrypt in a worker thread, never
on the event loop (see :mod:`judging.app.auth`); a staff key costs one SHA-256 (:mod:`judging.app.staff`).
What it does not do: decide what an action does to the contest (the service does).
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection, Request

from judging.app.auth import TooManyAttempts
from judging.core import roles
from judging.core.model import Judge
from judging.core.roles import Principal


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


async def principal(request: HTTPConnection) -> Principal:
    """The organizer or staff member asking, or raise.  Cookie writes need the X-CSRF-Token header.  A Bearer
    key is a staff key (looked up by its hash) or else the organizer key; a wrong one counts against the
    client's address (too many in a minute: :class:`TooManyAttempts`, without hashing)."""
    token = bearer(request)
    if token is not None:
        member = request.app.state.staff.by_key(token)
        if member is not None:
            return member.principal()
        if await request.app.state.auth.verify(token, client_of(request)):
            return roles.organizer("organizer:api")
        raise Unauthorized("密钥无效 / invalid organizer or staff key")
    return session_principal(request)


async def require(request: HTTPConnection, operation: str) -> Principal:
    """The caller, if the role table lets it perform ``operation`` (in the route's contest), else raise
    401 (nobody) / 403 (a role that may not, or another contest's staff)."""
    p = await principal(request)
    cid = request.path_params.get("cid") if "path_params" in request.scope else None
    if not roles.allows(p, operation, cid):
        raise Forbidden(roles.refusal(p, operation, cid))
    request.scope["principal"] = p
    return p


async def require_organizer(request: HTTPConnection) -> str:
    """The organizer's actor name (a staff member: 403), or raise like :func:`principal`."""
    p = await principal(request)
    if not p.is_organizer:
        raise Forbidden(roles.refusal(p, "staff.manage"))
    request.scope["principal"] = p
    return p.actor


def session_principal(request: HTTPConnection) -> Principal:
    """The organizer or staff member signed in on the console (session cookie naming a live session), or raise;
    never looks at a Bearer key.  An ended session (logout, revoked, key changed, idle, its staff member
    revoked) is refused like no cookie at all."""
    session = request.session if "session" in request.scope else {}
    current = request.app.state.sessions.check(session.get("sid"))
    member = request.app.state.staff.get(current.staff_id) if current is not None and current.staff_id else None
    if current is not None and (current.staff_id is None or member is not None):
        method = request.scope.get("method", "GET")
        if method not in SAFE_METHODS:
            sent = request.headers.get("x-csrf-token", "")
            if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
                raise Forbidden("页面已过期，请刷新后重试 / missing or wrong CSRF token; reload the page")
        request.scope["console_session"] = current
        return member.principal() if member is not None else roles.organizer()
    raise Unauthorized("请先登录控制台 / sign in with the organizer key first")


def organizer_session(request: HTTPConnection) -> str:
    """The actor name of the console session's organizer or staff member (see :func:`session_principal`)."""
    return session_principal(request).actor


def principal_of(conn: HTTPConnection) -> Principal:
    """Who :func:`require` accepted for this request (the organizer when none was recorded)."""
    return conn.scope.get("principal") or roles.organizer()


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
           "client_of", "bearer", "current_session", "foreign_origin", "Judge", "require", "principal",
           "session_principal", "principal_of", "Principal"]
