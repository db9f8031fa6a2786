"""Which parts of a compiled function the compiler emits.

torch.jit.script parses a whole function first (so syntax errors anywhere in it
fail), then emits only live code: a branch that `torch.jit.is_scripting()` makes
statically dead is skipped, and so is what follows an always-returning
`if torch.jit.is_scripting():` block. Every block of a `try` (body, handlers,
else, finally) is scanned the same way: the compiler rejects the try itself
(TSL103), and what else would fail there is judged as anywhere else.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import libcst as cst

IS_SCRIPTING = {
    "torch.jit.is_scripting",
    "torch.jit._script.is_scripting",
    "torch._jit_internal.is_scripting",
}

QualNames = Callable[[cst.CSTNode], set]


def static_truth(expr: cst.BaseExpression, qualnames: QualNames) -> Optional[bool]:
    """The value the compiler knows expr has, or None when it is dynamic."""
    if isinstance(expr, cst.Call) and not expr.args:
        if qualnames(expr.func) & IS_SCRIPTING:
            return True
        return None
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        inner = static_truth(expr.expression, qualnames)
        return None if inner is None else not inner
    if isinstance(expr, cst.BooleanOperation):
        left = static_truth(expr.left, qualnames)
        right = static_truth(expr.right, qualnames)
        if isinstance(expr.operator, cst.And):
            if left is False or right is False:
                return False
            return True if left is True and right is True else None
        if left is True or right is True:
            return True
        return False if left is False and right is False else None
    return None


def always_exits(body: cst.BaseSuite) -> bool:
    """True when a block ends in return/raise on every path."""
    statements: Sequence = body.body
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in last.body)
    if isinstance(last, cst.SimpleStatementSuite):
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in last.body)
    if isinstance(last, cst.If):
        orelse = last.orelse
        if orelse is None:
            return False
        other = orelse.body if isinstance(orelse, cst.Else) else None
        if isinstance(orelse, cst.If):
            return always_exits(last.body) and _if_exits(orelse)
        return always_exits(last.body) and always_exits(other)
    return False


def _if_exits(node: cst.If) -> bool:
    return always_exits(node.body) and node.orelse is not None and (
        _if_exits(node.orelse) if isinstance(node.orelse, cst.If) else always_exits(node.orelse.body)
    )


def dead_nodes(body: cst.BaseSuite, qualnames: QualNames) -> set[int]:
    """ids of the nodes inside body that the compiler never emits."""
    dead: set[int] = set()
    _scan_block(body, qualnames, dead)
    return dead


def _scan_block(block: cst.CSTNode, qualnames: QualNames, dead: set[int]) -> None:
    statements = getattr(block, "body", ())
    if not isinstance(statements, (list, tuple)):
        return
    rest_dead = False
    for statement in statements:
        if rest_dead:
            dead.add(id(statement))
            continue
        if isinstance(statement, cst.If):
            rest_dead = _scan_if(statement, qualnames, dead)
        elif isinstance(statement, (cst.For, cst.While, cst.With)):
            _scan_block(statement.body, qualnames, dead)
            orelse = getattr(statement, "orelse", None)
            if orelse is not None:
                _scan_block(orelse.body, qualnames, dead)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            for part in _try_parts(statement):
                _scan_block(part, qualnames, dead)


def _try_parts(node) -> list:
    """The blocks of a try: body, handlers, else and finally (each scanned like any block)."""
    parts = [node.body, *(handler.body for handler in node.handlers)]
    return parts + [clause.body for clause in (node.orelse, node.finalbody) if clause is not None]


def _scan_if(node: cst.If, qualnames: QualNames, dead: set[int]) -> bool:
    """Mark dead branches of node; True if the statements after it are dead."""
    truth = static_truth(node.test, qualnames)
    orelse = node.orelse
    if truth is False:
        dead.add(id(node.body))
    else:
        _scan_block(node.body, qualnames, dead)
    if orelse is not None:
        if truth is True:
            dead.add(id(orelse))
        elif isinstance(orelse, cst.If):
            _scan_if(orelse, qualnames, dead)
        else:
            _scan_block(orelse.body, qualnames, dead)
    if truth is True and always_exits(node.body):
        return True
    if truth is False and orelse is not None and isinstance(orelse, cst.Else) and always_exits(orelse.body):
        return True
    return False
