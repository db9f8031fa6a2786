"""Helpers for rules that attach fixes: exact text edits, spellings, imports, types.

Every fix is a set of exact text replacements (tsl.finding.Edit, 1-based lines
and columns, end exclusive) computed from libcst positions, so JSON and SARIF
can carry them whether or not they are applied. Nothing here imports torch.
"""
from __future__ import annotations

import builtins
import functools
import os
import re
from typing import Callable, Iterable, Optional, Sequence, TypeVar

import libcst as cst
from libcst.metadata import BuiltinScope, ComprehensionScope, GlobalScope

from tsl.frontend import kinds
from tsl.frontend.source import SourceFile, has_type_comment
from tsl.finding import Edit, Fix

NEWLINE = re.compile(r"\r\n|\r|\n")
T = TypeVar("T")

# -- guarding ----------------------------------------------------------------


def guarded(build: Callable[..., Optional[Fix]]) -> Callable[..., Optional[Fix]]:
    """A fix builder that never breaks checking: an unexpected error means no fix.

    Set TSL_DEBUG_FIXES=1 to see the error instead (the tests do).
    """

    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        try:
            return build(*args, **kwargs)
        except Unspellable:
            return None
        except Exception:
            if os.environ.get("TSL_DEBUG_FIXES"):
                raise
            return None

    return wrapper


# -- text and positions ------------------------------------------------------


@functools.lru_cache(maxsize=16)
def line_starts(text: str) -> tuple[int, ...]:
    """Offsets where each line starts; lines end at \\r\\n, \\r or \\n (as libcst counts them)."""
    return (0, *(m.end() for m in NEWLINE.finditer(text)))


def offset(text: str, line: int, column: int) -> int:
    """Offset of a 1-based (line, column) position in text."""
    starts = line_starts(text)
    if not 1 <= line <= len(starts):
        raise ValueError(f"line {line} out of range")
    start = starts[line - 1]
    end = starts[line] if line < len(starts) else len(text)
    value = start + column - 1
    if not start <= value <= end:
        raise ValueError(f"column {column} out of range on line {line}")
    return value


def span(file: SourceFile, node: cst.CSTNode, outer: bool = False) -> tuple[int, int]:
    """Start and end offsets of node in file.text; outer: with its own parentheses."""
    first = last = node
    if outer and getattr(node, "lpar", None) and getattr(node, "rpar", None):
        first, last = node.lpar[0], node.rpar[-1]
    start, end = file.position(first).start, file.position(last).end
    return offset(file.text, start.line, start.column + 1), offset(file.text, end.line, end.column + 1)


def source(file: SourceFile, node: cst.CSTNode) -> str:
    start, end = span(file, node)
    return file.text[start:end]


def edit_between(file: SourceFile, start: int, end: int, text: str) -> Edit:
    """An edit replacing file.text[start:end] (offsets) with text."""
    starts = line_starts(file.text)
    return Edit(*_line_column(starts, start), *_line_column(starts, end), text)


def _line_column(starts: Sequence[int], value: int) -> tuple[int, int]:
    lo, hi = 0, len(starts) - 1
    while lo < hi:  # last line start <= value
        mid = (lo + hi + 1) // 2
        if starts[mid] <= value:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1, value - starts[lo] + 1


def replace(file: SourceFile, node: cst.CSTNode, text: str) -> Edit:
    start, end = span(file, node)
    return edit_between(file, start, end, text)


def insert_before(file: SourceFile, node: cst.CSTNode, text: str) -> Edit:
    start, _ = span(file, node)
    return edit_between(file, start, start, text)


def insert_after(file: SourceFile, node: cst.CSTNode, text: str) -> Edit:
    _, end = span(file, node)
    return edit_between(file, end, end, text)


def newline(file: SourceFile) -> str:
    return file.module.default_newline


def indent_unit(file: SourceFile) -> str:
    return file.module.default_indent


