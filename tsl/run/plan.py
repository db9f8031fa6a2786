"""What the run reads and in which order: inputs, module names, which files may hold entry points."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional


from tsl.discovery import printable
from tsl.run.records import BlankPlan, FileKey

if TYPE_CHECKING:
    from tsl.run.records import FileTask
    from tsl.model.index import FileIndex
    from tsl.model.program import Program
    from tsl.result import Input


_RELATIVE_IMPORT = re.compile(rb"\bfrom[\s\\]*\.")


def may_hold_entry(data: bytes, module_name: str, top_packages: frozenset[bytes]) -> bool:
    """False only when no class or function in the file can be an entry point.

    An entry point is an nn.Module subclass, something decorated with
    torch.jit.script, or a name passed to torch.jit.script. Each needs a
    qualified name under torch, or a base class defined in another checked
    file. Qualified names come from imports and definitions only, so the file
    must spell torch/nn/jit, or live in the torch package (where relative
    imports and local definitions resolve to torch.*), or import a checked
    module: relatively, or by its top-level package's name.
    """
    if b"torch" in data or b"nn" in data or b"jit" in data:
        return True
    if module_name == "" or module_name == "torch" or module_name.startswith("torch."):
        return True
    if _RELATIVE_IMPORT.search(data):
        return True
    return any(name in data for name in top_packages)


def referenced_modules(index: "FileIndex") -> set[str]:
    """Modules whose top-level definitions reachability may look up from this file."""
    names: set[str] = set()
    for klass in index.classes.values():
        for group in klass.bases:
            names |= group
        for method in klass.methods.values():
            for group in method.all_calls:
                names.update(group)
            for group in method.global_calls:
                names.update(group)
    for function in index.functions.values():
        for group in function.global_calls:
            names.update(group)
    for group in index.scripted_names:
        names.update(group)
    return {name.rpartition(".")[0] for name in names}


def without_calls(index: "FileIndex") -> "FileIndex":
    """A copy of a detached index without its calls: reachability is done, and the rules
    only look things up (names, classes, methods, bases), so workers need no more."""
    import copy

    def bare(function):
        function = copy.copy(function)
        function.__dict__.update(self_calls=[], global_calls=[], all_self_calls=[], all_calls=[])
        return function

    light = copy.copy(index)
    light.scripted_names = []
    light.functions = {name: bare(f) for name, f in index.functions.items()}
    light.classes = {}
    for name, klass in index.classes.items():
        klass = light.classes[name] = copy.copy(klass)
        klass.methods = {method: bare(f) for method, f in klass.methods.items()}
    return light


def plans_of(program: "Program", tasks: list["FileTask"], reads: frozenset) -> dict[str, BlankPlan]:
    """What each checked file's parse keeps (tsl.frontend.blank): its compiled top-level functions,
    its compiled methods, its classes that own compiled code or are a base of one that does
    (the rules read their __init__ for attribute types), and what else the rules read."""
    plans = {}
    for relpath, records in tasks:
        functions = {name for class_name, name in (r.function for r in records) if not class_name}
        methods = {(class_name, name) for class_name, name in (r.function for r in records) if class_name}
        plans[relpath] = BlankPlan(functions, methods, set(), reads)
    indexes = {index.file.relpath: index for index in program.indexes}
    owners = {r.owner for _, records in tasks for r in records if r.owner is not None}
    for relpath, name in sorted(owners):
        owner = indexes[relpath].classes.get(name) if relpath in indexes else None
        for klass in program.mro(owner) if owner is not None else ():
            if klass.file.relpath in plans:
                plans[klass.file.relpath].classes.add(klass.name)
    return plans


@dataclass
class Prepared:
    item: "Input"
    data: Optional[bytes]  # None once dropped (see run): workers read the file again
    key: FileKey
    error: Optional[str] = None  # cannot read
    size: int = 0
    may_hold: bool = True  # may_hold_entry, decided while the bytes were at hand

    @property
    def module_name(self) -> str:
        return self.key.module


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class _ModuleNames:
    """module_name_for, with the __init__.py lookups shared between files."""

    def __init__(self):
        self._packages: dict[Path, bool] = {}

    def __call__(self, path: Path) -> tuple[str, str]:
        parts = [] if path.stem == "__init__" else [path.stem]
        folder = path.parent
        while self._is_package(folder) and folder.parent != folder:
            parts.insert(0, folder.name)
            folder = folder.parent
        name = printable(".".join(parts))  # a file name that is not UTF-8 names no importable module
        package = name if path.stem == "__init__" else name.rpartition(".")[0]
        return name, package

    def _is_package(self, folder: Path) -> bool:
        found = self._packages.get(folder)
        if found is None:
            found = self._packages[folder] = (folder / "__init__.py").exists()
        return found


def prepare(items: Iterable["Input"]) -> list[Prepared]:
    names = _ModuleNames()
    prepared = []
    for item in items:
        module_name, package = names(item.path)
        data, error = item.data, None
        if data is None:
            try:
                data = item.path.read_bytes()
            except OSError as exc:
                error = f"cannot read: {exc.strerror or exc}"
        digest = digest_of(data) if data is not None else "unreadable"
        prepared.append(Prepared(item, data, FileKey(digest, module_name, package), error, len(data or b"")))
    tops = frozenset(p.module_name.split(".")[0].encode("utf-8") for p in prepared if p.module_name)
    for p in prepared:
        if p.data is not None:
            p.may_hold = may_hold_entry(p.data, p.module_name, tops)
    return prepared


def manifest_of(prepared: list[Prepared]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for p in prepared:
        h.update("\0".join((p.item.relpath, *p.key, str(p.error))).encode("utf-8", "surrogateescape") + b"\n")
    return h.hexdigest()
