"""The per-file index from CPython's parser: what reachability needs, ~10x cheaper than LibCST.

`build_index_from_ast` gives the FileIndex (detached: no LibCST nodes), with names
resolved the way LibCST's ScopeProvider and QualifiedNameProvider resolve them
(`tests/test_ast_index.py` compares it with the LibCST twin in tests/reference/ on
every fixture and on real code). The LibCST tree is then only built for the
files whose functions are compiled, when their rules run (`tsl.run.pipeline`).
"""
from __future__ import annotations

import ast
import builtins
from typing import Iterable, Optional

from tsl.model.emission import IS_SCRIPTING
from tsl.model.index import (
    SCRIPT,
    ClassInfo,
    FileIndex,
    FunctionInfo,
    SCRIPT_WORD,
)
from tsl.frontend.source import ParseFailure, resolve_relative

_BUILTINS = frozenset(dir(builtins))
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPED = frozenset({*_FUNCTIONS, ast.ClassDef, ast.Lambda, *_COMPREHENSIONS})
# what _collect looks at (the rest it only walks through)
_BINDING = frozenset({*_SCOPED, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.ExceptHandler})


class _Binding:
    __slots__ = ("scope", "position", "imported")

    def __init__(self, scope: "_Scope", position: tuple, imported=None):
        self.scope = scope
        self.position = position
        self.imported = imported  # (ast.Import | ast.ImportFrom) for an import

    def names_for(self, full_name: str) -> set[tuple[str, bool]]:
        """(qualified name, is local) pairs, as LibCST's Assignment.get_qualified_names_for."""
        if self.imported is None:
            prefix = self.scope.prefix
            return {(f"{prefix}.{full_name}" if prefix else full_name, True)}
        node = self.imported
        module = ""
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = "." * node.level + module
        results = set()
        for alias in node.names:
            if alias.name == "*":
                continue
            parts = alias.name.split(".")
            for i in range(len(parts), 0, -1):
                real_name = ".".join(parts[:i])
                as_name = real_name
                if module and module.endswith("."):
                    real_name = f"{module}{real_name}"
                elif module:
                    real_name = f"{module}.{real_name}"
                if alias.asname:
                    as_name = alias.asname
                if full_name.startswith(as_name):
                    remaining = full_name.split(as_name, 1)[1]
                    if remaining and not remaining.startswith("."):
                        continue
                    remaining = remaining.lstrip(".")
                    results.add((f"{real_name}.{remaining}" if remaining else real_name, False))
                    break
        return results


class _Scope:
    def __init__(self, kind: str, parent: Optional["_Scope"], name: Optional[str] = None):
        self.kind = kind  # module, class, function, comprehension
        self.parent = parent
        self.bindings: dict[str, list[_Binding]] = {}
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        if parent is None:
            self.prefix = ""
        elif kind == "function":
            self.prefix = ".".join(filter(None, [parent.prefix, name, "<locals>"]))
        else:
            self.prefix = ".".join(filter(None, [parent.prefix, name]))

    def bind(self, name: str, position: tuple, imported=None) -> None:
        self.bindings.setdefault(name, []).append(_Binding(self, position, imported))

    # LibCST's Scope.__getitem__ / _getitem_from_self_or_parent
    def lookup(self, name: str) -> list:
        if self.kind == "module":
            found = self.bindings.get(name)
            if found:
                return found
            return ["builtin"] if name in _BUILTINS else []
        if self.kind == "class":
            found = self.bindings.get(name)
            return found if found else self.parent.lookup_from_child(name)
        if name in self.globals:
            return self.module().lookup(name)
        if name in self.nonlocals:
            return self.parent.lookup_from_child(name)
        found = self.bindings.get(name)
        return found if found else self.parent.lookup_from_child(name)

    def lookup_from_child(self, name: str) -> list:
        if self.kind == "class":
            return self.parent.lookup_from_child(name)
        return self.lookup(name)

    def module(self) -> "_Scope":
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


