"""Parsing a checked file without the bodies its rules never read (tsl.frontend.blank)
changes no finding: the findings, fixes and targets are the same as from whole files."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import libcst as cst
import pytest

from tests.test_real_code import torchvision_models  # noqa: F401 (a fixture)
from tsl.frontend.blank import blank
from tsl.config import Config
from tsl.discovery import discover
from tsl.run.pipeline import run
from tsl.result import inputs_for
from tsl.report.json import render
from tsl.rules.catalog import all_rules

ROOT = Path(__file__).resolve().parents[1]


def _both(root: Path, paths: list[Path]) -> tuple[str, str]:
    config = Config(root=root)
    files = discover(paths, root, [])
    assert files
    whole = run(inputs_for(files, root), config, blank=False)
    blanked = run(inputs_for(files, root), config, blank=True)
    return render(whole), render(blanked)


def test_same_findings_on_fixtures_and_examples():
    for folder in sorted(p for p in (ROOT / "fixtures").iterdir() if p.is_dir()) + [ROOT / "examples"]:
        whole, blanked = _both(folder, [folder])
        assert blanked == whole, folder


def test_same_findings_on_torchvision(torchvision_models):  # noqa: F811
    whole, blanked = _both(torchvision_models, [torchvision_models / "torchvision"])
    assert json.loads(whole)["findings"]
    assert blanked == whole


def test_blanked_text_keeps_lines_and_what_is_named():
    text = (
        "import torch\n\n"
        "def unused(x):\n    '''doc'''\n    return x + 1\n\n"
        "def helper(x):\n    return x * 2\n\n"
        "class Net(Base):\n    def __init__(self):\n        super().__init__()\n        self.setup()\n\n"
        "    def setup(self):\n        self.k = 1\n        self.j = 2\n\n"
        "    def forward(self, x):\n        y = self.scale(x)\n        return helper(y)\n\n"
        "    def scale(self, x):\n        two = 2\n        return x * two\n\n"
        "    def other(self):\n        three = 3\n        return three\n\n"
        "class Base(torch.nn.Module):\n    size = 3\n    def __init__(self):\n        super().__init__()\n"
        "    def reset(self):\n        @staticmethod\n        def inner():\n            pass\n        return inner\n"
        "class Plain:\n    def method(self):\n        four = 4\n        return four\n"
    )
    out = blank(text, ast.parse(text), set(), {("Net", "forward")}, {"Net"})
    assert out is not None
    assert len(out.splitlines()) == len(text.splitlines())
    cst.parse_module(out)
    ast.parse(out)
    lines = out.splitlines()
    assert lines[3] == "    ..." and lines[4] == ""  # unused's body
    assert "return x * 2" in out  # helper: named by forward
    assert "two = 2" in out  # scale: called as self.scale() by forward
    assert "three = 3" not in out  # other: neither compiled, forward, nor named by them
    # __init__ and what it calls are read from CPython's tree (tsl.model.self_attributes)
    assert "self.setup()" not in out and "self.k = 1" not in out
    assert "size = 3" in out  # Base: named as Net's base; class-level statements stay
    assert "return inner" not in out  # but not its methods' bodies
    assert "four = 4" not in out  # Plain: nothing names it
    assert blank("def f(): return 1\n", ast.parse("def f(): return 1\n"), set(), set(), set()) is None


def test_defs_that_trace_stay_and_trace_by_name_keeps_everything():
    text = (
        "import torch\n\n"
        "class Net(torch.nn.Module):\n    def forward(self, x):\n        y = x\n        return y\n\n"
        "def main():\n    model = Net()\n    return torch.jit.trace(model, torch.ones(1))\n\n"
        "def other():\n    value = 1\n    return value\n"
    )
    tree = ast.parse(text)
    out = blank(text, tree, set(), {("Net", "forward")}, {"Net"})
    assert "torch.jit.trace(model" in out and "value = 1" not in out
    aliased = "from torch.jit import trace\n" + text
    assert blank(aliased, ast.parse(aliased), set(), {("Net", "forward")}, {"Net"}) is None
    passed = text + "tracer = torch.jit.trace\n"
    assert blank(passed, ast.parse(passed), set(), {("Net", "forward")}, {"Net"}) is None


def test_defs_that_declare_global_stay():
    text = ("import torch\nFLAG = False\n\n"
            "def enable():\n    global FLAG\n    FLAG = True\n\n"
            "def other():\n    value = 1\n    return value\n")
    out = blank(text, ast.parse(text), set(), set(), set())
    assert "FLAG = True" in out and "value = 1" not in out


def test_methods_of_nested_classes_go_too():
    text = "class Outer:\n    class Inner:\n        def test(self):\n            value = 1\n            return value\n"
    out = blank(text, ast.parse(text), set(), set(), set())
    assert "value = 1" not in out and "class Inner:" in out
    assert len(out.splitlines()) == len(text.splitlines())


def test_a_blanked_method_still_counts_as_binding_the_attribute(tmp_path):
    """TSL302's fix would shadow self.SCALE, which only a method left out of the parse assigns."""
    (tmp_path / "net.py").write_text(
        "import torch\n\nSCALE = 2.0\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
        "        return x * SCALE\n\n    def describe(self):\n        self.SCALE = 1.0\n        return 0\n")
    config = Config(root=tmp_path)
    blanked = [f for f in run(inputs_for([tmp_path / "net.py"], tmp_path), config).findings if f.code == "TSL302"]
    whole = [f for f in run(inputs_for([tmp_path / "net.py"], tmp_path), config, blank=False).findings
             if f.code == "TSL302"]
    assert blanked == whole and blanked
    assert not any("self.SCALE" in edit.text for edit in blanked[0].fix.edits)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_base_class_in_another_checked_file_keeps_its_init(tmp_path):
    # pkg/a.py has compiled code of its own (Other), so it is blanked; Base's __init__ must stay,
    # as Net's forward indexes the ModuleList it builds.
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "import torch\nfrom torch import nn\n\n\nclass Base(nn.Module):\n    def __init__(self):\n"
                    "        super().__init__()\n        self.layers = nn.ModuleList([nn.Linear(2, 2)])\n\n\n"
                    "class Other(nn.Module):\n    def forward(self, x):\n        return x\n",
        "pkg/b.py": "import torch\nfrom pkg.a import Base\n\n\nclass Net(Base):\n"
                    "    def forward(self, x, i: int):\n        return self.layers[i](x)\n",
    })
    whole, blanked = _both(tmp_path, [tmp_path])
    assert [f["code"] for f in json.loads(whole)["findings"]] == ["TSL401"]
    assert blanked == whole


