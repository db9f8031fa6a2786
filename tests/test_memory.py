"""tsl runs with the cycle collector off (tsl.run.memory.quiet_collector): the reference
cycles it makes are cut where they are made, so memory goes back without the collector."""
from __future__ import annotations

import ast
import gc
from pathlib import Path

from libcst.metadata import ScopeProvider

from tsl.frontend.cpython_index import build_index_from_ast
from tsl.model.self_attributes import release_view, view_of
from tsl.frontend.source import ParentNodeProvider, parse_source
from tsl.run.detached import FileStub

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "resnet.py"


def _garbage_after(release: bool) -> int:
    gc.collect()
    gc.disable()
    try:
        source = parse_source(EXAMPLE, "resnet.py")
        source.metadata[ScopeProvider]
        source.metadata[ParentNodeProvider]
        source.position(source.module.body[-1])
        if release:
            source.metadata.release()
        del source
        return gc.collect()
    finally:
        gc.enable()


def test_released_scope_analysis_leaves_almost_no_cycles():
    kept = _garbage_after(release=False)
    assert kept > 1000  # LibCST's scopes, assignments and accesses refer to one another
    assert _garbage_after(release=True) < kept // 20


def test_the_cpython_index_leaves_no_cycles():
    text = EXAMPLE.read_text()
    gc.collect()
    gc.disable()
    try:
        build_index_from_ast(ast.parse(text), FileStub("resnet.py", "resnet", ""), text)
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_released_view_leaves_no_cycles():
    source = parse_source(EXAMPLE, "resnet.py")
    view = view_of(source)
    node = next(n for n in view.tree.body if isinstance(n, ast.ClassDef))
    scopes = view.builder.scopes
    scopes.function(next(n for n in node.body if isinstance(n, ast.FunctionDef)), scopes.klass(node, scopes.module))
    del view, scopes, node
    gc.collect()
    gc.disable()
    try:
        release_view(source)
        del source
        assert gc.collect() == 0
    finally:
        gc.enable()
