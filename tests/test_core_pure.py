"""judging/core stays pure and layered: no module imports anything outside the core but the standard
library's pure parts and numpy, none does I/O, none is over 400 lines, each keeps its "does / does not"
docstring, and the core's imports (inside functions and under TYPE_CHECKING too) form no circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "judging" / "core"
MODULES = sorted(p for p in CORE.glob("*.py") if p.name != "__init__.py")
IO_MODULES = {"os", "pathlib", "io", "sqlite3", "aiosqlite", "socket", "subprocess", "shutil", "tempfile", "time",
              "asyncio", "urllib", "http", "json"}


def imports(path: Path) -> list[str]:
    """Every module imported anywhere in ``path`` (top level, in functions, under TYPE_CHECKING)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "judging.core":
                out += [f"judging.core.{a.name}" for a in node.names]
            else:
                out.append(node.module)
    return out


@pytest.mark.parametrize("path", MODULES, ids=[p.stem for p in MODULES])
def test_a_core_module_is_pure(path):
    text = path.read_text(encoding="utf-8")
    for name in imports(path):
        root = name.split(".")[0]
        assert root not in IO_MODULES, f"{path.name} imports {name}"
        if root == "judging":
            assert name.startswith("judging.core."), f"{path.name} imports {name} from outside the core"
    calls = [n.func.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert "open" not in calls and "print" not in calls and "input" not in calls, path.name
    assert len(text.splitlines()) <= 400, f"{path.name} has {len(text.splitlines())} lines"
    doc = ast.get_docstring(ast.parse(text)) or ""
    assert "What it does" in doc and "does not" in doc, f"{path.name} lacks its does / does not docstring"


def test_no_import_circle_in_the_core():
    graph = {p.stem: {n.rsplit(".", 1)[1] for n in imports(p) if n.startswith("judging.core.")} for p in MODULES}
    seen: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        if seen.get(node) == 1:
            raise AssertionError("import circle: " + " -> ".join(path[path.index(node):] + [node]))
        if seen.get(node) == 2:
            return
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, path + [node])
        seen[node] = 2

    for module in sorted(graph):
        visit(module, [])