def test_a_final_fix_sees_attributes_in_methods_that_were_not_parsed(tmp_path):
    # self.SCALE in describe() (never compiled, so blanked) must still stop the Final-attribute fix.
    _write(tmp_path, {
        "net.py": "import torch\n\nSCALE = 2.0\n\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
                  "        return x * SCALE\n\n    def describe(self):\n        value = self.SCALE\n        return value\n",
    })
    whole, blanked = _both(tmp_path, [tmp_path])
    findings = json.loads(whole)["findings"]
    assert [f["code"] for f in findings] == ["TSL302"]
    assert "Final" not in json.dumps(findings[0]["fix"])
    assert blanked == whole


def test_headers_of_defs_whose_bodies_go_are_reduced_line_for_line():
    text = ("import torch\nclass Net(torch.nn.Module):\n    @staticmethod\n    def make(\n            a: int = 1,  # (comment)\n"
            "            *,\n            b=(1, 2),\n            **kw,\n    ) -> None:\n        value = a\n        return value\n\n"
            "    async def other(self, x,\n              y=\")\", /):\n        return x\n\n"
            "    def forward(self, x):\n        return x\n\n"
            "@register\ndef model(pretrained: bool = False, **kwargs) -> Net:\n    return Net()\n")
    out = blank(text, ast.parse(text), set(), {("Net", "forward")}, {"Net"})
    assert len(out.splitlines()) == len(text.splitlines())
    cst.parse_module(out)
    ast.parse(out)
    lines = out.splitlines()
    assert lines[2] == "" and lines[3] == "    def make():" and lines[4:9] == [""] * 5 and lines[9] == "        ..."
    assert lines[12:15] == ["    async def other():", "", "        ..."]
    assert lines[16:18] == ["    def forward(self, x):", "        return x"]
    assert lines[19:22] == ["", "def model():", "    ..."]


def test_values_of_globals_no_kept_code_names_go_line_for_line():
    text = ("import torch\ndefault_cfgs = generate({\n    'a': _cfg(url='x'),  # comment\n    'b': 2,\n})\n"
            "SCALE = [\n    1, 2]\nX: dict = {\n  1: 2}\n\n"
            "class Net(torch.nn.Module):\n    def forward(self, x):\n        return x * SCALE[0]\n")
    out = blank(text, ast.parse(text), set(), {("Net", "forward")}, {"Net"})
    assert len(out.splitlines()) == len(text.splitlines())
    cst.parse_module(out)
    lines = out.splitlines()
    assert lines[1:5] == ["default_cfgs = (...", "", "", ")"]
    assert "SCALE = [" in out and "1, 2]" in out  # forward reads it (TSL302 looks at its value)
    assert lines[7:9] == ["X: dict = (...", ")"]
    traced = text + "traced = torch.jit.trace(Net(), torch.ones(1))\n"  # TSL601 reads the module's calls
    assert blank(traced, ast.parse(traced), set(), {("Net", "forward")}, {"Net"}) is None


# What only a def that is not compiled shows: a `global` statement rebinding a module's name.
REBOUND = ("import torch\nfrom torch import nn\n\nSCALE = 2.0\n\n\ndef set_scale(value: float):\n"
           "    global SCALE\n    SCALE = value\n\n\nclass Scaled(nn.Module):\n    def forward(self, x):\n"
           "        return x * SCALE\n")


@pytest.mark.slow
@pytest.mark.parametrize("rule", [r for r in all_rules() if r.code != "TSL001" and not r.code.startswith("TSL9")],
                         ids=lambda r: r.code)
def test_each_rule_declares_what_it_reads(rule, tmp_path):
    """Run alone, a rule gets a parse blanked for what it declares (Rule.reads): if it read
    anything else, its findings on the fixtures would differ from those on the whole parse."""
    (tmp_path / "rebound.py").write_text(REBOUND)
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    inputs = inputs_for(sorted(fixtures.rglob("*.py")), fixtures) + inputs_for([tmp_path / "rebound.py"], tmp_path)
    config = Config(root=fixtures, select=[rule.code])
    assert run(inputs, config).findings == run(inputs, config, blank=False).findings
