"""The parallel, cached pipeline gives exactly what the one-process engine gives.

- any --jobs, with and without the cache: the same findings (chains, fixes and
  all) and entry points;
- the byte pre-filter never hides a finding: files it skips are pulled back in
  when something refers to them, and are syntax-checked otherwise;
- running the rules on every function that could be compiled, then keeping
  the compiled ones, gives what running them on the compiled ones gives.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import tsl.run.pipeline as pipeline
from tsl.run import plan, workers
from tests.reference.engine import entry_keys, reference_check
from tsl.run.cache import Cache
from tsl.config import Config
from tsl.discovery import discover
from tsl.result import inputs_for
from tsl.run import check

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def pool_always(monkeypatch):
    """Make even tiny runs use the process pool."""
    monkeypatch.setattr(pipeline, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 1)


def _inputs(root: Path):
    return inputs_for(discover([root], root, []), root)


def _same(a, b) -> None:
    assert a.findings == b.findings  # frozen dataclasses: chains, hints and fixes compared too
    assert entry_keys(a) == entry_keys(b)
    assert a.files == b.files


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


# -- the same answer every way -----------------------------------------------------


def test_fixtures_same_for_any_jobs_and_cache(tmp_path, pool_always):
    root = FIXTURES
    config = Config(root=root)
    expected = reference_check(_inputs(root), config)
    assert expected.findings, "the fixtures have findings"
    one = check(_inputs(root), config, jobs=1)
    two = check(_inputs(root), config, jobs=2)
    three = check(_inputs(root), config, jobs=3)
    cache = Cache(tmp_path, config)
    cold = check(_inputs(root), config, jobs=2, cache=cache)
    assert (cache.folder / "files.pickle").exists()
    warm = check(_inputs(root), config, jobs=2, cache=Cache(tmp_path, config))
    partly = Cache(tmp_path, config)
    (partly.folder / "results").rename(tmp_path / "gone")  # reports cached, result not
    from_reports = check(_inputs(root), config, jobs=1, cache=partly)
    for result in (one, two, three, cold, warm, from_reports):
        _same(expected, result)


@pytest.mark.parametrize("jobs", [1, 2])
def test_same_when_trees_are_not_kept(pool_always, monkeypatch, jobs):
    """With no room to keep trees, files are parsed again for the rules and for other files' checks."""
    monkeypatch.setattr(pipeline, "KEEP_BYTES", 0)
    root = FIXTURES
    config = Config(root=root)
    _same(reference_check(_inputs(root), config), check(_inputs(root), config, jobs=jobs))


