"""Applying fixes: non-overlapping exact edits per file, re-run until nothing changes.

Rules attach a Fix (exact text edits) to their findings. One pass checks every
input, applies each file's non-overlapping fixes (a fix whose edits touch an
edit already taken waits for the next pass, when it is recomputed against the
new text), and repeats until no file changes, at most MAX_PASSES times.
Fixing twice therefore gives the same bytes as fixing once. The passes share an
in-memory cache (tsl.run.cache.MemoryCache), so a pass re-checks only the files
the last one changed and the checks elsewhere that depended on them.

A fix is rejected (never applied) when it would drop a comment, and a pass is
undone for a file when its result does not parse. Files are written atomically
(a temporary file beside them, then a rename) with their mode, encoding and
line endings kept, only when their bytes change, and never when the file is
read-only or changed on disk since it was read.
"""
from __future__ import annotations

import difflib
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import libcst as cst

from tsl.frontend.source import ParseFailure, decode
from tsl.config import Config
from tsl.result import Input, Result
from tsl.run import check
from tsl.run.cache import MemoryCache
from tsl.finding import Finding, Fix

from tsl.fix.edits import apply_fixes

MAX_PASSES = 16
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass
class FileState:
    input: Input
    original: bytes  # the bytes as read
    text: str  # decoded original
    encoding: str
    current: str = ""
    fixed: int = 0  # findings fixed
    problem: Optional[str] = None
    frozen: bool = False  # stop fixing (a pass broke it)

    @property
    def changed(self) -> bool:
        return self.current != self.text

    def data(self) -> bytes:
        return self.original if not self.changed else self.current.encode(self.encoding)


@dataclass
class FixRun:
    result: Result  # findings in the fixed text
    first: Result = field(default_factory=Result)  # findings in the text as it was
    states: list[FileState] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)  # every input, read
    passes: int = 0
    converged: bool = True

    @property
    def fixed(self) -> int:
        return sum(state.fixed for state in self.states)

    @property
    def changed(self) -> list[FileState]:
        return [state for state in self.states if state.changed]


