"""Issue 10, static/: the pages' JavaScript has one home per concept (no browser needed).

- no JavaScript module over 450 lines;
- no static/ file other than shared/labels.js keeps its own map of phase, action or round labels (a
  "label map" is two or more ``key: '<vocabulary label>'`` pairs of one vocabulary in one file; the labels
  are read from judging/core/vocabulary.py, so a copy of any of them is found, whatever it is called);
- the shared helpers (esc, el, fmtNum, fmtScore, fmtMoney, splitLabel, api …) are defined in static/shared/
  only, and every page's ES-module imports name modules and exports that exist;
- the templates' script and modulepreload tags name files that exist, and static/shared/ is served like
  the rest of static/ (gzip once, ETag, no-cache);
- the console's action buttons say what the vocabulary calls each action.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient

from judging.core import vocabulary
from judging.web import static_files
from judging.web.app import ROOT, create_app
from tests.conftest import ORGANIZER_KEY

STATIC = ROOT / "static"
TEMPLATES = ROOT / "templates"
MAX_LINES = 450
LABELS_HOME = STATIC / "shared" / "labels.js"


def js_files() -> list[Path]:
    files = sorted(STATIC.rglob("*.js"))
    assert len(files) > 10 and LABELS_HOME in files
    return files


def rel(p: Path) -> str:
    return str(p.relative_to(STATIC))


def test_no_javascript_module_is_over_450_lines():
    sizes = {rel(f): len(f.read_text(encoding="utf-8").splitlines()) for f in js_files()}
    assert {f: n for f, n in sizes.items() if n > MAX_LINES} == {}


# key: 'value' or key: ['value', …] (a label map's entries); the key may be quoted
PAIR = re.compile(r"""(?:[A-Za-z_$][\w$]*|'[^'\n]*'|"[^"\n]*")\s*:\s*\[?\s*(['"`])((?:(?!\1)[^\\\n])*)\1""")


def label_maps(text: str) -> dict[str, set[str]]:
    """For each vocabulary kind, the distinct labels of that kind a file writes as the values of
    ``key: value`` pairs (a value counts when it is the label, or starts with it and a space)."""
    values = [m.group(2) for m in PAIR.finditer(text)]
    found: dict[str, set[str]] = {}
    for kind in ("phase", "action", "round"):
        labels = {z for z, _ in vocabulary.VOCABULARIES[kind].values()}
        labels |= {z.split("{")[0].strip() for z in labels if "{" in z}  # 加时赛 第 {n} 轮 -> 加时赛 第
        hits = {lab for v in values for lab in labels if lab and (v == lab or v.startswith(lab + " "))}
        if hits:
            found[kind] = hits
    return found


def test_the_label_map_check_finds_a_copied_map():
    # the check itself: the maps the pages used to keep (screen.js, console_api.js) are found, a single
    # label in a sentence is not
    assert label_maps("const PHASE_LABEL = { setup: '即将开始', presenting: '路演中', scoring: '评分中' };") == {
        "phase": {"路演中", "评分中"}}
    assert "phase" in label_maps("export const PHASES = {\n  setup: ['准备中', 'Setup'], idle: ['等待上台', 'x'] };")
    assert label_maps("toast({ title: '评分中', body: 'x' })") == {"phase": {"评分中"}}  # one label: not a map
    assert label_maps("const s = '评分中 路演中';") == {}


def test_no_page_keeps_its_own_phase_action_or_round_labels():
    copies = {}
    for f in js_files():
        if f == LABELS_HOME:
            continue
        maps = {kind: sorted(hits) for kind, hits in label_maps(f.read_text(encoding="utf-8")).items()
                if len(hits) >= 2}
        if maps:
            copies[rel(f)] = maps
    assert copies == {}, "label maps outside static/shared/labels.js (read them from the vocabulary)"


SHARED_HELPERS = ("esc", "el", "\\$", "q", "fmtNum", "fmtScore", "fmtMoney", "fmtClock", "fmtOverrun", "fmtPercent",
                  "splitLabel", "pick", "csrf", "api", "signedOut", "renderKept", "label", "roundLabel",
                  "phaseLabel", "shortLabel", "getJSON")


