"""LibCST, faster for tsl's read-only use, with the same results: `with libcst_speedups():`.

Importing this module changes nothing. Inside the `with` (tsl.run enters it around
parsing and the rules, and so does each worker process), and on the LibCST versions
named in TESTED only:

- CSTNode.visit skips rebuilding the tree for read-only visitors (CSTVisitor), and so
  does CSTNode.children (the same nodes in the same order): the visitor sees exactly
  the calls it would otherwise (on_visit, the children in the same order, on_leave);
  nodes whose attribute callbacks it listens to still go through LibCST's own
  traversal. A visitor's visit_<Type>/leave_<Type> are looked up once per class and
  node type;
- metadata providers that do all their work in visit_Module skip the batched
  traversal that follows and calls nothing;
- isinstance against LibCST's node classes (ABCs that nothing registers with) uses
  type's own check;
- ScopeProvider does without ExpressionContextProvider (see _FAST_SCOPE_METHODS).

Leaving the `with` (exceptions included) puts back LibCST as shipped. On any other
LibCST version the `with` changes nothing: tsl then runs on LibCST's own code, with
the same findings, only slower. tests/test_walk.py and tests/test_libcst_speedups.py
check both.
"""
from __future__ import annotations

import abc
from contextlib import contextmanager
from functools import lru_cache
from types import FunctionType
from typing import Iterator, Optional

import libcst as cst
from libcst.metadata import scope_provider as _scope_provider
from libcst.metadata import wrapper as _wrapper

try:  # LibCST's private names are looked up so that importing never fails on another version
    from libcst._batched_visitor import _BatchedCSTVisitor
except ImportError:  # pragma: no cover (a LibCST not in TESTED: the shortcuts stay off)
    class _BatchedCSTVisitor:  # type: ignore[no-redef]
        pass

from tsl.frontend.walk import _IS_NODE, _ORDER, _UNSURE, _fields, _is_node, children

# The LibCST versions these shortcuts were checked on: tests/test_walk.py and
# tests/test_libcst_speedups.py, and byte-identical findings on the fixtures and examples
# (1.9.0 also on the corpora; 1.8.6 installed with pip --target ahead on PYTHONPATH).
# Change the shortcuts and check again, or drop the version. pyproject.toml's range follows.
TESTED = frozenset({"1.8.6", "1.9.0"})


@lru_cache(maxsize=1)
def libcst_version() -> str:
    """The installed LibCST's version, "?" when it cannot be told."""
    try:  # written into LibCST when it is built: far cheaper than importlib.metadata
        from libcst._version import __version__

        return str(__version__)
    except Exception:  # pragma: no cover
        pass
    try:  # pragma: no cover
        from importlib.metadata import version

        return version("libcst")
    except Exception:  # pragma: no cover
        return "?"


def supported() -> bool:
    """Whether the installed LibCST is one the shortcuts were checked on."""
    return libcst_version() in TESTED


_depth = 0


@contextmanager
def libcst_speedups() -> Iterator[bool]:
    """Within: LibCST with tsl's shortcuts, where supported (yields whether they are on).
    Nested `with`s share the outermost one's; the last to leave undoes them."""
    global _depth
    if _depth == 0:
        if not supported():
            yield False
            return
        try:
            _install()
        except BaseException:
            _uninstall()
            raise
    _depth += 1
    try:
        yield True
    finally:
        _depth -= 1
        if _depth == 0:
            _uninstall()


_ORIGINAL_VISIT = cst.CSTNode.visit
_ALL = None  # every node type may have attribute hooks: always take LibCST's own path
_CLASS_HOOKS: dict[type, Optional[frozenset]] = {}


def _attribute_hooks(visitor: cst.CSTVisitor) -> Optional[frozenset]:
    """Node type names for which visitor has visit_<Type>_<field>/leave_<Type>_<field> methods.

    Only for those nodes do the attribute callbacks do anything, and only those
    nodes need LibCST's own (rebuilding) traversal. _ALL when that cannot be told."""
    kind = type(visitor)
    if isinstance(visitor, _BatchedCSTVisitor):
        names = set()
        for method in visitor.visitor_methods:
            parts = method.split("_", 2)
            if len(parts) == 3:
                names.add(parts[1])
        found = frozenset(names) if type(visitor).on_visit_attribute is _BatchedCSTVisitor.on_visit_attribute \
            and type(visitor).on_leave_attribute is _BatchedCSTVisitor.on_leave_attribute else _ALL
    elif kind in _CLASS_HOOKS:
        found = _CLASS_HOOKS[kind]
    else:
        if (kind.on_visit_attribute is not cst.CSTVisitor.on_visit_attribute
                or kind.on_leave_attribute is not cst.CSTVisitor.on_leave_attribute):
            found = _ALL
        else:
            names = set()
            for name in dir(kind):
                if not (name.startswith("visit_") or name.startswith("leave_")):
                    continue
                parts = name.split("_", 2)
                if len(parts) == 3 and not getattr(getattr(kind, name, None), "_is_no_op", False):
                    names.add(parts[1])
            found = frozenset(names)
        _CLASS_HOOKS[kind] = found
    return found


