"""tsl's import structure, read with ast (nothing is imported): no circles, and packages import downwards only.

Every import counts, at module level or inside a function, except under `if TYPE_CHECKING:`.
`import tsl.a.b` also runs tsl/a/__init__.py; such implicit parent imports are left out.
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tsl"

# Top to bottom. A unit (a subpackage, or a module directly in tsl/) imports only from lower layers;
# units of one layer import neither each other. "tsl" is the package's own __init__ (__version__).
LAYERS = (
    ("__main__",),
    ("cli",),
    ("run", "verify"),
    ("lint",),
    ("config", "report", "docs"),
    ("rules", "result"),
    ("model", "fix"),
    ("frontend",),
    ("finding", "versions", "discovery", "tsl"),
)
RANK = {unit: rank for rank, layer in enumerate(LAYERS) for unit in layer}

# The upward imports of today, each with its reason; a new one fails.
UPWARD = {
    ("tsl.frontend.cpython_index", "tsl.model.index"): "it builds the model's FileIndex from CPython's ast",
    ("tsl.frontend.cpython_index", "tsl.model.emission"): "it reads IS_SCRIPTING, the names of is_scripting()",
}


def _module_name(package: Path, path: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(node: ast.AST):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            children = child.orelse
        else:
            children = [child]
        for statement in children:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                yield statement
            yield from _import_nodes(statement)


def _targets(statement, name: str, is_package: bool, modules, top: str):
    """The modules of top that one import statement runs."""
    if isinstance(statement, ast.Import):
        return [alias.name for alias in statement.names if alias.name.split(".")[0] == top]
    base = statement.module or ""
    if statement.level:
        package = name.split(".")[: len(name.split(".")) - statement.level + is_package]
        base = ".".join(package + ([base] if base else []))
    if base.split(".")[0] != top:
        return []
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in statement.names]


@lru_cache(maxsize=None)
def read_graph(package: Path) -> dict[str, dict[str, int]]:
    """module -> {imported module of the package: line of the first such import}."""
    paths = {_module_name(package, path): path for path in sorted(package.rglob("*.py"))}
    graph = {}
    for name, path in paths.items():
        edges = graph[name] = {}
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for statement in _import_nodes(tree):
            for target in _targets(statement, name, path.name == "__init__.py", paths, package.name):
                if target != name:
                    edges.setdefault(target, statement.lineno)
    return graph


def find_circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One circle per edge back into the depth-first path, each as its modules in order."""
    circles, state, path = [], {}, []

    def visit(module):
        state[module] = "open"
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                circles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return circles


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def upward_imports(graph) -> dict[tuple[str, str], int]:
    """(importer, imported) across units whose layer is not below the importer's -> line."""
    found = {}
    for module, edges in graph.items():
        for target, line in edges.items():
            if unit(module) != unit(target) and RANK[unit(module)] >= RANK[unit(target)]:
                found[(module, target)] = line
    return found


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root / "tsl"


def test_the_reader_sees_every_import_that_runs(tmp_path):
    package = _write(tmp_path, {
        "tsl/__init__.py": "",
        "tsl/a/__init__.py": "from . import b\nfrom .c import name\n",
        "tsl/a/b.py": "import os\nimport tsl.d\n",
        "tsl/a/c.py": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from tsl import d\n"
                       "else:\n    from tsl import e\n"),
        "tsl/d.py": "def f():\n    from tsl.a import c\n",
        "tsl/e.py": "from tsl import __version__\nfrom .a.b import thing\n",
    })
    assert read_graph(package) == {
        "tsl": {}, "tsl.a": {"tsl.a.b": 1, "tsl.a.c": 2}, "tsl.a.b": {"tsl.d": 2}, "tsl.a.c": {"tsl.e": 5},
        "tsl.d": {"tsl.a.c": 2}, "tsl.e": {"tsl": 1, "tsl.a.b": 2},
    }


def test_a_circle_is_named(tmp_path):
    package = _write(tmp_path, {
        "tsl/__init__.py": "", "tsl/a.py": "from tsl import b\n", "tsl/b.py": "def f():\n    import tsl.c\n",
        "tsl/c.py": "from tsl.a import x\n", "tsl/d.py": "import tsl.a\n",
    })
    assert find_circles(read_graph(package)) == [["tsl.a", "tsl.b", "tsl.c", "tsl.a"]]


def test_no_import_circles():
    circles = find_circles(read_graph(PACKAGE))
    assert not circles, "import circles: " + "; ".join(" -> ".join(circle) for circle in circles)


def test_every_unit_has_a_layer():
    units = {unit(module) for module in read_graph(PACKAGE)}
    assert units == set(RANK), f"not in LAYERS: {sorted(units - set(RANK))}; gone: {sorted(set(RANK) - units)}"


def test_packages_import_downwards_only():
    new = {pair: line for pair, line in upward_imports(read_graph(PACKAGE)).items() if pair not in UPWARD}
    assert not new, "upward imports (see LAYERS):\n" + "\n".join(
        f"{a}, line {line}: imports {b}" for (a, b), line in sorted(new.items()))


@pytest.mark.parametrize("pair", sorted(UPWARD), ids="->".join)
def test_each_listed_exception_is_still_needed(pair):
    assert pair in upward_imports(read_graph(PACKAGE)), f"{pair[0]} no longer imports {pair[1]} upwards: unlist it"
