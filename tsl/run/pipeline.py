"""How `check` runs: parallel, cached, with the whole-program work done on summaries.

1. **Summaries** (per file; in worker processes when the run is big enough).
   Each file is indexed from CPython's parser (`tsl.frontend.cpython_index`, the
   same index LibCST would give, ~10x cheaper): a picklable `FileReport` that
   depends on nothing but the file, which is what the cache keeps per file. A
   file CPython rejects is indexed with LibCST (TSL001, or newer syntax). A
   file that cannot hold an entry point (`may_hold_entry`, a byte check) is
   only syntax-checked, unless a needed file refers to its module.
2. **Program** (in the parent). Entry points and reachability on the summaries:
   what each entry point compiles, with which owner class, through which chains.
3. **Rules** (per file with compiled functions). LibCST parses the file, without
   the bodies its rules never read (`tsl.frontend.blank`; not for --fix), and the
   rules run on its compiled functions with the whole Program at hand: the
   detached summaries get their nodes back on first use (`_Hydrator`, which keeps
   an LRU of trees per process). Each check records what
   it looked at outside its own file (`_Recorder`): the names it looked up and
   what they resolved to, the files of what it got back, and whether it read the
   whole program. The cache keeps the findings with that record and with the
   compiled context (owners and chains), and reuses them only while all of it
   still holds, so a change in one file updates the findings it causes in any
   other.

LibCST parses only files with compiled code, and memory is bounded by the LRU
and the biggest such file, not by the number of files.
"""
from __future__ import annotations

import ast
import gc
import hashlib
import os
import re
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional

from tsl.model.index import ClassInfo, FunctionInfo
from tsl.model.program import Program
from tsl.result import Result
from tsl.frontend.source import ParseFailure, decode
from tsl.finding import Finding

if TYPE_CHECKING:
    from tsl.model.index import FileIndex
    from tsl.model.program import Program
    from tsl.run.cache import Cache
    from tsl.config import Config
    from tsl.result import Input, Result

# Below this much work a process pool costs more than it saves.
POOL_MIN_BYTES = 256 * 1024
POOL_MIN_FILES = 4
# How much source each process keeps parsed (LibCST trees, for the lookups other files'
# rules make; a tree with its metadata takes ~90 times the bytes of its source); the rest
# is parsed again if needed. TSL_KEEP_MB in the environment overrides it.
KEEP_BYTES = int(float(os.environ.get("TSL_KEEP_MB", "1")) * 1024 * 1024)

Key = tuple[str, str]  # (class name or "", function name)


# -- summaries -----------------------------------------------------------------


class FileStub:
    """The SourceFile of a detached index: path and module, the rest on demand.

    Any other attribute (text, module, position(), qualified_names(), ...)
    parses the file in this process first (see _Hydrator)."""

    def __init__(self, relpath: str, module_name: str, package: str):
        self.relpath = relpath
        self.module_name = module_name
        self.package = package

    def __getattr__(self, name: str):
        if name.startswith("__") or _HYDRATOR is None:
            raise AttributeError(name)
        return getattr(_HYDRATOR.source(self.relpath), name)

    def __getstate__(self):
        return (self.relpath, self.module_name, self.package)

    def __setstate__(self, state) -> None:
        self.relpath, self.module_name, self.package = state


def _lazy(name: str):
    def get(self):
        value = self.__dict__[name]
        if value is None and _HYDRATOR is not None:
            try:
                _HYDRATOR.source(self.__dict__["file"].relpath)
            except ParseFailure:  # CPython parses it, LibCST does not: nothing to look at
                return None
            value = self.__dict__[name]
        return value

    def set(self, value) -> None:
        self.__dict__[name] = value

    return property(get, set)


def _lazy_dead(self):
    """What the compiler does not emit in this function: computed on first use (it needs the scopes)."""
    dead = self.__dict__["dead"]
    if dead is None:
        node = self.node
        if node is not None:
            from tsl.model.emission import dead_nodes

            dead = self.__dict__["dead"] = dead_nodes(node.body, self.__dict__["file"].qualified_names)
    return dead


def _set_dead(self, value) -> None:
    self.__dict__["dead"] = value


class DetachedFunctionInfo(FunctionInfo):
    """A FunctionInfo without its node; the node comes back on first use (in a process that runs rules)."""

    node = _lazy("node")
    dead = property(_lazy_dead, _set_dead)


