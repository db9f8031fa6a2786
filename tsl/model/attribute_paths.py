"""Which attributes `__init__` sets on every path, and which only under a condition.

The compiler sees only the attributes present on the instance it scripts, and a
plain bool attribute prunes no branch: both sides of `if self.flag:` compile. So
an attribute that `__init__` sets on some paths only breaks scripting of every
instance built on the other paths. Read from CPython's tree (self_attributes.view_of):
the class's effective `__init__`, the `self.*` helpers it calls and the checked
bases' `__init__` reached by `super().__init__(...)` or `Base.__init__(self, ...)`,
inlined where they are called.

Everything unsure counts as set: loops, try blocks, helpers that cannot be read,
calls in expressions. A path that raises builds no instance and is dropped; a
return ends `__init__` (or the helper) there.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from tsl.frontend.cpython_index import _full_name, child_nodes
from tsl.model.self_attributes import view_of

if TYPE_CHECKING:
    from tsl.model.index import ClassInfo, FunctionInfo
    from tsl.model.program import Program

_SKIPPED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_UNSET = object()


@dataclass(frozen=True)
class Condition:
    """One test on the way to an assignment: its source text, the branch taken, and its value
    under the default arguments of the class's own `__init__` (None: unknown)."""

    text: str
    taken: bool
    default: Optional[bool] = None
    simple: bool = False  # the test is a bare name (or `not name`): "`x` is true" reads well
    decided_by: tuple = ()  # ("name=default", ...): the defaults that decide it


@dataclass
class InitPaths:
    """What the paths of `__init__` leave on the instance."""

    always: frozenset = frozenset()  # set on every path that builds an instance
    sites: dict[str, list[tuple[Condition, ...]]] = field(default_factory=dict)  # attribute -> conditions
    readable: bool = True  # False: some part could not be read; say nothing

    def partial(self, name: str) -> bool:
        """name is assigned on some path but not on every one."""
        return self.readable and name in self.sites and name not in self.always


def init_paths(program: "Program", klass: "ClassInfo", call: Optional[ast.Call] = None,
               outer: Optional[dict] = None) -> InitPaths:
    """The paths of klass's `__init__` (cached per program); call: a construction `klass(...)`,
    whose literal arguments (and the defaults of the ones it leaves out) decide tests; outer: the
    values of names it passes (the defaults of the function that holds the call)."""
    cache = program.__dict__.setdefault("_tsl_init_paths", {})
    key = (id(klass), id(call), outer is not None)
    found = cache.get(key)
    if found is None or found[0] is not call:  # the call is kept, so that its id is not reused
        found = cache[key] = (call, _Walker(program, klass, call, outer).run())
    return found[1]


def constructions(program: "Program", parent: "ClassInfo", child: "ClassInfo") -> Optional[list]:
    """The calls that build child in parent's `__init__` and the self.* helpers it calls, each with
    the literal defaults of the function that holds it (None: some part cannot be read)."""
    queue, seen, calls = [program.method(parent, "__init__")], set(), []
    while queue:
        function = queue.pop()
        if function is None or id(function) in seen:
            continue
        seen.add(id(function))
        source = program.source(function)
        view = view_of(source) if source is not None else None
        found = view.method(function) if view is not None else None
        if found is None:
            return None
        node, scope = found
        defaults = _defaults(node)
        for sub in ast.walk(node):
            if type(sub) is not ast.Call:
                continue
            func = sub.func
            if type(func) is ast.Attribute and type(func.value) is ast.Name and func.value.id == "self":
                queue.append(program.method(parent, func.attr))
                continue
            names = set(view.names(func, scope)) if type(func) in (ast.Name, ast.Attribute) else set()
            if not names and type(func) in (ast.Name, ast.Attribute):
                names = {_full_name(func)} - {None}
            if names and program.lookup(names) is child:
                calls.append((sub, defaults))
    return calls


class _Unreadable(Exception):
    pass


