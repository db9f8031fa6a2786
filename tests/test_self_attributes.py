"""What __init__ assigns to self, read from CPython's tree (tsl.model.self_attributes),
is what the LibCST twin (tests/reference/libcst_attributes.py) finds: the same values, kinds, details
and targets, declared names, completeness and helpers, class by class, and findings
reported at the same place."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.reference import libcst_attributes
from tests.reference.libcst_index import build_index
from tests.test_real_code import torchvision_models  # noqa: F401 (a fixture)
from tsl.model import types
from tsl.model.self_attributes import Span
from tsl.frontend.source import ParseFailure, parse_source
from tsl.model.program import Program
from tsl.discovery import discover
from tsl.rules.tsl412_invalid_constant import NOT_CONSTANT

ROOT = Path(__file__).resolve().parents[1]


def _program(root: Path, paths: list[Path]) -> Program:
    indexes = []
    for path in discover(paths, root, []):
        try:
            indexes.append(build_index(parse_source(path, path.relative_to(root).as_posix())))
        except ParseFailure:
            continue
    return Program(indexes)


def _place(node, file):
    """Where TSL412 would report node in file (None: not in file)."""
    if isinstance(node, Span) and node.relpath != file.relpath:
        return None
    position = node.range() if isinstance(node, Span) else file.position(node)
    if position is None:
        return None
    return position.start.line, position.start.column, position.end.line, position.end.column


def _summary(program: Program, klass, monkeypatch, from_ast: bool) -> dict:
    if not from_ast:
        monkeypatch.setattr(types, "_read_assignments", libcst_attributes.read_assignments)
    program.__dict__.pop("_tsl_attributes", None)
    attrs = types.attributes(program, klass)
    return {
        # where a finding would be: TSL412 reports dicts, Tensors and mixed literals
        "values": {name: [(v.kind, v.detail, id(v.target),
                           _place(v.node, klass.file) if v.kind in NOT_CONSTANT else None) for v in values]
                   for name, values in attrs.values.items()},
        "declared": sorted(attrs.declared), "complete": attrs.complete,
        "elsewhere": {name: sorted(methods) for name, methods in attrs.elsewhere.items()},
        "constants": sorted(attrs.constants),
    }


def _compare(program: Program, monkeypatch) -> int:
    compared = 0
    for index in program.indexes:
        for klass in index.classes.values():
            if "__init__" not in klass.methods:
                continue
            got = _summary(program, klass, monkeypatch, True)
            expected = _summary(program, klass, monkeypatch, False)
            monkeypatch.undo()
            assert got == expected, (index.file.relpath, klass.name)
            compared += bool(expected["values"])
    return compared


def test_same_attributes_on_fixtures_and_examples(monkeypatch):
    folders = sorted(p for p in (ROOT / "fixtures").iterdir() if p.is_dir()) + [ROOT / "examples"]
    assert sum(_compare(_program(folder, [folder]), monkeypatch) for folder in folders) > 20


def test_same_attributes_on_torchvision(torchvision_models, monkeypatch):  # noqa: F811
    program = _program(torchvision_models, [torchvision_models / "torchvision"])
    assert _compare(program, monkeypatch) > 100


@pytest.mark.parametrize("source", [
    # helpers (tuple returns, in order), IfExp, starred targets, registrations, keywords first
    "import torch\nfrom torch import nn\n\nclass M(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.a, (self.b, *self.c) = self.parts()\n"
    "        self.d = nn.Linear(1, 1) if True else None\n        self.register_buffer(tensor=torch.ones(1), name='x')\n"
    "        self.register_buffer('y' 'z', None)\n        self.e = (({'k': 1, 'j': 'v'}))\n"
    "        self.f = b'a' b'b'\n        self.g = -(2 / 3)\n        self.h = torch.tensor([1])\n"
    "        for self.i in range(3):\n            pass\n        self.j += 1\n        self.k: int = 3\n"
    "        self.__dict__['l'] = 1\n        self.m = lambda x: x\n        self.n = True\n"
    "    def parts(self):\n        return {'a': 1}, (nn.ReLU(), 2)\n    def forward(self, x):\n        return x\n",
])
def test_same_attributes_on_odd_assignments(tmp_path, monkeypatch, source):
    (tmp_path / "m.py").write_text(source)
    assert _compare(_program(tmp_path, [tmp_path]), monkeypatch) == 1
