"""The records a run passes between its steps, its processes and its cache."""
from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple, Optional


class FileKey(NamedTuple):
    """What a file's summary depends on."""

    digest: str  # of its bytes
    module: str
    package: str


class InputFile(NamedTuple):
    """Where a file's bytes come from: given (stdin, --fix), or read again from path."""

    path: Path
    data: Optional[bytes]
    digest: str


class CompiledRecord(NamedTuple):
    """One compiled function of a file, as the Program found it."""

    function: tuple[str, str]  # (class name or "", function name)
    owner: Optional[tuple[str, str]]  # (relpath, class name) of the module or class it is compiled for
    chains: tuple  # ((entry point key, chain), ...)


class FileTask(NamedTuple):
    """A file whose rules run, with its compiled functions."""

    relpath: str
    records: tuple[CompiledRecord, ...]


class BlankPlan(NamedTuple):
    """What a checked file's LibCST parse keeps (tsl.frontend.blank)."""

    functions: set[str]  # compiled top-level functions
    methods: set[tuple[str, str]]  # compiled (class, method)
    classes: set[str]  # classes that own compiled code, or are a base of one that does
    reads: frozenset  # what the enabled rules read (tsl.frontend.reads)


class CachedCheck(NamedTuple):
    """A file's check as the cache keeps it, with what it depended on."""

    key: FileKey
    context: str  # digest of its compiled records
    check: Any  # checking.FileCheck
    files: dict  # {other relpath: its FileKey when the check ran}
    manifest: str  # of the run