def line_text(file: SourceFile, line: int) -> str:
    starts = line_starts(file.text)
    start = starts[line - 1]
    end = starts[line] if line < len(starts) else len(file.text)
    return NEWLINE.sub("", file.text[start:end])


def indentation_of(file: SourceFile, node: cst.CSTNode) -> Optional[str]:
    """The whitespace before node on its line, or None when other code precedes it there."""
    position = file.position(node)
    before = line_text(file, position.start.line)[: position.start.column]
    return before if not before.strip() else None


def line_end(file: SourceFile, line: int) -> int:
    """Offset of the end of a line's content (before its line break)."""
    starts = line_starts(file.text)
    return starts[line - 1] + len(line_text(file, line))


def first_line(file: SourceFile, statement: cst.CSTNode) -> int:
    """The first line of a statement, decorators included."""
    decorators = getattr(statement, "decorators", ())
    node = decorators[0] if decorators else statement
    return file.position(node).start.line


def parenthesize_if_multiline(text: str) -> str:
    return f"({text})" if NEWLINE.search(text) else text


def contains_comment(node: cst.CSTNode) -> bool:
    finder = _CommentFinder()
    node.visit(finder)
    return finder.found


class _CommentFinder(cst.CSTVisitor):
    found = False

    def visit_Comment(self, _node) -> bool:
        self.found = True
        return False


def all_names(file: SourceFile) -> set[str]:
    """Every identifier used anywhere in the file (for picking fresh names)."""
    return {name.value for name in names_in(file.module)}


def fresh_name(file: SourceFile, base: str, reserved: Optional[set] = None,
               scope: Optional[cst.CSTNode] = None) -> str:
    """A name used nowhere in scope (a function; default: the whole file), nor a builtin, nor in
    reserved, which it joins: fixes computed from one text must not pick the same name."""
    used = {n.value for n in names_in(scope)} if scope is not None else all_names(file)
    taken = used | set(dir(builtins)) | (reserved or set())
    name, index = base, 1
    while name in taken:
        name = f"{base}_{index}"
        index += 1
    if reserved is not None:
        reserved.add(name)
    return name


def enclosing(file: SourceFile, node: cst.CSTNode, kinds) -> Optional[cst.CSTNode]:
    current = file.parent(node)
    while current is not None and not isinstance(current, kinds):
        current = file.parent(current)
    return current


def top_level_statement(file: SourceFile, node: cst.CSTNode) -> Optional[cst.CSTNode]:
    current = node
    while current is not None:
        parent = file.parent(current)
        if isinstance(parent, cst.Module):
            return current
        current = parent
    return None


def global_scope(file: SourceFile) -> Optional[GlobalScope]:
    scope = file.scope(file.module)
    return scope if isinstance(scope, GlobalScope) else None


def bound_at_module_level(file: SourceFile, name: str) -> bool:
    scope = global_scope(file)
    return scope is not None and bool(scope.assignments[name])


def referents(file: SourceFile, name: cst.Name):
    """The assignments a Name read refers to (libcst scope analysis)."""
    scope = file.scope(name)
    if scope is None:
        return None
    for access in scope.accesses[name.value]:
        if access.node is name:
            return access.referents
    return None


def fix(description: str, edits: Iterable[Edit], safe: bool = True) -> Fix:
    return Fix(description=description, edits=tuple(edits), safe=safe)


# -- imports -----------------------------------------------------------------


def _top_imports(file: SourceFile):
    """(statement, small statement) for each top-level import, in order."""
    for statement in file.module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield statement, small


def _dotted(node) -> str:
    return cst.helpers.get_full_name_for_node(node) or ""


def _import_point(file: SourceFile) -> Optional[tuple[int, str, str]]:
    """(offset, prefix, suffix) where a new top-level import line goes."""
    body = file.module.body
    if not body:
        return None
    nl = newline(file)
    last = None
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine):
            smalls = statement.body
            if all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in smalls):
                last = statement
                continue
            if index == 0 and len(smalls) == 1 and isinstance(smalls[0], cst.Expr) and isinstance(
                smalls[0].value, (cst.SimpleString, cst.ConcatenatedString)
            ):
                last = statement  # the module docstring
                continue
        break
    if last is not None:
        return line_end(file, file.position(last).end.line), nl, ""
    line = first_line(file, body[0])
    if body[0].leading_lines:
        return None  # comments above the first statement: do not guess where an import belongs
    return line_starts(file.text)[line - 1], "", nl


