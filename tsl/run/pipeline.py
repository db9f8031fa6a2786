"""How `check` runs: parallel, cached, with the whole-program work done on summaries.

1. **Summaries** (per file, `summaries`; in worker processes when the run is big
   enough, `workers`): the index from CPython's parser, picklable, depending on
   nothing but the file, which is what the cache keeps per file. A file that
   cannot hold an entry point (`plan.may_hold_entry`, a byte check) is only
   syntax-checked, unless a needed file refers to its module.
2. **Program** (in the parent): entry points and reachability on the summaries:
   what each entry point compiles, with which owner class, through which chains.
3. **Rules** (per file with compiled functions, `checking`): LibCST parses the
   file without the bodies its rules never read (`trees`, `tsl.frontend.blank`),
   and the rules run on its compiled functions with the whole Program at hand.
   Each check records what it looked at outside its own file (`recording`); the
   cache keeps the findings with that record and with the compiled context
   (owners and chains), and reuses them only while all of it still holds, so a
   change in one file updates the findings it causes in any other.

LibCST parses only files with compiled code, and memory is bounded by the trees
each process keeps (`trees.KEEP_BYTES`) and the biggest such file.
"""
from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Iterable, Optional

from tsl.model.program import Program
from tsl.result import Result
from tsl.frontend.libcst_speedups import libcst_speedups
from tsl.frontend.source import ParseFailure
from tsl.finding import Finding

from tsl.run.plan import Prepared, manifest_of, prepare, referenced_modules
from tsl.run.records import CachedCheck, CompiledRecord, FileTask, InputFile
from tsl.run.recording import context_digest, still_valid
from tsl.run.summaries import FileReport
from tsl.run.trees import KEEP_BYTES
from tsl.run.workers import Local, POOL_MIN_BYTES, POOL_MIN_FILES, Workers

if TYPE_CHECKING:
    from tsl.run.cache import Cache
    from tsl.config import Config
    from tsl.result import Input, Result


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
    inputs = {p.item.relpath: InputFile(p.item.path, p.item.data, p.key.digest) for p in prepared if p.error is None}
    size = sum(p.size for p in prepared)
    for p in prepared:
        if p.item.data is None:
            p.data = None
    # Parsed trees are millions of objects that never form garbage cycles, which the
    # collector would scan again and again (a third of the run with its default thresholds,
    # a sixth with higher ones). It is off for the run: see quiet_collector.
    collecting = gc.isenabled()
    gc.disable()
    # LibCST with tsl's shortcuts (same results) while parsing and linting; workers fork inside.
    try:
        with libcst_speedups():
            if jobs > 1 and len(inputs) >= POOL_MIN_FILES and size >= POOL_MIN_BYTES:
                executor = Workers(min(jobs, len(inputs)), config, inputs, KEEP_BYTES, blank)
            else:
                executor = Local(config, inputs, KEEP_BYTES, blank)
            try:
                reports, keep = _summaries(prepared, config, executor, cache, prefilter)
                result, checks = _assemble(prepared, reports, config, executor, cache, manifest)
            except BaseException:  # interrupted too: the workers go at once
                executor.close(now=True)
                raise
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
        by_file.setdefault(function.file.relpath, []).append(CompiledRecord(
            (function.class_name or "", function.name),
            (owner.file.relpath, owner.name) if owner is not None else None,
            tuple(record.chains.items()),
        ))
    keys = {p.item.relpath: p.key for p in prepared}
    known = cache.load_checks() if cache is not None else {}
    checks: dict[str, CachedCheck] = {}
    tasks, sizes, contexts = [], [], {}
    for p in prepared:
        relpath = p.item.relpath
        records = by_file.get(relpath)
        if not records:
            continue
        context = contexts[relpath] = context_digest(records)
        entry = known.get(relpath)
        if entry is not None and still_valid(entry, p.key, context, program, keys, manifest):
            checks[relpath] = entry
            continue
        tasks.append(FileTask(relpath, tuple(records)))
        sizes.append(p.size)
    if tasks:
        for task, check in zip(tasks, executor.checks(program, tasks, sizes)):
            relpath = task.relpath
            files = {name: keys.get(name) for name in check.record.files if name != relpath}
            checks[relpath] = CachedCheck(keys[relpath], contexts[relpath], check, files, manifest)
    for entry in checks.values():
        findings += entry.check.findings
    unique = sorted(set(findings), key=repr)  # a total order first, so that ties come out the same every run
    result.findings = sorted(unique, key=Finding.sort_key)
    return result, checks
