"""A light, local inference of what names hold, modelled on the compiler.

The compiler types an unannotated parameter as Tensor ("Tensor (inferred)"),
takes every other parameter type from its annotation, and types a module
attribute from the value `__init__` left there (torch/jit/_recursive.py:
`infer_type`). This module answers the few questions the rules ask:

- `param_types(function)`: the type of each parameter (kind strings such as
  "Tensor", "int", "List", "Optional", "unsupported:Callable").
- `attributes(program, klass)`: every value assigned to `self.NAME` in
  `__init__` (and the `self.*` helpers it calls), classified.
- `rebound(function_node)`: names assigned anywhere in a function body.

Everything here is conservative: "unknown" whenever it is not obvious.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import libcst as cst

from tsl.frontend import kinds
from tsl.frontend.source import has_type_comment
from tsl.model.attribute_values import ClassAttributes
from tsl.model.self_attributes import SelfAssignments, view_of

if TYPE_CHECKING:
    from tsl.model.index import ClassInfo, FunctionInfo
    from tsl.frontend.source import SourceFile
    from tsl.model.program import Program

TENSOR_NAMES = {"torch.Tensor", "torch.tensor", "Tensor"}
# (not builtins.complex: a complex annotation stays unknown)
SCALARS = {**{name: name for name in kinds.SCALARS}, **{f"builtins.{name}": name for name in kinds.CONSTANT_SCALARS}}
CONTAINERS = {**kinds.GENERICS, **kinds.HEADS}
# annotations torch.jit.script cannot resolve ("Unknown type constructor X")
UNSUPPORTED_ANNOTATIONS = {
    "typing.Callable": "Callable", "collections.abc.Callable": "Callable", "typing.Literal": "Literal",
    "typing_extensions.Literal": "Literal",
}


def _qualnames(file: "SourceFile", node: cst.CSTNode) -> set[str]:
    names = set(file.qualified_names(node))
    if not names and isinstance(node, (cst.Name, cst.Attribute)):
        full = cst.helpers.get_full_name_for_node(node)
        if full:
            names.add(full)
    return names


def annotation_kind(expr: Optional[cst.BaseExpression], file: "SourceFile") -> str:
    """The outer kind of an annotation: Tensor, int, ..., List, Optional, unsupported:X or unknown."""
    if expr is None:
        return kinds.UNKNOWN
    if isinstance(expr, cst.Name) and expr.value == "None":
        return kinds.NONE
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        parts = {annotation_kind(expr.left, file), annotation_kind(expr.right, file)}
        return kinds.T_OPTIONAL if kinds.NONE in parts else kinds.T_UNION
    base = expr.value if isinstance(expr, cst.Subscript) else expr
    if not isinstance(base, (cst.Name, cst.Attribute)):
        return kinds.UNKNOWN
    names = _qualnames(file, base)
    for name in names:
        if name in TENSOR_NAMES or name.endswith(".Tensor"):
            return kinds.TENSOR
        if name in SCALARS:
            return SCALARS[name]
        if name in CONTAINERS:
            return CONTAINERS[name]
        if name in UNSUPPORTED_ANNOTATIONS:
            return "unsupported:" + UNSUPPORTED_ANNOTATIONS[name]
    return kinds.UNKNOWN


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # annotation kind, or "Tensor" when unannotated
    annotated: bool
    node: cst.Param


def parameters(function: "FunctionInfo") -> list[cst.Param]:
    node = function.node
    params = list(node.params.posonly_params) + list(node.params.params) + list(node.params.kwonly_params)
    if function.takes_self:
        params = params[1:]
    return params


def param_types(function: "FunctionInfo") -> dict[str, Param]:
    """Each parameter's type as the compiler sees it ({} when a # type: comment types them)."""
    if has_type_comment(function.file, function.node):
        return {}
    found = {}
    for param in parameters(function):
        if param.annotation is None:
            found[param.name.value] = Param(param.name.value, kinds.TENSOR, False, param)
        else:
            kind = annotation_kind(param.annotation.annotation, function.file)
            found[param.name.value] = Param(param.name.value, kind, True, param)
    return found