def import_edit(file: SourceFile, line: str) -> Optional[Edit]:
    point = _import_point(file)
    if point is None:
        return None
    where, prefix, suffix = point
    return edit_between(file, where, where, prefix + line + suffix)


def module_spelling(file: SourceFile, module: str) -> Optional[str]:
    """How the file names module (e.g. 'torch' or 'th'), if imported at top level."""
    for _, small in _top_imports(file):
        if isinstance(small, cst.Import):
            for alias in small.names:
                name = _dotted(alias.name)
                if alias.asname is not None and name == module:
                    return alias.asname.name.value
                if alias.asname is None and (name == module or name.startswith(module + ".")) and "." not in module:
                    return module
    return None


def from_import_spelling(file: SourceFile, module: str, name: str) -> Optional[str]:
    for _, small in _top_imports(file):
        if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
            if _dotted(small.module) != module or isinstance(small.names, cst.ImportStar):
                continue
            for alias in small.names:
                if _dotted(alias.name) == name:
                    return alias.asname.name.value if alias.asname is not None else name
    return None


class Spelling:
    """Names for typing members and torch in one file, with the import edits they need."""

    def __init__(self, file: SourceFile):
        self.file = file
        self.edits: list[Edit] = []
        self._typing_added: list[str] = []
        self._torch: Optional[str] = None

    def typing(self, name: str) -> str:
        found = from_import_spelling(self.file, "typing", name)
        if found is not None:
            return found
        if name in self._typing_added:
            return name
        module = module_spelling(self.file, "typing")
        if module is not None:
            return f"{module}.{name}"
        if bound_at_module_level(self.file, name):
            raise Unspellable(name)
        self._typing_added.append(name)
        return name

    def torch(self) -> str:
        if self._torch is None:
            found = module_spelling(self.file, "torch")
            if found is None:
                if bound_at_module_level(self.file, "torch"):
                    raise Unspellable("torch")
                edit = import_edit(self.file, "import torch")
                if edit is None:
                    raise Unspellable("torch")
                self.edits.append(edit)
                found = "torch"
            self._torch = found
        return self._torch

    def tensor(self) -> str:
        found = from_import_spelling(self.file, "torch", "Tensor")
        return found if found is not None else f"{self.torch()}.Tensor"

    def import_edits(self) -> list[Edit]:
        edits = list(self.edits)
        if self._typing_added:
            names = ", ".join(self._typing_added)
            existing = None
            for _, small in _top_imports(self.file):
                if (isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None
                        and _dotted(small.module) == "typing" and not isinstance(small.names, cst.ImportStar)):
                    existing = small
                    break
            if existing is not None:
                alias = existing.names[-1]
                anchor = alias.asname.name if alias.asname is not None else alias.name
                edits.append(insert_after(self.file, anchor, f", {names}"))
            else:
                edit = import_edit(self.file, f"from typing import {names}")
                if edit is None:
                    raise Unspellable("typing")
                edits.append(edit)
        return edits


class Unspellable(Exception):
    """A name a fix needs cannot be added without a clash."""


# -- types -------------------------------------------------------------------
# A type is a tuple: ("int",), ("List", elem), ("Tuple", a, b), ("Dict", k, v),
# ("Optional", t), ("Tensor",); ("range",) is iterable-only.

SCALARS = kinds.SCALARS
BUILTIN_TYPES = {f"builtins.{name}": (name,) for name in SCALARS}
GENERICS = {name: head for name, head in kinds.GENERICS.items() if head in kinds.SPELLED}
TENSOR_NAMES = {"torch.Tensor", "torch._tensor.Tensor"}


