"""The engine as it was before tsl.run.pipeline, kept as the yardstick for it.

Every tree stays in memory, one Program is built from the full indexes, and the
rules run only on the functions that the entry points compile. tsl.run.pipeline
instead runs the rules on every function that could be compiled, file by file,
and keeps the findings of the compiled ones: the tests check that both give
the same findings and entry points.
"""
from __future__ import annotations

from collections import defaultdict

from tsl.lint import engine, suppression
from tsl.model.program import Program
from tsl.result import Result
from tests.reference.libcst_index import build_index
from tsl.frontend.source import ParseFailure, parse_source
from tsl.finding import Finding


def reference_check(inputs, config) -> Result:
    result = Result()
    sources = []
    for item in inputs:
        result.files.append(item.relpath)
        try:
            sources.append(parse_source(item.path, item.relpath, item.data))
        except ParseFailure as failure:
            if config.enabled("TSL001"):
                result.findings.append(engine.parse_error_finding(item.relpath, failure))
        except OSError as exc:
            failure = ParseFailure(f"cannot read: {exc.strerror or exc}")
            result.findings.append(engine.parse_error_finding(item.relpath, failure))
    indexes = [build_index(source) for source in sources]
    program = Program(indexes)
    result.entry_points = program.entry_points()
    by_file = defaultdict(list)
    for record in program.compiled(result.entry_points):
        by_file[id(record.function.file)].append(record)
    for source in sources:
        if suppression.FILE_NOQA.search(source.text):
            continue
        findings = engine.run_rules(source, program, by_file.get(id(source), []), config)
        result.findings += suppression.filter_findings(source, findings, config)
    result.findings = sorted(set(result.findings), key=Finding.sort_key)
    return result


def entry_keys(result) -> list[tuple]:
    return [(e.path, e.name, e.kind, e.line) for e in result.entry_points]