def test_shared_helpers_are_defined_once_in_static_shared():
    defined: dict[str, list[str]] = {}
    for f in js_files():
        text = f.read_text(encoding="utf-8")
        for name in SHARED_HELPERS:
            # a module-level definition (a local variable called el inside a function is not a helper)
            if re.search(rf"^(?:export\s+)?(?:async\s+)?(?:function\s+|const\s+|let\s+){name}\s*[=(]", text, re.M):
                defined.setdefault(name.replace("\\", ""), []).append(rel(f))
    outside = {n: fs for n, fs in defined.items() if any(not f.startswith("shared/") for f in fs)}
    assert outside == {}, "helpers defined outside static/shared/: import them from there"
    for name in ("esc", "el", "fmtNum", "fmtScore", "fmtMoney", "splitLabel", "api", "renderKept", "label"):
        assert len(defined.get(name, [])) == 1, name


IMPORT = re.compile(r"""import\s*\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]""", re.S)
EXPORT = re.compile(r"export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)")


def test_every_import_names_a_module_and_an_export_that_exist():
    problems = []
    for f in js_files():
        for names, source in IMPORT.findall(f.read_text(encoding="utf-8")):
            target = STATIC / source.removeprefix("/static/") if source.startswith("/static/") \
                else (f.parent / source).resolve()
            if not target.is_file():
                problems.append(f"{rel(f)}: no module {source}")
                continue
            exports = set(EXPORT.findall(target.read_text(encoding="utf-8")))
            for name in names.split(","):
                name = name.strip().split(" as ")[0].strip()
                if name and name not in exports:
                    problems.append(f"{rel(f)}: {source} does not export {name}")
    assert problems == []


def test_every_module_says_what_it_does_in_a_header_comment():
    bare = [rel(f) for f in js_files() if not f.read_text(encoding="utf-8").startswith("//")]
    assert bare == []


def test_templates_name_static_files_that_exist():
    named = set()
    for t in TEMPLATES.glob("*.html"):
        named |= set(re.findall(r"""\b(?:asset|module)\('([^']+)'\)""", t.read_text(encoding="utf-8")))
    assert {"judge.js", "screen.js", "console.js", "base.css"} <= named  # pages link through asset() / module()
    assert sorted(n for n in named if not (STATIC / n).is_file()) == []
    plain = [t.name for t in TEMPLATES.glob("*.html") if re.search(r"""(?:src|href)="/static/""", t.read_text())]
    assert plain == []  # no unversioned link left


def test_static_shared_is_served_gzipped_and_revalidated_like_the_rest(tmp_path):
    static_files._gzipped.cache_clear()
    with TestClient(create_app(str(tmp_path / "s.db"), organizer_key=ORGANIZER_KEY)) as c:
        for name in ("format.js", "labels.js", "api.js", "dom.js"):
            r = c.get(f"/static/shared/{name}", headers={"accept-encoding": "gzip"})
            assert r.status_code == 200, name
            assert r.headers["content-type"].startswith(("text/javascript", "application/javascript"))
            assert r.headers["cache-control"] == "no-cache" and r.headers["etag"]
            assert r.content == (STATIC / "shared" / name).read_bytes()  # the client undid the gzip
            if (STATIC / "shared" / name).stat().st_size >= static_files.MIN_SIZE:
                assert r.headers["content-encoding"] == "gzip"
            again = c.get(f"/static/shared/{name}", headers={"accept-encoding": "gzip",
                                                              "if-none-match": r.headers["etag"]})
            assert again.status_code == 304


def test_the_console_buttons_say_what_the_vocabulary_calls_each_action(tmp_path):
    with TestClient(create_app(str(tmp_path / "s.db"), organizer_key=ORGANIZER_KEY, demo=True)) as c:
        r = c.post("/login", data={"key": ORGANIZER_KEY}, follow_redirects=False)
        assert r.status_code in (302, 303), r.text
        page = c.get("/console/c1")
        assert page.status_code == 200
    buttons = dict(re.findall(r'<button class="[^"]*" data-action="(\w+)">(.*?)</button>', page.text))
    assert {"start", "back", "lock", "timer_start", "start_reveal"} <= set(buttons)
    for action, html in buttons.items():
        z, e = vocabulary.label("action", action)
        assert f'{z} <span class="en">{e}</span>' in html, (action, html)
