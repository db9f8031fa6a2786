"""The text LibCST parses for a file's rules: what no rule reads left out, line for line.

The rules look at a file's compiled functions, their classes and what those
name. Every other top-level function and method becomes `def NAME():` with `...`
for a body, and the values of module-level assignments that no kept code names
become `(...)`, each keeping its lines, so that every kept node has the same
position as in the real file and LibCST (and its scope analysis) has far less to
do. What `__init__` assigns to self is read from CPython's tree instead
(tsl.model.self_attributes). What else stays follows from what the enabled
rules read (tsl.frontend.reads): for TRACE_CALLS, the defs that call
`X.trace(...)`, and the whole file when it reaches `trace` any other way
(importing it by name, passing it around); for GLOBAL_DEFINITIONS, the defs that
declare `global` (they bind the module's names). `tests/test_blank.py` checks that the findings are the same with and
without it; `--fix` never uses it.
"""
from __future__ import annotations

import ast
import re
from typing import Iterable, Optional

from tsl.frontend.cpython_index import walk_nodes
from tsl.frontend.reads import ALL, GLOBAL_DEFINITIONS, TRACE_CALLS
from tsl.frontend.source import split_lines

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _names(nodes: Iterable[ast.AST]) -> set[str]:
    found: set[str] = set()
    for inner in walk_nodes(nodes):
        kind = type(inner)
        if kind is ast.Name:
            found.add(inner.id)
        elif kind is ast.Attribute:
            found.add(inner.attr)
    return found


def kept_defs(tree: ast.Module, functions: set[str], methods: set[tuple[str, str]],
              classes: set[str], stay: frozenset = frozenset()) -> tuple[set[str], dict[str, set[str]], set[str]]:
    """(top-level functions whose bodies stay, {class that stays: its methods whose bodies
    stay}, every name the kept code names): those with compiled code, and then, until nothing
    changes, every one that kept code names (a call, a base, an annotation).

    Of a kept class, what is kept is its header, its class-level statements and the methods
    _kept_methods names (and those in stay): the bodies of its other methods go."""
    defs = {s.name: s for s in tree.body if isinstance(s, _FUNCTIONS)}
    types = {s.name: s for s in tree.body if isinstance(s, ast.ClassDef)}
    keep_functions: set[str] = set()
    keep_classes: dict[str, set[str]] = {}
    named: set[str] = set()
    todo = [*functions, *(klass for klass, _ in methods), *classes]
    while todo:
        name = todo.pop()
        if name in types and name not in keep_classes:
            klass = types[name]
            kept = keep_classes[name] = _kept_methods(klass, {m for owner, m in methods if owner == name})
            found = _names(_kept_parts(klass, kept, stay))
        elif name in defs and name not in keep_functions:
            keep_functions.add(name)
            found = _names([defs[name]])
        else:
            continue
        named |= found
        todo.extend(found)
    return keep_functions, keep_classes, named


def _kept_parts(klass: ast.ClassDef, kept: set[str], stay: frozenset) -> list:
    parts = [*klass.bases, *(keyword.value for keyword in klass.keywords), *klass.decorator_list]
    for statement in klass.body:
        if not isinstance(statement, _FUNCTIONS) or statement.name in kept or id(statement) in stay:
            parts.append(statement)
    return parts


_TRACE = {"trace", "trace_module"}
_WORDS = {  # what is read -> the whole word that may keep code for it (names and keywords are whole words)
    TRACE_CALLS: ("trace", re.compile(r"\b(?:trace|trace_module)\b")),
    GLOBAL_DEFINITIONS: ("global", re.compile(r"\bglobal\b")),
}


def _may_stay(text: str, reads: frozenset) -> bool:
    return any(word in text and pattern.search(text) is not None
               for read, (word, pattern) in _WORDS.items() if read in reads)


def _must_stay(tree: ast.Module, text: str, reads: frozenset) -> Optional[set[int]]:
    """The ids of the defs whose bodies must stay whatever the plan: for TRACE_CALLS, those
    that call `X.trace(...)`; for GLOBAL_DEFINITIONS, those that declare `global`. None when
    trace is read and reached any other way (imported by name, passed around): then nothing
    may go."""
    if not _may_stay(text, reads):
        return set()
    trace, names = TRACE_CALLS in reads, GLOBAL_DEFINITIONS in reads
    units: list = []  # (def, its nodes), and (None, the nodes outside every def)
    outside: list = []
    for statement in tree.body:
        if isinstance(statement, _FUNCTIONS):
            units.append((statement, walk_nodes([statement])))
        elif isinstance(statement, ast.ClassDef):
            units += [(method, walk_nodes([method])) for method in _methods(statement)]
            outside += _outside_methods(statement)
        else:
            outside += walk_nodes([statement])
    units.append((None, outside))
    stay: set[int] = set()
    for owner, nodes in units:
        called: set[int] = set()
        for node in nodes:
            if trace and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in _TRACE:
                called.add(id(node.func))
                if owner is not None:
                    stay.add(id(owner))
            elif trace and isinstance(node, ast.alias) and ({node.name.rpartition(".")[2], node.asname} & _TRACE):
                return None
            elif names and isinstance(node, ast.Global) and owner is not None:
                stay.add(id(owner))
        for node in nodes if trace else ():
            if isinstance(node, ast.Attribute) and node.attr in _TRACE and id(node) not in called:
                return None
    return stay