_IS_VISITOR: dict[type, bool] = {}


def _plain_callbacks(kind: type) -> Optional[dict]:
    """{node type: (visit_X, leave_X)} to fill, for a visitor class whose on_visit and on_leave
    only look up visit_<Type>/leave_<Type> (CSTVisitor's own); None for any other."""
    found = _PLAIN.get(kind, False)
    if found is False:
        plain = kind.on_visit is _BASE_ON_VISIT and kind.on_leave in (_BASE_ON_LEAVE, _scope_on_leave)
        found = _PLAIN[kind] = {} if plain else None
    return found


def _callbacks(kind: type, node_type: type, table: dict) -> tuple:
    name = node_type.__name__
    found = []
    for prefix in ("visit_", "leave_"):
        method = None
        for klass in kind.__mro__:
            if prefix + name in klass.__dict__:
                method = klass.__dict__[prefix + name]
                break
        if method is not None and getattr(method, "_is_no_op", False):
            method = None
        if method is not None and not isinstance(method, FunctionType):
            found = None  # a staticmethod or other descriptor: let getattr bind it
            break
        found.append(method)
    found = tuple(found) if found is not None else None
    table[node_type] = found
    return found


def _state(visitor) -> Optional[tuple]:
    """What _fast_visit needs to know of a visitor, found once per instance: None to take
    LibCST's own traversal always; else (node type names with attribute callbacks, the
    class's callback table or None, whether it is a ScopeVisitor)."""
    is_visitor = _IS_VISITOR.get(type(visitor))
    if is_visitor is None:
        is_visitor = _IS_VISITOR[type(visitor)] = isinstance(visitor, cst.CSTVisitor)
    if not is_visitor:
        return None
    hooks = _attribute_hooks(visitor)
    if hooks is _ALL:
        state = None
    else:
        # visit_/leave_ callbacks set on the instance: look them up per node, as LibCST does
        own = any(k.startswith(("visit_", "leave_")) for k in getattr(visitor, "__dict__", ()))
        table = None if own else _plain_callbacks(type(visitor))
        state = (hooks, table, type(visitor).on_leave is _scope_on_leave)
    try:
        visitor.__dict__["_tsl_state"] = state
    except (AttributeError, TypeError):  # pragma: no cover (a visitor with __slots__)
        pass
    return state


def _fast_visit(self, visitor):
    try:
        state = visitor.__dict__["_tsl_state"]
    except (KeyError, AttributeError):
        state = _state(visitor)
    kind = type(self)
    if state is None or (state[0] and kind.__name__ in state[0]):
        return _ORIGINAL_VISIT(self, visitor)
    table = state[1]
    callbacks = None
    if table is not None:
        callbacks = table.get(kind, False)
        if callbacks is False:
            callbacks = _callbacks(type(visitor), kind, table)
    if callbacks is not None:
        on_visit, on_leave = callbacks
        descend = on_visit is None or on_visit(visitor, self) is not False
    else:
        on_leave = None
        descend = visitor.on_visit(self)
    if descend:
        order = _ORDER.get(kind)
        if order is None or kind in _UNSURE:
            order = _fields(self)
        is_node = _IS_NODE
        for name in order:
            value = getattr(self, name)
            value_kind = type(value)
            if value_kind is tuple or value_kind is list:
                for item in value:
                    node = is_node.get(type(item))
                    if node is None:
                        node = _is_node(type(item))
                    if node:
                        _fast_visit(item, visitor)  # only Module overrides visit, and it is never a child
            else:
                node = is_node.get(value_kind)
                if node is None:
                    node = _is_node(value_kind)
                if node:
                    _fast_visit(value, visitor)
    if callbacks is None:
        visitor.on_leave(self)
    else:
        if state[2]:
            _scope_leave_bookkeeping(visitor, self)
        if on_leave is not None:
            on_leave(visitor, self)
    return self


