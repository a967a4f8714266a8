"""Static assets for phones on a crowded Wi-Fi: gzip-compressed once; cached for good when versioned, else revalidated.

What it does: :class:`CachedStatic` serves ``static/`` with ``Cache-Control: no-cache`` (a phone keeps the
file and revalidates it with its ETag: a 304 costs a few hundred bytes, never a stale page after an update)
and, to a client that accepts gzip, text assets (JS, CSS, SVG, HTML, JSON) of 1 KB or more gzip-compressed —
compressed once per file version (path, mtime, size) and kept in memory, not once per request; the
compressed variant has its own ETag (``…-gz``) and every such response says ``Vary: Accept-Encoding``.

:class:`VersionedStatic` serves the same files under ``/static/v/<version>/…`` (the addresses the pages link,
:mod:`judging.web.assets`): with the running version ``Cache-Control: public, max-age=31536000, immutable``
(a phone never asks again during the release); with another version (a page cached before an update) the
current file, revalidated like the plain names.

What it does not do: decide the version or write the links (:mod:`judging.web.assets`).
"""

from __future__ import annotations

import gzip
import os
from functools import lru_cache
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette._utils import get_route_path
from starlette.staticfiles import NotModifiedResponse, StaticFiles

COMPRESSIBLE = {".js", ".mjs", ".css", ".svg", ".html", ".json", ".txt"}
MIN_SIZE = 1024


@lru_cache(maxsize=128)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


IMMUTABLE = "public, max-age=31536000, immutable"


class CachedStatic(StaticFiles):
    """Static assets: cacheable, revalidated by ETag (cheap on a crowded Wi-Fi, never stale), gzip when asked."""

    def cache_control(self, scope) -> str:
        return "no-cache"

    def file_response(self, full_path, stat_result: os.stat_result, scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = self.cache_control(scope)
        if Path(full_path).suffix not in COMPRESSIBLE or stat_result.st_size < MIN_SIZE:
            return response
        response.headers["vary"] = "Accept-Encoding"
        request = Headers(scope=scope)
        if (status_code != 200 or scope.get("method") != "GET" or response.status_code != 200
                or "gzip" not in request.get("accept-encoding", "").lower()):
            return response
        headers = {k: v for k, v in response.headers.items() if k != "content-length"}
        etag = headers.get("etag", "")
        headers["etag"] = (etag[:-1] + '-gz"') if etag.endswith('"') else etag + "-gz"
        headers["content-encoding"] = "gzip"
        if self.is_not_modified(Headers(headers), request):
            return NotModifiedResponse(Headers(headers))
        return Response(_gzipped(str(full_path), stat_result.st_mtime_ns, stat_result.st_size), status_code=200,
                        headers=headers)


class VersionedStatic(CachedStatic):
    """``/static/v/<version>/<file>``: the file, cached for a year when ``<version>`` is the running one."""

    def __init__(self, *, directory: str, version: str) -> None:
        super().__init__(directory=directory)
        self.version = version

    def get_path(self, scope) -> str:
        version, _, rest = get_route_path(scope).lstrip("/").partition("/")
        scope["judging.asset_version"] = version
        return os.path.normpath(os.path.join(*rest.split("/"))) if rest else "."

    def cache_control(self, scope) -> str:
        return IMMUTABLE if scope.get("judging.asset_version") == self.version else "no-cache"