class DetachedClassInfo(ClassInfo):
    node = _lazy("node")


Nodes = dict  # detach(): {(class or "", function or ""): (node, dead)}; nodes_by_line(): {(class, name, line): node}


def detach(index: "FileIndex") -> tuple["FileIndex", Nodes]:
    """The index without LibCST nodes (picklable), and the nodes it had.

    Positions were copied into the index when it was built."""
    stub = FileStub(index.file.relpath, index.file.module_name, index.file.package)
    nodes: Nodes = {}
    index.file = stub
    for name, function in index.functions.items():
        nodes[("", name)] = (function.node, function.dead)
        function.__class__ = DetachedFunctionInfo
        function.node, function.file, function.dead = None, stub, None
    for class_name, klass in index.classes.items():
        nodes[(class_name, "")] = (klass.node, None)
        klass.__class__ = DetachedClassInfo
        klass.node, klass.file = None, stub
        for name, method in klass.methods.items():
            nodes[(class_name, name)] = (method.node, method.dead)
            method.__class__ = DetachedFunctionInfo
            method.node, method.file, method.dead = None, stub, None
    return index, nodes


def nodes_by_line(source) -> Nodes:
    """{(class or "", function or "", line of the def): node} for the top-level and class-level defs."""
    import libcst as cst

    nodes: Nodes = {}
    for statement in source.module.body:
        if isinstance(statement, cst.FunctionDef):
            nodes[("", statement.name.value, source.def_start(statement)[0])] = statement
        elif isinstance(statement, cst.ClassDef):
            name = statement.name.value
            nodes[(name, "", source.def_start(statement)[0])] = statement
            for inner in statement.body.body:
                if isinstance(inner, cst.FunctionDef):
                    nodes[(name, inner.name.value, source.def_start(inner)[0])] = inner
    return nodes


def _attach(index: "FileIndex", source, nodes: Nodes) -> None:
    """Give a detached index (built from the same bytes) its nodes back; `dead` follows on first use."""
    index.file = source
    for name, function in index.functions.items():
        function.__dict__.update(node=nodes.get(("", name, function.line)), dead=None, file=source)
    for class_name, klass in index.classes.items():
        klass.__dict__.update(node=nodes.get((class_name, "", klass.line)), file=source)
        for name, method in klass.methods.items():
            method.__dict__.update(node=nodes.get((class_name, name, method.line)), dead=None, file=source)


def _dry(index: "FileIndex") -> None:
    """Detach an attached index again (its nodes are dropped)."""
    source = index.file
    stub = FileStub(source.relpath, source.module_name, source.package)
    index.file = stub
    for function in index.functions.values():
        function.__dict__.update(node=None, dead=None, file=stub)
    for klass in index.classes.values():
        klass.__dict__.update(node=None, file=stub)
        for method in klass.methods.values():
            method.__dict__.update(node=None, dead=None, file=stub)


@dataclass
class FileReport:
    """What the Program needs from one file; picklable, no LibCST."""

    relpath: str
    index: Optional["FileIndex"] = None  # None: not parsed, or does not parse
    file_findings: list[Finding] = field(default_factory=list)  # TSL001: reported whether compiled or not
    light: bool = False  # only syntax-checked: the file could hold no entry point


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


def summarize(item: "Input", data: bytes, config: "Config") -> FileReport:
    """Index one file: from CPython's parser, or from LibCST when CPython rejects it."""
    from tsl.lint import engine
    from tsl.model.index import build_index
    from tsl.frontend.source import parse_source

    report = FileReport(relpath=item.relpath)
    index = _index_from_ast(item, data)
    if index is not None:
        report.index = index
        return report
    try:
        source = parse_source(item.path, item.relpath, data)
    except ParseFailure as failure:
        if config.enabled("TSL001"):
            report.file_findings.append(engine.parse_error_finding(item.relpath, failure))
        return report
    report.index, _ = detach(build_index(source))
    return report


# The index comes from CPython's parser (tsl.frontend.cpython_index); LibCST parses a file
# only when its rules run. TSL_AST_INDEX=0 builds it from LibCST, as tsl did before.
_AST_INDEX = os.environ.get("TSL_AST_INDEX", "1") != "0"