def wanted(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and bool(finding.fix.edits) and (finding.fix.safe or unsafe)


def _read(item: Input) -> tuple[Input, Optional[FileState]]:
    data = item.data
    if data is None:
        try:
            data = item.path.read_bytes()
        except OSError:
            return item, None  # the engine reports it
    item = Input(path=item.path, relpath=item.relpath, data=data)
    try:
        text, encoding = decode(data)
    except ParseFailure:
        return item, None
    if data.startswith(b"\xef\xbb\xbf") and encoding == "utf-8":
        encoding = "utf-8-sig"
    return item, FileState(input=item, original=data, text=text, encoding=encoding, current=text)


def fix_inputs(inputs: Iterable[Input], config: Config, unsafe: bool = False,
               max_passes: int = MAX_PASSES, check_options: Optional[dict] = None) -> FixRun:
    """Fix the inputs in memory (nothing is written); returns the final findings and the new texts.

    check_options go to tsl.run.check (jobs)."""
    options = dict(check_options or {})
    options["blank"] = False  # fixes edit the whole tree
    items: list[Input] = []
    states: dict[str, FileState] = {}
    for item in inputs:
        item, state = _read(item)
        items.append(item)
        if state is not None:
            states[item.relpath] = state

    def current_inputs() -> list[Input]:
        return [
            Input(path=i.path, relpath=i.relpath, data=states[i.relpath].data()) if i.relpath in states else i
            for i in items
        ]

    options["cache"] = MemoryCache()
    run = FixRun(result=Result(), states=list(states.values()), inputs=items)
    for number in range(1, max_passes + 1):
        result = check(current_inputs(), config, **options)
        run.passes = number
        if number == 1:
            run.first = result
        by_file: dict[str, list[Fix]] = {}
        for finding in result.findings:
            if wanted(finding, unsafe):
                by_file.setdefault(finding.path, []).append(finding.fix)
        changed = False
        for path, fixes in by_file.items():
            state = states.get(path)
            if state is None or state.frozen:
                continue
            text, applied, _ = apply_fixes(state.current, fixes)
            if not applied or text == state.current:
                continue
            problem = _validate(text, state.encoding)
            if problem is not None:
                state.frozen = True
                state.problem = f"a fix produced {problem}; that pass was not applied (please report this)"
                continue
            state.current = text
            state.fixed += len(applied)
            changed = True
        if not changed:
            run.result = result
            return run
    run.converged = False
    run.result = check(current_inputs(), config, **options)
    return run


def _validate(text: str, encoding: str) -> Optional[str]:
    try:
        cst.parse_module(text)
    except Exception:
        return "code that does not parse"
    try:
        data = text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return f"text that cannot be encoded as {encoding}"
    try:
        if decode(data)[0] != text:
            return "text that does not decode back the same"
    except ParseFailure:
        return "text that does not decode"
    return None


# -- writing ---------------------------------------------------------------------


def write_back(state: FileState) -> Optional[str]:
    """Write the fixed text over the file; a message instead when that is not safe."""
    path = state.input.path
    real = Path(os.path.realpath(path))
    relpath = state.input.relpath
    try:
        info = os.stat(real)
    except OSError as exc:
        return f"{relpath}: not fixed: cannot read it again ({exc.strerror or exc})"
    if not (info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(real, os.W_OK):
        return f"{relpath}: not fixed: the file is read-only"
    try:
        on_disk = real.read_bytes()
    except OSError as exc:
        return f"{relpath}: not fixed: cannot read it again ({exc.strerror or exc})"
    if on_disk != state.original:
        return f"{relpath}: not fixed: it changed on disk while tsl was fixing it; run tsl again"
    data = state.current.encode(state.encoding)
    temp = None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tsl-fix", dir=real.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        if hasattr(os, "chown"):
            try:
                os.chown(temp, info.st_uid, info.st_gid)
            except OSError:
                pass
        os.replace(temp, real)
        temp = None
    except OSError as exc:
        return f"{relpath}: not fixed: cannot write it ({exc.strerror or exc})"
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
    return None


def _lines(text: str) -> list[str]:
    return LINE.findall(text)


def unified_diff(state: FileState) -> str:
    """A unified diff (a/ and b/ prefixes) of one file's fix."""
    before, after = _lines(state.text), _lines(state.current)
    out = []
    for line in difflib.unified_diff(before, after, f"a/{state.input.relpath}", f"b/{state.input.relpath}", n=3):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def recheck(run: FixRun, unwritten: set[str], config: Config, check_options: Optional[dict] = None) -> Result:
    """Findings for what is on disk: fixed text where written, the original where not."""
    if not unwritten:
        return run.result
    states = {state.input.relpath: state for state in run.states}
    inputs = []
    for item in run.inputs:
        state = states.get(item.relpath)
        if state is not None:
            item = Input(path=item.path, relpath=item.relpath,
                         data=state.original if item.relpath in unwritten else state.data())
        inputs.append(item)
    return check(inputs, config, **(check_options or {}))


# -- the command line ------------------------------------------------------------


@dataclass
class Outcome:
    result: Result  # findings in what is now on disk (or would be, for --diff)
    exit: Optional[int] = None  # set when the command ends here (--diff, --fix-only, stdin)
    failed: bool = False  # a file could not be written


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def fix_command(inputs: list[Input], config: Config, *, unsafe: bool, diff: bool, fix_only: bool, stdin: bool,
                quiet: bool, exit_zero: bool, echo, write_stdout, check_options: Optional[dict] = None,
                report: bool = False) -> Outcome:
    """--fix, --fix-only and --diff (ruff-like; see the README).

    echo(message) prints to stderr; write_stdout(bytes) writes to stdout. report: stdout belongs to
    a JSON or SARIF report, so --diff prints no diff and its result is the findings as they are.
    """
    run = fix_inputs(inputs, config, unsafe=unsafe, check_options=check_options)
    changed = run.changed
    fixed = sum(state.fixed for state in changed)
    for state in run.states:
        if state.problem:
            echo(f"tsl: warning: {state.input.relpath}: {state.problem}")
    if not run.converged:
        echo(f"tsl: warning: fixes did not settle after {run.passes} passes; run tsl again")
    if diff:
        text = "".join(unified_diff(state) for state in changed)
        if text and not report:
            write_stdout(text.encode("utf-8", errors="surrogateescape"))
        if not quiet:
            echo(f"Would fix {_plural(fixed, 'finding')} in {_plural(len(changed), 'file')}."
                 if changed else "No fixes available.")
        return Outcome(run.first if report else run.result, exit=0 if exit_zero or not changed else 1)
    if stdin:
        for state in run.states:
            write_stdout(state.data())
        if not run.states:  # undecodable input: hand it back untouched
            for item in run.inputs:
                write_stdout(item.data or b"")
        _summary(run, fixed, len(changed), unsafe, quiet, echo)
        remaining = bool(run.result.findings) and not fix_only and not exit_zero
        return Outcome(run.result, exit=1 if remaining else 0)
    unwritten = set()
    for state in changed:
        problem = write_back(state)
        if problem is not None:
            echo(f"tsl: error: {problem}")
            unwritten.add(state.input.relpath)
            fixed -= state.fixed
    result = recheck(run, unwritten, config, check_options)
    _summary(run, fixed, len(changed) - len(unwritten), unsafe, quiet, echo, result)
    if fix_only:
        return Outcome(result, exit=2 if unwritten else 0, failed=bool(unwritten))
    return Outcome(result, failed=bool(unwritten))


def _summary(run: FixRun, fixed: int, files: int, unsafe: bool, quiet: bool, echo, result=None) -> None:
    if quiet:
        return
    result = result or run.result
    if fixed:
        echo(f"Fixed {_plural(fixed, 'finding')} in {_plural(files, 'file')}.")
    hidden = sum(1 for f in result.findings if f.fix is not None and f.fix.edits and not f.fix.safe)
    if hidden and not unsafe:
        echo(f"{hidden} more fix{'' if hidden == 1 else 'es'} available with --unsafe-fixes.")