def render(kind: tuple, spelling: Spelling) -> str:
    head = kind[0]
    if head in SCALARS:
        return head
    if head == kinds.TENSOR:
        return spelling.tensor()
    if head in kinds.SPELLED:
        inner = ", ".join(render(part, spelling) for part in kind[1:])
        return f"{spelling.typing(head)}[{inner}]"
    raise Unspellable(head)


def annotation_type(file: SourceFile, node: Optional[cst.BaseExpression]) -> Optional[tuple]:
    """The type an annotation expression names, when tsl understands it."""
    if node is None:
        return None
    if isinstance(node, cst.Annotation):
        node = node.annotation
    if isinstance(node, (cst.Name, cst.Attribute)):
        names = file.qualified_names(node)
        if isinstance(node, cst.Name) and node.value in SCALARS and not names - {f"builtins.{node.value}"}:
            return (node.value,)
        for name in names:
            if name in BUILTIN_TYPES:
                return BUILTIN_TYPES[name]
            if name in TENSOR_NAMES:
                return ("Tensor",)
        return None
    if isinstance(node, cst.Subscript):
        head = None
        for name in file.qualified_names(node.value):
            head = GENERICS.get(name, head)
        if head is None:
            return None
        parts = []
        for element in node.slice:
            if not isinstance(element.slice, cst.Index):
                return None
            part = annotation_type(file, element.slice.value)
            if part is None:
                return None
            parts.append(part)
        if head in ("List", "Optional") and len(parts) != 1 or head == "Dict" and len(parts) != 2:
            return None
        return (head, *parts)
    return None


NUMERIC_OPS = (cst.Add, cst.Subtract, cst.Multiply, cst.FloorDivide, cst.Modulo)


def value_type(file: SourceFile, node: Optional[cst.BaseExpression], depth: int = 0) -> Optional[tuple]:
    """The type of a constant expression (a default or a module-level value), when certain."""
    if node is None or depth > 8:
        return None
    if isinstance(node, cst.Integer):
        return ("int",)
    if isinstance(node, cst.Float):
        return ("float",)
    if isinstance(node, cst.Imaginary):
        return ("complex",)
    if isinstance(node, cst.SimpleString):
        return None if "b" in node.prefix.lower() else ("str",)
    if isinstance(node, cst.ConcatenatedString):
        parts = [value_type(file, node.left, depth + 1), value_type(file, node.right, depth + 1)]
        return ("str",) if parts == [("str",), ("str",)] else None
    if isinstance(node, cst.Name):
        if node.value in ("True", "False"):
            return ("bool",)
        if node.value == "None":
            return None
        return global_value_type(file, node, depth + 1)
    if isinstance(node, cst.UnaryOperation):
        inner = value_type(file, node.expression, depth + 1)
        if isinstance(node.operator, (cst.Minus, cst.Plus)) and inner in (("int",), ("float",), ("complex",)):
            return inner
        if isinstance(node.operator, cst.Not):
            return ("bool",)
        return None
    if isinstance(node, cst.BinaryOperation):
        left, right = value_type(file, node.left, depth + 1), value_type(file, node.right, depth + 1)
        return numeric_result(left, right, node.operator)
    if isinstance(node, cst.Tuple):
        parts = [value_type(file, e.value, depth + 1) for e in node.elements]
        if not parts or any(p is None for p in parts) or any(isinstance(e, cst.StarredElement) for e in node.elements):
            return None
        return ("Tuple", *parts)
    if isinstance(node, cst.List):
        parts = {value_type(file, e.value, depth + 1) for e in node.elements}
        if len(parts) != 1 or None in parts or any(isinstance(e, cst.StarredElement) for e in node.elements):
            return None
        return ("List", parts.pop())
    if isinstance(node, cst.Dict):
        keys, values = set(), set()
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return None
            keys.add(value_type(file, element.key, depth + 1))
            values.add(value_type(file, element.value, depth + 1))
        if len(keys) != 1 or len(values) != 1 or None in keys or None in values:
            return None
        key = keys.pop()
        if key not in (("int",), ("float",), ("str",), ("bool",)):
            return None
        return ("Dict", key, values.pop())
    return None


