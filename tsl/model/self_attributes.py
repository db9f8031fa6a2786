"""What `__init__` (and the helpers it calls) assigns to self, read from CPython's tree.

types.attributes reads the methods that build a module: what each `self.NAME = value`
holds. Read from CPython's tree, these methods need no LibCST parse, so blank.py leaves
their bodies out of it. Names are resolved as cpython_index resolves them (the way
LibCST's scope analysis does); tests/test_self_attributes.py compares this with the
LibCST twin in tests/reference/ on real code.
"""
from __future__ import annotations

import ast
import io
import tokenize
from typing import Optional

from tsl.frontend.cpython_index import _Builder, _full_name, child_nodes
from tsl.frontend import kinds
from tsl.frontend.source import cpython_parse
from tsl.model.attribute_values import AttrValue, call_kind, reference_kind
from tsl.model.values import call_literal_kind

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SKIPPED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_REGISTER = ("register_buffer", "register_parameter", "add_module", "register_module")


class AstView:
    """One file's CPython tree, with its scopes and name resolution."""

    def __init__(self, file, tree: ast.Module):
        self.file = file
        self.tree = tree
        self.builder = _Builder(tree, file.module_name, file.package)
        self._methods: dict[tuple[str, str, int], tuple] = {}
        for statement in tree.body:
            if isinstance(statement, ast.ClassDef):
                for inner in statement.body:
                    if isinstance(inner, _FUNCTIONS):
                        self._methods.setdefault((statement.name, inner.name, inner.lineno), (statement, inner))

    def method(self, function) -> Optional[tuple[ast.AST, object]]:
        """(CPython's def, its scope) for a method's FunctionInfo; None if not found."""
        found = self._methods.get((function.class_name, function.name, function.line))
        if found is None:
            return None
        klass, node = found
        scopes = self.builder.scopes
        return node, scopes.function(node, scopes.klass(klass, scopes.module))

    def names(self, node, scope) -> set[str]:
        return self.builder.names.of(node, scope)


def view_of(file) -> Optional[AstView]:
    """The file's AstView (made once per parsed file), or None when CPython rejects it."""
    if file is None:
        return None
    found = file.__dict__.get("_tsl_ast_view", False)
    if found is False:
        tree, file.cpython_tree = file.cpython_tree or cpython_parse(file.text), None
        try:
            found = AstView(file, tree) if tree is not None else None
        except RecursionError:
            found = None
        file.__dict__["_tsl_ast_view"] = found
    return found


def release_view(file) -> None:
    """Drop the file's AstView and cut its cycles (the view and the file refer to each other,
    and so do its scopes and their bindings): tsl.run.pipeline runs with the collector off."""
    view = file.__dict__.pop("_tsl_ast_view", None)
    if view is not None:
        view.builder.scopes.release()


class Span:
    """Where a CPython node is, in LibCST's terms (lines, character columns): what a finding
    reports for an attribute's value. Both leave out the parentheses around an expression,
    except that CPython's span of a parenthesized tuple (or generator) includes its own;
    TSL412 reports only dicts, lists and calls. It keeps no tree alive (the program caches
    attribute values for the whole run)."""

    __slots__ = ("relpath", "start", "end")

    def __init__(self, file, node: ast.AST):
        lines = file.lines
        self.relpath = file.relpath
        self.start = (node.lineno, _characters(lines, node.lineno, node.col_offset))
        self.end = (node.end_lineno, _characters(lines, node.end_lineno, node.end_col_offset))

    def range(self):
        from libcst._position import CodePosition, CodeRange

        return CodeRange(CodePosition(*self.start), CodePosition(*self.end))


def _characters(lines: list[str], line: int, offset: int) -> int:
    """A column in characters, from CPython's offset in UTF-8 bytes."""
    text = lines[line - 1]
    if text.isascii():
        return offset
    return len(text.encode("utf-8")[:offset].decode("utf-8", errors="replace"))