def _outside_methods(klass: ast.ClassDef) -> list:
    """The nodes of klass that are in none of its methods (nor its nested classes' methods)."""
    found: list = [klass]
    for part in [*klass.bases, *klass.keywords, *klass.decorator_list]:
        found += walk_nodes([part])
    for statement in klass.body:
        if isinstance(statement, ast.ClassDef):
            found += _outside_methods(statement)
        elif not isinstance(statement, _FUNCTIONS):
            found += walk_nodes([statement])
    return found


def _methods(klass: ast.ClassDef) -> list:
    """The methods of klass and of the classes nested in it."""
    found = []
    for statement in klass.body:
        if isinstance(statement, _FUNCTIONS):
            found.append(statement)
        elif isinstance(statement, ast.ClassDef):
            found += _methods(statement)
    return found


def blank(text: str, tree: ast.Module, functions: set[str], methods: set[tuple[str, str]],
          classes: set[str], reads: frozenset = ALL) -> Optional[str]:
    """text with the bodies of the other top-level functions and methods made `...`; None if nothing goes.

    A kept class keeps the bodies of its compiled methods, `forward` and the methods those
    name as `self.NAME`. What `__init__` and its helpers assign to self is read from CPython's
    tree (tsl.model.self_attributes), what the others assign from the index
    (FunctionInfo.self_assigned)."""
    stay = _must_stay(tree, text, reads)
    if stay is None:
        return None
    keep_functions, keep_classes, named = kept_defs(tree, functions, methods, classes, stay)
    targets = []
    for statement in tree.body:
        if isinstance(statement, _FUNCTIONS) and statement.name not in keep_functions:
            targets.append(statement)
        elif isinstance(statement, ast.ClassDef):
            if statement.name not in keep_classes:
                targets += _methods(statement)
                continue
            kept = keep_classes[statement.name]
            for method in statement.body:
                if isinstance(method, _FUNCTIONS) and method.name not in kept and id(method) not in stay:
                    targets.append(method)
    targets = [node for node in targets if id(node) not in stay]
    values = _unread_values(tree, named) if not _may_stay(text, reads) else []
    if not targets and not values:
        return None
    lines = split_lines(text, keepends=True)
    changed = False
    for value in values:
        changed = _blank_value(lines, value) or changed
    for node in targets:
        first = node.body[0]
        start = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", ()))])
        line = lines[start - 1]
        code = line.lstrip(" \t\f")
        indent = line[: len(line) - len(code)]
        starts_line = code.startswith("@") if start < first.lineno else len(indent.encode("utf-8")) == first.col_offset
        if not starts_line or start <= node.lineno:
            continue  # the body shares a line with its header
        lines[start - 1] = indent + "..." + _newline(line)
        for number in range(start, node.end_lineno):
            lines[number] = _newline(lines[number])
        _blank_header(lines, node, start)
        changed = True
    return "".join(lines) if changed else None


def _unread_values(tree: ast.Module, named: set[str]) -> list:
    """The values of module-level assignments to names no kept code names, spanning lines
    (timm's default_cfgs): no rule reads them (TSL302 reads the values of the globals that
    compiled code reads)."""
    found = []
    for statement in tree.body:
        if type(statement) is ast.Assign:
            targets = statement.targets
        elif type(statement) is ast.AnnAssign and statement.value is not None:
            targets = [statement.target]
        else:
            continue
        value = statement.value
        if value.end_lineno > value.lineno and all(type(t) is ast.Name and t.id not in named for t in targets):
            found.append(value)
    return found


def _blank_value(lines: list[str], value) -> bool:
    """`NAME = {\\n...\\n}` becomes `NAME = (...\\n\\n)`, line for line (ASCII lines only)."""
    first, last = value.lineno, value.end_lineno
    if not all(lines[n - 1].isascii() for n in range(first, last + 1)):
        return False
    head, tail = lines[first - 1], lines[last - 1]
    if first == last or value.end_col_offset > len(tail.rstrip("\r\n")):
        return False
    lines[first - 1] = head[:value.col_offset] + "(..." + _newline(head)
    for number in range(first, last - 1):
        lines[number] = _newline(lines[number])
    lines[last - 1] = ")" + tail[value.end_col_offset:]
    return True


def _blank_header(lines: list[str], node, body_start: int) -> None:
    """Reduce the header of a def whose body went to `def NAME():` on its own line, without its
    decorators, parameters and annotations (timm's @register_model functions, long __init__
    signatures), line for line."""
    for number in range(min([node.lineno, *(d.lineno for d in node.decorator_list)]), body_start):
        line = lines[number - 1]
        if number == node.lineno:
            indent = line[: len(line) - len(line.lstrip(" \t\f"))]
            keyword = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
            lines[number - 1] = f"{indent}{keyword} {node.name}():" + _newline(line)
        else:
            lines[number - 1] = _newline(line)


def _kept_methods(klass: ast.ClassDef, compiled: set[str]) -> set[str]:
    """Names of the methods of a kept class whose bodies stay (see blank)."""
    bodies: dict[str, list] = {}
    for statement in klass.body:
        if isinstance(statement, _FUNCTIONS):
            bodies.setdefault(statement.name, []).append(statement)
    kept: set[str] = set()
    first = (*compiled, "forward")
    todo = [name for name in first if name in bodies]
    while todo:
        name = todo.pop()
        if name in kept:
            continue
        kept.add(name)
        for node in walk_nodes(bodies[name]):
            if type(node) is ast.Attribute and node.attr in bodies and type(node.value) is ast.Name \
                    and node.value.id == "self":
                todo.append(node.attr)
    return kept


def _newline(line: str) -> str:
    stripped = line.rstrip("\r\n")
    return line[len(stripped):]