def numeric_result(left, right, operator) -> Optional[tuple]:
    if left is None or right is None:
        return None
    if ("Tensor",) in (left, right):
        if {left, right} <= {("Tensor",), ("int",), ("float",), ("bool",)} and isinstance(
            operator, (*NUMERIC_OPS, cst.Divide, cst.MatrixMultiply, cst.Power)
        ):
            return ("Tensor",)
        return None
    if left not in (("int",), ("float",)) or right not in (("int",), ("float",)):
        if left == right == ("str",) and isinstance(operator, cst.Add):
            return ("str",)
        return None
    if isinstance(operator, cst.Divide):
        return ("float",)
    if isinstance(operator, NUMERIC_OPS):
        return ("float",) if ("float",) in (left, right) else ("int",)
    return None  # ** can turn ints into floats: not certain


def single_global_assignment(file: SourceFile, name: cst.Name):
    """(assignment statement value, name node) when name reads a global bound exactly once by `NAME = value`."""
    found = referents(file, name)
    if not found or len(found) != 1:
        return None
    assignment = next(iter(found))
    if not isinstance(assignment.scope, GlobalScope) or not isinstance(assignment.node, cst.Name):
        return None
    if len(assignment.scope.assignments[name.value]) != 1:
        return None
    parent = file.parent(assignment.node)
    if isinstance(parent, cst.AssignTarget):
        statement = file.parent(parent)
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
            return statement.value, assignment.node
    if isinstance(parent, cst.AnnAssign) and parent.target is assignment.node and parent.value is not None:
        return parent.value, assignment.node
    return None


def global_value_type(file: SourceFile, name: cst.Name, depth: int = 0) -> Optional[tuple]:
    found = single_global_assignment(file, name)
    if found is None:
        return None
    return value_type(file, found[0], depth + 1)