def _index_from_ast(item: "Input", data: bytes) -> Optional["FileIndex"]:
    """The detached index from CPython's parser; None when CPython rejects the file
    (LibCST then says why, or parses syntax newer than this Python)."""
    if not _AST_INDEX:
        return None
    from tsl.frontend.cpython_index import build_index_from_ast
    from tsl.frontend.source import cpython_parse, module_name_for

    try:
        text, _ = decode(data)
    except ParseFailure:
        return None
    tree = cpython_parse(text, item.relpath)
    if tree is None:
        return None
    module_name, package = module_name_for(item.path)
    try:
        index = build_index_from_ast(tree, FileStub(item.relpath, module_name, package), text)
    except RecursionError:
        return None
    for function in index.functions.values():
        function.__class__ = DetachedFunctionInfo
    for klass in index.classes.values():
        klass.__class__ = DetachedClassInfo
        for method in klass.methods.values():
            method.__class__ = DetachedFunctionInfo
    return index


def syntax_check(item: "Input", data: bytes, config: "Config") -> FileReport:
    """For a file that cannot hold an entry point: only whether it parses.

    CPython's compiler is several times faster than LibCST's parser; when it
    rejects the file, the full summary gives LibCST's own TSL001 message."""
    from tsl.frontend.source import cpython_parse

    try:
        text, _ = decode(data)
    except ParseFailure:
        return summarize(item, data, config)
    if cpython_parse(text, item.relpath) is None:
        return summarize(item, data, config)
    return FileReport(relpath=item.relpath, light=True)


# -- rules, with the whole program at hand ----------------------------------------

_HYDRATOR: Optional["_Hydrator"] = None


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


def plans_of(program: "Program", tasks: list[tuple[str, list]]) -> dict[str, tuple[set, set, set]]:
    """What each checked file's parse keeps (tsl.frontend.blank): its compiled top-level functions,
    its compiled methods, and its classes that own compiled code or are a base of one that does
    (the rules read their __init__ for attribute types)."""
    plans = {}
    for relpath, records in tasks:
        functions = {name for (class_name, name), _, _ in records if not class_name}
        methods = {(class_name, name) for (class_name, name), _, _ in records if class_name}
        plans[relpath] = (functions, methods, set())
    indexes = {index.file.relpath: index for index in program.indexes}
    owners = {owner for _, records in tasks for _, owner, _ in records if owner is not None}
    for relpath, name in sorted(owners):
        owner = indexes[relpath].classes.get(name) if relpath in indexes else None
        for klass in program.mro(owner) if owner is not None else ():
            if klass.file.relpath in plans:
                plans[klass.file.relpath][2].add(klass.name)
    return plans


def _blanked(data: bytes, plan: Optional[tuple[set, set, set]]) -> tuple[Optional[str], Optional[ast.Module], dict]:
    """(the text to parse for a checked file (tsl.frontend.blank), or None to parse it all;
    CPython's tree of the file, or None if CPython rejects it; per kept class, its methods
    that went)."""
    from tsl.frontend.blank import blank
    from tsl.frontend.source import cpython_parse

    try:
        text, _ = decode(data)
    except ParseFailure:
        return None, None, {}
    tree = cpython_parse(text)
    if tree is None:
        return None, None, {}
    if plan is None:
        return None, tree, {}
    try:
        text, hidden = blank(text, tree, *plan)
    except RecursionError:
        return None, tree, {}
    return text, tree, hidden


def info_key(info) -> Optional[tuple]:
    if info is None:
        return None
    kind = "class" if isinstance(info, ClassInfo) else "function"
    return (info.file.relpath, kind, getattr(info, "qualname", info.name))


@dataclass
class Recorded:
    """What one file's check looked at outside the file."""

    lookups: dict = field(default_factory=dict)  # frozenset(names) -> info_key of the answer
    files: set = field(default_factory=set)  # relpaths of what it got back
    everything: bool = False  # it read the whole program (indexes, symbols, entry points)


class _Recorder:
    def __init__(self):
        self.record = Recorded()
        self.quiet = 0


_TRACKING: dict[type, type] = {}


def _tracking_class(base: type) -> type:
    """A subclass of the Program class that records what a check looks up."""
    found = _TRACKING.get(base)
    if found is not None:
        return found

    def whole(name):
        def get(self):
            recorder = self.__dict__["_tsl_recorder"]
            if not recorder.quiet:
                recorder.record.everything = True
            return self.__dict__[name]

        def put(self, value):
            self.__dict__[name] = value

        return property(get, put)

    def lookup(self, names):
        recorder = self.__dict__["_tsl_recorder"]
        recorder.quiet += 1
        try:
            found = base.lookup(self, names)
        finally:
            recorder.quiet -= 1
        key = info_key(found)
        recorder.record.lookups[frozenset(names)] = key
        if key is not None:
            recorder.record.files.add(key[0])
        return found

    found = type(f"Tracking{base.__name__}", (base,),
                 {"indexes": whole("indexes"), "symbols": whole("symbols"), "lookup": lookup})
    _TRACKING[base] = found
    return found


