"""The verify parent: one child process per file, time limits, and findings from what came back.

No torch here: every torch call happens in `python -m tsl.verify.worker`.
"""
from __future__ import annotations

import dataclasses
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from tsl.frontend.source import module_name_for
from tsl.discovery import relative
from tsl.finding import ERROR, Finding, Step
from tsl.rules.catalog import rule_by_code
from tsl.verify import INSTALL_HINT, torch_installed
from tsl.verify.errors import FRAME, first_line, is_under, parse_compiler_error
from tsl.verify.settings import VerifySettings

DEVICE = re.compile(r"^(cpu|cuda(:\d+)?)$")
STARTUP_S = 120.0  # importing torch in a fresh child on a cold disk
PROBE_S = 180.0
STDERR_TAIL = 1500
STEP_NAMES = ("build", "script", "save_load", "freeze", "optimize", "export", "compile")


class VerifyError(Exception):
    """--verify cannot run here (no torch, no such device): exit 2 with this message."""


class Progress:
    """What the runner tells its caller while it works; the CLI draws a progress bar."""

    def start(self, total: int) -> None: ...
    def begin(self, label: str) -> None: ...
    def advance(self, label: str, status: str) -> None: ...
    def notice(self, text: str) -> None: ...


@dataclass
class WorkerRun:
    events: list[dict] = field(default_factory=list)
    ended: str = "running"  # then done | timeout | crash
    phase: str = "startup"  # startup | import | target
    current: Optional[str] = None  # the target being verified when it ended
    returncode: Optional[int] = None
    stderr: str = ""
    seconds: float = 0.0


# -- child processes --------------------------------------------------------
def _child_env() -> dict:
    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([package_parent] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTORCH_JIT", None)  # PYTORCH_JIT=0 would turn torch.jit.script into a no-op
    return env


def _kill(process: subprocess.Popen) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            process.kill()
    except (ProcessLookupError, PermissionError, OSError):
        try:
            process.kill()
        except OSError:
            pass


def run_worker(args: list[str], job: Optional[dict], cwd: Path, timeout: float,
               on_event: Callable[[dict], None] = lambda e: None, startup: float = STARTUP_S) -> WorkerRun:
    """Run the worker; each phase (torch startup, import, each target) gets its own deadline."""
    run = WorkerRun()
    began = time.monotonic()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "tsl.verify.worker", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, cwd=str(cwd), env=_child_env(),
            start_new_session=hasattr(os, "setsid"),
        )
        lines: queue.Queue = queue.Queue()

        def pump() -> None:
            for raw in process.stdout:
                lines.put(raw)
            lines.put(None)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            process.stdin.write(json.dumps(job or {}).encode("utf-8"))
            process.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        deadline = time.monotonic() + max(startup, timeout)
        try:
            _read_events(run, process, lines, job, deadline, timeout, on_event)
        finally:  # interrupted too: never leave a child behind (it runs in its own session)
            if process.poll() is None and run.ended != "done":
                _kill(process)
        try:
            run.returncode = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            _kill(process)
            run.returncode = process.wait()
        errors.seek(0)
        data = errors.read()
        run.stderr = data[-20000:].decode("utf-8", errors="replace")
    run.seconds = time.monotonic() - began
    return run


def _read_events(run: WorkerRun, process, lines: queue.Queue, job, deadline: float, timeout: float,
                 on_event) -> None:
    while True:
        try:
            raw = lines.get(timeout=max(deadline - time.monotonic(), 0.0))
        except queue.Empty:
            _kill(process)
            run.ended = "timeout"
            break
        if raw is None:
            finished = {"done", "import-error", "no-torch"}
            if job is None:  # a probe ends after its one event
                finished.add("ready")
            clean = any(e.get("event") in finished for e in run.events) or _ready_only(run)
            run.ended = "done" if clean else "crash"
            break
        try:
            event = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        run.events.append(event)
        kind = event.get("event")
        if kind == "ready":
            run.phase = "import"
            deadline = time.monotonic() + timeout
        elif kind == "imported":
            run.phase = "target"
        elif kind == "start":
            run.current = event.get("target")
            deadline = time.monotonic() + timeout
        elif kind == "result":
            run.current = None
        on_event(event)


