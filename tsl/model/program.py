"""Reachability: from each entry point, the functions torch.jit.script compiles.

Entry points are nn.Module subclasses (forward, @torch.jit.export methods and
properties, plus every submodule built in __init__), functions and classes
decorated with @torch.jit.script, and names passed to torch.jit.script(...).
Calls are followed only from emitted code.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Optional, Protocol

from tsl.model.index import SCRIPT, ClassInfo, FileIndex, FunctionInfo, is_torch_module_base
from tsl.finding import Step

Chain = tuple[Step, ...]


@dataclass(eq=False)
class EntryPoint:
    name: str
    kind: str  # "module", "function" or "class"
    path: str
    line: int
    obj: object = None  # ClassInfo or FunctionInfo


@dataclass(eq=False)
class Compiled:
    """A function that some entry point compiles, with the chains that reach it."""

    function: FunctionInfo
    owner: Optional[ClassInfo]
    chains: dict[tuple[str, str], Chain] = field(default_factory=dict)  # entry -> shortest chain


class Parser(Protocol):
    """Parses a checked file on demand and gives its index entries their nodes (tsl.run.trees.Hydrator)."""

    def source(self, relpath: str): ...


class Program:
    """All checked files, resolved against each other.

    An index entry of another file may have no LibCST node yet: node(), source() and
    dead() parse its file through `parser`, set by the run."""

    def __init__(self, indexes: Iterable[FileIndex], parser: Optional[Parser] = None):
        self.indexes = list(indexes)
        self.parser = parser
        self.symbols: dict[str, object] = {}
        for index in self.indexes:
            prefix = f"{index.file.module_name}." if index.file.module_name else ""
            for name, function in index.functions.items():
                self.symbols.setdefault(prefix + name, function)
            for name, klass in index.classes.items():
                self.symbols.setdefault(prefix + name, klass)
        self._module_cache: dict[int, bool] = {}

    # -- nodes -----------------------------------------------------------
    def source(self, info):
        """The parsed SourceFile of an index entry (FileIndex, ClassInfo, FunctionInfo); None when LibCST rejects it."""
        from tsl.frontend.source import ParseFailure, SourceFile

        if self.parser is None:
            return info.file if isinstance(info.file, SourceFile) else None
        try:
            return self.parser.source(info.file.relpath)
        except ParseFailure:  # CPython parses it, LibCST does not: nothing to look at
            return None

    def node(self, info):
        """The LibCST node of a ClassInfo or FunctionInfo, its file parsed on first use; None when it cannot be."""
        if info.node is None:
            self.source(info)
        return info.node

    def dead(self, function: FunctionInfo) -> set[int]:
        """The ids of the nodes in function that the compiler does not emit."""
        if function.dead is None:
            node = self.node(function)
            if node is None:
                return set()
            from tsl.model.emission import dead_nodes

            function.dead = dead_nodes(node.body, function.file.qualified_names)
        return function.dead

    # -- classes ---------------------------------------------------------
    def lookup(self, names: Iterable[str]):
        for name in sorted(names):
            found = self.symbols.get(name)
            if found is not None:
                return found
        return None

    def base_classes(self, klass: ClassInfo) -> list[ClassInfo]:
        found = []
        for names in klass.bases:
            base = self.lookup(names)
            if isinstance(base, ClassInfo) and base is not klass:
                found.append(base)
        return found

    def is_module(self, klass: ClassInfo, seen: Optional[set] = None) -> bool:
        key = id(klass)
        if key in self._module_cache:
            return self._module_cache[key]
        seen = seen or set()
        if key in seen:
            return False
        seen.add(key)
        result = any(any(is_torch_module_base(n) for n in names) for names in klass.bases) or any(
            self.is_module(base, seen) for base in self.base_classes(klass)
        )
        self._module_cache[key] = result
        return result

    def mro(self, klass: ClassInfo) -> list[ClassInfo]:
        order, queue, seen = [], [klass], set()
        while queue:
            current = queue.pop(0)
            if id(current) in seen:
                continue
            seen.add(id(current))
            order.append(current)
            queue.extend(self.base_classes(current))
        return order

    def method(self, klass: ClassInfo, name: str) -> Optional[FunctionInfo]:
        for current in self.mro(klass):
            if name in current.methods:
                return current.methods[name]
        return None

    # -- entry points ----------------------------------------------------
    def entry_points(self) -> list[EntryPoint]:
        entries: dict[tuple[str, str], EntryPoint] = {}

        def add(obj, kind):
            path = obj.file.relpath
            line = obj.line
            entries.setdefault((path, obj.name), EntryPoint(obj.name, kind, path, line, obj))

        for index in self.indexes:
            for klass in index.classes.values():
                if self.is_module(klass):
                    add(klass, "module")
                elif klass.decorators & SCRIPT:
                    add(klass, "class")
            for function in index.functions.values():
                if function.decorators & SCRIPT:
                    add(function, "function")
            for names in index.scripted_names:
                target = self.lookup(names)
                if isinstance(target, FunctionInfo) and target.class_name is None:
                    add(target, "function")
                elif isinstance(target, ClassInfo):
                    add(target, "module" if self.is_module(target) else "class")
        return sorted(entries.values(), key=lambda e: (e.path, e.line, e.name))

    def roots(self, klass: ClassInfo) -> list[FunctionInfo]:
        """The methods compiled when klass itself is scripted."""
        if not self.is_module(klass):
            return [m for m in self._all_methods(klass) if not m.ignored]
        roots = []
        forward = self.method(klass, "forward")
        if forward is not None and not forward.ignored:
            roots.append(forward)
        unused = set().union(*(c.unused_properties for c in self.mro(klass)))
        for method in self._all_methods(klass):
            if method is forward or method.ignored:
                continue
            if method.exported or (method.is_property and method.name not in unused):
                roots.append(method)
        return roots

    def _all_methods(self, klass: ClassInfo) -> list[FunctionInfo]:
        seen, methods = set(), []
        for current in self.mro(klass):
            for name, method in current.methods.items():
                if name not in seen:
                    seen.add(name)
                    methods.append(method)
        return methods

    def submodules(self, klass: ClassInfo) -> list[ClassInfo]:
        """Module classes constructed by __init__ (and the self.* helpers it calls)."""
        init = self.method(klass, "__init__")
        if init is None:
            return []
        found, queue, seen = [], [init], set()
        while queue:
            function = queue.pop()
            if id(function) in seen:
                continue
            seen.add(id(function))
            for names in function.all_calls:
                target = self.lookup(names)
                if isinstance(target, ClassInfo) and self.is_module(target) and target not in found:
                    found.append(target)
            for name in function.all_self_calls:
                method = self.method(klass, name)
                if method is not None:
                    queue.append(method)
        return found

    # -- reachability ----------------------------------------------------
    def compiled(self, entries: Optional[list[EntryPoint]] = None) -> list[Compiled]:
        entries = self.entry_points() if entries is None else entries
        result: dict[int, Compiled] = {}
        for entry in entries:
            key = (entry.path, entry.name)
            for function, owner, chain in self._walk(entry):
                record = result.get(id(function))
                if record is None:
                    record = result[id(function)] = Compiled(function, owner)
                record.chains.setdefault(key, chain)
        return list(result.values())

    def _walk(self, entry: EntryPoint):
        queue: deque = deque()
        seen: set[tuple[int, int]] = set()
        if entry.kind == "function":
            queue.append((entry.obj, None, ()))
        else:
            self._enqueue_class(entry.obj, (), queue, set())
        while queue:
            function, owner, prefix = queue.popleft()
            key = (id(function), id(owner))
            if key in seen:
                continue
            seen.add(key)
            label = f"{owner.name}.{function.name}" if owner is not None else function.qualname
            chain = prefix + (Step(label, function.file.relpath, function.line, function.column),)
            yield function, owner, chain
            for name in function.self_calls:
                if owner is None:
                    continue
                method = self.method(owner, name)
                if method is not None and not method.ignored:
                    queue.append((method, owner, chain))
            for names in function.global_calls:
                target = self.lookup(names)
                if isinstance(target, FunctionInfo) and target.class_name is None and not target.ignored:
                    queue.append((target, None, chain))
                elif isinstance(target, ClassInfo) and target.is_plain and not self.is_module(target):
                    for method in self.roots(target):
                        queue.append((method, target, chain))

    def _enqueue_class(self, klass: ClassInfo, prefix: Chain, queue: deque, visited: set) -> None:
        if id(klass) in visited:
            return
        visited.add(id(klass))
        for method in self.roots(klass):
            queue.append((method, klass, prefix))
        if self.is_module(klass):
            here = prefix + (Step(klass.name, klass.file.relpath, klass.line, klass.column),)
            for sub in self.submodules(klass):
                self._enqueue_class(sub, here, queue, visited)