def _fresh_program(base: "Program", recorder: _Recorder) -> "Program":
    """A Program sharing base's summaries and symbols, with empty caches, that records into recorder."""
    program = object.__new__(_tracking_class(type(base)))
    for name, value in base.__dict__.items():
        if name in ("indexes", "symbols"):
            program.__dict__[name] = value
        elif isinstance(value, (dict, list, set)):
            program.__dict__[name] = type(value)()  # a cache: start empty, so lookups get recorded
        elif not name.startswith("_tsl_"):
            program.__dict__[name] = value
    program.__dict__["_tsl_recorder"] = recorder
    return program


class _Trees:
    """Parsed files kept in this process (with their metadata: ~90 bytes per byte of source).

    When over budget, files already checked go first (only another file's check may
    still need them), then the least recently used."""

    def __init__(self, budget: int):
        self.budget = budget
        self.live: "OrderedDict[str, tuple]" = OrderedDict()  # relpath -> (source, nodes, size)
        self.size = 0
        self.on_drop = None  # called with the relpath of each dropped file
        self.pinned: Optional[str] = None
        self.dropped = 0  # bytes of source dropped since the last garbage collection
        self.checked: set[str] = set()  # files whose rules have run
        self.released: list = []  # sources dropped since the last release()

    def put(self, relpath: str, source, nodes: Nodes, size: int) -> None:
        if relpath in self.live:
            previous = self.live.pop(relpath)
            self.released.append(previous[0])
            self.size -= previous[2]
        self.live[relpath] = (source, nodes, size)
        self.size += size
        # A file bigger than a quarter of the budget would push out many others: it is
        # only kept while in use (its caller holds it), and parsed again if needed later.
        self.trim(keep=relpath if size <= self.budget // 4 or relpath == self.pinned else None)

    def done(self, relpath: str) -> None:
        """relpath's rules have run: its parents and positions go, and it is the first to be dropped."""
        self.checked.add(relpath)
        entry = self.live.get(relpath)
        if entry is not None:
            metadata = getattr(entry[0], "metadata", None)
            if metadata is not None and hasattr(metadata, "forget"):
                metadata.forget()
        self.trim()

    def get(self, relpath: str):
        found = self.live.get(relpath)
        if found is not None:
            self.live.move_to_end(relpath)
        return found

    def trim(self, keep: Optional[str] = None) -> None:
        """Drop files until the rest fit (never the pinned one, nor keep)."""
        if self.size <= self.budget:
            return
        order = sorted(self.live, key=lambda r: r not in self.checked)  # stable: LRU within
        for relpath in order:
            if self.size <= self.budget:
                break
            if relpath == self.pinned or relpath == keep:
                continue
            source, _, size = self.live.pop(relpath)
            self.released.append(source)
            self.size -= size
            self.dropped += size
            if self.on_drop is not None:
                self.on_drop(relpath)
        if self.dropped > max(8 * self.budget, 8 << 20):
            # What the dropped files' scope analysis leaves is freed by release(); the
            # few cycles left (the collector is off, see _quiet_collector) are collected
            # now and then, and the memory given back.
            self.dropped = 0
            gc.collect()
            _trim_malloc()

    def release(self) -> None:
        """Free the scope analysis of the files dropped so far (call it when no rule runs:
        a rule may still hold a scope of a file dropped while it ran)."""
        from tsl.model.self_attributes import release_view

        for source in self.released:
            source.metadata.release()
            release_view(source)
        self.released.clear()


def _quiet_collector() -> None:
    """Before the checks: collect once, then freeze what is left (the program lives to the
    end, so later collections need not scan it), and leave the collector off. The cycles a
    run makes are cut where they are made (ast_index's scopes, and LibCST's scope analysis
    of dropped files in _Trees.release()); _Trees.trim still collects now and then."""
    gc.collect()
    gc.freeze()
    gc.disable()


def _trim_malloc() -> None:
    """Return freed heap memory to the OS (glibc keeps it otherwise)."""
    global _MALLOC_TRIM
    if _MALLOC_TRIM is None:
        _MALLOC_TRIM = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _MALLOC_TRIM = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):
                pass
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


