"""What a name holds: a light look at module-level values."""
from __future__ import annotations

from typing import Optional

import libcst as cst
from libcst.metadata import GlobalScope

from tsl.frontend import kinds
from tsl.frontend.source import SourceFile

TENSOR_FACTORIES = {
    f"torch.{name}"
    for name in (
        "tensor", "as_tensor", "from_numpy", "ones", "zeros", "empty", "full", "rand", "randn",
        "randint", "arange", "linspace", "logspace", "eye", "Tensor", "FloatTensor", "LongTensor",
    )
}


def literal_kind(expr: Optional[cst.BaseExpression], file: SourceFile) -> Optional[str]:
    """The Python type of a literal-like expression, or None when not obvious."""
    if expr is None:
        return None
    if isinstance(expr, cst.Integer):
        return "int"
    if isinstance(expr, cst.Float):
        return "float"
    if isinstance(expr, cst.Imaginary):
        return "complex"
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        if isinstance(expr, cst.SimpleString) and "b" in expr.prefix.lower():
            return "bytes"
        return "str"
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return "bool"
    if isinstance(expr, cst.Name) and expr.value == "None":
        return kinds.NONE
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        return literal_kind(expr.expression, file)
    if isinstance(expr, cst.BinaryOperation):
        left, right = literal_kind(expr.left, file), literal_kind(expr.right, file)
        if left in ("int", "float") and right in ("int", "float"):
            return "float" if "float" in (left, right) or isinstance(expr.operator, cst.Divide) else "int"
        return None
    if isinstance(expr, (cst.Tuple,)):
        return kinds.TUPLE
    if isinstance(expr, (cst.List, cst.ListComp)):
        return kinds.LIST
    if isinstance(expr, (cst.Dict, cst.DictComp)):
        return kinds.DICT
    if isinstance(expr, (cst.Set, cst.SetComp)):
        return kinds.SET
    if isinstance(expr, cst.Call):
        return call_literal_kind(file.qualified_names(expr.func))
    return None


def call_literal_kind(names: set[str]) -> Optional[str]:
    """literal_kind of a call, from the qualified names of what it calls."""
    if names & TENSOR_FACTORIES:
        return kinds.TENSOR
    if "logging.getLogger" in names:
        return "Logger"
    return None


def assigned_value(file: SourceFile, target: cst.CSTNode) -> tuple[bool, Optional[cst.BaseExpression]]:
    """(is a plain assignment, value) for the Name an Assignment points at."""
    parent = file.parent(target)
    if isinstance(parent, cst.AssignTarget):
        statement = file.parent(parent)
        if isinstance(statement, cst.Assign):
            return True, statement.value
    if isinstance(parent, cst.AnnAssign) and parent.target is target:
        return True, parent.value
    return False, None


def global_values(file: SourceFile, name: cst.Name) -> Optional[list]:
    """The values of the module-level assignments name reads; None unless each is a plain `NAME = value`."""
    scope = file.scope(name)
    if scope is None:
        return None
    accesses = [access for access in scope.accesses[name.value] if access.node is name]
    referents = accesses[0].referents if accesses else ()
    if not referents:
        return None
    values = []
    for assignment in referents:
        if not isinstance(assignment.scope, GlobalScope) or not isinstance(assignment.node, cst.Name):
            return None
        plain, value = assigned_value(file, assignment.node)
        if not plain:
            return None
        values.append(value)
    return values


def global_kind(file: SourceFile, name: cst.Name) -> Optional[str]:
    """If name reads a module-level variable holding a plain value, its type."""
    values = global_values(file, name)
    kinds = {literal_kind(value, file) for value in values} if values is not None else {None}
    if None in kinds:
        return None
    return kinds.pop() if len(kinds) == 1 else "value"
