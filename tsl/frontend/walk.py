"""Fast read-only traversal of LibCST trees.

`CSTNode.visit` rebuilds every node it passes (it is written for transformers),
which makes a read-only walk cost about as much as parsing. This module visits
the same children in the same order without rebuilding anything: the order of
each node class's fields is learned once, from the class's own
`_visit_and_replace_children`, and then reused.

Nothing here changes LibCST (tsl/frontend/libcst_speedups.py does, inside a `with`).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Iterator, Optional

import libcst as cst

_CSTNode = cst.CSTNode
_ORDER: dict[type, tuple[str, ...]] = {}
_UNSURE: dict[type, tuple[str, ...]] = {}
_IS_NODE: dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    found = _IS_NODE.get(kind)
    if found is None:
        found = _IS_NODE[kind] = issubclass(kind, _CSTNode)
    return found


class _FieldRecorder(cst.CSTVisitor):
    """Records the field names a node's _visit_and_replace_children visits, in order."""

    def __init__(self) -> None:
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if not self.fields or self.fields[-1] != attribute:
            self.fields.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


def _learn(node: cst.CSTNode) -> tuple[str, ...]:
    recorder = _FieldRecorder()
    node._visit_and_replace_children(recorder)
    fields = list(recorder.fields)
    for name in _ORDER.get(type(node), ()):
        if name not in fields:  # seen on an earlier instance only
            fields.append(name)
    order = tuple(fields)
    _ORDER[type(node)] = order
    # Fields this instance did not visit because they were empty (e.g. an absent
    # format_spec): until an instance visits them their place is unknown.
    unsure = tuple(
        f.name for f in dataclasses.fields(node)
        if f.name not in order and _empty(getattr(node, f.name))
    )
    if unsure:
        _UNSURE[type(node)] = unsure
    else:
        _UNSURE.pop(type(node), None)
    return order


def _empty(value) -> bool:
    return value is None or (type(value) in (tuple, list) and not value)


def _fields(node: cst.CSTNode) -> tuple[str, ...]:
    kind = type(node)
    order = _ORDER.get(kind)
    if order is None:
        return _learn(node)
    unsure = _UNSURE.get(kind)
    if unsure is not None and any(not _empty(getattr(node, name)) for name in unsure):
        return _learn(node)
    return order


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """node.children, without rebuilding node."""
    found: list[cst.CSTNode] = []
    is_node = _IS_NODE  # per type, not isinstance: CSTNode is an ABC and its checks are slow
    order = _ORDER.get(type(node))
    if order is None or type(node) in _UNSURE:
        order = _fields(node)
    for name in order:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                known = is_node.get(type(item))
                if known is None:
                    known = _is_node(type(item))
                if known:
                    found.append(item)
        else:
            known = is_node.get(kind)
            if known is None:
                known = _is_node(kind)
            if known:
                found.append(value)
    return found


def walk(node: cst.CSTNode, on_visit: Callable[[cst.CSTNode], bool],
         on_leave: Optional[Callable[[cst.CSTNode], None]] = None) -> None:
    """Call on_visit(n) before n's children (skip them when it returns False) and
    on_leave(n) after, in the order CSTNode.visit would."""
    if not on_visit(node):
        if on_leave is not None:
            on_leave(node)
        return
    order = _ORDER.get(type(node))
    if order is None or type(node) in _UNSURE:
        order = _fields(node)
    for name in order:
        value = getattr(node, name)
        if isinstance(value, _CSTNode):
            walk(value, on_visit, on_leave)
        elif type(value) is tuple or type(value) is list:
            for item in value:
                if isinstance(item, _CSTNode):
                    walk(item, on_visit, on_leave)
    if on_leave is not None:
        on_leave(node)


def iter_nodes(node: cst.CSTNode, skip: Callable[[cst.CSTNode], bool] = lambda n: False) -> Iterator[cst.CSTNode]:
    """Pre-order, in visit order; the children of nodes for which skip(n) is true are not entered."""
    stack = [node]
    order = _ORDER
    while stack:
        current = stack.pop()
        yield current
        if skip(current):
            continue
        pending = []
        fields = order.get(type(current))
        if fields is None or type(current) in _UNSURE:
            fields = _fields(current)
        for name in fields:
            value = getattr(current, name)
            if isinstance(value, _CSTNode):
                pending.append(value)
            elif type(value) is tuple or type(value) is list:
                for item in value:
                    if isinstance(item, _CSTNode):
                        pending.append(item)
        pending.reverse()
        stack.extend(pending)


_STRUCTURE = (cst.BaseSuite, cst.BaseCompoundStatement, cst.SimpleStatementLine, cst.Else, cst.Finally,
              cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase)


def statements(block: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every statement under block, small (Assign, Return, ...) and compound, in visit order,
    without entering nested function definitions or any expression: no statement can be
    inside an expression, so this finds the same statements a full walk would."""
    stack = [block]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.FunctionDef) and node is not block:
            yield node
            continue
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            yield node
        if isinstance(node, cst.BaseSmallStatement):
            continue
        inner = [child for child in children(node) if isinstance(child, _STRUCTURE)
                 or isinstance(child, cst.BaseSmallStatement)]
        inner.reverse()
        stack.extend(inner)


def parent_map(root: cst.CSTNode) -> dict[cst.CSTNode, cst.CSTNode]:
    """What ParentNodeProvider computes: each node below root mapped to its parent."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    stack = [root]
    order = _ORDER
    unsure = _UNSURE
    while stack:
        current = stack.pop()
        fields = order.get(type(current))
        if fields is None or type(current) in unsure:
            fields = _fields(current)
        for name in fields:
            value = getattr(current, name)
            if isinstance(value, _CSTNode):
                parents[value] = current
                stack.append(value)
            elif type(value) is tuple or type(value) is list:
                for item in value:
                    if isinstance(item, _CSTNode):
                        parents[item] = current
                        stack.append(item)
    return parents