_MALLOC_TRIM = None


class _Hydrator:
    """Gives the Program's detached indexes their nodes back when something asks for them."""

    def __init__(self, indexes: dict[str, "FileIndex"], inputs: dict[str, tuple[Path, Optional[bytes]]],
                 trees: _Trees, blank: bool = True):
        self.indexes = indexes
        self.inputs = inputs
        self.trees = trees
        self.attached: set[str] = set()
        self.recorder: Optional[_Recorder] = None
        self.transient: set[str] = set()
        trees.on_drop = self._dropped
        self.blank = blank  # parse checked files without the bodies no rule reads
        self.plans: dict[str, tuple] = {}  # relpath -> what its parse keeps (plans_of)

    def source(self, relpath: str):
        pinned = relpath == self.trees.pinned
        if self.recorder is not None and not pinned:
            self.recorder.record.files.add(relpath)
        found = self.trees.get(relpath)
        if found is None:
            from tsl.frontend.source import parse_source

            path, data = read_input(self.inputs, relpath)
            text, tree, hidden = _blanked(data, self.plans.get(relpath) if self.blank else None)
            source = parse_source(path, relpath, data, parse_text=text, cpython_tree=tree)
            source.hidden_methods = hidden
            nodes = nodes_by_line(source)
            self.trees.put(relpath, source, nodes, len(data))
            found = (source, nodes)
            if relpath not in self.trees.live:  # too big to keep: attached for this check only
                self.transient.add(relpath)
        source, nodes = found[0], found[1]
        if relpath not in self.attached:
            _attach(self.indexes[relpath], source, nodes)
            self.attached.add(relpath)
        return source

    def release(self) -> None:
        """Detach what was parsed for the check that just ended and is not kept."""
        for relpath in self.transient:
            if relpath not in self.trees.live:
                self._dropped(relpath)
        self.transient.clear()
        self.trees.release()

    def _dropped(self, relpath: str) -> None:
        if relpath in self.attached:
            self.attached.discard(relpath)
            _dry(self.indexes[relpath])

    def close(self) -> None:
        for relpath in list(self.attached):
            self._dropped(relpath)
        self.trees.on_drop = None


@dataclass
class FileCheck:
    """The findings of one file's compiled functions, with what they depended on."""

    findings: list[Finding]
    record: Recorded


def check_file(program: "Program", hydrator: _Hydrator, config: "Config", relpath: str, records: list) -> FileCheck:
    """Run the rules on one file's compiled functions (records: keys, owners and chains)."""
    from tsl.lint import engine, suppression
    from tsl.model.program import Compiled

    recorder = _Recorder()
    tracking = _fresh_program(program, recorder)
    hydrator.trees.pinned = relpath
    try:
        source = hydrator.source(relpath)
    except ParseFailure as failure:  # CPython parses it (its index came from there), LibCST does not
        hydrator.trees.pinned = None
        found = [engine.parse_error_finding(relpath, failure)] if config.enabled("TSL001") else []
        return FileCheck(found, recorder.record)
    hydrator.recorder = recorder
    try:
        index = hydrator.indexes[relpath]
        compiled = []
        for (class_name, name), owner, chains in records:
            function = index.classes[class_name].methods[name] if class_name else index.functions[name]
            owner_info = None
            if owner is not None:
                owner_info = hydrator.indexes[owner[0]].classes[owner[1]]
                if owner[0] != relpath:
                    recorder.record.files.add(owner[0])
            compiled.append(Compiled(function, owner_info, dict(chains)))
        if suppression.FILE_NOQA.search(source.text):
            return FileCheck([], recorder.record)
        found = engine.run_rules(source, tracking, compiled, config)
        return FileCheck(suppression.filter_findings(source, found, config), recorder.record)
    finally:
        hydrator.recorder = None
        hydrator.trees.pinned = None
        hydrator.trees.done(relpath)
        hydrator.release()


