"""What a module attribute holds: the values `__init__` assigns to self, by kind."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from tsl.frontend import kinds
from tsl.model.index import is_torch_module_base

if TYPE_CHECKING:
    from tsl.model.program import Program

MODULE_CONTAINERS = {"ModuleList": "ModuleList", "Sequential": "Sequential", "ModuleDict": "ModuleDict"}
PARTIAL = {"functools.partial"}


@dataclass(frozen=True)
class AttrValue:
    kind: str  # None, module, ModuleList, Sequential, ModuleDict, class, partial, lambda, object, mixed, literal kinds, unknown
    node: cst.CSTNode
    detail: str = ""
    target: object = field(default=None, compare=False)  # the ClassInfo of a module built from a checked class


@dataclass
class ClassAttributes:
    values: dict[str, list[AttrValue]] = field(default_factory=dict)
    declared: set[str] = field(default_factory=set)  # class-level annotations/values, buffers, parameters, constants
    complete: bool = True  # False when a base class outside the checked files may set attributes
    elsewhere: dict[str, set[str]] = field(default_factory=dict)  # attribute -> other methods that assign it
    constants: set[str] = field(default_factory=set)  # Final or __constants__: the compiler folds them

    def kinds(self, name: str) -> set[str]:
        return {value.kind for value in self.values.get(name, ())}


def call_kind(names: set[str], literal, value, program: "Program") -> AttrValue:
    """What `self.x = f(...)` holds, from f's qualified names; literal() is the call's literal_kind."""
    from tsl.model.index import ClassInfo

    if names & PARTIAL:
        return AttrValue("partial", value)
    target = program.lookup(names)
    if isinstance(target, ClassInfo):
        if program.is_module(target):
            return AttrValue("module", value, target.name, target)
        if target.is_plain or not target.bases:
            return AttrValue("object", value, target.name)
        return AttrValue(kinds.UNKNOWN, value)
    for name in names:
        if is_torch_module_base(name):
            last = name.rsplit(".", 1)[-1]
            return AttrValue(MODULE_CONTAINERS.get(last, "module"), value, last)
    return AttrValue(literal() or kinds.UNKNOWN, value)


def reference_kind(names: set[str], value, program: "Program") -> AttrValue:
    """What `self.x = NAME` (or a dotted name) holds, from its qualified names."""
    from tsl.model.index import ClassInfo

    target = program.lookup(names)
    if isinstance(target, ClassInfo):
        return AttrValue("class", value, target.name)
    if any(is_torch_module_base(name) for name in names):
        return AttrValue("class", value, sorted(names)[0])
    return AttrValue(kinds.UNKNOWN, value)
