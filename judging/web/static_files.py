"""Static assets for phones on a crowded Wi-Fi: gzip-compressed once, revalidated by ETag.

What it does: :class:`CachedStatic` serves ``static/`` with ``Cache-Control: no-cache`` (a phone keeps the
file and revalidates it with its ETag: a 304 costs a few hundred bytes, never a stale page after an update)
and, to a client that accepts gzip, text assets (JS, CSS, SVG, HTML, JSON) of 1 KB or more gzip-compressed —
compressed once per file version (path, mtime, size) and kept in memory, not once per request; the
compressed variant has its own ETag (``…-gz``) and every such response says ``Vary: Accept-Encoding``.

What it does not do: hashed file names (the pages' templates link the plain names) or preloading.
"""

from __future__ import annotations

import gzip
import os
from functools import lru_cache
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles

COMPRESSIBLE = {".js", ".mjs", ".css", ".svg", ".html", ".json", ".txt"}
MIN_SIZE = 1024


@lru_cache(maxsize=128)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


class CachedStatic(StaticFiles):
    """Static assets: cacheable, revalidated by ETag (cheap on a crowded Wi-Fi, never stale), gzip when asked."""

    def file_response(self, full_path, stat_result: os.stat_result, scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = "no-cache"
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