# -- where the work runs -------------------------------------------------------------


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class _Local:
    """Runs everything in this process (small runs, --jobs 1)."""

    def __init__(self, config: "Config", inputs: dict, budget: int, blank: bool = True):
        self.config = config
        self.inputs = inputs
        self.trees = _Trees(budget)
        self.blank = blank

    def summaries(self, tasks: list[tuple[str, str]], sizes: list[int]) -> list[FileReport]:
        return [_summary(kind, relpath, self.inputs, self.config) for kind, relpath in tasks]

    def checks(self, program: "Program", tasks: list[tuple[str, list]], sizes: list[int]) -> list[FileCheck]:
        global _HYDRATOR
        indexes = {index.file.relpath: index for index in program.indexes}
        hydrator = _HYDRATOR = _Hydrator(indexes, self.inputs, self.trees, self.blank)
        hydrator.plans = plans_of(program, tasks)
        results: list = [None] * len(tasks)
        _quiet_collector()
        try:
            for i, (relpath, records) in enumerate(tasks):
                results[i] = check_file(program, hydrator, self.config, relpath, records)
            return results
        finally:
            gc.unfreeze()
            hydrator.close()
            _HYDRATOR = None

    def close(self) -> None:
        self.trees = _Trees(0)


def read_input(inputs: dict, relpath: str) -> tuple[Path, bytes]:
    """A file's bytes: given, or read again, and then the same as when the run began."""
    path, data, digest = inputs[relpath]
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ParseFailure(f"cannot read: {exc.strerror or exc}") from None
        if digest_of(data) != digest:
            raise ParseFailure("the file changed while tsl was checking it; run tsl again")
    return path, data


def _summary(kind: str, relpath: str, inputs: dict, config: "Config") -> FileReport:
    from tsl.result import Input

    try:
        path, data = read_input(inputs, relpath)
    except ParseFailure as failure:
        from tsl.lint import engine

        report = FileReport(relpath=relpath)
        if config.enabled("TSL001"):
            report.file_findings.append(engine.parse_error_finding(relpath, failure))
        return report
    item = Input(path=path, relpath=relpath, data=data)
    return syntax_check(item, data, config) if kind == "light" else summarize(item, data, config)


def _serve(conn, config: "Config", inputs: dict, budget: int, blank: bool = True) -> None:
    """A worker process: summaries first, then the rules on the files whose trees it kept."""
    global _HYDRATOR
    local = _Local(config, inputs, budget, blank)
    program = hydrator = None
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        kind = message[0]
        try:
            if kind == "summary":
                _, number, task = message
                reply = ("ok", number, _summary(*task, inputs, config))
            elif kind == "program":

                indexes, plans = pickle_loads(message[1])
                program = Program(indexes)
                hydrator = _HYDRATOR = _Hydrator({i.file.relpath: i for i in indexes}, inputs, local.trees, blank)
                hydrator.plans = plans
                _quiet_collector()
                continue
            elif kind == "check":
                _, number, (relpath, records) = message
                reply = ("ok", number, check_file(program, hydrator, config, relpath, records))
            else:
                return
        except BaseException as exc:  # handed to the parent, which raises it
            reply = ("error", message[1] if len(message) > 1 else -1, _portable(exc))
        conn.send(reply)


def _portable(exc: BaseException):
    import pickle
    import traceback

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError("".join(traceback.format_exception_only(type(exc), exc)).strip())


def pickle_loads(data: bytes):
    import pickle

    return pickle.loads(data)