# ScopeVisitor.on_leave, with a set lookup for its isinstance against 18 ABCs.
_ORIGINAL_SCOPE_ON_LEAVE = _scope_provider.ScopeVisitor.on_leave
_ASSIGNMENT_LIKE = frozenset(getattr(_scope_provider, "_ASSIGNMENT_LIKE_NODES", ()))


def _scope_leave_bookkeeping(visitor, node) -> None:
    visitor.provider.set_metadata(node, visitor.scope)
    if type(node) in _ASSIGNMENT_LIKE:
        visitor.scope._assignment_count += 1


def _scope_on_leave(self, original_node) -> None:
    _scope_leave_bookkeeping(self, original_node)
    _BASE_ON_LEAVE(self, original_node)


# ScopeProvider without ExpressionContextProvider. The scope analysis asks a name's context
# only to tell an assignment (STORE) from an access (LOAD, DEL, none); the names
# ExpressionContextProvider would mark STORE are marked as ScopeVisitor reaches the
# statement or expression that stores them, which spares a whole traversal of the module.
_SCOPE_VISITOR = _scope_provider.ScopeVisitor
_ORIGINAL_SCOPE_METHODS = {name: _SCOPE_VISITOR.__dict__.get(name) for name in (
    "visit_Name", "visit_For", "visit_ListComp", "visit_SetComp", "visit_DictComp", "visit_GeneratorExp",
    "visit_Assign", "visit_AnnAssign", "visit_AugAssign", "visit_NamedExpr", "visit_AsName", "visit_CompFor")}
_ORIGINAL_SCOPE_DEPENDENCIES = _scope_provider.ScopeProvider.METADATA_DEPENDENCIES
_ORIGINAL_SCOPE_VISIT_MODULE = _scope_provider.ScopeProvider.visit_Module


def _mark_stored(visitor, target) -> None:
    """What ExpressionContextProvider's STORE visitor marks in an assignment target: the names,
    through tuples, lists and starred elements; not the parts of an attribute or subscript."""
    stored = visitor.provider._tsl_stored
    stack = [target]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.Name:
            stored.add(id(node))
        elif kind is not cst.Attribute and kind is not cst.Subscript:
            stack.extend(children(node))


def _marking(original, targets):
    def visit(self, node):
        for target in targets(node):
            _mark_stored(self, target)
        return original(self, node) if original is not None else None
    return visit


def _comprehension_targets(node) -> list:
    found, for_in = [], node.for_in
    while for_in is not None:
        found.append(for_in.target)
        for_in = for_in.inner_for_in
    return found


def _scope_visit_name(self, node):
    if id(node) in self.provider._tsl_stored:
        self.scope.record_assignment(node.value, node)
        return None
    return _ORIGINAL_SCOPE_METHODS["visit_Name"](self, node)  # asks the provider: no context, an access


def _no_context(key, node, default=None):
    return None


def _scope_provider_visit_module(self, node):
    self._tsl_stored = set()
    self.get_metadata = _no_context  # ScopeVisitor.visit_Name asks it only for contexts
    try:
        return _ORIGINAL_SCOPE_VISIT_MODULE(self, node)
    finally:
        del self.get_metadata
        self._tsl_stored = set()


_FAST_SCOPE_METHODS = {
    "visit_Name": _scope_visit_name,
    "visit_For": _marking(_ORIGINAL_SCOPE_METHODS["visit_For"], lambda n: [n.target]),
    **{name: _marking(_ORIGINAL_SCOPE_METHODS[name], _comprehension_targets)
       for name in ("visit_ListComp", "visit_SetComp", "visit_DictComp", "visit_GeneratorExp")},
    "visit_Assign": _marking(None, lambda n: [t.target for t in n.targets]),
    "visit_AnnAssign": _marking(None, lambda n: [n.target]),
    "visit_AugAssign": _marking(None, lambda n: [n.target]),
    "visit_NamedExpr": _marking(None, lambda n: [n.target]),
    "visit_AsName": _marking(None, lambda n: [n.name]),
    "visit_CompFor": _marking(None, lambda n: [n.target]),
}


# LibCST finds a batchable provider's visitors by their __name__.
for _name, _method in [*_FAST_SCOPE_METHODS.items(), ("visit_Module", _scope_provider_visit_module)]:
    _method.__name__ = _name


