"""Versioned static URLs and module preloads (judging/web/assets.py, judging/web/static_files.py)."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from judging.web.app import ROOT, create_app
from judging.web.assets import Assets
from judging.web.pages import ASSETS
from tests.helpers import ORG, make_client


def test_the_version_changes_with_any_file_and_only_then(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "a.js").write_text("import { x } from './shared/b.js';\n")
    (tmp_path / "shared" / "b.js").write_text("export const x = 1;\n")
    first = Assets(tmp_path).version
    assert Assets(tmp_path).version == first
    (tmp_path / "shared" / "b.js").write_text("export const x = 2;\n")
    assert Assets(tmp_path).version != first


def test_the_import_graph_follows_relative_and_absolute_imports_transitively(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "page.js").write_text("import { a } from './a.js';\nimport '/static/side.js';\n")
    (tmp_path / "a.js").write_text("export { b as a } from './shared/b.js';\n")
    (tmp_path / "shared" / "b.js").write_text("import { c } from '../c.js';\nexport const b = c;\n")
    (tmp_path / "c.js").write_text("export const c = 1;\n")
    (tmp_path / "side.js").write_text("// side effects only\n")
    assert Assets(tmp_path).needs("page.js") == ["a.js", "shared/b.js", "c.js", "side.js"]


def test_every_module_of_the_real_pages_is_preloaded_and_exists():
    needs = ASSETS.needs("judge.js")
    assert {"shared/format.js", "shared/dom.js", "judge_task.js", "judge_outbox.js", "live.js"} <= set(needs)
    for entry in ("judge.js", "screen.js", "console.js", "setup.js", "audit.js", "console_index.js"):
        assert all((ROOT / "static" / dep).is_file() for dep in ASSETS.needs(entry)), entry
    # relative imports only: a module loaded from /static/v/<version>/ loads its imports from there too
    absolute = [p.name for p in (ROOT / "static").rglob("*.js") if re.search(r"from\s+['\"]/static/", p.read_text())]
    assert absolute == []


def test_the_judge_page_links_versioned_urls_and_preloads_its_whole_module_graph(tmp_path):
    with make_client(tmp_path / "a.db") as c:
        token = c.get("/api/contests/c1", headers=ORG).json()["setup"]["judges"][0]["token"]
        html = c.get(f"/j/{token}").text
        prefix = f"/static/v/{ASSETS.version}/"
        preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
        assert {prefix + dep for dep in ASSETS.needs("judge.js")} <= set(preloads)  # (and base.html's lang.js)
        assert all(p.startswith(prefix) for p in preloads)
        assert f'<script type="module" src="{prefix}judge.js"></script>' in html
        assert f'href="{prefix}judge.css"' in html and "/static/judge.js" not in html
        for url in [*preloads, prefix + "judge.js", prefix + "judge.css"]:
            r = c.get(url, headers={"accept-encoding": "gzip"})
            assert r.status_code == 200, url
            assert r.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_an_old_version_still_gets_the_current_file_but_revalidated(tmp_path):
    with TestClient(create_app(str(tmp_path / "b.db"), organizer_key="k" * 32, demo=False)) as c:
        now = c.get(f"/static/v/{ASSETS.version}/live.js")
        old = c.get("/static/v/000000000000/live.js")
        plain = c.get("/static/live.js")
        assert now.text == old.text == plain.text
        assert old.headers["cache-control"] == plain.headers["cache-control"] == "no-cache"
        assert c.get(f"/static/v/{ASSETS.version}/../app.py").status_code == 404
        assert c.get(f"/static/v/{ASSETS.version}/no-such.js").status_code == 404
        assert c.get(f"/static/v/{ASSETS.version}").status_code == 404


def test_pages_are_sent_gzip_compressed_to_a_client_that_accepts_it(tmp_path):
    with make_client(tmp_path / "g.db") as c:
        token = c.get("/api/contests/c1", headers=ORG).json()["setup"]["judges"][0]["token"]
        zipped = c.get(f"/j/{token}", headers={"accept-encoding": "gzip"})
        plain = c.get(f"/j/{token}", headers={"accept-encoding": "identity"})
        assert zipped.headers["content-encoding"] == "gzip" and zipped.headers["vary"] == "Accept-Encoding"
        assert zipped.headers["content-type"] == plain.headers["content-type"] == "text/html; charset=utf-8"
        assert "content-encoding" not in plain.headers
        assert zipped.text == plain.text and 'id="vocabulary"' in plain.text  # httpx inflates it
        assert int(zipped.headers["content-length"]) < len(plain.content) / 2