class _Walker:
    def __init__(self, program: "Program", klass: "ClassInfo", call: Optional[ast.Call] = None,
                 outer: Optional[dict] = None):
        self.program = program
        self.klass = klass
        self.call = call
        self.outer = outer
        self.result = InitPaths()
        self.stack: list[int] = []
        self.defaults: dict[str, object] = {}  # parameter (or `self.x` holding one) -> its default
        self.aliases: dict[str, str] = {}  # `self.x` -> the parameter it holds
        self.bound: list[dict] = []  # per inlined function: its parameters the call fixes
        self.top = None

    def run(self) -> InitPaths:
        init = self.program.method(self.klass, "__init__")
        if init is None:
            self.result.readable = False
            return self.result
        try:
            node = self._node(init)
            self.top = node
            self.defaults = _defaults(node)
            after = self._function(init, frozenset(), (), self.call)
        except (_Unreadable, RecursionError):
            self.result.readable = False
            return self.result
        if after is None:  # every path raises
            self.result.readable = False
        else:
            self.result.always = after
        return self.result

    def _node(self, function: "FunctionInfo"):
        source = self.program.source(function)
        view = view_of(source) if source is not None else None
        found = view.method(function) if view is not None else None
        if found is None:
            raise _Unreadable
        return found[0]

    def _function(self, function: "FunctionInfo", state: frozenset, conds: tuple,
                  call: Optional[ast.Call] = None) -> Optional[frozenset]:
        """Run function's body from state; what is set when it returns (None: it always raises).
        call: where it is inlined; the literal arguments it passes decide tests on its parameters."""
        if id(function) in self.stack or len(self.stack) > 8:
            raise _Unreadable
        node = self._node(function)
        self.stack.append(id(function))
        outer = self.outer if call is self.call else None
        self.bound.append(_bound(node, call, "staticmethod" in function.decorators, outer) if call is not None else {})
        exits: list[frozenset] = []
        try:
            after = self._block(node.body, state, conds, exits, self._defining_class(function))
        finally:
            self.stack.pop()
            self.bound.pop()
        if after is not None:
            exits.append(after)
        if not exits:
            return None
        return frozenset.intersection(*exits)

    def _defining_class(self, function) -> Optional["ClassInfo"]:
        for current in self.program.mro(self.klass):
            if current.methods.get(function.name) is function:
                return current
        return None

    # -- statements -------------------------------------------------------------------
    def _block(self, body: list, state: frozenset, conds: tuple, exits: list, where) -> Optional[frozenset]:
        for statement in body:
            state, conds = self._statement(statement, state, conds, exits, where)
            if state is None:
                return None
        return state

    def _statement(self, node, state, conds, exits, where):
        kind = type(node)
        if kind in _SKIPPED:
            return state, conds
        if kind is ast.Return:
            if node.value is not None:
                state = self._calls(node.value, state, conds, where)
            if state is not None:
                exits.append(state)
            return None, conds
        if kind is ast.Raise:
            return None, conds
        if kind is ast.Assert:
            truth = _constant(node.test)
            if truth is False:
                return None, conds
            return state, conds
        if kind is ast.If:
            return self._if(node, state, conds, exits, where)
        if kind in (ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With, ast.AsyncWith) or \
                kind.__name__ in ("TryStar", "Match"):
            return self._loose(node, state, conds, exits, where), conds
        if kind in (ast.Break, ast.Continue):
            return state, conds  # only inside loops, which _loose reads
        state = self._calls(node, state, conds, where)
        if state is None:
            return None, conds
        if kind is ast.Assign and len(self.stack) == 1:
            self._alias(node)
        for name in _assigned(node):
            state = state | {name}
            self.result.sites.setdefault(name, []).append(conds)
        return state, conds

    def _if(self, node: ast.If, state, conds, exits, where):
        state = self._calls(node.test, state, conds, where)
        if state is None:
            return None, conds
        truth = _constant(node.test)
        if truth is None and self.bound and self.bound[-1]:
            value = _evaluate(node.test, self.bound[-1])
            truth = None if value is _UNSET else bool(value)
        if truth is None:
            truth = _known(node.test, conds)
        if truth is True:
            return self._block(node.body, state, conds, exits, where), conds
        if truth is False:
            return self._block(node.orelse, state, conds, exits, where), conds
        text = _text(self, node.test)
        default = self._default(node.test, where)
        simple = _simple(node.test)
        decided = () if default is None else tuple(sorted(
            f"{name}={self.defaults[name]!r}" for name in map(self._name, ast.walk(node.test))
            if name in self.defaults and not name.startswith("self.")))
        yes = conds + (Condition(text, True, default, simple, decided),)
        no = conds + (Condition(text, False, default, simple, decided),)
        body = self._block(node.body, state, yes, exits, where)
        orelse = self._block(node.orelse, state, no, exits, where)
        if body is None and orelse is None:
            return None, conds
        if body is None:
            return orelse, no
        if orelse is None:
            return body, yes
        return body & orelse, conds

    def _loose(self, node, state, conds, exits, where) -> frozenset:
        """A loop, try, with or match: a with block runs in order; of the others every assignment
        counts as made (a loop may run no time, a try may stop anywhere: unknown is set)."""
        if type(node) in (ast.With, ast.AsyncWith):
            for item in node.items:
                state = self._calls(item.context_expr, state, conds, where)
                if state is None:
                    return None
            return self._block(node.body, state, conds, exits, where)
        before = state
        inner: list[frozenset] = []
        made = set()
        for body in _bodies(node):
            after = self._block(body, before, conds, inner, where)
            if after is not None:
                made |= after
        for returned in inner:
            made |= returned
        for sub in _bodies_nodes(node):
            made |= set(_assigned(sub))
        exits.extend(inner)
        return before | made

    # -- calls ------------------------------------------------------------------------
    def _calls(self, node, state, conds, where) -> Optional[frozenset]:
        """Inline the self.* helpers and base __init__ called in a statement's expressions."""
        calls = [n for n in _expression_nodes(node) if type(n) is ast.Call]
        calls.sort(key=lambda c: (c.lineno, c.col_offset))
        for call in calls:
            target = self._callee(call, where)
            if target is _UNSET:
                continue
            if target is None:
                raise _Unreadable
            state = self._function(target, state, conds, call)
            if state is None:
                return None
        return state

    def _callee(self, call: ast.Call, where):
        """The FunctionInfo a call runs on self; _UNSET when it is not one; None when unknown."""
        func = call.func
        if type(func) is not ast.Attribute:
            return _UNSET
        owner = func.value
        if type(owner) is ast.Name and owner.id == "self":
            if func.attr in ("register_buffer", "register_parameter", "add_module", "register_module",
                             "apply", "to", "cuda", "cpu", "float", "double", "half", "train", "eval",
                             "modules", "children", "parameters", "named_parameters", "named_modules",
                             "named_children", "buffers", "named_buffers", "state_dict", "load_state_dict",
                             "zero_grad", "requires_grad_", "type", "share_memory", "extra_repr"):
                return _UNSET
            method = self.program.method(self.klass, func.attr)
            if method is None:
                return _UNSET  # an attribute called, or nn.Module's own method
            return method
        if func.attr != "__init__":
            return _UNSET
        base = None
        if type(owner) is ast.Call and type(owner.func) is ast.Name and owner.func.id == "super":
            base = self._next_base(where, owner)
        elif type(owner) in (ast.Name, ast.Attribute) and call.args and type(call.args[0]) is ast.Name \
                and call.args[0].id == "self":
            base = self._named_base(where, owner)
        else:
            return _UNSET
        if base is _UNSET:
            return _UNSET
        if base is None:
            return None
        return base

    def _next_base(self, where, call: ast.Call):
        if where is None:
            return None
        if call.args:  # super(Cls, self): Cls is almost always the defining class
            first = call.args[0]
            if not (type(first) is ast.Name and first.id == where.name):
                return None
        bases = self.program.base_classes(where)
        if len(where.bases) != 1 or len(bases) > 1:
            return None if bases else _UNSET
        if not bases:
            return _UNSET  # nn.Module (or an unchecked base: attributes() marks it incomplete)
        init = self.program.method(bases[0], "__init__")
        return init if init is not None else _UNSET

    def _named_base(self, where, owner):
        if where is None:
            return None
        name = owner.id if type(owner) is ast.Name else owner.attr
        for base in self.program.base_classes(where):
            if base.name == name:
                init = self.program.method(base, "__init__")
                return init if init is not None else _UNSET
        return _UNSET

    # -- conditions -------------------------------------------------------------------
    def _alias(self, node: ast.Assign) -> None:
        """`self.x = param` in the class's own __init__: a test of self.x is a test of param."""
        for target in node.targets:
            if type(target) is ast.Attribute and type(target.value) is ast.Name and target.value.id == "self":
                value = node.value
                if type(value) is ast.Name and value.id in self.defaults:
                    self.defaults["self." + target.attr] = self.defaults[value.id]
                    self.aliases["self." + target.attr] = value.id
                else:
                    self.defaults.pop("self." + target.attr, None)
                    self.aliases.pop("self." + target.attr, None)

    def _name(self, node) -> str:
        if type(node) is ast.Name:
            return node.id
        if type(node) is ast.Attribute and type(node.value) is ast.Name and node.value.id == "self":
            return self.aliases.get("self." + node.attr, "")
        return ""

    def _default(self, test, where) -> Optional[bool]:
        """The test's value when the class is built with its default arguments (in a helper or a
        base's __init__, only `self.x` that holds a parameter of the class's own __init__ is known)."""
        if where is None:
            return None
        names = self.defaults
        if self.stack[-1:] != [id(self.program.method(self.klass, "__init__"))]:
            names = {k: v for k, v in names.items() if k.startswith("self.")}
        value = _evaluate(test, names)
        return None if value is _UNSET else bool(value)