class SelfAssignments:
    """What one method assigns to self, from CPython's tree."""

    def __init__(self, view: AstView, scope, program, attrs, klass=None):
        self.view = view
        self.scope = scope
        self.program = program
        self.attrs = attrs
        self.klass = klass
        self.helpers: list[str] = []

    def run(self, body: list) -> None:
        calls = []
        stack = list(reversed(body))
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind in _SKIPPED:
                continue
            if kind is ast.Assign:
                for target in node.targets:
                    self._target(target, node.value)
            elif kind is ast.AnnAssign:
                if node.value is not None:
                    self._target(node.target, node.value)
            elif kind is ast.AugAssign or kind is ast.For or kind is ast.AsyncFor:
                self._target(node.target, None)
            elif kind is ast.Call:
                calls.append(node)
            elif kind is ast.Attribute:
                if node.attr == "__dict__" and type(node.value) is ast.Name and node.value.id == "self":
                    self.attrs.complete = False
            stack.extend(reversed(child_nodes(node)))
        # LibCST visits in source order
        calls.sort(key=lambda c: (c.lineno, c.col_offset, -c.end_lineno, -c.end_col_offset))
        for call in calls:
            self._call(call)

    def _target(self, target, value, view: Optional[AstView] = None, scope=False) -> None:
        """view, scope: where value comes from, when not this method (a helper's return)."""
        view = view or self.view
        scope = self.scope if scope is False else scope
        if type(target) is ast.Attribute and type(target.value) is ast.Name and target.value.id == "self":
            if type(value) is ast.IfExp:  # `a if c else b`: either value may be there
                self._target(target, value.body, view, scope)
                self._target(target, value.orelse, view, scope)
                return
            kind = value_kind(value, view, scope, self.program) if value is not None \
                else AttrValue(kinds.UNKNOWN, Span(self.view.file, target))
            self.attrs.values.setdefault(target.attr, []).append(kind)
        elif type(target) is ast.Tuple or type(target) is ast.List:
            returned = self._returned_tuple(value, len(target.elts))
            for i, element in enumerate(target.elts):
                if type(element) is ast.Starred:
                    element = element.value
                if returned:
                    self._target(element, *returned[i])
                else:
                    self._target(element, None)

    def _returned_tuple(self, value, size: int):
        """`a, b = self.helper(...)` where every return of helper is a tuple of that size: its elements."""
        if not (type(value) is ast.Call and type(value.func) is ast.Attribute and type(value.func.value) is ast.Name
                and value.func.value.id == "self" and self.klass is not None):
            return None
        helper = self.program.method(self.klass, value.func.attr)
        if helper is None:
            return None
        view = view_of(self.program.source(helper))
        found = view.method(helper) if view is not None else None
        if found is None:
            return None
        node, scope = found
        returns = [n for n in _nodes(node.body) if type(n) is ast.Return]
        if len(returns) != 1 or type(returns[0].value) is not ast.Tuple:
            return None
        elements = returns[0].value.elts
        if len(elements) != size or any(type(e) is ast.Starred for e in elements):
            return None
        if view.file is not self.view.file:
            return [(e, view, None) for e in elements]  # LibCST finds no scope for another file's nodes
        return [(e, view, scope) for e in elements]

    def _call(self, node: ast.Call) -> None:
        func = node.func
        if type(func) is ast.Attribute:
            owner = func.value
            if type(owner) is ast.Name and owner.id == "self":
                if func.attr in _REGISTER:
                    first = _first_argument(node)
                    text = _single_string(self.view, first) if first is not None else None
                    if text is not None:
                        self.attrs.declared.add(text)
                    else:
                        self.attrs.complete = False
                else:
                    self.helpers.append(func.attr)
        if type(func) is ast.Name and func.id in ("setattr", "exec", "vars"):
            self.attrs.complete = False
        if type(func) is ast.Attribute and func.attr in ("__setattr__", "update") and type(func.value) in (
                ast.Name, ast.Call):
            if type(func.value) is ast.Name and func.value.id in ("self", "super", "object"):
                self.attrs.complete = False
            if type(func.value) is ast.Call and type(func.value.func) is ast.Name and func.value.func.id == "super":
                self.attrs.complete = False


def _nodes(body: list) -> list:
    """Every node under body, not entering nested defs, classes or lambdas (types._iter_nodes)."""
    found = []
    stack = list(body)
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(child for child in child_nodes(node)
                     if not isinstance(child, (*_SKIPPED, ast.Lambda)))
    return found


def _first_argument(call: ast.Call):
    """The value of the first argument in source order (LibCST keeps keywords among the arguments);
    a starred argument is itself (never a string)."""
    arguments = [*call.args, *call.keywords]
    if not arguments:
        return None
    first = min(arguments, key=lambda a: (a.lineno, a.col_offset))
    if type(first) is ast.keyword:
        return first.value if first.arg is not None else first
    return first


