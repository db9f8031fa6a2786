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
