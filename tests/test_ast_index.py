"""The index from CPython's parser (tsl.frontend.cpython_index) is the index LibCST gives
(its twin, tests/reference/libcst_index.py): the same functions, classes, decorators, bases and
calls, each with the same qualified names, in the same order."""
from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

from tests.reference.libcst_index import build_index, detach
from tests.test_real_code import torchvision_models  # noqa: F401 (a fixture)
from tsl.frontend.cpython_index import build_index_from_ast
from tsl.frontend.source import ParseFailure, parse_source
from tsl.run.detached import FileStub

ROOT = Path(__file__).resolve().parents[1]


def _function(f) -> dict:
    return dict(name=f.name, cls=f.class_name, decorators=sorted(f.decorators), self_calls=f.self_calls,
                global_calls=[sorted(g) for g in f.global_calls], line=f.line, column=f.column,
                all_self_calls=f.all_self_calls, all_calls=[sorted(g) for g in f.all_calls],
                self_assigned=sorted(f.self_assigned))


def summary(index) -> dict:
    return {
        "scripted": [sorted(names) for names in index.scripted_names],
        "functions": [(name, _function(f)) for name, f in index.functions.items()],
        "classes": [(name, dict(absname=c.absname, bases=[sorted(b) for b in c.bases],
                                decorators=sorted(c.decorators), line=c.line, column=c.column,
                                unused=sorted(c.unused_properties),
                                methods=[(m, _function(f)) for m, f in c.methods.items()]))
                    for name, c in index.classes.items()],
    }


def both(path: Path, relpath: str):
    try:
        source = parse_source(path, relpath)
    except ParseFailure:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source.text)
    except SyntaxError:
        return None
    expected = summary(detach(build_index(source)))
    stub = FileStub(relpath, source.module_name, source.package)
    return expected, summary(build_index_from_ast(tree, stub, source.text))


def _differing(root: Path, paths) -> list[str]:
    differing = []
    for path in paths:
        found = both(path, path.relative_to(root).as_posix())
        if found is not None and found[0] != found[1]:
            differing.append(str(path))
    return differing


def test_same_index_on_fixtures_examples_and_tsl_itself():
    paths = sorted([*ROOT.glob("fixtures/**/*.py"), *ROOT.glob("examples/**/*.py"), *ROOT.glob("tsl/**/*.py")])
    assert len(paths) > 100
    assert _differing(ROOT, paths) == []


def test_same_index_on_torchvision(torchvision_models):  # noqa: F811
    paths = sorted((torchvision_models / "torchvision").rglob("*.py"))
    assert len(paths) > 150
    assert _differing(torchvision_models, paths) == []


@pytest.mark.parametrize("source", [
    "import torch\nfrom torch import nn\nclass M(nn.Module):\n"
    "    def forward(self, x):\n        if not torch.jit.is_scripting():\n            helper(x)\n"
    "        return [m(x) for m in self.ms], (lambda t: t.f())(x), (x + 1).abs()\n"
    "def helper(x):\n    import numpy as np\n    return np.asarray(x)\n",
    "from . import sibling\nfrom .pkg import thing as alias\nimport a.b, a.b.c as abc\n"
    "def f(q, *args, **kw):\n    global G\n    G.run(); alias.go(); sibling(); a.b.z(); abc.d()\n"
    "    k = 1; k.h(); q[0](); f()(); print(len(q))\n    def inner():\n        nonlocal q\n        q.x()\n"
    "    if torch.jit.is_scripting():\n        return 1\n    else:\n        if q:\n            return 2\n"
    "    late()\nG = 3\n",
    "import torch\n@torch.jit.script\ndef f(x):\n    if torch.jit.is_scripting() and x:\n        a()\n"
    "    elif not torch.jit.is_scripting():\n        b()\n    else:\n        return c()\n    return d()\n"
    "class C:\n    export = torch.jit.export\n    @export\n    def g(self): self.h(); C.k()\n"
    "    __jit_unused_properties__ = ['p']\n    @property\n    def p(self): return 1\n"
    "torch.jit.script(C)\ntorch.jit.script(obj=f)\n",
])
def test_same_index_on_tricky_scopes(tmp_path, source):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    path = package / "mod.py"
    path.write_text(source)
    expected, got = both(path, "pkg/mod.py")
    assert got == expected
    assert expected["functions"] or expected["classes"]
