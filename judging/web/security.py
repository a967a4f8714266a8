"""HTTP hardening shared by every route: security headers, body size and time limits, a token-free access log.

What it does: one pure ASGI middleware that (1) refuses request bodies over the
limit with 413, and answers 408 when a body stalls (no data for ``body_timeout``
seconds: 30 s, long enough for a 2 MB upload's next packet on a poor phone link,
short enough that a stalled client does not hold a connection all evening),
(2) adds security headers to every response, (3) writes an
access log line in which judge and screen tokens are replaced by ``***``.
The request head's time limit is :mod:`judging.web.slow_clients`'.
Uvicorn's own access log is turned off (see :mod:`judging.cli.serve`) so that
tokens never reach a log.

What it does not do: authentication (:mod:`judging.web.deps`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time

access_log = logging.getLogger("judging.access")
BODY_TIMEOUT = 30.0

_TOKEN_PATH = re.compile(r"^/(j|s|a|k|ws/j|ws/s|ws/a|api/a)/[^/]+")  # k: a staff member's login link
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CSP.encode()),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def redact(path: str) -> str:
    """'/j/AbC123/x' -> '/j/***/x'; query strings are dropped by the caller."""
    return _TOKEN_PATH.sub(lambda m: f"/{m.group(1)}/***", path)


class SecurityMiddleware:
    def __init__(self, app, max_body: int = 2 * 1024 * 1024, body_timeout: float = BODY_TIMEOUT) -> None:
        self.app, self.max_body, self.body_timeout = app, max_body, body_timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            access_log.info('%s "WS %s"', _client(scope), redact(scope["path"]))
            return await self.app(scope, receive, send)
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 0}
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await self._too_large(send)
            status["code"] = 413
            self._log(scope, 413, started)
            return
        received, body_done, answered = 0, False, False

        async def refuse(code: int, message: str):
            # answer now, before the app's error handling sees the exception (it would answer 500), and
            # drop whatever the app still tries to send
            nonlocal answered
            if not answered and status["code"] == 0:
                answered = True
                status["code"] = code
                await self._error(send, code, message)
            raise _Refused()

        async def limited_receive():
            nonlocal received, body_done
            if body_done:  # after the body only a disconnect can come: wait as long as it takes
                return await receive()
            try:
                async with asyncio.timeout(self.body_timeout):  # no task per body chunk, unlike wait_for
                    message = await receive()
            except TimeoutError:
                await refuse(408, f"请求超时：{self.body_timeout:g} 秒内没有收到数据 / "
                                  f"no request body received for {self.body_timeout:g} s")
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    await refuse(413, self._too_large_text())
                body_done = not message.get("more_body", False)
            return message

        async def send_with_headers(message):
            if answered:
                return
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers.extend(h for h in HEADERS if h[0] not in names)
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _Refused:
            pass  # already answered (413 / 408) by refuse()
        self._log(scope, status["code"], started)

    def _too_large_text(self) -> str:
        return f"请求太大 / request body larger than {self.max_body // 1024} KiB"

    async def _too_large(self, send) -> None:
        await self._error(send, 413, self._too_large_text())

    async def _error(self, send, code: int, message: str) -> None:
        body = json.dumps({"error": message}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": code,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), *HEADERS]})
        await send({"type": "http.response.body", "body": body})

    def _log(self, scope, code: int, started: float) -> None:
        access_log.info('%s "%s %s" %s %.1fms', _client(scope), scope["method"], redact(scope["path"]), code,
                        (time.perf_counter() - started) * 1000)


class _Refused(Exception):
    """Raised out of ``receive`` once the request has been answered with 413 or 408."""


def _client(scope) -> str:
    c = scope.get("client")
    return c[0] if c else "-"