def _set_scope_dependencies(dependencies: tuple) -> None:
    provider = _scope_provider.ScopeProvider
    provider.METADATA_DEPENDENCIES = dependencies
    stack = [provider]
    while stack:  # LibCST caches them per class, subclasses included
        kind = stack.pop()
        if "_INHERITED_METADATA_DEPENDENCIES_CACHE" in kind.__dict__:
            delattr(kind, "_INHERITED_METADATA_DEPENDENCIES_CACHE")
        stack.extend(kind.__subclasses__())


def _install_scope_without_contexts() -> None:
    for name, method in _FAST_SCOPE_METHODS.items():
        setattr(_SCOPE_VISITOR, name, method)
    _set_scope_dependencies(())
    _scope_provider.ScopeProvider.visit_Module = _scope_provider_visit_module


def _uninstall_scope_without_contexts() -> None:
    for name, method in _ORIGINAL_SCOPE_METHODS.items():
        if method is None:
            if name in _SCOPE_VISITOR.__dict__:
                delattr(_SCOPE_VISITOR, name)
        else:
            setattr(_SCOPE_VISITOR, name, method)
    _set_scope_dependencies(_ORIGINAL_SCOPE_DEPENDENCIES)
    _scope_provider.ScopeProvider.visit_Module = _ORIGINAL_SCOPE_VISIT_MODULE


_BASE_ON_VISIT = cst.CSTVisitor.on_visit
_BASE_ON_LEAVE = cst.CSTVisitor.on_leave
_PLAIN: dict = {}


def _module_only(provider) -> bool:
    """True for a batchable provider that does all its work in visit_Module (ScopeProvider,
    ExpressionContextProvider): it runs its own traversal there, and the batched one after
    it calls nothing."""
    found = _MODULE_ONLY.get(type(provider))
    if found is None:
        found = _MODULE_ONLY[type(provider)] = set(provider.get_visitors()) == {"visit_Module"}
    return found


_MODULE_ONLY: dict[type, bool] = {}


def _gen_batchable(wrapper, providers):
    """libcst.metadata.wrapper._gen_batchable, without the traversal that calls nothing."""
    providers = list(providers)
    if not providers or not all(_module_only(p) for p in providers):
        return _ORIGINAL_GEN_BATCHABLE(wrapper, providers)
    from contextlib import ExitStack
    from types import MappingProxyType

    with ExitStack() as stack:
        for provider in providers:
            stack.enter_context(provider.resolve(wrapper))
        for provider in providers:
            provider.visit_Module(wrapper.module)
    return {type(p): MappingProxyType(dict(p._computed)) for p in providers}


_ORIGINAL_GEN_BATCHABLE = getattr(_wrapper, "_gen_batchable", None)


class _PlainABCMeta(abc.ABCMeta):
    """ABCMeta whose isinstance/issubclass skip the registry (empty for LibCST's nodes):
    the same answers, without a Python-level call each time."""

    __instancecheck__ = type.__instancecheck__
    __subclasscheck__ = type.__subclasscheck__


def _node_classes() -> list[type]:
    found: list[type] = []
    seen: set[type] = set()
    stack = [cst.CSTNode]
    while stack:
        kind = stack.pop()
        if kind not in seen:
            seen.add(kind)
            found.append(kind)
            stack.extend(kind.__subclasses__())
    return found


def _registered(kind: type) -> bool:
    """Whether anything was registered as a virtual subclass of kind, or it has a hook."""
    import _abc

    registry = _abc._get_dump(kind)[0]
    return bool(registry) or "__subclasshook__" in kind.__dict__


_ORIGINAL_CHILDREN = cst.CSTNode.__dict__.get("children")
_FAST_CHILDREN = property(children, doc=getattr(_ORIGINAL_CHILDREN, "__doc__", None))


def _install() -> None:
    cst.CSTNode.visit = _fast_visit
    cst.CSTNode.children = _FAST_CHILDREN
    _wrapper._gen_batchable = _gen_batchable
    _scope_provider.ScopeVisitor.on_leave = _scope_on_leave
    _install_scope_without_contexts()
    for kind in _node_classes():
        if type(kind) is abc.ABCMeta and not _registered(kind):
            kind.__class__ = _PlainABCMeta


def _uninstall() -> None:
    cst.CSTNode.visit = _ORIGINAL_VISIT
    cst.CSTNode.children = _ORIGINAL_CHILDREN
    _wrapper._gen_batchable = _ORIGINAL_GEN_BATCHABLE
    _scope_provider.ScopeVisitor.on_leave = _ORIGINAL_SCOPE_ON_LEAVE
    _uninstall_scope_without_contexts()
    for kind in _node_classes():
        if type(kind) is _PlainABCMeta:
            kind.__class__ = abc.ABCMeta