class _Workers:
    """Worker processes: summaries, then the rules, each file to whichever worker is free
    (biggest files first). Each keeps an LRU of the LibCST trees it parsed for the rules."""

    def __init__(self, count: int, config: "Config", inputs: dict, budget: int, blank: bool = True):
        import multiprocessing

        from tsl.rules.catalog import all_rules

        all_rules()  # imported once here, not in every worker
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self.conns = []
        self.processes = []
        for _ in range(count):
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(child, config, inputs, budget, blank), daemon=True)
            process.start()
            child.close()
            self.conns.append(parent)
            self.processes.append(process)

    def _run(self, queues: list[list[tuple[int, tuple]]], kind: str, results: list, ahead: int = 2,
             shared: Optional[list] = None) -> None:
        """Send each worker its queue (and, when shared is given, take from it when idle)."""
        from multiprocessing.connection import wait

        busy = {i: 0 for i in range(len(self.conns))}
        error = None

        def feed(i: int) -> None:
            while busy[i] < ahead:
                if queues[i]:
                    number, task = queues[i].pop(0)
                elif shared:
                    number, task = shared.pop(0)
                else:
                    return
                self.conns[i].send((kind, number, task))
                busy[i] += 1

        for i in busy:
            feed(i)
        while any(busy.values()):
            for conn in wait([self.conns[i] for i in busy if busy[i]]):
                i = self.conns.index(conn)
                try:
                    status, number, value = conn.recv()
                except EOFError:
                    raise RuntimeError("a tsl worker process died") from None
                busy[i] -= 1
                if status == "error":
                    error = error or value
                    queues[i].clear()
                    if shared:
                        shared.clear()
                else:
                    results[number] = value
                feed(i)
        if error is not None:
            raise error

    def summaries(self, tasks: list[tuple[str, str]], sizes: list[int]) -> list[FileReport]:
        results: list = [None] * len(tasks)
        order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
        self._run([[] for _ in self.conns], "summary", results, shared=[(i, tasks[i]) for i in order])
        return results

    def checks(self, program: "Program", tasks: list[tuple[str, list]], sizes: list[int]) -> list[FileCheck]:
        import pickle

        data = pickle.dumps(([without_calls(i) for i in program.indexes], plans_of(program, tasks)),
                            protocol=pickle.HIGHEST_PROTOCOL)
        for conn in self.conns:
            conn.send(("program", data))
        # Whichever worker is free takes the next file, biggest first.
        order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
        results: list = [None] * len(tasks)
        self._run([[] for _ in self.conns], "check", results, shared=[(i, tasks[i]) for i in order])
        return results

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("stop",))
                conn.close()
            except OSError:
                pass
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


# -- the whole run ----------------------------------------------------------------


@dataclass
class Prepared:
    item: "Input"
    data: Optional[bytes]  # None once dropped (see run): workers read the file again
    key: tuple[str, str, str]  # (content hash, module, package)
    error: Optional[str] = None  # cannot read
    size: int = 0
    may_hold: bool = True  # may_hold_entry, decided while the bytes were at hand

    @property
    def module_name(self) -> str:
        return self.key[1]


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
        name = ".".join(parts)
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
        prepared.append(Prepared(item, data, (digest, module_name, package), error, len(data or b"")))
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


def run(items: Iterable["Input"], config: "Config", jobs: int = 1, cache: Optional["Cache"] = None,
        prefilter: bool = True, blank: bool = True) -> "Result":
    """blank: parse each checked file without the bodies its rules never read (tsl.frontend.blank)."""
    prepared = prepare(items)
    manifest = manifest_of(prepared)
    if cache is not None:
        cached = cache.load_result(manifest)
        if cached is not None:
            return cached
    # What was read from disk is read again where it is parsed: the parent and the workers
    # forked from it then do not all hold every file's bytes. The digest says it is the same.
    inputs = {p.item.relpath: (p.item.path, p.item.data, p.key[0]) for p in prepared if p.error is None}
    size = sum(p.size for p in prepared)
    for p in prepared:
        if p.item.data is None:
            p.data = None
    # Parsed trees are millions of objects that never form garbage cycles, which the
    # collector would scan again and again (a third of the run with its default thresholds,
    # a sixth with higher ones). It is off for the run: see _quiet_collector.
    collecting = gc.isenabled()
    gc.disable()
    try:
        if jobs > 1 and len(inputs) >= POOL_MIN_FILES and size >= POOL_MIN_BYTES:
            executor = _Workers(min(jobs, len(inputs)), config, inputs, KEEP_BYTES, blank)
        else:
            executor = _Local(config, inputs, KEEP_BYTES, blank)
        try:
            reports, keep = _summaries(prepared, config, executor, cache, prefilter)
            result, checks = _assemble(prepared, reports, config, executor, cache, manifest)
        finally:
            executor.close()
    finally:
        if collecting:
            gc.enable()
    if cache is not None:
        cache.store(manifest, result,
                    {p.item.relpath: (p.key, keep[i]) for i, p in enumerate(prepared) if keep[i] is not None},
                    checks)
    return result


