"""The LibCST trees a process keeps for the rules, parsed without the bodies no rule reads."""
from __future__ import annotations

import ast
import gc
import os
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Optional

from tsl.frontend.source import ParseFailure, decode

from tsl.run.detached import Nodes, attach, dry, nodes_by_line
from tsl.run.memory import trim_malloc
from tsl.run.recording import Recorder
from tsl.run.summaries import read_input

if TYPE_CHECKING:
    from tsl.run.records import BlankPlan
    from tsl.model.index import FileIndex


# How much source each process keeps parsed (LibCST trees, for the lookups other files'
# rules make; a tree with its metadata takes ~90 times the bytes of its source); the rest
# is parsed again if needed. TSL_KEEP_MB in the environment overrides it.
KEEP_BYTES = int(float(os.environ.get("TSL_KEEP_MB", "1")) * 1024 * 1024)


def blanked(data: bytes, plan: Optional["BlankPlan"]) -> tuple[Optional[str], Optional[ast.Module]]:
    """(the text to parse for a checked file (tsl.frontend.blank), or None to parse it all;
    CPython's tree of the file, or None if CPython rejects it)."""
    from tsl.frontend.blank import blank
    from tsl.frontend.source import cpython_parse

    try:
        text, _ = decode(data)
    except ParseFailure:
        return None, None
    tree = cpython_parse(text)
    if tree is None or plan is None:
        return None, tree
    try:
        return blank(text, tree, plan.functions, plan.methods, plan.classes, plan.reads), tree
    except RecursionError:
        return None, tree


class Kept(NamedTuple):
    source: object  # SourceFile
    nodes: Nodes
    size: int  # bytes of source


class Trees:
    """Parsed files kept in this process (with their metadata: ~90 bytes per byte of source).

    When over budget, files already checked go first (only another file's check may
    still need them), then the least recently used."""

    def __init__(self, budget: int):
        self.budget = budget
        self.live: "OrderedDict[str, Kept]" = OrderedDict()
        self.size = 0
        self.on_drop = None  # called with the relpath of each dropped file
        self.pinned: Optional[str] = None
        self.dropped = 0  # bytes of source dropped since the last garbage collection
        self.checked: set[str] = set()  # files whose rules have run
        self.released: list = []  # sources dropped since the last release()

    def put(self, relpath: str, source, nodes: Nodes, size: int) -> None:
        if relpath in self.live:
            previous = self.live.pop(relpath)
            self.released.append(previous.source)
            self.size -= previous.size
        self.live[relpath] = Kept(source, nodes, size)
        self.size += size
        # A file bigger than a quarter of the budget would push out many others: it is
        # only kept while in use (its caller holds it), and parsed again if needed later.
        self.trim(keep=relpath if size <= self.budget // 4 or relpath == self.pinned else None)

    def done(self, relpath: str) -> None:
        """relpath's rules have run: its parents and positions go, and it is the first to be dropped."""
        self.checked.add(relpath)
        entry = self.live.get(relpath)
        if entry is not None:
            metadata = getattr(entry.source, "metadata", None)
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
            # few cycles left (the collector is off, see quiet_collector) are collected
            # now and then, and the memory given back.
            self.dropped = 0
            gc.collect()
            trim_malloc()

    def release(self) -> None:
        """Free the scope analysis of the files dropped so far (call it when no rule runs:
        a rule may still hold a scope of a file dropped while it ran)."""
        from tsl.model.self_attributes import release_view

        for source in self.released:
            source.metadata.release()
            release_view(source)
        self.released.clear()


class Hydrator:
    """Gives the Program's detached indexes their nodes back when something asks for them."""

    def __init__(self, indexes: dict[str, "FileIndex"], inputs: dict[str, tuple[Path, Optional[bytes]]],
                 trees: Trees, blank: bool = True):
        self.indexes = indexes
        self.inputs = inputs
        self.trees = trees
        self.attached: set[str] = set()
        self.recorder: Optional[Recorder] = None
        self.transient: set[str] = set()
        trees.on_drop = self._dropped
        self.blank = blank  # parse checked files without the bodies no rule reads
        self.plans: dict[str, "BlankPlan"] = {}  # relpath -> what its parse keeps (plans_of)

    def source(self, relpath: str):
        pinned = relpath == self.trees.pinned
        if self.recorder is not None and not pinned:
            self.recorder.record.files.add(relpath)
        found = self.trees.get(relpath)
        if found is None:
            from tsl.frontend.source import parse_source

            path, data = read_input(self.inputs, relpath)
            text, tree = blanked(data, self.plans.get(relpath) if self.blank else None)
            source = parse_source(path, relpath, data, parse_text=text, cpython_tree=tree)
            nodes = nodes_by_line(source)
            self.trees.put(relpath, source, nodes, len(data))
            found = Kept(source, nodes, len(data))
            if relpath not in self.trees.live:  # too big to keep: attached for this check only
                self.transient.add(relpath)
        source, nodes = found.source, found.nodes
        if relpath not in self.attached:
            attach(self.indexes[relpath], source, nodes)
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
            dry(self.indexes[relpath])

    def close(self) -> None:
        for relpath in list(self.attached):
            self._dropped(relpath)
        self.trees.on_drop = None
