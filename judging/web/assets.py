"""Versioned static URLs and module preloads: a phone fetches each asset once per release, and all at once.

What it does: :class:`Assets` reads ``static/`` once at start and gives

* a **version** of the whole folder (the first 12 hex digits of a SHA-256 over every file's path and
  bytes): pages link ``/static/v/<version>/judge.js``, served with ``Cache-Control: immutable`` for a year
  (:class:`judging.web.static_files.CachedStatic`).  The modules import each other by relative paths
  (``./shared/dom.js``), so a module loaded from the versioned folder loads its imports from the same
  folder: a second visit makes no request for assets at all, and a new release (another version) is never
  mixed with a cached old one;
* the **import graph** of the ES modules (static ``import … from '…'`` and ``export … from '…'``), so a
  page's ``<script type=module>`` comes with a ``<link rel=modulepreload>`` for every module it needs:
  the browser fetches them in parallel instead of discovering them one round trip at a time (a page
  whose modules import three levels deep otherwise waits three round trips more on a slow link).

The templates call :meth:`Assets.url` (``asset('x.css')``) and :meth:`Assets.module_tags`
(``module('judge.js')``), registered as Jinja globals by :mod:`judging.web.pages`.

What it does not do: serve anything (``CachedStatic`` does), minify, bundle or watch files (a changed file
takes effect at the next start; the tests and ``run.py serve`` start fresh).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path

from markupsafe import Markup, escape

PREFIX = "/static"
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]""",
                    re.M)


class Assets:
    """The static folder's version and module graph, read once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        digest = hashlib.sha256()
        self.files: set[str] = set()
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root).as_posix()
            self.files.add(rel)
            digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
        self.version = digest.hexdigest()[:12]
        self.imports = {rel: self._imports_of(rel) for rel in self.files if rel.endswith(".js")}

    def _imports_of(self, rel: str) -> tuple[str, ...]:
        text = (self.root / rel).read_text(encoding="utf-8")
        out = []
        for m in IMPORT.finditer(text):
            spec = m.group(1) or m.group(2)
            if spec.startswith("./") or spec.startswith("../"):
                out.append(posixpath.normpath(posixpath.join(posixpath.dirname(rel), spec)))
            elif spec.startswith(PREFIX + "/"):
                out.append(spec[len(PREFIX) + 1:])
        return tuple(out)

    def url(self, rel: str) -> str:
        """``/static/v/<version>/<rel>``; KeyError for a file that is not there (a typo fails at render)."""
        if rel not in self.files:
            raise KeyError(f"no static file {rel!r}")
        return f"{PREFIX}/v/{self.version}/{rel}"

    def needs(self, entry: str) -> list[str]:
        """Every module ``entry`` imports, directly or not, in the order a depth-first walk meets them."""
        seen: list[str] = []

        def walk(rel: str) -> None:
            for dep in self.imports.get(rel, ()):
                if dep not in seen and dep != entry:
                    seen.append(dep)
                    walk(dep)
        walk(entry)
        return seen

    def module_tags(self, entry: str) -> Markup:
        """``<link rel=modulepreload>`` for each module ``entry`` needs, then its ``<script type=module>``."""
        links = [f'<link rel="modulepreload" href="{escape(self.url(dep))}">' for dep in self.needs(entry)]
        return Markup("\n".join([*links, f'<script type="module" src="{escape(self.url(entry))}"></script>']))