def _ready_only(run: WorkerRun) -> bool:
    """A worker that stopped right after a device error is done, not crashed."""
    return any(e.get("event") == "ready" and e.get("environment", {}).get("device_error") for e in run.events)


def _stderr_tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    tail = "\n".join(lines[-8:])
    return tail[-STDERR_TAIL:]


def check_device(device: str) -> str:
    if not DEVICE.match(device or ""):
        raise VerifyError(f"--device {device!r}: expected cpu, cuda or cuda:N")
    return device


def probe(device: str, cwd: Path) -> dict:
    """The environment a verify child sees; raises VerifyError where --verify cannot run."""
    check_device(device)
    if not torch_installed():
        raise VerifyError(INSTALL_HINT)
    run = run_worker(["--probe", "--device", device], None, cwd, PROBE_S)
    for event in run.events:
        if event.get("event") == "no-torch":
            raise VerifyError(INSTALL_HINT)
        if event.get("event") == "ready":
            env = event["environment"]
            if env.get("device_error"):
                raise VerifyError(env["device_error"])
            return env
    detail = _stderr_tail(run.stderr) or f"exit status {run.returncode}"
    raise VerifyError(f"cannot start the verify process ({run.ended}): {detail}")


# -- findings ---------------------------------------------------------------
def _name_span(lines: list[str], line: int, name: str) -> tuple[int, int]:
    if 1 <= line <= len(lines):
        text = lines[line - 1]
        short = name.rsplit(".", 1)[-1]
        match = re.search(rf"\b(?:class|def)\s+({re.escape(short)})\b", text)
        if match:
            return match.start(1) + 1, match.end(1) + 1
        stripped = len(text) - len(text.lstrip())
        return stripped + 1, max(len(text), stripped + 1) + 1
    return 1, 2


@dataclass
class Target:
    name: str
    kind: str
    path: str  # relative
    line: int
    file: Path
    module: str
    settings: Optional[dict] = None
    record: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.path, self.name)