def test_small_runs_use_no_pool(tmp_path, monkeypatch):
    _write(tmp_path, {"a.py": "import torch\n\n@torch.jit.script\ndef f(x):\n    return lambda: x\n"})

    def no_pool(*args, **kwargs):
        raise AssertionError("worker processes were started for one small file")

    monkeypatch.setattr(pipeline, "Workers", no_pool)
    result = check(_inputs(tmp_path), Config(root=tmp_path), jobs=8)
    assert [f.code for f in result.findings] == ["TSL101"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_rule_crash_only_matters_when_compiled(tmp_path, monkeypatch, pool_always, jobs):
    from tsl.rules.catalog import all_rules

    lambda_rule = next(rule for rule in all_rules() if rule.code == "TSL101")

    def explode(self, node):
        raise ValueError("boom")

    monkeypatch.setattr(lambda_rule, "visit_Lambda", explode)
    _write(tmp_path, {"a.py": "import torch\n\ndef unused(x):\n    return lambda: x\n\n"
                              "@torch.jit.script\ndef f(x: torch.Tensor):\n    return x\n"})
    _write(tmp_path, {f"other{i}.py": "import torch\n" for i in range(4)})
    assert check(_inputs(tmp_path), Config(root=tmp_path), jobs=jobs).findings == []
    _write(tmp_path, {"a.py": "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    return lambda: x\n"})
    found = check(_inputs(tmp_path), Config(root=tmp_path), jobs=jobs).findings  # a finding on the file
    assert [(f.path, f.code, f.message) for f in found] == [
        ("a.py", "TSL002", "tsl could not analyse this file: ValueError: boom")]


# -- the pre-filter ---------------------------------------------------------------

HELPERS = """
LIMIT = 2.0


def clip(x):
    g = lambda a: a
    return x * LIMIT


def spare(x):
    try:
        return x
    except ValueError:
        return x
"""

MIXIN = """
class Mixin:
    def helper(self, x):
        for i in range(3):
            x = x + i
        else:
            x = x
        return x
"""

PLAIN = """
class Box:
    def __init__(self, x):
        self.x = x

    def get(self):
        return [i for i in self.x if i]
"""

BROKEN = "def broken(:\n    pass\n"

MODEL = """
import torch
from {imp}{helpers} import clip
from {imp}{mixin} import Mixin
from {imp}{plain} import Box


class Net(torch.nn.Module, Mixin):
    def forward(self, x):
        y = self.helper(clip(x))
        return Box(y).get()
"""

SUBCLASS = """
from {imp}{model} import Net


class Sub(Net):
    def forward(self, x):
        return {{1, 2}}
"""


def _project(root: Path, package: bool, parts: list[str]) -> None:
    names = {"helpers": "helpers_a", "mixin": "mixin_b", "plain": "plain_c", "model": "model_d",
             "sub": "sub_e", "broken": "broken_f"}
    folder = "pkg/" if package else ""
    imp = "." if package else ""
    files = {}
    if package:
        files["pkg/__init__.py"] = ""
    texts = {
        "helpers": HELPERS, "mixin": MIXIN, "plain": PLAIN, "broken": BROKEN,
        "model": MODEL.format(imp=imp, helpers=names["helpers"], mixin=names["mixin"], plain=names["plain"]),
        "sub": SUBCLASS.format(imp=imp, model=names["model"]),
    }
    for part in parts:
        files[f"{folder}{names[part]}.py"] = texts[part]
    _write(root, files)


def _compare_prefilter(root: Path):
    config = Config(root=root)
    with_filter = pipeline.run(_inputs(root), config, prefilter=True)
    without = pipeline.run(_inputs(root), config, prefilter=False)
    _same(without, with_filter)
    _same(reference_check(_inputs(root), config), with_filter)
    return with_filter


def test_prefilter_skips_only_what_cannot_matter(tmp_path, monkeypatch):
    for text in (HELPERS, MIXIN, PLAIN, BROKEN):
        assert not plan.may_hold_entry(text.encode(), "helpers_a", frozenset({b"pkg"}))
    # a subclass of a checked module class names the module it imports from
    sub = SUBCLASS.format(imp="", model="model_d").encode()
    assert plan.may_hold_entry(sub, "sub_e", frozenset({b"model_d"}))
    assert plan.may_hold_entry(SUBCLASS.format(imp=".", model="m").encode(), "pkg.sub", frozenset())
    # inside the torch package, relative imports and local names are torch.*
    assert plan.may_hold_entry(b"class A(Base):\n    pass\n", "torch.ao.quant", frozenset())
    _project(tmp_path, package=False, parts=["helpers", "mixin", "plain", "model", "sub", "broken"])
    kinds = []
    work = workers.summary_task
    monkeypatch.setattr(workers, "summary_task", lambda kind, relpath, *rest: kinds.append((kind, relpath))
                        or work(kind, relpath, *rest))
    result = _compare_prefilter(tmp_path)
    # deferred at first, then analysed because the model refers to them
    assert {("light", name) for name in ("helpers_a.py", "mixin_b.py", "plain_c.py", "broken_f.py")} <= set(kinds)
    assert {("full", name) for name in ("helpers_a.py", "mixin_b.py", "plain_c.py")} <= set(kinds)
    codes = {(f.path, f.code) for f in result.findings}
    # each skipped-at-first file still gets the findings that come through the model
    assert {("helpers_a.py", "TSL101"), ("helpers_a.py", "TSL302"), ("mixin_b.py", "TSL111"),
            ("plain_c.py", "TSL114"), ("sub_e.py", "TSL110"), ("broken_f.py", "TSL001")} <= codes
    assert not any("spare" in step.label for f in result.findings for chain in f.chains for step in chain)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(package=st.booleans(),
       parts=st.lists(st.sampled_from(["helpers", "mixin", "plain", "model", "sub", "broken"]), unique=True))
def test_prefilter_never_hides_a_finding(tmp_path_factory, package, parts):
    root = tmp_path_factory.mktemp("project")
    _project(root, package, parts)
    _compare_prefilter(root)


def test_prefilter_on_fixtures():
    _compare_prefilter(FIXTURES)


# -- torch stays out ---------------------------------------------------------------


def test_parallel_check_never_imports_torch(tmp_path):
    for i in range(6):
        (tmp_path / f"m{i}.py").write_text(
            "import torch\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return lambda: x\n")
    script = (
        "import sys\n"
        "import tsl.run.pipeline as p\n"
        "import tsl.run.workers as w\n"
        "p.POOL_MIN_BYTES = 0\n"
        "work = w.check_file\n"
        "def checked(*args):\n"
        "    report = work(*args)\n"
        "    assert 'torch' not in sys.modules, 'a worker imported torch'\n"
        "    return report\n"
        "w.check_file = checked\n"
        "from tsl.cli import main\n"
        "try:\n"
        "    main(['check', '.', '--jobs', '2', '--format', 'json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "print('torch-free')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report, marker = done.stdout.rsplit("}\n", 1)
    assert marker == "torch-free\n"
    assert [f["code"] for f in json.loads(report + "}")["findings"]] == ["TSL101"] * 6


def test_a_file_that_changes_during_the_run_is_reported_not_misread(tmp_path, monkeypatch):
    from tsl.run import pipeline
    from tsl.config import Config
    from tsl.result import Input

    path = tmp_path / "net.py"
    path.write_text("import torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return x\n")
    real_manifest = pipeline.manifest_of

    def change_then_manifest(prepared):
        path.write_text("import torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return x * 2\n")
        return real_manifest(prepared)

    monkeypatch.setattr(pipeline, "manifest_of", change_then_manifest)
    result = pipeline.run([Input(path=path, relpath="net.py")], Config(root=tmp_path))
    assert [(f.code, f.path) for f in result.findings] == [("TSL001", "net.py")]
    assert "changed while tsl was checking it" in result.findings[0].message


def test_noqa_is_looked_up_on_the_line_python_counts(tmp_path):
    """A form feed is whitespace to Python, not a line break: the noqa must still apply."""
    from tsl.run import pipeline
    from tsl.config import Config
    from tsl.result import Input

    path = tmp_path / "net.py"
    source = ("import torch\n\x0c\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
              "        return lambda y: y  # noqa: TSL101\n")
    path.write_text(source)
    result = pipeline.run([Input(path=path, relpath="net.py")], Config(root=tmp_path))
    assert [f.code for f in result.findings] == []
    path.write_text(source.replace("  # noqa: TSL101", ""))
    result = pipeline.run([Input(path=path, relpath="net.py")], Config(root=tmp_path))
    assert [(f.code, f.line) for f in result.findings] == [("TSL101", 5)]


@pytest.mark.parametrize("text, message", [
    ("import torch\n@torch.jit.script\ndef f(x):\n    return x +\n", "syntax error: "),  # LibCST's message
    pytest.param("import torch\ntype X = int\n@torch.jit.script\ndef f(x):\n    return lambda: x\n",
                 f"syntax error (Python {sys.version_info[0]}.{sys.version_info[1]}): ",
                 marks=pytest.mark.skipif(sys.version_info >= (3, 12), reason="this Python parses it")),
])
def test_no_index_without_cpythons_tree(tmp_path, text, message):
    """The index comes only from CPython's tree: without one (a syntax error, syntax newer than
    this Python) the file gets TSL001 (tests/test_crashes.py: nesting)."""
    from tsl.run import pipeline
    from tsl.result import Input

    path = tmp_path / "net.py"
    path.write_text(text)
    result = pipeline.run([Input(path=path, relpath="net.py")], Config(root=tmp_path))
    assert [(f.code, f.path) for f in result.findings] == [("TSL001", "net.py")]
    assert result.findings[0].message.startswith(message)