class _BodyNames(cst.CSTVisitor):
    """One walk of a function body for rebound() and type_tested()."""

    def __init__(self):
        self.assigned: set[str] = set()  # outside nested defs and classes
        self.tested: set[str] = set()  # nested ones included
        self.depth = 0

    def _add(self, target) -> None:
        if self.depth:
            return
        if isinstance(target, cst.Name):
            self.assigned.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._add(element.value)
        elif isinstance(target, cst.StarredElement):
            self._add(target.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._add(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._add(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._add(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._add(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._add(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._add(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._add(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth += 1

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in ("isinstance", "type", "len", "hasattr") and node.args:
            value = node.args[0].value
            if isinstance(value, cst.Name):
                self.tested.add(value.value)


_LAST_BODY: list = [None, None]  # the last function walked, and what was found (rules ask in turn)


def _body_names(node: cst.FunctionDef) -> _BodyNames:
    if _LAST_BODY[0] is not node:
        collector = _BodyNames()
        node.body.visit(collector)
        _LAST_BODY[:] = [node, collector]
    return _LAST_BODY[1]


def rebound(node: cst.FunctionDef) -> set[str]:
    """Names assigned anywhere in a function body (parameters that are rebound lose their type)."""
    return set(_body_names(node).assigned)


def type_tested(node: cst.FunctionDef) -> set[str]:
    """Names whose type the function tests (isinstance/type): the compiler may prune uses of them."""
    return set(_body_names(node).tested)


# -- module attributes ---------------------------------------------------------------------

def _is_final(annotation) -> bool:
    base = annotation.value if isinstance(annotation, cst.Subscript) else annotation
    name = cst.helpers.get_full_name_for_node(base) or ""
    return name.split(".")[-1] == "Final"


def constant_guarded(program: "Program", owner, file: "SourceFile", node: cst.CSTNode) -> bool:
    """node sits in a branch the compiler may drop: under an `if` on a Final/__constants__ attribute,
    on hasattr(), or on isinstance() (all decided at compile time, by the module's configuration),
    or in the branch that `p is None` on a Tensor-typed parameter rules out."""
    child = node
    current = file.parent(node)
    none_tests = []  # (test, whether node is in the branch taken when the test holds)
    while current is not None and not isinstance(current, cst.FunctionDef):
        test = None
        if isinstance(current, (cst.If, cst.IfExp)) and child is not current.test:
            test = current.test
            none_tests.append((test, child is current.body))
        elif isinstance(current, cst.BooleanOperation) and child is current.right:
            test = current.left
        if test is not None and _static_guard(program, owner, test):
            return True
        child = current
        current = file.parent(current)
    return isinstance(current, cst.FunctionDef) and any(
        _none_test_rules_out(current, file, test, taken) for test, taken in none_tests)


def _none_test_rules_out(function: cst.FunctionDef, file: "SourceFile", test, taken: bool) -> bool:
    """`p is None` (or `is not None`) on a parameter typed Tensor (unannotated, or annotated Tensor) is
    False (True) at compile time: the compiler emits only the other branch."""
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name)):
        return False
    target = test.comparisons[0]
    if not (isinstance(target.comparator, cst.Name) and target.comparator.value == "None"):
        return False
    if isinstance(target.operator, cst.Is):
        holds = False
    elif isinstance(target.operator, cst.IsNot):
        holds = True
    else:
        return False
    params = list(function.params.posonly_params) + list(function.params.params) + list(function.params.kwonly_params)
    for param in params:
        if param.name.value == test.left.value:
            tensor = param.annotation is None or bool(
                file.qualified_names(param.annotation.annotation) & {"torch.Tensor"})
            return tensor and taken != holds
    return False


def _static_guard(program, owner, test) -> bool:
    constants = attributes(program, owner).constants if owner is not None else set()
    for sub in _iter_nodes(test):
        if isinstance(sub, cst.Call) and isinstance(sub.func, cst.Name) and sub.func.value in ("hasattr",
                                                                                              "isinstance"):
            return True
        name = self_attribute(sub)
        if name is not None and name in constants:
            return True
    return False


def _class_level(klass: "ClassInfo", attrs: ClassAttributes, program: "Program") -> None:
    node = program.node(klass)
    for statement in node.body.body if node is not None else ():
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, cst.AnnAssign):
                    targets = [small.target]
                for target in targets:
                    if isinstance(target, cst.Name):
                        attrs.declared.add(target.value)
                        if isinstance(small, cst.AnnAssign) and _is_final(small.annotation.annotation):
                            attrs.constants.add(target.value)
                        if target.value == "__constants__" and isinstance(small.value, (cst.List, cst.Tuple, cst.Set)):
                            for element in small.value.elements:
                                if isinstance(element.value, cst.SimpleString):
                                    attrs.declared.add(element.value.evaluated_value)
                                    attrs.constants.add(element.value.evaluated_value)
                        if target.value == "__annotations__" and isinstance(small.value, cst.Dict):
                            for element in small.value.elements:
                                key = getattr(element, "key", None)
                                if isinstance(key, cst.SimpleString):
                                    attrs.declared.add(key.evaluated_value)
        elif isinstance(statement, cst.FunctionDef):
            attrs.declared.add(statement.name.value)


def attributes(program: "Program", klass: "ClassInfo") -> ClassAttributes:
    """What __init__ (and its self.* helpers) assigns to self, across the class and its checked bases."""
    cache = program.__dict__.setdefault("_tsl_attributes", {})
    if id(klass) in cache:
        return cache[id(klass)]
    attrs = ClassAttributes()
    mro = program.mro(klass)
    for current in mro:
        _class_level(current, attrs, program)
    # bases outside the checked files (other than nn.Module itself) may set attributes
    for current in mro:
        for names in current.bases:
            resolved = program.lookup(names)
            if resolved is None and not names & {"torch.nn.Module", "torch.nn.modules.module.Module", "object",
                                                  "builtins.object"}:
                attrs.complete = False
    seen: set[int] = set()
    queue = [m for m in (program.method(c, "__init__") for c in mro) if m is not None]
    while queue:
        function = queue.pop()
        if id(function) in seen:
            continue
        seen.add(id(function))
        for name in _read_assignments(function, program, attrs, klass):
            helper = program.method(klass, name)
            if helper is not None:
                queue.append(helper)
    for current in mro:
        for method in current.methods.values():
            if id(method) in seen or program.node(method) is None:
                continue
            for name in method.self_assigned:  # from the index: the body may not be parsed (blank.py)
                attrs.elsewhere.setdefault(name, set()).add(method.name)
    cache[id(klass)] = attrs
    return attrs


def _read_assignments(function: "FunctionInfo", program: "Program", attrs: ClassAttributes, klass) -> list[str]:
    """Add what function assigns to self to attrs; the self.* methods it calls (helpers).
    Read from CPython's tree (blank.py leaves the body out of LibCST's)."""
    view = view_of(program.source(function))
    found = view.method(function) if view is not None else None
    if found is None:  # not a method of the file's index (that tree built it): unknown
        attrs.complete = False
        return []
    node, scope = found
    reader = SelfAssignments(view, scope, program, attrs, klass)
    reader.run(node.body)
    return reader.helpers


def _iter_nodes(node):
    yield node
    for child in node.children:
        if not isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            yield from _iter_nodes(child)


def self_attribute(node: cst.CSTNode) -> Optional[str]:
    """NAME when node is `self.NAME`."""
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
        return node.attr.value
    return None
