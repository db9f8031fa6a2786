"""What `__init__` assigns to self, read from LibCST's tree: the slow twin of
tsl.model.self_attributes, which production uses. tests/test_self_attributes.py puts
`read_assignments` in place of types._read_assignments and compares the two."""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from tsl.model.attribute_values import AttrValue, ClassAttributes, call_kind, reference_kind
from tsl.model.types import _iter_nodes, _qualnames
from tsl.model.values import literal_kind

if TYPE_CHECKING:
    from tsl.frontend.source import SourceFile
    from tsl.model.program import Program


def read_assignments(function, program, attrs: ClassAttributes, klass) -> list[str]:
    """types._read_assignments from LibCST's tree of function."""
    visitor = _SelfAssignments(function.file, program, attrs, klass)
    function.node.body.visit(visitor)
    return visitor.helpers


def _value_kind(value: cst.BaseExpression, file: "SourceFile", program: "Program") -> AttrValue:
    if isinstance(value, cst.Name) and value.value == "None":
        return AttrValue("None", value)
    if isinstance(value, cst.Lambda):
        return AttrValue("lambda", value)
    if isinstance(value, cst.Call):
        return call_kind(_qualnames(file, value.func), lambda: literal_kind(value, file), value, program)
    if isinstance(value, (cst.Name, cst.Attribute)):
        return reference_kind(_qualnames(file, value), value, program)
    if isinstance(value, (cst.Dict, cst.List, cst.Tuple)) and value_is_mixed(value, file):
        return AttrValue("mixed", value)
    return AttrValue(literal_kind(value, file) or "unknown", value)


def value_is_mixed(value, file) -> bool:
    """A dict or list literal whose values are literals of different types (torch cannot type it)."""
    if isinstance(value, cst.Dict):
        items = [e.value for e in value.elements if isinstance(e, cst.DictElement)]
        if len(items) != len(value.elements):
            return False
    elif isinstance(value, cst.List):
        items = [e.value for e in value.elements if not isinstance(e, cst.StarredElement)]
        if len(items) != len(value.elements):
            return False
    else:
        return False
    kinds = [literal_kind(item, file) for item in items]
    if not kinds or None in kinds or "None" in kinds:
        return False
    kinds = {("float" if k in ("int", "float") and isinstance(value, cst.List) else k) for k in kinds}
    # an int and a float in one list is still mixed for torch; keep the plain rule: different literal kinds
    kinds = {literal_kind(item, file) for item in items}
    return len(kinds) > 1 and kinds <= {"int", "float", "str", "bool"}


class _SelfAssignments(cst.CSTVisitor):
    def __init__(self, file, program, attrs: ClassAttributes, klass=None):
        self.file = file
        self.program = program
        self.attrs = attrs
        self.klass = klass
        self.helpers: list[str] = []

    def _target(self, target, value) -> None:
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
            if isinstance(value, cst.IfExp):  # `a if c else b`: either value may be there
                self._target(target, value.body)
                self._target(target, value.orelse)
                return
            kind = _value_kind(value, self.file, self.program) if value is not None else AttrValue("unknown", target)
            self.attrs.values.setdefault(target.attr.value, []).append(kind)
        elif isinstance(target, (cst.Tuple, cst.List)):
            returned = self._returned_tuple(value, len(target.elements))
            for i, element in enumerate(target.elements):
                self._target(element.value, returned[i] if returned else None)

    def _returned_tuple(self, value, size: int):
        """`a, b = self.helper(...)` where every return of helper is a tuple of that size: its elements."""
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
                and isinstance(value.func.value, cst.Name) and value.func.value.value == "self"
                and self.klass is not None):
            return None
        helper = self.program.method(self.klass, value.func.attr.value)
        if helper is None or helper.node is None:
            return None
        returns = [n for n in _iter_nodes(helper.node.body) if isinstance(n, cst.Return)]
        if len(returns) != 1 or not isinstance(returns[0].value, cst.Tuple):
            return None
        elements = returns[0].value.elements
        if len(elements) != size or any(isinstance(e, cst.StarredElement) for e in elements):
            return None
        return [e.value for e in elements]

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        # an annotation on `self.x` in __init__ does not type a module attribute (a class-level one does)
        target = node.target
        if node.value is not None:
            self._target(target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target, None)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            owner = func.value
            if isinstance(owner, cst.Name) and owner.value == "self":
                method = func.attr.value
                if method in ("register_buffer", "register_parameter", "add_module", "register_module"):
                    if node.args and isinstance(node.args[0].value, cst.SimpleString):
                        self.attrs.declared.add(node.args[0].value.evaluated_value)
                    else:
                        self.attrs.complete = False
                else:
                    self.helpers.append(method)
        if isinstance(func, cst.Name) and func.value in ("setattr", "exec", "vars"):
            self.attrs.complete = False
        if isinstance(func, cst.Attribute) and func.attr.value in ("__setattr__", "update") and isinstance(
            func.value, (cst.Name, cst.Call)
        ):
            if isinstance(func.value, cst.Name) and func.value.value in ("self", "super", "object"):
                self.attrs.complete = False
            if isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name) and func.value.func.value == "super":
                self.attrs.complete = False
        if isinstance(func, cst.Attribute) and func.attr.value == "__dict__":
            self.attrs.complete = False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "__dict__" and isinstance(node.value, cst.Name) and node.value.value == "self":
            self.attrs.complete = False

    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_ClassDef(self, node) -> bool:
        return False
