"""What a rule sees while the engine walks one compiled function."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from tsl.frontend.cpython_index import walk_nodes
from tsl.frontend.source import SourceFile
from tsl.model.index import FunctionInfo
from tsl.model.program import Compiled, Program
from tsl.model.self_attributes import view_of
from tsl.model.types import param_types, parameters


@dataclass
class RuleContext:
    """What a rule sees while the engine walks one compiled function."""

    file: SourceFile
    program: Program
    findings: list = field(default_factory=list)
    compiled: Optional[Compiled] = None
    emitted: bool = True  # False inside code the compiler parses but never emits
    fixes: bool = True  # build fixes (Config.fixes): False, findings carry none

    @property
    def function(self) -> FunctionInfo:
        return self.compiled.function

    @property
    def dead(self) -> set[int]:
        """The ids of the nodes of this function that the compiler does not emit."""
        return self.program.dead(self.compiled.function)

    def node(self, info):
        """The LibCST node of a class or function of any checked file, its file parsed on first use
        (None only when LibCST rejects that file; never for this file's own)."""
        return self.program.node(info)

    def class_body(self, klass) -> list[cst.CSTNode]:
        """The statements of any checked class (its file parsed on first use); [] when LibCST rejects that file."""
        node = self.program.node(klass)
        return list(node.body.body) if node is not None else []

    def signature(self, function: FunctionInfo) -> tuple[list[cst.Param], dict]:
        """A function of any checked file: its parameters (not self) and their types (types.param_types);
        ([], {}) when LibCST rejects its file."""
        if self.program.node(function) is None:
            return [], {}
        return parameters(function), param_types(function)

    def attribute_names(self, klass: cst.ClassDef) -> set[str]:
        """Every NAME of an `x.NAME` in a top-level class's body, its methods' decorators and
        parameters included: read from CPython's tree, so whatever LibCST was given to parse."""
        view = view_of(self.file)
        line = self.file.def_start(klass)[0]
        for statement in view.tree.body if view is not None else ():
            if type(statement) is ast.ClassDef and statement.name == klass.name.value and \
                    min([statement.lineno, *(d.lineno for d in statement.decorator_list)]) == line:
                return {node.attr for node in walk_nodes(statement.body) if type(node) is ast.Attribute}
        return set()
