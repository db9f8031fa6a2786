"""Per file, what the Program needs: the index from CPython's tree, or TSL001."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from tsl.frontend.source import ParseFailure, decode
from tsl.finding import Finding

from tsl.run.detached import FileStub
from tsl.run.plan import digest_of

if TYPE_CHECKING:
    from tsl.model.index import FileIndex
    from tsl.config import Config
    from tsl.result import Input


@dataclass
class FileReport:
    """What the Program needs from one file; picklable, no LibCST."""

    relpath: str
    index: Optional["FileIndex"] = None  # None: not parsed, or does not parse
    file_findings: list[Finding] = field(default_factory=list)  # TSL001: reported whether compiled or not
    light: bool = False  # only syntax-checked: the file could hold no entry point


def summarize(item: "Input", data: bytes, config: "Config") -> FileReport:
    """Index one file from CPython's tree; TSL001 when CPython gives none."""
    from tsl.frontend.cpython_index import build_index_from_ast
    from tsl.frontend.source import cpython_failure, cpython_parse, module_name_for, parse_source

    report = FileReport(relpath=item.relpath)
    try:
        text, _ = decode(data)
        tree = cpython_parse(text, item.relpath)
        if tree is None:
            parse_source(item.path, item.relpath, data)  # LibCST's message says why, as it always did
            raise cpython_failure(text)  # syntax this Python does not parse: nothing to index
        module_name, package = module_name_for(item.path)  # (a RecursionError: TSL002, see summary_task)
        index = build_index_from_ast(tree, FileStub(item.relpath, module_name, package), text)
    except ParseFailure as failure:
        if config.enabled(failure.code):
            from tsl.lint import engine

            report.file_findings.append(engine.parse_error_finding(item.relpath, failure))
        return report
    report.index = index
    return report


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


def summary_task(kind: str, relpath: str, inputs: dict, config: "Config") -> FileReport:
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
    try:
        return syntax_check(item, data, config) if kind == "light" else summarize(item, data, config)
    except Exception as exc:  # a bug, or a file too deep for tsl's walks: a finding on this file
        from tsl.lint import engine

        found = [engine.internal_error_finding(relpath, exc)] if config.enabled("TSL002") else []
        return FileReport(relpath=relpath, file_findings=found)
