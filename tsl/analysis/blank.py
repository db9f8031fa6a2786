"""The text LibCST parses for a file's rules: the defs the rules never read, without their bodies.

The rules look at a file's compiled functions, their classes' __init__ and what
those name. Every other top-level function and method gets `...` for a body, line
for line, so that every kept node has the same position as in the real file and
LibCST (and its scope analysis) has far less to do. `tests/test_blank.py` checks
that the findings are the same with and without it; `--fix` never uses it.
"""
from __future__ import annotations

import ast
import re
from typing import Iterable, Optional

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _names(nodes: Iterable[ast.AST]) -> set[str]:
    found: set[str] = set()
    for node in nodes:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name):
                found.add(inner.id)
            elif isinstance(inner, ast.Attribute):
                found.add(inner.attr)
    return found


def kept_defs(tree: ast.Module, functions: set[str], methods: set[tuple[str, str]],
              classes: set[str]) -> tuple[set[str], set[tuple[str, str]]]:
    """(top-level functions, (class, method) pairs) whose bodies stay.

    Those given stay, with their classes' __init__ (attribute types come from it);
    then, until nothing changes, every top-level function, class and method of a kept
    class that kept code names (a call, a base, `self.helper`, an annotation)."""
    defs = {s.name: s for s in tree.body if isinstance(s, _FUNCTIONS)}
    types = {s.name: s for s in tree.body if isinstance(s, ast.ClassDef)}
    methods_of = {name: {} for name in types}
    for name, node in types.items():
        for statement in node.body:
            if isinstance(statement, _FUNCTIONS):
                methods_of[name].setdefault(statement.name, []).append(statement)
    keep_functions: set[str] = set()
    keep_methods: set[tuple[str, str]] = set()
    keep_classes: set[str] = set()
    named: set[str] = set()
    todo: list = []

    def keep_function(name: str) -> None:
        if name in defs and name not in keep_functions:
            keep_functions.add(name)
            todo.append(defs[name])

    def keep_method(klass: str, name: str) -> None:
        if name in methods_of.get(klass, ()) and (klass, name) not in keep_methods:
            keep_methods.add((klass, name))
            todo.extend(methods_of[klass][name])

    def keep_class(name: str) -> None:
        if name in types and name not in keep_classes:
            keep_classes.add(name)
            node = types[name]
            todo.extend([*node.bases, *node.keywords, *node.decorator_list])
            todo.extend(s for s in node.body if not isinstance(s, _FUNCTIONS))
            for method in ("__init__", *named):
                keep_method(name, method)

    for name in functions:
        keep_function(name)
    for klass, name in methods:
        keep_class(klass)
        keep_method(klass, name)
    for name in classes:
        keep_class(name)
    while todo:
        for name in _names([todo.pop()]) - named:
            named.add(name)
            keep_function(name)
            keep_class(name)
            for klass in keep_classes:
                keep_method(klass, name)
    return keep_functions, keep_methods


def blanked_text(text: str, tree: ast.Module, functions: set[str], methods: set[tuple[str, str]],
                 classes: set[str]) -> Optional[str]:
    """text with the bodies of the other top-level functions and methods made `...`; None if nothing goes."""
    keep_functions, keep_methods = kept_defs(tree, functions, methods, classes)
    targets = []
    for statement in tree.body:
        if isinstance(statement, _FUNCTIONS) and statement.name not in keep_functions:
            targets.append(statement)
        elif isinstance(statement, ast.ClassDef):
            targets += [s for s in statement.body
                        if isinstance(s, _FUNCTIONS) and (statement.name, s.name) not in keep_methods]
    if not targets:
        return None
    lines = _LINES.findall(text)
    changed = False
    for node in targets:
        first = node.body[0]
        start = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", ()))])
        line = lines[start - 1]
        code = line.lstrip(" \t\f")
        indent = line[: len(line) - len(code)]
        starts_line = code.startswith("@") if start < first.lineno else len(indent.encode("utf-8")) == first.col_offset
        if not starts_line or start <= node.lineno or node.end_lineno - start < 1:
            continue  # the body shares a line with its header, or is one line already
        lines[start - 1] = indent + "..." + _newline(line)
        for number in range(start, node.end_lineno):
            lines[number] = _newline(lines[number])
        changed = True
    return "".join(lines) if changed else None


def _newline(line: str) -> str:
    stripped = line.rstrip("\r\n")
    return line[len(stripped):]
