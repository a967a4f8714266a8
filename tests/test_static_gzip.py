"""Issue 11: static files are sent gzip-compressed (compressed once per file version) to clients that accept it,
with ETag revalidation kept; plain to clients that do not."""

from __future__ import annotations

import gzip

from judging.web import static_files
from judging.web.app import ROOT
from tests.helpers import make_client


def test_static_files_are_gzipped_once_and_revalidated_by_etag(tmp_path):
    plain_bytes = (ROOT / "static" / "judge.js").read_bytes()
    static_files._gzipped.cache_clear()
    with make_client(tmp_path / "s.db", demo=False) as c:
        r = c.get("/static/judge.js", headers={"accept-encoding": "gzip"})
        assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
        assert r.headers["vary"] == "Accept-Encoding" and r.headers["cache-control"] == "no-cache"
        assert r.content == plain_bytes, "httpx decodes it: the same file"
        assert int(r.headers["content-length"]) < len(plain_bytes) / 2
        assert gzip.decompress(static_files._gzipped(str(ROOT / "static" / "judge.js"),
                                                     (ROOT / "static" / "judge.js").stat().st_mtime_ns,
                                                     len(plain_bytes))) == plain_bytes
        etag = r.headers["etag"]
        again = c.get("/static/judge.js", headers={"accept-encoding": "gzip", "if-none-match": etag})
        assert again.status_code == 304
        for _ in range(20):
            c.get("/static/judge.js", headers={"accept-encoding": "gzip"})
        info = static_files._gzipped.cache_info()
        assert info.misses == 1 and info.hits >= 20, "compressed once, not once per request"
        plain = c.get("/static/judge.js", headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == plain_bytes
        assert plain.headers["etag"] != etag, "each variant has its own validator"
