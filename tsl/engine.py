"""The engine: parse each file once, find what is compiled, run all rules in one walk."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import libcst as cst

from tsl.analysis.index import FileIndex, build_index
from tsl.analysis.source import ParseFailure, SourceFile, parse_source
from tsl.analysis.targets import Compiled, EntryPoint, Program
from tsl.analysis.walk import walk
from tsl.config import Config
from tsl.discovery import matches, relative
from tsl.finding import ERROR, Finding
from tsl.rules import all_rules, rule_by_code
from tsl.rules.base import Rule, RuleContext
from tsl.versions import target_version

NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
FILE_NOQA = re.compile(r"^\s*#\s*tsl:\s*noqa\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass
class Input:
    path: Path  # where it lives (or would live, for stdin)
    relpath: str
    data: Optional[bytes] = None  # None: read from path


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    entry_points: list[EntryPoint] = field(default_factory=list)
    verify: Optional[dict] = None  # the `--verify` report (tsl.verify.runner)


class _Dispatcher(cst.CSTVisitor):
    """One walk over a compiled function body, calling every rule's visit_* method."""

    def __init__(self, table: dict[str, list], ctx: RuleContext):
        self.table = table
        self.by_type: dict[type, list] = {}
        self.ctx = ctx
        self.dead = ctx.compiled.function.dead
        self.dead_depth = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        if self.dead and id(node) in self.dead:
            self.dead_depth += 1
        ctx = self.ctx
        ctx.emitted = self.dead_depth == 0
        handlers = self.by_type.get(kind)
        if handlers is None:
            handlers = self.by_type[kind] = self.table.get(kind.__name__, [])
        for method, emitted_only in handlers:
            if not emitted_only or ctx.emitted:
                method(node)
        return kind not in _NOT_ENTERED

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self.dead and id(original_node) in self.dead:
            self.dead_depth -= 1


_NOT_ENTERED = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})


def _dispatch_table(rules: list[Rule]) -> dict[str, list]:
    table: dict[str, list] = defaultdict(list)
    for rule in rules:
        for attribute in _visit_methods(type(rule)):
            table[attribute[len("visit_"):]].append((getattr(rule, attribute), rule.emitted_only))
    return table


_VISIT_METHODS: dict[type, list[str]] = {}


def _visit_methods(kind: type) -> list[str]:
    found = _VISIT_METHODS.get(kind)
    if found is None:
        found = _VISIT_METHODS[kind] = [name for name in dir(kind) if name.startswith("visit_")]
    return found


def run_rules(file: SourceFile, program: Program, compiled: list[Compiled], config: Config) -> list[Finding]:
    ctx = RuleContext(file=file, program=program)
    version = target_version(config)
    rules = [rule(ctx) for rule in all_rules()
             if config.enabled(rule.code) and rule.code != "TSL001" and rule.applies(version)]
    table = _dispatch_table(rules)
    for record in sorted(compiled, key=lambda c: c.function.line):
        ctx.compiled = record
        ctx.emitted = True
        for rule in rules:
            rule.check_function(record.function.node)
        dispatcher = _Dispatcher(table, ctx)
        walk(record.function.node.body, dispatcher.on_visit, dispatcher.on_leave)
    return ctx.findings


def parse_error_finding(relpath: str, failure: ParseFailure) -> Finding:
    rule = rule_by_code("TSL001")
    return Finding(path=relpath, line=failure.line, column=failure.column, end_line=failure.line,
                   end_column=failure.column, code=rule.code, name=rule.name, severity=ERROR,
                   message=failure.message, hint=rule.hint)


def suppressed(finding: Finding, lines: list[str]) -> bool:
    for number in {finding.line, finding.end_line}:
        if 1 <= number <= len(lines):
            match = NOQA.search(lines[number - 1])
            if match:
                codes = match.group("codes")
                if not codes:
                    return True
                if finding.code in {c.upper() for c in re.split(r"[\s,]+", codes) if c}:
                    return True
    return False


def filter_findings(source: SourceFile, findings: list[Finding], config: Config) -> list[Finding]:
    """Drop what per-file-ignores and `# noqa` comments suppress."""
    extra_ignore = tuple(
        code for glob, codes in config.per_file_ignores.items() if matches(source.relpath, [glob]) for code in codes
    )
    kept = []
    for finding in findings:
        if extra_ignore and not config.enabled(finding.code, extra_ignore):
            continue
        if suppressed(finding, source.lines):
            continue
        kept.append(finding)
    return kept


def check(inputs: Iterable[Input], config: Config, jobs: int = 1, cache=None, blank: bool = True) -> Result:
    """Check inputs: jobs > 1 uses worker processes for big runs; cache is a tsl.cache.Cache.

    The findings are the same for any jobs, with or without a cache (see tsl.pipeline)."""
    from tsl.pipeline import run

    return run(inputs, config, jobs=jobs, cache=cache, blank=blank)


def inputs_for(paths: list[Path], root: Path) -> list[Input]:
    return [Input(path=p, relpath=relative(p, root)) for p in paths]