class Verifier:
    def __init__(self, result, config, settings: VerifySettings, device: str = "cpu",
                 timeout: Optional[float] = None, compile: bool = False, progress: Optional[Progress] = None,
                 environment: Optional[dict] = None):
        self.result = result
        self.config = config
        self.root = Path(config.root).resolve()
        self.settings = settings
        self.device = device
        self.timeout = float(timeout if timeout is not None else settings.timeout)
        self.compile = compile
        self.progress = progress or Progress()
        self.environment = environment
        self.findings: list[Finding] = []
        self.missed: list[dict] = []
        self.not_confirmed: list[dict] = []
        self.links: list[dict] = []
        self.warnings: list[str] = []
        self._lines: dict[str, list[str]] = {}

    # -- targets --
    def targets(self) -> list[Target]:
        found = []
        for entry in self.result.entry_points:
            if entry.kind not in ("module", "function") or not entry.path.endswith(".py"):
                continue
            file = (self.root / entry.path).resolve()
            module, _ = module_name_for(file)
            settings = self.settings.for_target(module, entry.path, entry.name)
            found.append(Target(entry.name, entry.kind, entry.path, entry.line, file, module,
                                settings.to_json() if settings else None))
        return found

    def sys_path(self, target: Target) -> list[str]:
        roots = [str((self.root / p).resolve()) for p in self.settings.paths]
        folder = target.file.parent
        depth = target.module.count(".") + (1 if target.file.stem == "__init__" else 0)
        for _ in range(depth):
            folder = folder.parent
        roots.append(str(folder))
        roots.append(str(self.root))
        unique = []
        for root in roots:
            if root not in unique:
                unique.append(root)
        return unique

    def lines(self, relpath: str) -> list[str]:
        if relpath not in self._lines:
            try:
                text = (self.root / relpath).read_bytes().decode("utf-8", errors="replace")
                self._lines[relpath] = text.splitlines()
            except OSError:
                self._lines[relpath] = []
        return self._lines[relpath]

    # -- running --
    def run(self) -> dict:
        targets = self.targets()
        env = self.environment
        if env is None:
            env = probe(self.device, self.root)
        self.environment = env
        torchscript = env.get("torchscript") or {"available": True, "error": None}
        if not torchscript.get("available", True):
            self.progress.notice(
                f"torch {env.get('torch')} refuses TorchScript ({torchscript.get('error')}): "
                "scripting, save/load, freeze and optimize are skipped; static findings stand; "
                "torch.export is still tried.")
        self.progress.start(len(targets))
        by_file: dict[str, list[Target]] = defaultdict(list)
        for target in targets:
            if target.settings and target.settings.get("skip"):
                target.record = {"status": "skipped", "steps": {"build": {"status": "skipped",
                                                                          "reason": "skip = true"}}}
                self.progress.advance(f"{target.path}::{target.name}", "skipped")
                continue
            by_file[target.path].append(target)
        for relpath in sorted(by_file):
            self._verify_file(by_file[relpath])
        return self._report(targets)

    def _job(self, targets: list[Target]) -> dict:
        first = targets[0]
        return {
            "file": str(first.file),
            "module": first.module,
            "sys_path": self.sys_path(first),
            "device": self.device,
            "compile": self.compile,
            "timing": self.settings.timing_json(),
            "targets": [{"name": t.name, "kind": t.kind, "line": t.line, "settings": t.settings} for t in targets],
        }

    def _verify_file(self, targets: list[Target]) -> None:
        remaining = list(targets)
        by_name = {t.name: t for t in targets}
        while remaining:
            def on_event(event: dict) -> None:
                if event.get("event") == "start" and event.get("target") in by_name:
                    self.progress.begin(f"{remaining[0].path}::{event['target']}")

            run = run_worker([], self._job(remaining), self.root, self.timeout, on_event)
            imported = False
            for event in run.events:
                kind = event.get("event")
                if kind == "imported":
                    imported = True
                    for warning in event.get("warnings", []):
                        if warning not in self.warnings:
                            self.warnings.append(warning)
                elif kind == "import-error":
                    for target in remaining:
                        target.record = {"status": "not verified", "steps": {"build": {
                            "status": "failed", "stage": "import", "exception": event.get("exception"),
                            "error": event.get("error"), "traceback": event.get("traceback")}}}
                        self._done(target)
                    return
                elif kind == "result" and event.get("target") in by_name:
                    target = by_name[event["target"]]
                    target.record = event["result"]
                    for warning in event["result"].get("warnings", []):
                        if warning not in self.warnings:
                            self.warnings.append(warning)
                    if target in remaining:
                        remaining.remove(target)
                    self._done(target)
                elif kind == "no-torch":
                    raise VerifyError(INSTALL_HINT)
            if not remaining:
                return
            how = self._how_it_ended(run)
            if not imported:
                for target in remaining:
                    target.record = {"status": "not verified", "steps": {"build": {
                        "status": "failed", "stage": "import", "ended": run.ended, "error": how,
                        "returncode": run.returncode}}}
                    self._done(target)
                return
            current = by_name.get(run.current) if run.current else None
            if current is None:  # ended between targets: report the rest once
                for target in remaining:
                    target.record = {"status": "not verified", "steps": {"build": {
                        "status": "failed", "stage": "worker", "ended": run.ended, "error": how}}}
                    self._done(target)
                return
            current.record = {"status": "not verified", "steps": {"build": {
                "status": "failed", "stage": "target", "ended": run.ended, "error": how,
                "returncode": run.returncode}}}
            remaining.remove(current)
            self._done(current)

    def _how_it_ended(self, run: WorkerRun) -> str:
        if run.ended == "timeout":
            where = "importing the module" if run.phase in ("startup", "import") else f"verifying {run.current}"
            text = f"timed out after {self.timeout:g} s while {where} (--verify-timeout)"
        else:
            code = run.returncode
            if code is not None and code < 0:
                try:
                    text = f"the process was killed by {signal.Signals(-code).name}"
                except ValueError:
                    text = f"the process was killed by signal {-code}"
            else:
                text = f"the process exited with status {code}"
            where = "importing the module" if run.phase in ("startup", "import") else f"verifying {run.current}"
            text += f" while {where}"
        tail = _stderr_tail(run.stderr)
        return text + (f"; its last output: {tail}" if tail and run.ended != "timeout" else "")

    def _done(self, target: Target) -> None:
        record = target.record
        record.setdefault("status", _status(record))
        self.progress.advance(f"{target.path}::{target.name}", record["status"])

    # -- findings --
    def _finding(self, code: str, path: str, line: int, message: str, column: Optional[int] = None,
                 end_column: Optional[int] = None, chains=(), severity: Optional[str] = None,
                 name_for_span: Optional[str] = None, hint: Optional[str] = None) -> Optional[Finding]:
        if not self.config.enabled(code):
            return None
        rule = rule_by_code(code)
        if column is None:
            column, end_column = _name_span(self.lines(path), line, name_for_span or "")
        finding = Finding(path=path, line=line, column=column, end_line=line, end_column=end_column or column + 1,
                          code=code, name=rule.name, severity=severity or rule.severity, message=message,
                          chains=tuple(chains), hint=hint if hint is not None else (rule.hint or None))
        from tsl.lint.suppression import suppressed

        if suppressed(finding, self.lines(path)):
            return None
        self.findings.append(finding)
        return finding

    def _target_step(self, target: Target) -> Step:
        column, _ = _name_span(self.lines(target.path), target.line, target.name)
        return Step(target.name, target.path, target.line, column)

    def _compiler_chain(self, target: Target, frames) -> tuple[Step, ...]:
        steps = []
        for frame in reversed(frames):  # outermost first
            path = relative(Path(frame.path), self.root)
            label = frame.function or f"line {frame.line}"
            if "." not in label:
                label = _enclosing(self.lines(path), frame.line) or label
            steps.append(Step(label, path, frame.line, frame.column))
        if not steps or steps[0].label.split(".")[0] != target.name:
            steps.insert(0, self._target_step(target))
        return tuple(steps)

    def _script_failures(self, targets: list[Target], static: list[Finding]) -> None:
        groups: dict[tuple, dict] = {}
        for target in targets:
            step = target.record.get("steps", {}).get("script", {})
            if step.get("status") != "failed":
                continue
            error = parse_compiler_error(step.get("error") or "")
            message = error.message or f"{step.get('exception')}"
            frame = next((f for f in error.frames if is_under(f.path, self.root) and Path(f.path).is_file()), None)
            if frame is not None:
                path, line = relative(Path(frame.path), self.root), frame.line
                column, end_column = frame.column, frame.end_column
            else:
                path, line = target.path, target.line
                column, end_column = _name_span(self.lines(path), line, target.name)
            key = (path, line, column, message)
            group = groups.setdefault(key, {"targets": [], "chains": [], "end_column": end_column})
            group["targets"].append(target)
            group["chains"].append(self._compiler_chain(target, error.frames))
            step["location"] = {"path": path, "line": line, "column": column}
            step["message"] = message
            step["chain"] = [s.label for s in group["chains"][-1]]
        for (path, line, column, message), group in sorted(groups.items(), key=lambda kv: kv[0][:3]):
            predicted = [f for f in static if f.path == path and f.line <= line <= max(f.end_line, f.line)]
            codes = sorted({f.code for f in predicted})
            names = ", ".join(t.name for t in group["targets"])
            text = f"torch.jit.script({names}) failed: {message}"
            text += f" (predicted by {', '.join(codes)})" if codes else " (missed by static analysis)"
            hint = (f"see `tsl explain {codes[0]}` for the usual fix" if codes else
                    "tsl did not predict this: please report it with this snippet")
            self._finding("TSL901", path, line, text, column, group["end_column"], chains=group["chains"], hint=hint)
            link = {"path": path, "line": line, "column": column, "targets": [t.name for t in group["targets"]],
                    "message": message, "static": [{"code": f.code, "line": f.line, "column": f.column}
                                                   for f in predicted]}
            for target in group["targets"]:
                target.record["steps"]["script"]["predicted_by"] = codes
            if codes:
                self.links.append(link)
            else:
                self.missed.append(link)

    def _target_findings(self, target: Target) -> None:
        record, steps = target.record, target.record.get("steps", {})
        where = dict(path=target.path, line=target.line, name_for_span=target.name)
        chain = (self._target_step(target),)
        build = steps.get("build", {})
        if record.get("crash"):
            self._finding("TSL905", message=f"{target.name} could not be verified: tsl's verify step crashed: "
                                            f"{record['crash'].get('exception')}: {first_line(record['crash'].get('error', ''))}",
                          **where)
            return
        if build.get("status") == "failed":
            if build.get("stage") == "import":
                module = target.module or target.path
                if build.get("ended"):
                    text = f"{target.name} could not be verified: {build.get('error')}"
                else:
                    text = (f"{target.name} could not be verified: importing {module} raised "
                            f"{build.get('exception')}: {first_line(build.get('error') or '')}")
            elif build.get("ended"):
                text = f"{target.name} could not be verified: {build.get('error')}"
            elif build.get("reason") == "needs constructor arguments":
                text = (f"{target.name} could not be built with no arguments ({first_line(build.get('error') or '')}); "
                        f"add a factory or args for \"{target.module}:{target.name}\" in [tool.tsl.verify]")
            else:
                text = (f"{target.name} could not be built: {build.get('exception')}: "
                        f"{first_line(build.get('error') or '')}")
            if build.get("ended") == "timeout":
                hint = "raise --verify-timeout if it is only slow"
            elif build.get("ended"):
                hint = "find what ends the process: an exit call or a native crash"
            elif build.get("stage") == "import":
                hint = "make the file importable on its own, without side effects"
            else:
                hint = "give a factory or args for it in [tool.tsl.verify]"
            self._finding("TSL905", message=text, hint=hint, **where)
            return
        if record.get("settings_problem"):
            self._finding("TSL905", message=f"{target.name}: {record['settings_problem']}", **where)
        save = steps.get("save_load", {})
        if save.get("status") == "failed":
            self._finding("TSL902", message=f"torch.jit.save/torch.jit.load round trip of {target.name} failed: "
                                            f"{save.get('exception')}: {first_line(save.get('error') or '')}",
                          chains=[chain], **where)
        for step, label in (("freeze", "torch.jit.freeze"), ("optimize", "torch.jit.optimize_for_inference")):
            if steps.get(step, {}).get("status") == "failed":
                self._finding("TSL903", message=f"{label}({target.name}) failed: {steps[step].get('exception')}: "
                                                f"{first_line(steps[step].get('error') or '')}", chains=[chain], **where)
        inputs = record.get("inputs") or {}
        if inputs.get("status") == "failed":
            if inputs.get("stage") == "eager":
                text = (f"{target.name} raised on its example inputs in eager mode: {inputs.get('exception')}: "
                        f"{first_line(inputs.get('error') or '')}")
            else:
                text = (f"the example inputs for {target.name} ({inputs.get('source')}) could not be built: "
                        f"{inputs.get('exception')}: {first_line(inputs.get('error') or '')}")
            self._finding("TSL908", message=text, **where)
        mismatched, raised = [], []
        for label, parity in (record.get("parity") or {}).items():
            if parity.get("status") == "mismatch":
                mismatched.append((label, parity))
            elif parity.get("status") == "failed":
                raised.append((label, parity))
        if mismatched:
            parts = [f"{_variant(label)}: {p.get('detail')}" for label, p in mismatched]
            self._finding("TSL904", message=f"{target.name} computes different results when compiled than in eager "
                                            f"mode ({'; '.join(parts)})", chains=[chain], **where)
        for label, parity in raised:
            self._finding("TSL907", message=f"the {_variant(label)} {target.name} raised on the example inputs "
                                            f"(eager did not): {parity.get('exception')}: "
                                            f"{first_line(parity.get('error') or '')}", chains=[chain], **where)
        export = steps.get("export", {})
        if export.get("status") == "failed":
            path, line = target.path, target.line
            location = _export_location(export.get("error") or "", self.root)
            if location:
                path, line = relative(Path(location[0]), self.root), location[1]
                export["location"] = {"path": path, "line": line}
            self._finding("TSL906", path, line, f"torch.export.export({target.name}) failed: "
                                                f"{export.get('exception')}: {first_line(export.get('error') or '')}",
                          name_for_span=target.name if (path, line) == (target.path, target.line) else "")
        compiled = steps.get("compile", {})
        if compiled.get("status") == "failed":
            self._finding("TSL909", message=f"torch.compile({target.name}) failed: {compiled.get('exception')}: "
                                            f"{first_line(compiled.get('error') or '')}", **where)

    def _mark_unconfirmed(self, targets: list[Target], static: list[Finding]) -> list[Finding]:
        accepted = {t.key: t for t in targets if t.record.get("steps", {}).get("script", {}).get("status") == "ok"}
        marked = []
        for finding in static:
            if finding.severity != ERROR or finding.code.startswith("TSL9"):
                marked.append(finding)
                continue
            names = sorted({name for key in finding.entry_points if key in accepted for name in [key[1]]})
            if not names:
                marked.append(finding)
                continue
            note = f" (not confirmed by the compiler: torch.jit.script({', '.join(names)}) succeeded)"
            marked.append(dataclasses.replace(finding, message=finding.message + note))
            self.not_confirmed.append({"path": finding.path, "line": finding.line, "column": finding.column,
                                       "code": finding.code, "targets": names})
        return marked

    def _report(self, targets: list[Target]) -> dict:
        static = [f for f in self.result.findings if not f.code.startswith("TSL9")]
        verified = [t for t in targets if t.record]
        self._script_failures(verified, static)
        for target in verified:
            self._target_findings(target)
        static = self._mark_unconfirmed(verified, static)
        others = [f for f in self.result.findings if f.code.startswith("TSL9")]
        self.result.findings = sorted(set(static + others + self.findings), key=Finding.sort_key)
        env = dict(self.environment or {})
        torchscript = dict(env.pop("torchscript", None) or {"available": True, "error": None})
        torchscript["deprecation_warning"] = self.warnings[0] if self.warnings else None
        records = []
        for target in targets:
            record = {"path": target.path, "name": target.name, "kind": target.kind, "line": target.line,
                      "module": target.module, **target.record}
            record.pop("warnings", None)
            record.pop("name", None)
            record["name"] = target.name
            records.append(record)
        summary = {
            "targets": len(targets),
            "scripted": sum(1 for t in targets if t.record.get("steps", {}).get("script", {}).get("status") == "ok"),
            "script_failed": sum(1 for t in targets
                                 if t.record.get("steps", {}).get("script", {}).get("status") == "failed"),
            "not_verified": sum(1 for t in targets if t.record.get("status") == "not verified"),
            "missed": len(self.missed),
            "not_confirmed": len(self.not_confirmed),
            "findings": len(self.findings),
        }
        return {
            "environment": env,
            "settings": {"device": self.device, "timeout_s": self.timeout, "compile": self.compile,
                         **self.settings.timing_json()},
            "torchscript": torchscript,
            "targets": records,
            "predicted": self.links,
            "missed": self.missed,
            "not_confirmed": self.not_confirmed,
            "summary": summary,
        }


