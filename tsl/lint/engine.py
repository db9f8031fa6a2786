"""The engine: run every rule on one file's compiled functions, in one walk of each."""
from __future__ import annotations

from collections import defaultdict

import libcst as cst

from tsl.frontend.source import ParseFailure, SourceFile
from tsl.model.program import Compiled, Program
from tsl.frontend.walk import walk
from tsl.config import Config
from tsl.finding import Finding
from tsl.rules.catalog import all_rules, rule_by_code
from tsl.lint.context import RuleContext
from tsl.rules.base import Rule
from tsl.versions import target_version

class _Dispatcher(cst.CSTVisitor):
    """One walk over a compiled function body, calling every rule's visit_* method."""

    def __init__(self, table: dict[str, list], ctx: RuleContext):
        self.table = table
        self.by_type: dict[type, list] = {}
        self.ctx = ctx
        self.dead = ctx.dead
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


FILE_LEVEL = frozenset({"TSL001", "TSL002"})  # reported by the run, not by a walk


def enabled_rules(config: Config) -> list[type[Rule]]:
    """The rules that run on compiled functions under config."""
    version = target_version(config)
    return [rule for rule in all_rules()
            if config.enabled(rule.code) and rule.code not in FILE_LEVEL and rule.applies(version)]


def reads_of(config: Config) -> frozenset:
    """What the enabled rules read (tsl.frontend.reads): what blanking must keep."""
    return frozenset().union(*(rule.reads for rule in enabled_rules(config)))


def run_rules(file: SourceFile, program: Program, compiled: list[Compiled], config: Config) -> list[Finding]:
    ctx = RuleContext(file=file, program=program, fixes=config.fixes)
    rules = [rule(ctx) for rule in enabled_rules(config)]
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
    """TSL001, or TSL002 when CPython parses the file and only LibCST cannot (failure.code)."""
    rule = rule_by_code(failure.code)
    return Finding(path=relpath, line=failure.line, column=failure.column, end_line=failure.line,
                   end_column=failure.column, code=rule.code, name=rule.name, severity=rule.severity,
                   message=failure.message if rule.code == "TSL001" else f"{rule.message}: {failure.message}",
                   hint=rule.hint)


def internal_error_finding(relpath: str, error: BaseException | str) -> Finding:
    """TSL002: what went wrong when tsl analysed relpath (an exception, or what happened)."""
    rule = rule_by_code("TSL002")
    if isinstance(error, BaseException):
        try:
            text = str(error)
        except Exception:  # a KeyError of a node too deep to print, say
            text = ""
        text = " ".join(text.split())
        error = f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__
    return Finding(path=relpath, line=1, column=1, end_line=1, end_column=1, code=rule.code, name=rule.name,
                   severity=rule.severity, message=f"{rule.message}: {error}", hint=rule.hint)
