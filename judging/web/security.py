"""HTTP hardening shared by every route: security headers, body size limit, a token-free access log.

What it does: one pure ASGI middleware that (1) refuses request bodies over the
limit with 413, (2) adds security headers to every response, (3) writes an
access log line in which judge and screen tokens are replaced by ``***``.
Uvicorn's own access log is turned off (see :mod:`judging.cli.serve`) so that
tokens never reach a log.

What it does not do: authentication (:mod:`judging.web.deps`).
"""

from __future__ import annotations

import json
import logging
import re
import time

access_log = logging.getLogger("judging.access")

_TOKEN_PATH = re.compile(r"^/(j|s|ws/j|ws/s)/[^/]+")
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
    def __init__(self, app, max_body: int = 2 * 1024 * 1024) -> None:
        self.app, self.max_body = app, max_body

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
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge()
            return message

        async def send_with_headers(message):
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
        except _TooLarge:
            await self._too_large(send)
            status["code"] = 413
        self._log(scope, status["code"], started)

    async def _too_large(self, send) -> None:
        body = json.dumps({"error": f"请求太大 / request body larger than {self.max_body // 1024} KiB"},
                          ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"), *HEADERS]})
        await send({"type": "http.response.body", "body": body})

    def _log(self, scope, code: int, started: float) -> None:
        access_log.info('%s "%s %s" %s %.1fms', _client(scope), scope["method"], redact(scope["path"]), code,
                        (time.perf_counter() - started) * 1000)


class _TooLarge(Exception):
    pass


def _client(scope) -> str:
    c = scope.get("client")
    return c[0] if c else "-"