DEF_LINE = re.compile(r"^(?P<indent>\s*)(?:async\s+)?def\s+(?P<name>\w+)")
CLASS_LINE = re.compile(r"^(?P<indent>\s*)class\s+(?P<name>\w+)")


def _enclosing(lines: list[str], line: int) -> Optional[str]:
    """"Class.method" or "function" around a 1-based line, from indentation alone."""
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1]
    indent = len(text) - len(text.lstrip())
    names: list[str] = []
    own = DEF_LINE.match(text) or CLASS_LINE.match(text)
    if own:
        names.append(own.group("name"))
    for number in range(line - 2, -1, -1):
        candidate = lines[number]
        stripped = candidate.strip()
        if not stripped or stripped.startswith("#"):
            continue
        level = len(candidate) - len(candidate.lstrip())
        if level >= indent:
            continue
        match = DEF_LINE.match(candidate) or CLASS_LINE.match(candidate)
        if match:
            names.insert(0, match.group("name"))
        indent = level
        if level == 0:
            break
    return ".".join(names) if names else None


def _variant(label: str) -> str:
    return {"script": "scripted", "optimized": "optimized", "compile": "torch.compile'd"}.get(label, label)


def _export_location(text: str, root: Path) -> Optional[tuple[str, int]]:
    for line in text.splitlines():
        match = FRAME.match(line)
        if match and is_under(match.group("path"), root) and Path(match.group("path")).is_file():
            return match.group("path"), int(match.group("line"))
    return None