def _full_name(node) -> Optional[str]:
    """libcst.helpers.get_full_name_for_node on the matching CPython node."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # LibCST spells an unnamed base "None": (a + b).c is "None.c"
        return f"{_full_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool)):
        return str(node.value)  # Names in LibCST
    if isinstance(node, ast.Call):
        return _full_name(node.func)
    if isinstance(node, ast.Subscript):
        return _full_name(node.value)
    return None


class _Names:
    """Qualified names of expressions, scope by scope (what SourceFile.qualified_names gives)."""

    def __init__(self, module_name: str, package: str):
        self.module_name = module_name
        self.package = package

    def of(self, node, scope: _Scope) -> set[str]:
        if isinstance(node, ast.Name):
            found = self._access(node.id, (node.lineno, node.col_offset), scope)
        else:
            full = _full_name(node)
            if full is None:
                return set()
            head = full.split(".", 1)[0]
            found = set()
            for binding in scope.lookup(head):
                found |= _qualify(binding, full, head)
        return self._absolute(found)

    def _access(self, name: str, position: tuple, scope: _Scope) -> set:
        assignments = scope.lookup(name)
        previous = [a for a in assignments
                    if a == "builtin" or a.scope is not scope or a.position < position or scope.kind == "comprehension"]
        if not previous and assignments:
            if scope.parent is None:
                previous = ["builtin"] if name in _BUILTINS else []
            else:
                previous = scope.parent.lookup_from_child(name)
        found = set()
        for binding in previous:
            found |= _qualify(binding, name, name)
        return found

    def _absolute(self, found: set) -> set[str]:
        names = set()
        for name, local in found:
            if name.startswith("."):
                name = resolve_relative(name, self.package)
            elif local and self.module_name and "<locals>" not in name:
                name = f"{self.module_name}.{name}"
            names.add(name)
        return names


def _qualify(binding, full_name: str, head: str) -> set:
    if binding == "builtin":
        return {(f"builtins.{head}", False)}
    return binding.names_for(full_name)


# -- scopes ------------------------------------------------------------------------


def _bind_target(scope: _Scope, target) -> None:
    for node in ast.walk(target):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            scope.bind(node.id, (node.lineno, node.col_offset))


def _collect(scope: _Scope, nodes: Iterable, function: Optional[_Scope] = None) -> None:
    """Record the bindings nodes make in scope (not inside nested scopes)."""
    stack = list(reversed(list(nodes)))
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Name:
            if type(node.ctx) is ast.Store:
                scope.bind(node.id, (node.lineno, node.col_offset))
            continue
        if kind is ast.Constant:
            continue
        if kind not in _BINDING:
            stack.extend(reversed(child_nodes(node)))
            continue
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            scope.bind(node.name, (node.lineno, node.col_offset))
            outer = list(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                outer += node.bases + [k.value for k in node.keywords]
            else:
                outer += _defaults(node.args)
                outer += _annotations(node)
            stack.extend(reversed(outer))
            continue
        if isinstance(node, ast.Lambda):
            stack.extend(reversed(_defaults(node.args)))
            continue
        if isinstance(node, _COMPREHENSIONS):
            stack.append(node.generators[0].iter)
            _walrus(scope, node)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    continue
                name = alias.asname or alias.name.split(".")[0]
                scope.bind(name, (node.lineno, node.col_offset), node)
            continue
        if isinstance(node, ast.Global):
            scope.globals.update(node.names)
            continue
        if isinstance(node, ast.Nonlocal):
            if scope.kind == "module":  # CPython's compiler (and LibCST's scopes) reject it
                raise ParseFailure("syntax error: nonlocal declaration not allowed at module level",
                                   node.lineno, node.col_offset + 1)
            scope.nonlocals.update(node.names)
            continue
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                scope.bind(node.id, (node.lineno, node.col_offset))
            continue
        if isinstance(node, ast.ExceptHandler) and node.name:
            scope.bind(node.name, (node.lineno, node.col_offset))
        stack.extend(reversed(child_nodes(node)))


_AST = ast.AST
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_nodes(node) -> list:
    """ast.iter_child_nodes(node) as a list, without the expression contexts (Load, Store, Del)."""
    fields = _CHILD_FIELDS.get(type(node))
    if fields is None:
        fields = _CHILD_FIELDS[type(node)] = tuple(f for f in type(node)._fields if f != "ctx")
    found = []
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, _AST):
                    found.append(item)
        elif isinstance(value, _AST):
            found.append(value)
    return found


def walk_nodes(roots: Iterable) -> list:
    """Every node under roots (roots included), as ast.walk finds them (in another order)."""
    found = list(roots)
    i = 0
    while i < len(found):
        found += child_nodes(found[i])
        i += 1
    return found


def _walrus(scope: _Scope, comprehension) -> None:
    """An assignment expression in a comprehension binds in the enclosing scope."""
    for node in ast.walk(comprehension):
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            scope.bind(node.target.id, (node.target.lineno, node.target.col_offset))


def _defaults(args: ast.arguments) -> list:
    return [d for d in (*args.defaults, *args.kw_defaults) if d is not None]


def _annotations(node) -> list:
    args = node.args
    found = [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.annotation]
    found += [a.annotation for a in (args.vararg, args.kwarg) if a is not None and a.annotation]
    if node.returns is not None:
        found.append(node.returns)
    return found


def _params(scope: _Scope, args: ast.arguments) -> None:
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
        if arg is not None:
            scope.bind(arg.arg, (arg.lineno, arg.col_offset))


class _ScopeTree:
    """The scope of every function, lambda, comprehension and class under a module, on demand."""

    def __init__(self, tree: ast.Module):
        self.module = _Scope("module", None)
        _collect(self.module, tree.body)
        self.scopes: dict[int, _Scope] = {}

    def release(self) -> None:
        """Cut the scopes' cycles (a binding refers to its scope), so that they go without
        the cycle collector (tsl.run.pipeline runs with it off)."""
        for scope in (self.module, *self.scopes.values()):
            scope.bindings = {}
            scope.parent = None
        self.scopes = {}

    def function(self, node, parent: _Scope) -> _Scope:
        found = self.scopes.get(id(node))
        if found is None:
            if isinstance(node, ast.Lambda):
                found = _Scope("function", parent, None)
                _params(found, node.args)
                _collect(found, [node.body])
            else:
                found = _Scope("function", parent, node.name)
                _params(found, node.args)
                _collect(found, node.body)
            self.scopes[id(node)] = found
        return found

    def klass(self, node: ast.ClassDef, parent: _Scope) -> _Scope:
        found = self.scopes.get(id(node))
        if found is None:
            found = self.scopes[id(node)] = _Scope("class", parent, node.name)
            _collect(found, node.body)
        return found

    def comprehension(self, node, parent: _Scope) -> _Scope:
        found = self.scopes.get(id(node))
        if found is None:
            found = self.scopes[id(node)] = _Scope("comprehension", parent, "<comprehension>")
            for generator in node.generators:
                _bind_target(found, generator.target)
        return found


# -- emission: ast twin of tsl.model.emission ----------------------------------


def _static_truth(expr, truth_of_call) -> Optional[bool]:
    if isinstance(expr, ast.Call) and not expr.args and not expr.keywords:
        return True if truth_of_call(expr.func) else None
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        inner = _static_truth(expr.operand, truth_of_call)
        return None if inner is None else not inner
    if isinstance(expr, ast.BoolOp):
        # LibCST nests `a and b and c` as (a and b) and c; the result is the same.
        values = [_static_truth(v, truth_of_call) for v in expr.values]
        result = values[0]
        for right in values[1:]:
            left = result
            if isinstance(expr.op, ast.And):
                if left is False or right is False:
                    result = False
                else:
                    result = True if left is True and right is True else None
            else:
                if left is True or right is True:
                    result = True
                else:
                    result = False if left is False and right is False else None
        return result
    return None


def _is_elif(node: ast.If) -> bool:
    return (len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
            and node.orelse[0].col_offset == node.col_offset and node.orelse[0].lineno > node.lineno)


def _always_exits(statements: list) -> bool:
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, _SIMPLE):
        # LibCST: any return/raise among the simple statements on the last logical line.
        return any(isinstance(s, (ast.Return, ast.Raise)) for s in _same_line(statements))
    if isinstance(last, ast.If):
        if not last.orelse:
            return False
        if _is_elif(last):
            return _always_exits(last.body) and _if_exits(last.orelse[0])
        return _always_exits(last.body) and _always_exits(last.orelse)
    return False


def _same_line(statements: list) -> list:
    """The simple statements sharing the last statement's logical line (a; b)."""
    last = statements[-1]
    found = [last]
    for statement in reversed(statements[:-1]):
        if isinstance(statement, _SIMPLE) and statement.end_lineno == found[0].lineno:
            found.insert(0, statement)
        else:
            break
    return found


_SIMPLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Pass, ast.Delete, ast.Import, ast.ImportFrom,
           ast.Global, ast.Nonlocal, ast.Assert, ast.Break, ast.Continue, ast.Return, ast.Raise)


def _if_exits(node: ast.If) -> bool:
    if not _always_exits(node.body) or not node.orelse:
        return False
    return _if_exits(node.orelse[0]) if _is_elif(node) else _always_exits(node.orelse)


def _dead(body: list, truth_of_call) -> set[int]:
    """ids of the CPython statements the compiler never emits."""
    dead: set[int] = set()
    _scan_block(body, truth_of_call, dead)
    return dead


def _mark(statements: list, dead: set[int]) -> None:
    for statement in statements:
        dead.add(id(statement))


def _scan_block(statements: list, truth_of_call, dead: set[int]) -> None:
    rest_dead = False
    for statement in statements:
        if rest_dead:
            dead.add(id(statement))
            continue
        if isinstance(statement, ast.If):
            rest_dead = _scan_if(statement, truth_of_call, dead)
        elif isinstance(statement, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            _scan_block(statement.body, truth_of_call, dead)
            if getattr(statement, "orelse", None):
                _scan_block(statement.orelse, truth_of_call, dead)
        elif isinstance(statement, _TRY):
            for part in (statement.body, *(handler.body for handler in statement.handlers), statement.orelse,
                         statement.finalbody):
                _scan_block(part, truth_of_call, dead)


_TRY = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)


