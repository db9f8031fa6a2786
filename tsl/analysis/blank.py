"""The text LibCST parses for a file's rules: the defs the rules never read, without their bodies.

The rules look at a file's compiled functions, their classes and what those
name. Every other top-level function and method gets `...` for a body, line for
line, so that every kept node has the same position as in the real file and
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


def kept_defs(tree: ast.Module, functions: set[str], classes: set[str]) -> tuple[set[str], set[str]]:
    """(top-level functions, classes) whose bodies stay: those given, and every one named in what stays."""
    defs = {s.name: s for s in tree.body if isinstance(s, _FUNCTIONS)}
    types = {s.name: s for s in tree.body if isinstance(s, ast.ClassDef)}
    keep_functions, keep_classes = set(), set()
    todo = [*(n for n in functions if n in defs), *(n for n in classes if n in types)]
    while todo:
        name = todo.pop()
        node = types.get(name) if name in types and name not in keep_classes else None
        if node is not None:
            keep_classes.add(name)
        elif name in defs and name not in keep_functions:
            node = defs[name]
            keep_functions.add(name)
        if node is None:
            continue
        for found in _names([node]):
            if (found in types and found not in keep_classes) or (found in defs and found not in keep_functions):
                todo.append(found)
    return keep_functions, keep_classes


def blanked_text(text: str, tree: ast.Module, functions: set[str], classes: set[str]) -> Optional[str]:
    """text with the bodies of the other top-level functions and methods made `...`; None if nothing goes."""
    keep_functions, keep_classes = kept_defs(tree, functions, classes)
    targets = []
    for statement in tree.body:
        if isinstance(statement, _FUNCTIONS) and statement.name not in keep_functions:
            targets.append(statement)
        elif isinstance(statement, ast.ClassDef) and statement.name not in keep_classes:
            targets += [s for s in statement.body if isinstance(s, _FUNCTIONS)]
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