def _bound(node, call: ast.Call, static: bool, outer: Optional[dict] = None) -> dict:
    """The parameters of node (a def) that call fixes: literal arguments (or names outer gives a
    value), and the literal defaults of the ones it leaves out. Past a *args, positions are unknown;
    with a **kwargs, so are the ones it leaves out."""
    arguments = node.args
    outer = outer or {}
    positional = [*arguments.posonlyargs, *arguments.args]
    passed = list(call.args)
    if not static:
        positional = positional[1:]
        if type(call.func) is ast.Attribute and call.func.attr == "__init__" and type(call.func.value) is not ast.Call:
            passed = passed[1:]  # Base.__init__(self, ...)
    starred = any(type(a) is ast.Starred for a in passed)
    expanded = any(k.arg is None for k in call.keywords)
    if not starred and len(passed) > len(positional) and arguments.vararg is None:
        return {}
    values, given = {}, set()
    for parameter, value in zip(positional, passed):
        if type(value) is ast.Starred:
            break
        given.add(parameter.arg)
        values[parameter.arg] = value
    for keyword in call.keywords:
        if keyword.arg is not None:
            given.add(keyword.arg)
            values[keyword.arg] = keyword.value
    found = {}
    for name, value in values.items():
        if type(value) is ast.Name and value.id in outer:
            found[name] = outer[value.id]
            continue
        try:
            found[name] = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
    if not starred and not expanded:
        for name, default in _defaults(node).items():
            if name not in given:
                found[name] = default
    rebound = {n.id for n in ast.walk(node) if type(n) is ast.Name and type(n.ctx) is ast.Store}
    return {name: value for name, value in found.items() if name not in rebound}


