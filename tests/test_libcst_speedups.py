"""LibCST is changed only inside `with libcst_speedups()`, and only on the versions it names.

- importing every tsl module leaves LibCST as shipped;
- leaving the `with` puts it back, after an exception too, and after a failed start;
- a run enters it once, and leaves LibCST as shipped;
- on a LibCST version it does not name, nothing changes and the findings are the same;
- its versions lie inside pyproject.toml's libcst range.
(tests/test_walk.py checks that what it changes gives what LibCST gives.)
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest

import tsl.run.pipeline as pipeline
from tests.reference.engine import entry_keys
from tsl.config import Config
from tsl.discovery import discover
from tsl.frontend import libcst_speedups as speedups
from tsl.result import inputs_for
from tsl.run import check

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"

# Run here and, as text, in a fresh interpreter: what the shortcuts could change in LibCST.
SNAPSHOT = '''
def snapshot():
    import libcst as cst
    from libcst import _batched_visitor, _visitors
    from libcst.metadata import scope_provider, wrapper

    cache = "_INHERITED_METADATA_DEPENDENCIES_CACHE"
    found = {}
    stack, seen = [cst.CSTNode], set()
    while stack:
        kind = stack.pop()
        if kind not in seen:
            seen.add(kind)
            found["metaclass " + kind.__module__ + "." + kind.__qualname__] = type(kind)
            stack.extend(kind.__subclasses__())
    for owner in (cst.CSTNode, _visitors.CSTVisitor, _batched_visitor._BatchedCSTVisitor,
                  scope_provider.ScopeVisitor, scope_provider.ScopeProvider,
                  scope_provider.ExpressionContextProvider, wrapper.MetadataWrapper):
        for name, value in vars(owner).items():
            if name != cache:
                found[owner.__qualname__ + "." + name] = value
    for module in (wrapper, scope_provider):
        for name, value in vars(module).items():
            if callable(value):
                found[module.__name__ + "." + name] = value
    found["scope dependencies"] = scope_provider.ScopeProvider.get_inherited_dependencies()
    return found


def differences(a, b):
    return sorted(k for k in a.keys() | b.keys() if k not in a or k not in b or a[k] is not b[k]
                  and not (isinstance(a[k], frozenset) and a[k] == b[k]))
'''
_names: dict = {}
exec(SNAPSHOT, _names)
snapshot, differences = _names["snapshot"], _names["differences"]

IMPORT_ALL = SNAPSHOT + '''
import importlib
import pkgutil

before = snapshot()
import tsl

names = [m.name for m in pkgutil.walk_packages(tsl.__path__, "tsl.") if m.name != "tsl.__main__"]
for name in names:
    importlib.import_module(name)
assert "tsl.frontend.libcst_speedups" in names and "tsl.run.pipeline" in names, names
print(len(names), differences(before, snapshot()))
'''

needs_speedups = pytest.mark.skipif(not speedups.supported(), reason="the installed LibCST is not one they were tested on")


def test_importing_tsl_leaves_libcst_as_shipped():
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    count, changed = done.stdout.split(" ", 1)
    assert int(count) > 50 and changed.strip() == "[]"


@needs_speedups
def test_leaving_undoes_everything():
    before = snapshot()
    with speedups.libcst_speedups() as on:
        assert on
        inside = snapshot()
        with speedups.libcst_speedups():  # nested: shares the outer one's
            pass
        assert not differences(inside, snapshot())
    changed = differences(before, inside)
    assert "CSTNode.visit" in changed and "ScopeVisitor.on_leave" in changed and "scope dependencies" in changed
    assert "metaclass libcst._nodes.expression.Name" in changed
    assert "libcst.metadata.wrapper._gen_batchable" in changed
    assert differences(before, snapshot()) == []


@needs_speedups
def test_an_exception_inside_undoes_everything():
    before = snapshot()
    with pytest.raises(KeyError), speedups.libcst_speedups():
        with speedups.libcst_speedups():
            assert differences(before, snapshot())
            raise KeyError("inside")
    assert differences(before, snapshot()) == []


@needs_speedups
def test_a_failed_start_undoes_what_it_did(monkeypatch):
    before = snapshot()

    def fails() -> None:
        raise RuntimeError("half way")

    monkeypatch.setattr(speedups, "_install_scope_without_contexts", fails)
    with pytest.raises(RuntimeError, match="half way"), speedups.libcst_speedups():
        pass
    assert differences(before, snapshot()) == []
    assert speedups._depth == 0


@needs_speedups
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_uses_them_and_leaves_libcst_as_shipped(monkeypatch, jobs):
    monkeypatch.setattr(pipeline, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 1)
    calls = []
    install = speedups._install
    monkeypatch.setattr(speedups, "_install", lambda: calls.append(1) or install())
    before = snapshot()
    result = check(inputs_for(discover([FIXTURES], FIXTURES, []), FIXTURES), Config(root=FIXTURES), jobs=jobs)
    assert result.findings and calls == [1]
    assert differences(before, snapshot()) == []


def _results(root: Path, jobs: int):
    result = check(inputs_for(discover([root], root, []), root), Config(root=root), jobs=jobs)
    return result.findings, entry_keys(result), result.files


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_unknown_libcst_version_runs_on_stock_libcst_with_the_same_findings(monkeypatch, jobs):
    monkeypatch.setattr(pipeline, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 1)
    roots = [FIXTURES / "calls", FIXTURES / "script_classes", FIXTURES / "crossfile", ROOT / "examples"]
    expected = [_results(root, jobs) for root in roots]
    assert all(findings for findings, _, _ in expected), "the roots have findings"
    monkeypatch.setattr(speedups, "libcst_version", lambda: "0.0.0")
    assert not speedups.supported()

    def never() -> None:
        raise AssertionError("the speedups were installed on an unknown LibCST")

    monkeypatch.setattr(speedups, "_install", never)
    stock = cst.CSTNode.visit
    with speedups.libcst_speedups() as on:
        assert not on and cst.CSTNode.visit is stock
    for root, want in zip(roots, expected):
        assert _results(root, jobs) == want, root.name


def test_tested_versions_lie_in_the_pinned_range():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pin = re.search(r'"libcst>=([\d.]+),<([\d.]+)"', text)
    assert pin, "pyproject.toml pins libcst to a range"

    def key(version: str) -> tuple:
        return tuple(int(p) for p in version.split("."))

    low, high = key(pin.group(1)), key(pin.group(2))
    assert speedups.TESTED and all(low <= key(v) < high for v in speedups.TESTED)
    assert min(key(v) for v in speedups.TESTED)[:2] == low[:2], "the range starts at the oldest tested version"


def test_the_version_read_is_the_installed_one():
    from importlib.metadata import version

    assert speedups.libcst_version() == version("libcst")