def _status(record: dict) -> str:
    steps = record.get("steps", {})
    if record.get("crash") or steps.get("build", {}).get("status") == "failed":
        return "not verified"
    if steps.get("build", {}).get("status") == "skipped":
        return "skipped"
    bad = [name for name in STEP_NAMES if steps.get(name, {}).get("status") == "failed"]
    parity = [p for p in (record.get("parity") or {}).values() if p.get("status") != "ok"]
    inputs = (record.get("inputs") or {}).get("status") == "failed"
    if steps.get("script", {}).get("status") == "failed":
        return "script failed"
    if bad or parity or inputs:
        return "problems"
    return "ok"


def verify(result, config, settings: VerifySettings, device: str = "cpu", timeout: Optional[float] = None,
           compile: bool = False, progress: Optional[Progress] = None, environment: Optional[dict] = None) -> dict:
    """Verify the entry points of a static Result; adds TSL9xx findings to it and returns the report."""
    return Verifier(result, config, settings, device, timeout, compile, progress, environment).run()


def verify_one(file: Path, name: str, kind: str = "module", settings: Optional[dict] = None, device: str = "cpu",
               timing: Optional[dict] = None, timeout: float = 600.0, export: bool = True, compile: bool = False,
               cwd: Optional[Path] = None, sys_path: Optional[list[str]] = None) -> dict:
    """One target through the same child process as --verify (for bench/); returns its record."""
    file = Path(file).resolve()
    module, _ = module_name_for(file)
    folder = file.parent
    for _ in range(module.count(".") + (1 if file.stem == "__init__" else 0)):
        folder = folder.parent
    job = {
        "file": str(file), "module": module, "sys_path": (sys_path or []) + [str(folder)], "device": device,
        "compile": compile, "export": export, "timing": timing or VerifySettings().timing_json(),
        "targets": [{"name": name, "kind": kind, "line": 0, "settings": settings}],
    }
    run = run_worker([], job, cwd or folder, timeout)
    for event in run.events:
        if event.get("event") == "ready" and event["environment"].get("device_error"):
            raise VerifyError(event["environment"]["device_error"])
        if event.get("event") == "import-error":
            raise VerifyError(f"importing {module} raised {event.get('exception')}: {event.get('error')}")
        if event.get("event") == "no-torch":
            raise VerifyError(INSTALL_HINT)
        if event.get("event") == "result":
            record = event["result"]
            record["environment"] = next(e["environment"] for e in run.events if e.get("event") == "ready")
            return record
    raise VerifyError(f"the verify process ended ({run.ended}, status {run.returncode}): {_stderr_tail(run.stderr)}")
