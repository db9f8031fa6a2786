"""Definite assignment and None-typed variables, the way the compiler's emitter sees them.

The compiler joins the environments of an `if`'s branches: a variable defined in
only one branch ("y is not defined in the false branch") or only inside a loop
("undefined value y") is unusable afterwards. Inside a nested block, assigning
a value to a variable that an outer block set to None fails at once ("Variable
'y' previously had type NoneType but is now being assigned to a value of type
Tensor"). Conditions the compiler may decide statically (isinstance, `is None`,
is_scripting, module attributes other than `training`) are not judged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from tsl.frontend.walk import iter_nodes

STATIC_CALLS = {"isinstance", "hasattr", "is_scripting", "is_tracing", "_is_tracing", "callable"}


@dataclass
class FlowIssue:
    kind: str  # "branch", "loop" or "none"
    name: str
    node: cst.CSTNode  # the read (branch/loop) or the assignment (none)
    origin: Optional[cst.CSTNode] = None  # the if/loop that defines it partially


def _is_none(expr) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _static_test(test: cst.BaseExpression) -> bool:
    for node in iter_nodes(test):
        if isinstance(node, cst.Call):
            func = node.func
            name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
            if name in STATIC_CALLS:
                return True
        if isinstance(node, cst.ComparisonTarget) and isinstance(node.operator, (cst.Is, cst.IsNot)):
            return True
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
            if node.attr.value != "training":
                return True
        if isinstance(node, cst.Name) and node.value.isupper():
            return True  # a module constant
    return False


def _targets(target, out: list) -> None:
    if isinstance(target, cst.Name):
        out.append(target.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _targets(element.value, out)
    elif isinstance(target, cst.StarredElement):
        _targets(target.value, out)


def _reads(node) -> list[cst.Name]:
    """Names loaded in node (not nested functions; assignment targets excluded)."""
    names = []
    stores = set()
    for sub in iter_nodes(node):  # a store is marked at an ancestor, before its Name comes
        if type(sub) is cst.Name:
            names.append(sub)
        elif isinstance(sub, cst.AssignTarget):
            _mark(sub.target, stores)
        elif isinstance(sub, (cst.AnnAssign,)):
            _mark(sub.target, stores)
        elif isinstance(sub, (cst.For, cst.CompFor)):
            _mark(sub.target, stores)
        elif isinstance(sub, cst.AsName):
            _mark(sub.name, stores)
        elif isinstance(sub, cst.Attribute):
            stores.add(id(sub.attr))
        elif isinstance(sub, cst.Arg) and sub.keyword is not None:
            stores.add(id(sub.keyword))
        elif isinstance(sub, (cst.Lambda, cst.FunctionDef)):
            for inner in iter_nodes(sub):
                stores.add(id(inner))
    return [name for name in names if id(name) not in stores]


def _stored_into(target) -> list:
    """The subscript and attribute targets inside an assignment target (their parts are read)."""
    if isinstance(target, (cst.Subscript, cst.Attribute)):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [p for e in target.elements for p in _stored_into(e.value)]
    if isinstance(target, cst.StarredElement):
        return _stored_into(target.value)
    return []


def _assigned(node) -> set[str]:
    """Every name node assigns (not judged: treated as defined)."""
    names: list = []
    for sub in iter_nodes(node):
        if isinstance(sub, cst.AssignTarget):
            _targets(sub.target, names)
        elif isinstance(sub, (cst.AnnAssign, cst.AugAssign)):
            _targets(sub.target, names)
        elif isinstance(sub, (cst.For, cst.CompFor)):
            _targets(sub.target, names)
        elif isinstance(sub, cst.AsName):
            _targets(sub.name, names)
        elif isinstance(sub, cst.NamedExpr):
            _targets(sub.target, names)
    return set(names)


def _mark(target, stores: set) -> None:
    if isinstance(target, cst.Name):
        stores.add(id(target))
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _mark(element.value, stores)
    elif isinstance(target, cst.StarredElement):
        _mark(target.value, stores)


@dataclass
class _Env:
    defined: set = field(default_factory=set)  # definitely defined
    maybe: dict = field(default_factory=dict)  # name -> (kind, origin node): defined on some paths only
    none: set = field(default_factory=set)  # names whose current type is NoneType (unannotated = None)

    def copy(self) -> "_Env":
        return _Env(set(self.defined), dict(self.maybe), set(self.none))


class Flow:
    def __init__(self, function: cst.FunctionDef, params: set[str], dead: set[int]):
        self.issues: list[FlowIssue] = []
        self.dead = dead
        self.reported: set[str] = set()
        env = _Env(defined=set(params))
        self._block(function.body, env, outer_none=set())

    # returns True when the block always exits (return/raise)
    def _block(self, block, env: _Env, outer_none: set) -> bool:
        statements = getattr(block, "body", ())
        if not isinstance(statements, (list, tuple)):
            return False
        for statement in statements:
            if id(statement) in self.dead:
                return False
            if self._statement(statement, env, outer_none):
                return True
        return False

    def _use(self, node, env: _Env) -> None:
        for name in _reads(node):
            hit = env.maybe.get(name.value)
            if hit is not None and name.value not in env.defined and name.value not in self.reported:
                self.reported.add(name.value)
                self.issues.append(FlowIssue(hit[0], name.value, name, hit[1]))

    def _assign(self, names: list[str], value, env: _Env, outer_none: set, node, annotated=False) -> None:
        for name in names:
            if name in outer_none and not _is_none(value) and not annotated and value is not None:
                self.issues.append(FlowIssue("none", name, node))
                outer_none.discard(name)
            env.defined.add(name)
            env.maybe.pop(name, None)
            if _is_none(value) and not annotated:
                env.none.add(name)
            else:
                env.none.discard(name)

    def _statement(self, statement, env: _Env, outer_none: set) -> bool:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    self._use(small.value, env)
                    names: list = []
                    for target in small.targets:
                        _targets(target.target, names)
                        for part in _stored_into(target.target):
                            self._use(part, env)  # a[i] = ..., o.x = ...: the base and index are read
                    self._assign(names, small.value, env, outer_none, small)
                elif isinstance(small, cst.AnnAssign):
                    if small.value is not None:
                        self._use(small.value, env)
                        names = []
                        _targets(small.target, names)
                        self._assign(names, small.value, env, outer_none, small, annotated=True)
                elif isinstance(small, cst.AugAssign):
                    self._use(small, env)
                else:
                    self._use(small, env)
                if isinstance(small, (cst.Return, cst.Raise)):
                    return True
            return False
        if isinstance(statement, cst.If):
            return self._if(statement, env, outer_none)
        if isinstance(statement, (cst.For, cst.While)):
            self._use(statement.iter if isinstance(statement, cst.For) else statement.test, env)
            inner = env.copy()
            names: list = []
            if isinstance(statement, cst.For):
                _targets(statement.target, names)
                inner.defined |= set(names)
            nested_none = set(env.none) | outer_none
            self._block(statement.body, inner, nested_none)
            unrolled = isinstance(statement, cst.For) and (isinstance(statement.iter, cst.Tuple) or any(
                isinstance(n, cst.Attribute) and isinstance(n.value, cst.Name) and n.value.value == "self"
                for n in iter_nodes(statement.iter)))
            for name in inner.defined - env.defined - set(names):
                if not unrolled:
                    env.maybe.setdefault(name, ("loop", statement))
                else:
                    env.defined.add(name)  # a loop the compiler may unroll: do not judge
            env.none -= inner.defined
            if statement.orelse is not None:
                self._block(statement.orelse.body, env, outer_none)
            return False
        if isinstance(statement, cst.With):
            for item in statement.items:
                self._use(item.item, env)
            return self._block(statement.body, env, outer_none)
        if isinstance(statement, cst.Try):
            # TSL103 reports try; names assigned in it are not judged
            env.defined |= _assigned(statement)
            return False
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            env.defined.add(statement.name.value)
            return False
        self._use(statement, env)
        return False

    def _if(self, node: cst.If, env: _Env, outer_none: set) -> bool:
        self._use(node.test, env)
        if _static_test(node.test):
            names = _assigned(node)
            env.defined |= names
            env.none -= names
            return False
        nested_none = set(env.none) | outer_none
        body = env.copy()
        body_exits = self._block(node.body, body, nested_none)
        other = env.copy()
        orelse = node.orelse
        if orelse is None:
            other_exits = False
        elif isinstance(orelse, cst.If):
            other_exits = self._if(orelse, other, nested_none)
        else:
            other_exits = self._block(orelse.body, other, nested_none)
        branches = [b for b, exits in ((body, body_exits), (other, other_exits)) if not exits]
        if not branches:
            return True
        defined = set.intersection(*(b.defined for b in branches))
        assigned = set.union(*(b.defined for b in branches)) | set.union(*(set(b.maybe) for b in branches))
        for b in branches:
            for name, hit in b.maybe.items():
                env.maybe.setdefault(name, hit)
        for name in assigned - defined:
            env.maybe.setdefault(name, ("branch", node))
        env.defined |= defined
        for name in defined:
            env.maybe.pop(name, None)
        env.none = {n for n in env.none if all(n in b.none or n not in b.defined for b in branches)}
        env.none |= set.intersection(*(b.none for b in branches)) if branches else set()
        return False
