"""The rules on one file's compiled functions, with the whole Program at hand."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tsl.frontend.source import ParseFailure
from tsl.finding import Finding

from tsl.run.records import FileTask
from tsl.run.recording import Recorded, Recorder, fresh_program
from tsl.run.trees import Hydrator

if TYPE_CHECKING:
    from tsl.model.program import Program
    from tsl.config import Config




@dataclass
class FileCheck:
    """The findings of one file's compiled functions, with what they depended on."""

    findings: list[Finding]
    record: Recorded


def check_file(program: "Program", hydrator: Hydrator, config: "Config", task: FileTask) -> FileCheck:
    """Run the rules on one file's compiled functions; what goes wrong is a finding on the file."""
    try:
        return _check_file(program, hydrator, config, task)
    except Exception as exc:  # a bug, or a file too deep for tsl's walks
        from tsl.lint import engine

        found = [engine.internal_error_finding(task.relpath, exc)] if config.enabled("TSL002") else []
        return FileCheck(found, Recorder().record)


def _check_file(program: "Program", hydrator: Hydrator, config: "Config", task: FileTask) -> FileCheck:
    relpath = task.relpath
    from tsl.lint import engine, suppression
    from tsl.model.program import Compiled

    recorder = Recorder()
    tracking = fresh_program(program, recorder)
    hydrator.trees.pinned = relpath
    try:
        source = hydrator.source(relpath)
    except ParseFailure as failure:  # CPython parses it (its index came from there), LibCST does not
        hydrator.trees.pinned = None
        found = [engine.parse_error_finding(relpath, failure)] if config.enabled(failure.code) else []
        return FileCheck(found, recorder.record)
    hydrator.recorder = recorder
    try:
        index = hydrator.indexes[relpath]
        compiled = []
        for record in task.records:
            (class_name, name), owner = record.function, record.owner
            function = index.classes[class_name].methods[name] if class_name else index.functions[name]
            owner_info = None
            if owner is not None:
                owner_info = hydrator.indexes[owner[0]].classes[owner[1]]
                if owner[0] != relpath:
                    recorder.record.files.add(owner[0])
            compiled.append(Compiled(function, owner_info, dict(record.chains)))
        if suppression.FILE_NOQA.search(source.text):
            return FileCheck([], recorder.record)
        found = engine.run_rules(source, tracking, compiled, config)
        return FileCheck(suppression.filter_findings(source, found, config), recorder.record)
    finally:
        hydrator.recorder = None
        hydrator.trees.pinned = None
        hydrator.trees.done(relpath)
        hydrator.release()