def _defaults(node) -> dict:
    """Parameter -> its literal default, for the parameters that have one."""
    arguments = node.args
    found = {}
    positional = [*arguments.posonlyargs, *arguments.args]
    for argument, default in zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults):
        found[argument.arg] = default
    for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if default is not None:
            found[argument.arg] = default
    values = {}
    for name, default in found.items():
        try:
            values[name] = ast.literal_eval(default)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
    # a parameter rebound in the body is not its default any more
    rebound = {n.id for n in ast.walk(node) if type(n) is ast.Name and type(n.ctx) is ast.Store}
    return {name: value for name, value in values.items() if name not in rebound}


_COMPARE = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
    ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}


def _evaluate(node, names: dict):
    """A test over parameters with literal defaults and literals; _UNSET when it is anything else."""
    kind = type(node)
    if kind is ast.Constant:
        return node.value
    if kind is ast.Name:
        return names.get(node.id, _UNSET)
    if kind is ast.Attribute and type(node.value) is ast.Name and node.value.id == "self":
        return names.get("self." + node.attr, _UNSET)
    if kind in (ast.Tuple, ast.List):
        items = [_evaluate(e, names) for e in node.elts]
        return _UNSET if any(i is _UNSET for i in items) else tuple(items)
    if kind is ast.Subscript and type(node.slice) is ast.Constant and type(node.slice.value) is int:
        value = _evaluate(node.value, names)
        if type(value) in (tuple, list) and -len(value) <= node.slice.value < len(value):
            return value[node.slice.value]
        return _UNSET
    if kind is ast.UnaryOp and type(node.op) is ast.Not:
        value = _evaluate(node.operand, names)
        return _UNSET if value is _UNSET else not value
    if kind is ast.BoolOp:
        values = [_evaluate(v, names) for v in node.values]
        if any(v is _UNSET for v in values):
            return _UNSET
        return all(values) if type(node.op) is ast.And else any(values)
    if kind is ast.Compare and len(node.ops) == 1:
        left, right = _evaluate(node.left, names), _evaluate(node.comparators[0], names)
        if left is _UNSET or right is _UNSET:
            return _UNSET
        try:
            return _COMPARE[type(node.ops[0])](left, right)
        except (TypeError, ValueError):
            return _UNSET
    return _UNSET


