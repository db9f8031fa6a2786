"""tsl's shortcuts through LibCST give exactly what LibCST gives.

Inside `with libcst_speedups()` (tsl.frontend.libcst_speedups), against LibCST as shipped outside it:
- CSTNode.visit for read-only visitors, and CSTNode.children, without rebuilding the tree;
- metadata providers that work in visit_Module, without the empty batched traversal;
- parents from a plain walk, qualified names per node from the scope;
- positions one top-level statement at a time, anchored by CPython's parser;
- def and class starts from CPython's parser.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given, settings, strategies as st
from libcst.metadata import (
    ExpressionContextProvider,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)
from libcst.metadata.base_provider import LazyValue

from tsl.frontend import walk
from tsl.frontend.libcst_speedups import libcst_speedups, supported
from tsl.frontend.source import parse_source

ROOT = Path(__file__).resolve().parents[1]
WHEEL = sorted((ROOT / ".cache" / "wheels").glob("torchvision-0.28.0-*.whl"))

EDGE_CASES = {
    "stores": (
        "import os.path as p, sys\nfrom a import (b as c, d)\nx = y = [1]\n(a, [b, *c]), d.e, f[g] = 1, 2, 3, 4\n"
        "h: int = 1\ni += 1\ndel j, k[0]\nfor (l, *m) in n:\n    pass\n"
        "with open(o) as (q, r), open(s) as t:\n    pass\ntry:\n    pass\nexcept E as u:\n    pass\n"
        "v = [w for w in x if (z := w) for aa in w]\nbb = {cc: dd for cc, dd in ee}\nff = lambda gg, *hh, ii=jj: gg\n"
        "def kk(ll, mm: nn = oo) -> pp:\n    global qq\n    qq = ll\n    rr.ss = [tt for tt in (uu := mm)]\n"
        "class vv(ww, metaclass=xx):\n    yy = zz\n    def __init__(self):\n        self.a, self.b[0] = 1, 2\n"
        "match aaa:\n    case [bbb, *ccc] if ddd:\n        eee = bbb\n"
    ),
    "crlf": "import torch\r\n\r\nclass A(torch.nn.Module):\r\n    def forward(self, x):\r\n        return x\r\n",
    "cr": "x = 1\rdef f(a):\r    return a\r",
    "formfeed": "x = 1\n\x0c\ndef f(a):\n    return a\n\x0cclass B:\n    pass\n",
    "tabs": "class A:\n\tdef f(self):\n\t\treturn 1\n\n\tdef g(self): return 2\n",
    "non_ascii": "s = 'é'  # ü\nclass Ä:\n    def ö(self, x='ß'):\n        return f'{x}→'\n",
    "semicolons": "a = 1; b = (2,\n 3); c = 4\nd = 5\n",
    "continuation": "a = 1; \\\nb = 2\ndef f():\n    return a + \\\n        b\n",
    "decorators": "import torch\n\n@torch.jit.script\n@other(\n    1,\n    2)\ndef f(x):\n    return x\n",
    "no_trailing_newline": "def f():\n    return 1",
    "empty": "",
    "comments_only": "# a\n\n# b\n",
    "type_statement": "type Alias = int\n\ndef f(x: Alias) -> Alias:\n    return x\n",
    "fstrings": "x = 1\ny = f'{x!r:>{x}} {x=}'\nclass A:\n    z = f'{y}'\n",
    "nested": "class A:\n    class B:\n        def f(self):\n            def g():\n                return lambda q: [i for i in q if i]\n            return g\n",
    "async": "async def f():\n    async with a as b:\n        async for c in b:\n            await c\n",
    "match": "def f(x):\n    match x:\n        case [1, *rest]:\n            return rest\n        case {'k': v}:\n            return v\n",
    "globals": "import logging\nLOG = logging.getLogger(__name__)\nN: int = 3\ndef f():\n    global N\n    N += 1\n    del N\n",
    "header_footer": "# header\n\n\nimport os\n\n\n# footer\n",
    "class_one_line": "class A: pass\nclass B(A): x = 1; y = 2\n",
}


def _sources() -> list[tuple[str, str]]:
    found = list(EDGE_CASES.items())
    for path in sorted((ROOT / "fixtures").rglob("*.py")):
        found.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    if WHEEL:
        with zipfile.ZipFile(WHEEL[0]) as wheel:
            names = sorted(n for n in wheel.namelist() if n.startswith("torchvision/models/") and n.endswith(".py"))
            for name in names[::6]:
                found.append((name, wheel.read(name).decode("utf-8")))
    return found


SOURCES = _sources()

needs_speedups = pytest.mark.skipif(not supported(), reason="the installed LibCST is not one the speedups were tested on")


class _Recorder(cst.CSTVisitor):
    """Records every callback; listens to all attributes (so LibCST's own path is taken for them)."""

    def __init__(self, attributes: bool):
        self.events: list = []
        self.attributes = attributes

    def on_visit(self, node):
        self.events.append(("visit", id(node)))
        return not isinstance(node, cst.Lambda)

    def on_leave(self, node):
        self.events.append(("leave", id(node)))

    def visit_ClassDef_bases(self, node):
        self.events.append(("bases", id(node)))

    def leave_Call_func(self, node):
        self.events.append(("func", id(node)))


class _AllAttributes(_Recorder):
    def on_visit_attribute(self, node, attribute):
        self.events.append(("attr", id(node), attribute))

    def on_leave_attribute(self, node, attribute):
        self.events.append(("/attr", id(node), attribute))


def _module(text: str) -> cst.Module:
    return cst.parse_module(text)


def _scopes(module: cst.Module) -> list:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    scopes = wrapper.resolve(ScopeProvider)
    contexts = wrapper.resolve(ExpressionContextProvider)
    found = []
    for node in walk.iter_nodes(module):
        scope = scopes.get(node)
        names = sorted((q.name, q.source.name) for q in scope.get_qualified_names_for(node)) if scope else None
        found.append((type(scope).__name__, names, contexts.get(node)))
        if scope is not None and isinstance(node, cst.Name):
            accesses = [a for a in scope.accesses[node.value] if a.node is node]
            found.append(sorted(id(getattr(r, "node", None)) for a in accesses for r in a.referents))
    return found


@needs_speedups
@pytest.mark.parametrize("name, text", SOURCES, ids=[name for name, _ in SOURCES])
def test_fast_paths_match_libcst(name, text):
    module = _module(text)
    expected = []
    for kind in (_Recorder, _AllAttributes):
        visitor = kind(True)
        module.visit(visitor)
        expected.append(visitor.events)
    children = {id(n): [id(c) for c in n.children] for n in walk.iter_nodes(module)}
    scopes = _scopes(module)
    parents = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
    stock_visit = cst.CSTNode.visit
    with libcst_speedups() as on:
        assert on and cst.CSTNode.visit is not stock_visit  # the shortcuts are what is compared
        for kind, events in zip((_Recorder, _AllAttributes), expected):
            visitor = kind(True)
            module.visit(visitor)
            assert visitor.events == events
        assert {id(n): [id(c) for c in n.children] for n in walk.iter_nodes(module)} == children
        assert _scopes(module) == scopes
    mine = walk.parent_map(module)
    assert len(mine) == len(parents) and all(mine[node] is parent for node, parent in parents.items())


@pytest.mark.parametrize("name, text", SOURCES, ids=[name for name, _ in SOURCES])
def test_lazy_metadata_matches_libcst(name, text):
    source = parse_source(Path(name), name, text.encode("utf-8"))
    wrapper = MetadataWrapper(source.module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    qualified = wrapper.resolve(QualifiedNameProvider)
    nodes = list(walk.iter_nodes(source.module))
    with libcst_speedups():  # tsl's side as the run computes it; LibCST's above, as shipped
        for node in reversed(nodes):  # inner nodes first: each statement's code is generated on demand
            assert source.position(node) == positions.get(node), type(node).__name__
            expected = qualified.get(node, ())
            expected = expected() if isinstance(expected, LazyValue) else expected
            assert set(source.meta(QualifiedNameProvider, node, ())) == set(expected)
    for statement in source.module.body:
        inner = []
        if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            inner = list(statement.body.body)
        for node in [statement, *inner]:
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                start = positions[node].start
                assert source.def_start(node) == (start.line, start.column)


def test_positions_fall_back_when_cpython_cannot_vouch():
    source = parse_source(Path("t.py"), "t.py", EDGE_CASES["type_statement"].encode())
    assert source.metadata.anchors() is None  # Python 3.11 does not parse `type X = ...`
    wrapper = MetadataWrapper(source.module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    for node in walk.iter_nodes(source.module):
        assert source.position(node) == positions.get(node)


LINES = st.sampled_from([
    "x = 1", "y = x; z = (1,\n 2)", "def f(a, b=2):\n    return a + b", "class A(B):\n    def m(self):\n        pass",
    "@dec\ndef g():\n    pass", "# comment", "", "if x:\n    y = 1\nelse:\n    y = 2", "for i in x: pass",
    "with a as b:\n    pass", "try:\n    pass\nexcept E:\n    pass", "s = '''\nmulti\nline\n'''", "t = 'é'",
    "async def h():\n    await x", "while x: x -= 1", "lambda: 0", "import a.b as c", "from . import d",
])


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(LINES, max_size=12), newline=st.sampled_from(["\n", "\r\n"]), end=st.booleans())
def test_generated_modules_match_libcst(lines, newline, end):
    text = newline.join(lines).replace("\n", newline) if newline != "\n" else "\n".join(lines)
    if end:
        text += newline
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError:
        return
    test_fast_paths_match_libcst("generated", text)
    test_lazy_metadata_matches_libcst("generated.py", text)


@pytest.mark.parametrize("name, text", SOURCES, ids=[name for name, _ in SOURCES])
def test_statements_are_those_a_full_walk_finds(name, text):
    module = _module(text)
    for block in [module] + [n for n in walk.iter_nodes(module) if isinstance(n, cst.FunctionDef)]:
        root = block.body if isinstance(block, cst.FunctionDef) else block
        expected = []
        walk.walk(root, lambda n: (expected.append(n) if isinstance(
            n, (cst.BaseSmallStatement, cst.BaseCompoundStatement)) else None) or not (
            isinstance(n, cst.FunctionDef) and n is not root))
        assert [id(n) for n in walk.statements(root)] == [id(n) for n in expected]


@needs_speedups
def test_scope_analysis_does_without_expression_contexts_and_gets_them_back():
    assert ExpressionContextProvider in ScopeProvider.get_inherited_dependencies()
    with libcst_speedups():
        assert ScopeProvider.get_inherited_dependencies() == frozenset()
    assert ExpressionContextProvider in ScopeProvider.get_inherited_dependencies()