def _single_string(view: AstView, node) -> Optional[object]:
    """The value of a plain string literal (LibCST's SimpleString: one literal, no f-string)."""
    if type(node) is not ast.Constant or not isinstance(node.value, (str, bytes)):
        return None
    segment = _segment(view.file.lines, node)
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(segment).readline) if t.type == tokenize.STRING]
    except (tokenize.TokenError, SyntaxError):
        return None
    return node.value if len(tokens) == 1 else None


def _segment(lines: list[str], node) -> str:
    """node's source text (ast.get_source_segment, without splitting the whole file again)."""
    first, last = node.lineno - 1, node.end_lineno - 1
    if first == last:
        return lines[first].encode("utf-8")[node.col_offset:node.end_col_offset].decode("utf-8")
    parts = [lines[first].encode("utf-8")[node.col_offset:].decode("utf-8"), *lines[first + 1:last],
             lines[last].encode("utf-8")[:node.end_col_offset].decode("utf-8")]
    return "\n".join(parts)


def value_kind(value, view: AstView, scope, program):
    """What `self.x = value` holds (scope None: LibCST would find none)."""
    span = Span(view.file, value)
    if type(value) is ast.Constant and value.value is None:
        return AttrValue(kinds.NONE, span)
    if type(value) is ast.Lambda:
        return AttrValue("lambda", span)
    if type(value) is ast.Call:
        return call_kind(_qualnames(view, value.func, scope), lambda: literal_kind(value, view, scope), span,
                         program)
    if type(value) is ast.Name or type(value) is ast.Attribute or _is_name_constant(value):
        return reference_kind(_qualnames(view, value, scope), span, program)
    if type(value) in (ast.Dict, ast.List, ast.Tuple) and _is_mixed(value, view, scope):
        return AttrValue(kinds.MIXED, span)
    return AttrValue(literal_kind(value, view, scope) or kinds.UNKNOWN, span)


def _is_name_constant(node) -> bool:
    """True and False are Names in LibCST."""
    return type(node) is ast.Constant and type(node.value) is bool


def _qualnames(view: AstView, node, scope) -> set[str]:
    """types._qualnames: qualified names, else the dotted name as written."""
    names = set(view.names(node, scope)) if scope is not None else set()
    if not names and (type(node) in (ast.Name, ast.Attribute) or _is_name_constant(node)):
        full = _full_name(node)
        if full:
            names.add(full)
    return names


def literal_kind(expr, view: AstView, scope) -> Optional[str]:
    """values.literal_kind for a CPython expression."""
    kind = type(expr)
    if kind is ast.Constant:
        value = expr.value
        if value is None:
            return kinds.NONE
        if type(value) is bool:
            return "bool"
        if type(value) is int:
            return "int"
        if type(value) is float:
            return "float"
        if type(value) is complex:
            return "complex"
        if type(value) is bytes:
            return "bytes" if _single_string(view, expr) is not None else "str"  # LibCST: "b" "c" is a str
        if type(value) is str:
            return "str"
        return None
    if kind is ast.JoinedStr:
        return "str"
    if kind is ast.UnaryOp and type(expr.op) in (ast.USub, ast.UAdd):
        return literal_kind(expr.operand, view, scope)
    if kind is ast.BinOp:
        left, right = literal_kind(expr.left, view, scope), literal_kind(expr.right, view, scope)
        if left in ("int", "float") and right in ("int", "float"):
            return "float" if "float" in (left, right) or type(expr.op) is ast.Div else "int"
        return None
    if kind is ast.Tuple:
        return kinds.TUPLE
    if kind is ast.List or kind is ast.ListComp:
        return kinds.LIST
    if kind is ast.Dict or kind is ast.DictComp:
        return kinds.DICT
    if kind is ast.Set or kind is ast.SetComp:
        return kinds.SET
    if kind is ast.Call:
        return call_literal_kind(view.names(expr.func, scope) if scope is not None else set())
    return None


def _is_mixed(value, view: AstView, scope) -> bool:
    """A dict or list literal whose values are literals of different types (torch cannot type it)."""
    if type(value) is ast.Dict:
        if any(key is None for key in value.keys):  # **spread
            return False
        items = value.values
    elif type(value) is ast.List:
        if any(type(e) is ast.Starred for e in value.elts):
            return False
        items = value.elts
    else:
        return False
    found = [literal_kind(item, view, scope) for item in items]
    if not found or None in found or kinds.NONE in found:
        return False
    return len(set(found)) > 1 and set(found) <= set(kinds.CONSTANT_SCALARS)