_NEGATED = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn,
            ast.NotIn: ast.In, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt}


def _known(test, conds: tuple) -> Optional[bool]:
    """The test's value on a path whose conditions already decide it (`elif x != y` after `if x == y`)."""
    text = ast.unparse(test)
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        negation = ast.unparse(test.operand)
    elif type(test) is ast.Compare and len(test.ops) == 1 and type(test.ops[0]) in _NEGATED:
        negation = ast.unparse(ast.Compare(test.left, [_NEGATED[type(test.ops[0])]()], test.comparators))
    else:
        negation = "not " + text if type(test) in (ast.Name, ast.Attribute) else None
    for condition in conds:
        if condition.text == text:
            return condition.taken
        if condition.text == negation:
            return not condition.taken
    return None


def _constant(test) -> Optional[bool]:
    if type(test) is ast.Constant and type(test.value) in (bool, int):
        return bool(test.value)
    return None


def _simple(test) -> bool:
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        test = test.operand
    return type(test) is ast.Name or (type(test) is ast.Attribute and type(test.value) is ast.Name)


def _text(walker: _Walker, node) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError):
        return "a condition"


def _assigned(node) -> list[str]:
    """NAME of each `self.NAME` a simple statement assigns (for its targets; walrus ignored)."""
    targets = []
    kind = type(node)
    if kind is ast.Assign:
        targets = list(node.targets)
    elif kind is ast.AnnAssign:
        targets = [node.target] if node.value is not None else []
    elif kind is ast.AugAssign or kind is ast.For or kind is ast.AsyncFor:
        targets = [node.target]
    elif kind in (ast.With, ast.AsyncWith):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    names = []
    while targets:
        target = targets.pop(0)
        if type(target) is ast.Attribute and type(target.value) is ast.Name and target.value.id == "self":
            names.append(target.attr)
        elif type(target) in (ast.Tuple, ast.List):
            targets.extend(target.elts)
        elif type(target) is ast.Starred:
            targets.append(target.value)
    return names


def _bodies(node) -> list[list]:
    kind = type(node)
    if kind in (ast.For, ast.AsyncFor, ast.While):
        return [node.body, node.orelse]
    if kind.__name__ in ("Try", "TryStar"):
        return [node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody]
    if kind.__name__ == "Match":
        return [case.body for case in node.cases]
    return [getattr(node, "body", [])]


def _bodies_nodes(node) -> list:
    """Every statement under a compound statement, not entering nested defs."""
    found = []
    stack = [s for body in _bodies(node) for s in body]
    while stack:
        statement = stack.pop()
        if type(statement) in _SKIPPED:
            continue
        found.append(statement)
        if isinstance(statement, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith)) or \
                type(statement).__name__ in ("Try", "TryStar", "Match"):
            for body in (_bodies(statement) if type(statement) is not ast.If else [statement.body,
                                                                                     statement.orelse]):
                stack.extend(body)
    return found


def _expression_nodes(node) -> list:
    """The nodes of a simple statement (or an expression), not entering lambdas or nested defs."""
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(child for child in child_nodes(current) if not isinstance(child, _SKIPPED))
    return found
