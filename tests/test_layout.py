"""The layout's rules, checked over the source tree (issue 10): SQL text lives in the storage layer only
(the store, the schema, the repository and its ``repository_*`` siblings), and no judging/ module imports, directly or through others, a module that
imports it back -- imports inside functions and under ``TYPE_CHECKING`` count too -- and imports follow
the layers: core <- inputs, storage <- app <- live <- exports <- web <- cli.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "judging"
SQL_HOMES = {"judging.storage.store", "judging.storage.tx", "judging.storage.schema", "judging.storage.repository"}


def sql_home(name: str) -> bool:
    """May this module hold SQL text?  The store, the schema, the repository and a ``repository_<part>``
    module beside it (one per feature, e.g. the audience's ballots)."""
    return name in SQL_HOMES or name.startswith("judging.storage.repository_")
SQL = re.compile(r"\bSELECT\b|\bINSERT\b|\bUPDATE \w+ SET\b|\bDELETE FROM\b|\bCREATE (TABLE|INDEX)\b|\bALTER TABLE\b"
                 r"|\bPRAGMA\b|\bLIKE '|\bjson_extract\(")
LAYERS = {"core": 0, "inputs": 1, "storage": 1, "app": 2, "live": 3, "exports": 4, "web": 5, "cli": 6}


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def sql_texts(path: Path) -> list[str]:
    """Every string constant (f-string parts too) of the module that reads as SQL, docstrings aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = docstrings(tree)
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
            and SQL.search(node.value)]


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The judging modules ``name`` imports, wherever the import statement is."""
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # judging.x.y.Name -> judging.x.y
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {t for t in imports(name, path, known) if t.count(".") >= 2 or t == "judging"}
            for name, path in known.items()}


def circles(g: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(comp)

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_sql_text_lives_only_in_the_store_and_the_repository():
    found = {name: sql_texts(path) for name, path in modules().items() if not sql_home(name)}
    assert {name: texts for name, texts in found.items() if texts} == {}


def test_the_sql_check_sees_sql():
    """The check above cannot pass by not looking: the homes do hold SQL (an f-string's too)."""
    homes = modules()
    assert all(sql_texts(homes[name]) for name in SQL_HOMES)
    tree = "x = f\"SELECT seq FROM audit WHERE {where}\"\ny = 'action LIKE \\'state.%\\''\n"
    path = Path(__file__).with_name("_layout_probe.py")
    try:
        path.write_text(tree, encoding="utf-8")
        assert len(sql_texts(path)) == 2
    finally:
        path.unlink()


def test_no_import_circle_among_judging_modules():
    g = graph()
    assert sum(len(targets) for targets in g.values()) > 100, "the import graph was read"
    assert [sorted(c) for c in circles(g)] == []


def test_the_circle_finder_finds_circles_also_through_imports_inside_functions():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    probe = PACKAGE / "live" / "_layout_probe.py"
    try:
        probe.write_text("def late():\n    from judging.app.service import Service\n", encoding="utf-8")
        known = modules()
        assert "judging.app.service" in imports("judging.live._layout_probe", probe, known)
    finally:
        probe.unlink()


def test_imports_follow_the_layers():
    """core <- inputs, storage <- app <- live <- exports <- web <- cli: a module imports from its own folder
    or from a lower layer, never from a higher one or from a sideways one (inputs <-> storage)."""
    wrong = []
    for name, targets in graph().items():
        layer = name.split(".")[1] if name.count(".") >= 2 else None
        for t in targets:
            other = t.split(".")[1] if t.count(".") >= 2 else None
            if layer is None or other is None or layer == other:
                continue
            if LAYERS[other] >= LAYERS[layer]:
                wrong.append(f"{name} -> {t}")
    assert wrong == []


def test_no_python_module_is_over_400_lines():
    """Every module of judging/, whatever its layer (issue 10: a module over 400 lines is a smell)."""
    sizes = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in modules().items()}
    assert {n: lines for n, lines in sizes.items() if lines > 400} == {}
    assert len(sizes) >= 60  # the whole package was read
