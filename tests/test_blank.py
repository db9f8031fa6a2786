"""Parsing a checked file without the bodies its rules never read (tsl.analysis.blank)
changes no finding: the findings, fixes and targets are the same as from whole files."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import libcst as cst

from tests.test_real_code import torchvision_models  # noqa: F401 (a fixture)
from tsl.analysis.blank import blanked_text
from tsl.config import Config
from tsl.discovery import discover
from tsl.pipeline import run
from tsl.engine import inputs_for
from tsl.report.json import render

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
        "class Net(torch.nn.Module):\n    def forward(self, x):\n        return helper(x)\n\n"
        "    def other(self):\n        return 3\n\n"
        "class Plain:\n    size = 3\n    def method(self):\n        @staticmethod\n        def inner():\n"
        "            pass\n        return inner\n"
    )
    out = blanked_text(text, ast.parse(text), {"forward"} - {"forward"}, {"Net"})
    assert out is not None
    assert len(out.splitlines()) == len(text.splitlines())
    cst.parse_module(out)
    ast.parse(out)
    lines = out.splitlines()
    assert lines[3] == "    ..." and lines[4] == ""  # unused's body
    assert "return x * 2" in out  # helper: named in Net
    assert "return 3" in out  # a kept class keeps all its methods
    assert "size = 3" in out and "return inner" not in out  # Plain: its attributes, not its bodies
    assert blanked_text("def f(): return 1\n", ast.parse("def f(): return 1\n"), set(), set()) is None
