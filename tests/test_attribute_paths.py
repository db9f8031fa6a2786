"""Which attributes __init__ sets on every path (tsl.model.attribute_paths), class by class."""
from __future__ import annotations

import ast
import textwrap

import pytest

from tests.reference.libcst_index import build_index

from tsl.frontend.source import parse_source
from tsl.model.attribute_paths import constructions, init_paths
from tsl.model.program import Program

CODE = '''
import torch
from torch import nn

class Flag(nn.Module):
    def __init__(self, flag=False):
        super().__init__()
        self.a = 1
        if flag:
            self.b = 2
        else:
            self.c = 3
            self.b = 4

class Early(nn.Module):
    def __init__(self, norm=True):
        super().__init__()
        if not norm:
            return
        self.norm = nn.Identity()

class Raises(nn.Module):
    def __init__(self, mode='a'):
        super().__init__()
        if mode == 'a':
            self.act = nn.ReLU()
        elif mode == 'b':
            self.act = nn.GELU()
        else:
            raise ValueError(mode)

class Complement(nn.Module):
    def __init__(self, channels=(3, 4)):
        super().__init__()
        if channels[0] == channels[1]:
            self.short = None
        elif channels[0] != channels[1]:
            self.short = nn.Identity()
        if not channels:
            self.after = 0
        elif channels:
            self.after = 1

class Loose(nn.Module):
    def __init__(self, n=0):
        super().__init__()
        for i in range(n):
            self.last = i
        try:
            self.maybe = int('x')
        except ValueError:
            pass
        with torch.no_grad():
            self.inside = 1

class Helper(nn.Module):
    def __init__(self, se=False):
        super().__init__()
        self._build()
        if se:
            self._make_se()

    def _build(self):
        self.conv = nn.Identity()

    def _make_se(self):
        self.se = nn.Identity()

class Base(nn.Module):
    def __init__(self, bias=False):
        super().__init__()
        self.w = 1
        if bias:
            self.bias = 2

class Child(Base):
    def __init__(self):
        super().__init__(bias=True)
        self.extra = 3

class Passes(Base):
    def __init__(self, bias=True):
        super(Passes, self).__init__(bias)

class Named(Base):
    def __init__(self):
        Base.__init__(self)

class Inherits(Base):
    pass

class Builds(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Base(bias=True)
        self._more()

    def _more(self, bias=True):
        self.b = Base()
        self.c = Base(bias)
'''


@pytest.fixture(scope="module")
def program(tmp_path_factory) -> Program:
    folder = tmp_path_factory.mktemp("paths")
    path = folder / "m.py"
    path.write_text(textwrap.dedent(CODE), encoding="utf-8")
    return Program([build_index(parse_source(path, "m.py"))])


def _paths(program: Program, name: str):
    return init_paths(program, program.indexes[0].classes[name])


@pytest.mark.parametrize("name,always,partial", [
    ("Flag", {"a", "b"}, {"c"}),
    ("Early", set(), {"norm"}),
    ("Raises", {"act"}, set()),
    ("Complement", {"short", "after"}, set()),
    ("Loose", {"last", "maybe", "inside"}, set()),
    ("Helper", {"conv"}, {"se"}),
    ("Base", {"w"}, {"bias"}),
    ("Child", {"w", "extra", "bias"}, set()),  # super().__init__(bias=True) decides the test
    ("Passes", {"w"}, {"bias"}),
    ("Named", {"w"}, set()),  # Base.__init__(self): bias=False, so never set
    ("Inherits", {"w"}, {"bias"}),
])
def test_paths(program, name, always, partial):
    paths = _paths(program, name)
    assert paths.readable
    assert set(paths.always) == always
    assert {n for n in paths.sites if paths.partial(n)} == partial


def test_conditions_and_defaults(program):
    flag = _paths(program, "Flag").sites["c"]
    assert [[(c.text, c.taken, c.default) for c in conds] for conds in flag] == [[("flag", False, False)]]
    early = _paths(program, "Early").sites["norm"]
    assert [[(c.text, c.taken, c.default, c.decided_by) for c in conds] for conds in early] == [
        [("not norm", False, False, ("norm=True",))]]
    # a base's __init__ runs with the arguments super() passes, not its defaults
    child = _paths(program, "Passes").sites["bias"]
    assert [[c.default for c in conds] for conds in child] == [[None]]


def test_constructions_decide(program):
    classes = program.indexes[0].classes
    calls = constructions(program, classes["Builds"], classes["Base"])
    assert [ast.unparse(c) for c, _ in calls] == ["Base(bias=True)", "Base()", "Base(bias)"]
    assert [("bias" in init_paths(program, classes["Base"], c, d).always) for c, d in calls] == [True, False, True]