class Types:
    """Certain types of expressions inside one compiled function."""

    def __init__(self, file: SourceFile, function: cst.FunctionDef, is_method: bool):
        self.file = file
        self.function = function
        self.is_method = is_method
        self.env: dict[str, tuple] = {}
        self.type_comment = has_type_comment(file, function)

    def of(self, node: cst.BaseExpression, depth: int = 0) -> Optional[tuple]:
        if depth > 12:
            return None
        constant = None
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString)) or (
            isinstance(node, cst.Name) and node.value in ("True", "False")
        ):
            constant = value_type(self.file, node)
        if constant is not None:
            return constant
        if isinstance(node, cst.Name):
            if node.value in self.env:
                return self.env[node.value]
            return self._name(node, depth)
        if isinstance(node, cst.UnaryOperation):
            inner = self.of(node.expression, depth + 1)
            if isinstance(node.operator, (cst.Minus, cst.Plus)) and inner in (("int",), ("float",), ("Tensor",)):
                return inner
            return None
        if isinstance(node, cst.BinaryOperation):
            return numeric_result(self.of(node.left, depth + 1), self.of(node.right, depth + 1), node.operator)
        if isinstance(node, cst.Comparison):
            parts = [self.of(node.left, depth + 1)] + [self.of(c.comparator, depth + 1) for c in node.comparisons]
            if all(p in (("int",), ("float",), ("bool",), ("str",)) for p in parts):
                return ("bool",)
            if ("Tensor",) in parts and all(p in (("int",), ("float",), ("Tensor",)) for p in parts) and not any(
                isinstance(c.operator, (cst.In, cst.NotIn, cst.Is, cst.IsNot)) for c in node.comparisons
            ):
                return ("Tensor",)
            return None
        if isinstance(node, cst.Subscript):
            container = self.of(node.value, depth + 1)
            if container is None or len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
                return None
            if container[0] == "List":
                return container[1] if self.of(node.slice[0].slice.value, depth + 1) == ("int",) else None
            if container[0] == "Dict":
                return container[2]
            return None
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
            names = self.file.qualified_names(node.func)
            if names == {"builtins.range"}:
                if node.args and all(self.of(a.value, depth + 1) == ("int",) for a in node.args) and not any(
                    a.keyword or a.star for a in node.args
                ):
                    return ("range",)
                return None
            if names == {"builtins.len"}:
                return ("int",)
            if names in ({"builtins.int"}, {"builtins.float"}, {"builtins.str"}, {"builtins.bool"}):
                return (node.func.value,)
        return None

    def element(self, iterable: tuple) -> Optional[tuple]:
        """The type of the loop variable when iterating over a value of type iterable."""
        if iterable is None:
            return None
        if iterable[0] == "range":
            return ("int",)
        if iterable[0] == "List":
            return iterable[1]
        if iterable[0] == "Dict":
            return iterable[1]
        if iterable[0] == "Tensor":
            return ("Tensor",)
        if iterable[0] == "str":
            return ("str",)
        return None

    def _name(self, node: cst.Name, depth: int) -> Optional[tuple]:
        scope = self.file.scope(node)
        while isinstance(scope, ComprehensionScope) and not scope.assignments[node.value]:
            scope = scope.parent  # a comprehension reads its enclosing function's names
        if scope is None or isinstance(scope, (GlobalScope, BuiltinScope)):
            return None
        assignments = list(scope.assignments[node.value])
        if not assignments or any(a.scope is not scope for a in assignments):
            return None
        declared = set()  # a TorchScript variable keeps the type it is declared with
        for assignment in assignments:
            defined = assignment.node
            if isinstance(defined, cst.Param) and defined.annotation is not None:
                declared.add(annotation_type(self.file, defined.annotation))
            elif isinstance(defined, cst.Name):
                parent = self.file.parent(defined)
                if isinstance(parent, cst.AnnAssign) and parent.target is defined:
                    declared.add(annotation_type(self.file, parent.annotation))
        if declared:
            return declared.pop() if len(declared) == 1 else None
        if len(assignments) != 1:
            return None
        defined = assignments[0].node
        if isinstance(defined, cst.Param):
            return self.param_type(defined)
        if not isinstance(defined, cst.Name):
            return None
        parent = self.file.parent(defined)
        if isinstance(parent, cst.AssignTarget):
            statement = self.file.parent(parent)
            if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
                return self.of(statement.value, depth + 1)
        if isinstance(parent, cst.For) and parent.target is defined:
            return self.element(self.of(parent.iter, depth + 1))
        return None

    def param_type(self, param: cst.Param) -> Optional[tuple]:
        if param.annotation is not None:
            return annotation_type(self.file, param.annotation)
        if self.type_comment:
            return None
        params = self.function.params
        ordered = list(params.posonly_params) + list(params.params)
        if self.is_method and ordered and ordered[0] is param:
            return None
        if param.default is not None or param.star:
            return None
        return ("Tensor",)  # what TorchScript assumes


def as_tuple(values: Iterable[T]) -> tuple[T, ...]:
    return tuple(values)


def types_for(ctx) -> Types:
    """Types for the compiled function a RuleContext is walking."""
    return Types(ctx.file, ctx.function.node, ctx.function.takes_self)


ATOMS = (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.Integer, cst.Float, cst.Imaginary,
         cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.List, cst.Dict, cst.ListComp,
         cst.DictComp, cst.Set, cst.SetComp)


def operand(file: SourceFile, node: cst.BaseExpression) -> str:
    """The source of node, parenthesized unless it is an atom."""
    text = source(file, node)
    if isinstance(node, ATOMS) and not (isinstance(node, (cst.ConcatenatedString,)) and NEWLINE.search(text)):
        return text
    return f"({text})"