def _scan_if(node: ast.If, truth_of_call, dead: set[int]) -> bool:
    truth = _static_truth(node.test, truth_of_call)
    if truth is False:
        _mark(node.body, dead)
    else:
        _scan_block(node.body, truth_of_call, dead)
    if node.orelse:
        if truth is True:
            _mark(node.orelse, dead)
        elif _is_elif(node):
            _scan_if(node.orelse[0], truth_of_call, dead)
        else:
            _scan_block(node.orelse, truth_of_call, dead)
    if truth is True and _always_exits(node.body):
        return True
    if truth is False and node.orelse and not _is_elif(node) and _always_exits(node.orelse):
        return True
    return False


# -- the index ----------------------------------------------------------------------


class _Builder:
    def __init__(self, tree: ast.Module, module_name: str, package: str):
        self.tree = tree
        self.scopes = _ScopeTree(tree)
        self.names = _Names(module_name, package)
        self.module_name = module_name
        self.shared: dict = {}

    def decorators(self, node, scope: _Scope) -> set[str]:
        names: set[str] = set()
        for expr in node.decorator_list:
            if isinstance(expr, ast.Call):
                expr = expr.func
            names |= self.names.of(expr, scope)
            if isinstance(expr, ast.Name):
                names.add(expr.id)
        return names

    def function(self, node, class_name: Optional[str], outer: _Scope, file) -> FunctionInfo:
        scope = self.scopes.function(node, outer)
        info = FunctionInfo(node=None, file=file, name=node.name, class_name=class_name,
                            decorators=self.decorators(node, outer), dead=None,
                            line=node.lineno, column=node.col_offset + 1)
        dead = _dead(node.body, lambda func: bool(self.names.of(func, scope) & IS_SCRIPTING))
        calls: list[tuple] = []
        for statement in node.body:
            self._calls(statement, scope, dead, True, info.class_name is not None, calls)
        calls.sort(key=lambda c: c[0])
        shared = self.shared
        for _, emitted, target in calls:
            # Stored as sorted tuples, one object per distinct value in the file: a summary
            # holds every call of every function, and the parent holds every summary.
            target = shared.setdefault(target, target) if isinstance(target, str) else \
                shared.setdefault(tuple(sorted(target)), tuple(sorted(target)))
            if isinstance(target, str):
                if emitted:
                    info.self_calls.append(target)
                if class_name is not None:
                    info.all_self_calls.append(target)
            else:
                if emitted:
                    info.global_calls.append(target)
                if class_name is not None:
                    info.all_calls.append(target)
        if class_name is not None:
            info.self_assigned = frozenset(_self_targets(node.body))
        return info

    def _calls(self, node, scope: _Scope, dead: set[int], emitted: bool, method: bool, out: list) -> None:
        """Calls under node in source order: (position, emitted, self method name | qualified names)."""
        if emitted and id(node) in dead:
            emitted = False
            if not method:
                return
        kind = type(node)
        if kind is ast.Name or kind is ast.Constant:
            return
        if kind not in _SCOPED and kind is not ast.Call:
            for child in child_nodes(node):
                self._calls(child, scope, dead, emitted, method, out)
            return
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            # Decorators, defaults and bases belong to the enclosing scope; the body to its own.
            if emitted:
                emitted = False
                if not method:
                    return
            outer = list(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                outer += node.bases + [k.value for k in node.keywords]
                inner = self.scopes.klass(node, scope)
            else:
                outer += _defaults(node.args) + _annotations(node)
                inner = self.scopes.function(node, scope)
            for child in outer:
                self._calls(child, scope, dead, emitted, method, out)
            for child in node.body:
                self._calls(child, inner, dead, emitted, method, out)
            return
        if isinstance(node, ast.Lambda):
            if emitted:
                emitted = False
                if not method:
                    return
            for child in _defaults(node.args):
                self._calls(child, scope, dead, emitted, method, out)
            self._calls(node.body, self.scopes.function(node, scope), dead, emitted, method, out)
            return
        if isinstance(node, _COMPREHENSIONS):
            inner = self.scopes.comprehension(node, scope)
            first = True
            for generator in node.generators:
                self._calls(generator.target, inner, dead, emitted, method, out)
                self._calls(generator.iter, scope if first else inner, dead, emitted, method, out)
                first = False
                for test in generator.ifs:
                    self._calls(test, inner, dead, emitted, method, out)
            for child in ((node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,)):
                self._calls(child, inner, dead, emitted, method, out)
            return
        if isinstance(node, ast.Call):
            func = node.func
            position = (node.lineno, node.col_offset, -node.end_lineno, -node.end_col_offset)
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
                out.append((position, emitted, func.attr))
            else:
                names = self.names.of(func, scope)
                if names:
                    out.append((position, emitted, names))
        for child in child_nodes(node):
            self._calls(child, scope, dead, emitted, method, out)

    def klass(self, node: ast.ClassDef, file) -> ClassInfo:
        module = self.scopes.module
        bases = []
        for base in node.bases:
            found = self.names.of(base, module)
            if not found and isinstance(base, (ast.Name, ast.Attribute)):
                found = {_full_name(base) or "?"}
            bases.append(found or {"?"})
        info = ClassInfo(node=None, file=file, name=node.name,
                         absname=f"{self.module_name}.{node.name}" if self.module_name else node.name,
                         bases=bases, decorators=self.decorators(node, module),
                         line=node.lineno, column=node.col_offset + 1)
        scope = self.scopes.klass(node, module)
        for statement in node.body:
            if isinstance(statement, _FUNCTIONS):
                method = self.function(statement, node.name, scope, file)
                if method.is_overload or any(d.endswith((".setter", ".deleter")) for d in method.decorators):
                    continue
                info.methods.setdefault(method.name, method)
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                if any(isinstance(t, ast.Name) and t.id == "__jit_unused_properties__" for t in targets):
                    info.unused_properties |= _string_values(statement.value)
        return info

    def scripted_names(self, text: str) -> list[set[str]]:
        if "script" not in text or not SCRIPT_WORD.search(text):
            return []
        found = []
        for position, node, scope in sorted(self._all_calls(), key=lambda c: c[0]):
            arguments = sorted([*node.args, *node.keywords], key=lambda a: (a.lineno, a.col_offset))
            if arguments and self.names.of(node.func, scope) & SCRIPT:
                target = arguments[0]
                if isinstance(target, (ast.Starred, ast.keyword)):
                    target = target.value
                if isinstance(target, ast.Call):
                    target = target.func
                names = self.names.of(target, scope)
                if names:
                    found.append(names)
        return found

    def _all_calls(self):
        """(position, call, scope) for every call in the module."""
        out = []
        stack = [(self.tree, self.scopes.module)]
        while stack:
            node, scope = stack.pop()
            if isinstance(node, ast.Call):
                out.append(((node.lineno, node.col_offset, -node.end_lineno, -node.end_col_offset), node, scope))
            if isinstance(node, _FUNCTIONS):
                for child in node.decorator_list + _defaults(node.args) + _annotations(node):
                    stack.append((child, scope))
                inner = self.scopes.function(node, scope)
                stack.extend((child, inner) for child in node.body)
            elif isinstance(node, ast.ClassDef):
                for child in node.decorator_list + node.bases + [k.value for k in node.keywords]:
                    stack.append((child, scope))
                inner = self.scopes.klass(node, scope)
                stack.extend((child, inner) for child in node.body)
            elif isinstance(node, ast.Lambda):
                stack.extend((child, scope) for child in _defaults(node.args))
                stack.append((node.body, self.scopes.function(node, scope)))
            elif isinstance(node, _COMPREHENSIONS):
                inner = self.scopes.comprehension(node, scope)
                for i, generator in enumerate(node.generators):
                    stack.append((generator.target, inner))
                    stack.append((generator.iter, scope if i == 0 else inner))
                    stack.extend((test, inner) for test in generator.ifs)
                for child in ((node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,)):
                    stack.append((child, inner))
            else:
                stack.extend((child, scope) for child in child_nodes(node))
        return out


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _self_targets(body: list) -> set[str]:
    """NAME of each `self.NAME` assigned (=, annotated with a value, augmented, a for target),
    unpacking included, outside nested defs and classes."""
    names: set[str] = set()
    targets: list = []
    stack = list(body)
    while stack:
        statement = stack.pop()
        kind = type(statement)
        if kind is ast.Assign:
            targets += statement.targets
        elif kind is ast.AnnAssign:
            if statement.value is not None:
                targets.append(statement.target)
        elif kind is ast.AugAssign or kind is ast.For or kind is ast.AsyncFor:
            targets.append(statement.target)
        if kind in _FUNCTIONS or kind is ast.ClassDef:
            continue
        for name in _BLOCKS:
            stack.extend(getattr(statement, name, ()))
    while targets:
        target = targets.pop()
        if type(target) is ast.Attribute and type(target.value) is ast.Name and target.value.id == "self":
            names.add(target.attr)
        elif type(target) is ast.Tuple or type(target) is ast.List:
            targets.extend(target.elts)
        elif type(target) is ast.Starred:
            targets.append(target.value)
    return names


def _string_values(expr) -> set[str]:
    values = set()
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        for element in expr.elts:
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                values.add(element.value)
    return values


def build_index_from_ast(tree: ast.Module, file, text: str) -> FileIndex:
    """The detached FileIndex of one file (file: a FileStub), from its CPython tree."""
    builder = _Builder(tree, file.module_name, file.package)
    index = FileIndex(file=file)
    for statement in tree.body:
        if isinstance(statement, _FUNCTIONS):
            function = builder.function(statement, None, builder.scopes.module, file)
            if not function.is_overload:
                index.functions[function.name] = function
        elif isinstance(statement, ast.ClassDef):
            index.classes[statement.name] = builder.klass(statement, file)
    index.scripted_names = builder.scripted_names(text)
    builder.scopes.release()
    return index