def _summaries(prepared: list[Prepared], config: "Config", executor, cache: Optional["Cache"],
               prefilter: bool) -> tuple[list[Optional[FileReport]], list[Optional[FileReport]]]:
    """(what the Program gets, what the cache keeps) per file.

    Files the Program needs get a full report; the other readable files only a
    light one (or, when they do not parse for CPython, the TSL001 of a full one)."""
    known = cache.load_reports() if cache is not None else {}
    cached: list[Optional[FileReport]] = [None] * len(prepared)
    reports: list[Optional[FileReport]] = [None] * len(prepared)
    wanted: list[int] = []
    deferred: list[int] = []
    for i, p in enumerate(prepared):
        if p.error is not None:
            continue
        hit = known.get(p.item.relpath)
        if hit is not None and hit[0] == p.key:
            cached[i] = hit[1]
        if not prefilter or p.may_hold:
            wanted.append(i)
        else:
            deferred.append(i)
    # Files that cannot hold an entry point are still needed when a needed file
    # refers to their module (a helper, a base class): pull them in until nothing
    # new is referenced. The others are only syntax-checked, in the first round.
    light = [i for i in deferred if cached[i] is None]
    modules: set[str] = set()
    while wanted or light:
        todo = [i for i in wanted if cached[i] is None or cached[i].light]
        tasks = [("full", prepared[i].item.relpath) for i in todo] + [("light", prepared[i].item.relpath) for i in light]
        sizes = [prepared[i].size for i in todo + light]
        for i, report in zip(todo + light, executor.summaries(tasks, sizes) if tasks else []):
            cached[i] = report
        light = []
        for i in wanted:
            reports[i] = cached[i]
            if reports[i].index is not None:
                modules |= referenced_modules(reports[i].index)
        wanted = [i for i in deferred if prepared[i].module_name in modules]
        deferred = [i for i in deferred if prepared[i].module_name not in modules]
    for i in deferred:  # not needed: keep only what does not depend on being compiled
        report = cached[i]
        if report is not None and not report.light:
            report = FileReport(relpath=report.relpath, file_findings=report.file_findings)
        reports[i] = report
    return reports, cached


def _context_digest(records: list) -> str:
    return hashlib.blake2b(repr(records).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def _still_valid(entry, key, context: str, program: "Program", keys: dict, manifest: str) -> bool:
    """Whether a cached FileCheck holds: same file, same compiled context, same answers outside it."""
    old_key, old_context, check, files, old_manifest = entry
    if old_key != key or old_context != context:
        return False
    record = check.record
    if record.everything and old_manifest != manifest:
        return False
    if any(keys.get(relpath) != file_key for relpath, file_key in files.items()):
        return False
    return all(info_key(program.lookup(names)) == answer for names, answer in record.lookups.items())


def _assemble(prepared: list[Prepared], reports: list[Optional[FileReport]], config: "Config", executor,
              cache: Optional["Cache"], manifest: str) -> tuple["Result", dict]:
    """The whole-program step, then the rules on each file's compiled functions."""
    from tsl.lint import engine

    result = Result()
    findings: list[Finding] = []
    indexes = []
    for p, report in zip(prepared, reports):
        result.files.append(p.item.relpath)
        if p.error is not None:
            findings.append(engine.parse_error_finding(p.item.relpath, ParseFailure(p.error)))
            continue
        if report is None:
            continue
        findings += report.file_findings
        if report.index is not None:
            indexes.append(report.index)
    program = Program(indexes)
    result.entry_points = program.entry_points()
    by_file: dict[str, list] = {}
    for record in program.compiled(result.entry_points):
        function, owner = record.function, record.owner
        by_file.setdefault(function.file.relpath, []).append((
            (function.class_name or "", function.name),
            (owner.file.relpath, owner.name) if owner is not None else None,
            tuple(record.chains.items()),
        ))
    keys = {p.item.relpath: p.key for p in prepared}
    known = cache.load_checks() if cache is not None else {}
    checks: dict[str, tuple] = {}
    tasks, sizes, contexts = [], [], {}
    for p in prepared:
        relpath = p.item.relpath
        records = by_file.get(relpath)
        if not records:
            continue
        context = contexts[relpath] = _context_digest(records)
        entry = known.get(relpath)
        if entry is not None and _still_valid(entry, p.key, context, program, keys, manifest):
            checks[relpath] = entry
            continue
        tasks.append((relpath, records))
        sizes.append(p.size)
    if tasks:
        for (relpath, _), check in zip(tasks, executor.checks(program, tasks, sizes)):
            files = {name: keys.get(name) for name in check.record.files if name != relpath}
            checks[relpath] = (keys[relpath], contexts[relpath], check, files, manifest)
    for entry in checks.values():
        findings += entry[2].findings
    unique = sorted(set(findings), key=repr)  # a total order first, so that ties come out the same every run
    result.findings = sorted(unique, key=Finding.sort_key)
    return result, checks