def pure(node: cst.BaseExpression) -> bool:
    """An expression that reads names and constants only: evaluating it twice is harmless."""
    if isinstance(node, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(node, cst.Attribute):
        return pure(node.value)
    if isinstance(node, cst.Subscript):
        return pure(node.value) and all(
            isinstance(e.slice, cst.Index) and pure(e.slice.value) for e in node.slice
        )
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return pure(node.expression)
    return False


def is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def body_start(file: SourceFile, function: cst.FunctionDef, after_none_checks: bool = False
               ) -> Optional[tuple[int, str]]:
    """(offset, indentation): the end of the line after which statements go at the top of a
    function body: the header, the docstring, or (after_none_checks) leading `if param is None:` blocks."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    statements = list(body.body)
    first = statements[0]
    indent = indentation_of(file, first)
    if indent is None:
        return None
    line = first_line(file, first) - len(first.leading_lines) - 1  # the line ending in ':'
    if is_docstring(first):
        line = file.position(statements.pop(0)).end.line
    if after_none_checks:
        params = {p.name.value for p in (*function.params.posonly_params, *function.params.params,
                                          *function.params.kwonly_params)}
        while statements and _is_none_check(statements[0], params) and not statements[0].leading_lines:
            line = file.position(statements.pop(0)).end.line
    return line_end(file, line), indent


def _is_none_check(statement, params: set[str]) -> bool:
    if not isinstance(statement, cst.If) or statement.orelse is not None:
        return False
    test = statement.test
    return (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value in params
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Is)
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and test.comparisons[0].comparator.value == "None"
    )


def insert_lines(file: SourceFile, where: tuple[int, str], lines: Sequence[str]) -> Edit:
    """Insert whole lines (each at the given indentation) after the line ending at where."""
    at, indent = where
    nl = newline(file)
    return edit_between(file, at, at, "".join(nl + indent + line for line in lines))


def multiline_string_inside(file: SourceFile, node: cst.CSTNode) -> bool:
    """True when node contains a string literal that spans lines (re-indenting would change it)."""
    finder = _MultilineStrings(file)
    node.visit(finder)
    return any(finder.found)


class _MultilineStrings(cst.CSTVisitor):
    def __init__(self, file: SourceFile):
        super().__init__()
        self.file = file
        self.found: list[bool] = []

    def visit_SimpleString(self, string) -> bool:
        position = self.file.position(string)
        self.found.append(position.start.line != position.end.line)
        return False

    def visit_FormattedString(self, string) -> bool:
        return self.visit_SimpleString(string)


def reindent(file: SourceFile, text: str, extra: str) -> str:
    """Add extra indentation to every line of text but the first."""
    lines = re.split(r"(\r\n|\r|\n)", text)
    out = [lines[0]]
    for index in range(1, len(lines), 2):
        out.append(lines[index])
        following = lines[index + 1]
        out.append(extra + following if following.strip() else following)
    return "".join(out)


def names_in(node: cst.CSTNode) -> list[cst.Name]:
    collector = _NameCollector()
    node.visit(collector)
    return collector.found


class _NameCollector(cst.CSTVisitor):
    def __init__(self):
        super().__init__()
        self.found: list[cst.Name] = []

    def visit_Name(self, name: cst.Name) -> None:
        self.found.append(name)


def wrap_statement(file: SourceFile, statement: cst.SimpleStatementLine, header: str) -> Optional[Edit]:
    """Put a one-statement line under `header:` (an if), indenting continuation lines."""
    if len(statement.body) != 1 or not isinstance(file.parent(statement), cst.IndentedBlock):
        return None
    indent = indentation_of(file, statement)
    if indent is None or multiline_string_inside(file, statement):
        return None
    small = statement.body[0]
    unit = indent_unit(file)
    body = reindent(file, source(file, small), unit)
    return replace(file, small, f"{header}:{newline(file)}{indent}{unit}{body}")


READ_ONLY_CALLS = {"builtins.len", "builtins.sum", "builtins.min", "builtins.max", "builtins.sorted",
                   "builtins.enumerate", "builtins.zip", "builtins.list", "builtins.tuple", "builtins.print",
                   "builtins.str", "builtins.bool", "builtins.any", "builtins.all"}
READ_ONLY_METHODS = {"index", "count", "copy", "keys", "values", "items", "get"}


def read_only(file: SourceFile, function: cst.FunctionDef, name: str) -> bool:
    """True when the function only reads the object a parameter holds (never mutates it, never lets it escape)."""
    for node in names_in(function.body):
        if node.value != name or referents(file, node) is None and not _is_rebinding(file, node):
            continue
        parent = file.parent(node)
        if _is_rebinding(file, node):
            continue
        if isinstance(parent, cst.Subscript) and parent.value is node:
            holder = file.parent(parent)
            if isinstance(holder, (cst.AssignTarget, cst.AugAssign, cst.Del)) or (
                    isinstance(holder, cst.AnnAssign) and holder.target is parent):
                return False
            continue
        if isinstance(parent, cst.For) and parent.iter is node:
            continue
        if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
            continue
        if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value in READ_ONLY_METHODS:
            continue
        if isinstance(parent, cst.Arg):
            call = file.parent(parent)
            if isinstance(call, cst.Call) and file.qualified_names(call.func) and \
                    file.qualified_names(call.func) <= READ_ONLY_CALLS:
                continue
        return False
    return True


def _is_rebinding(file: SourceFile, node: cst.Name) -> bool:
    parent = file.parent(node)
    return isinstance(parent, cst.AssignTarget) or (isinstance(parent, cst.AnnAssign) and parent.target is node)


def none_default_fix(ctx, function: cst.FunctionDef, param: cst.Param) -> Optional[Fix]:
    """`x: Optional[List[T]] = None` with `if x is None: x = <default>` at the top of the body.

    Shared by TSL201 (an unannotated list default) and TSL202 (a mutable
    default), so both findings on one parameter carry the same edits. Safe
    when the element type is known and the function only reads the parameter
    (a fresh list per call is then indistinguishable from one shared list).
    """
    file = ctx.file
    default = param.default
    if default is None or param.star:
        return None
    code = file.module.code_for_node
    if isinstance(default, (cst.List, cst.Dict, cst.ListComp, cst.DictComp)):
        default_text = parenthesize_if_multiline(code(default).strip())
    elif isinstance(default, cst.Call) and not default.args and file.qualified_names(default.func) in (
            {"builtins.list"}, {"builtins.dict"}):
        default_text = "[]" if "builtins.list" in file.qualified_names(default.func) else "{}"
    else:
        return None
    spelling = Spelling(file)
    known = True
    if param.annotation is not None:
        declared = annotation_type(file, param.annotation)
        text = source(file, param.annotation.annotation)
        if declared is not None and declared[0] == "Optional":
            annotation = inner = text
            if default_text == "{}":
                return None
        elif declared is not None and declared[0] in kinds.MUTABLE or NEWLINE.search(text) is None and \
                isinstance(param.annotation.annotation, cst.Subscript):
            annotation, inner = f"{spelling.typing('Optional')}[{text}]", text
            known = declared is not None
        else:
            return None
    else:
        kind = value_type(file, default)
        if kind is None and isinstance(default, cst.List) and not default.elements or default_text == "[]":
            kind, known = ("List", ("Tensor",)), False  # what TorchScript makes of an empty list
        if kind is None or kind[0] not in kinds.MUTABLE:
            return None
        annotation, inner = render(("Optional", kind), spelling), render(kind, spelling)
    if default_text == "{}":  # an empty dict literal is Dict[str, Tensor] to TorchScript: say which
        default_text = f"{spelling.torch()}.jit.annotate({inner}, {{}})"
    where = body_start(file, function, after_none_checks=True)
    if where is None:
        return None
    name = param.name.value
    start = span(file, param.name)[1]
    edits = [
        edit_between(file, start, span(file, default, outer=True)[1], f": {annotation} = None"),
        insert_lines(file, where, [f"if {name} is None:", f"{indent_unit(file)}{name} = {default_text}"]),
        *spelling.import_edits(),
    ]
    safe = known and read_only(file, function, name)
    return fix(f"default {name} to None and build {default_text} in the body", edits, safe=safe)
