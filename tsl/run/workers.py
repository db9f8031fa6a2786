"""Where the work runs: this process, or a pool of worker processes."""
from __future__ import annotations

import gc
import os
import sys
from typing import TYPE_CHECKING, Optional

from tsl.frontend.libcst_speedups import libcst_speedups
from tsl.model.program import Program

from tsl.lint.engine import reads_of
from tsl.run.checking import FileCheck, check_file
from tsl.run.memory import quiet_collector
from tsl.run.plan import plans_of, without_calls
from tsl.run.summaries import FileReport, summary_task
from tsl.run.trees import Hydrator, Trees

if TYPE_CHECKING:
    from tsl.run.records import FileTask
    from tsl.config import Config


# Below this much work a process pool costs more than it saves.
POOL_MIN_BYTES = 256 * 1024


POOL_MIN_FILES = 4


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class Local:
    """Runs everything in this process (small runs, --jobs 1)."""

    def __init__(self, config: "Config", inputs: dict, budget: int, blank: bool = True):
        self.config = config
        self.inputs = inputs
        self.trees = Trees(budget)
        self.blank = blank

    def summaries(self, tasks: list[tuple[str, str]], sizes: list[int]) -> list[FileReport]:
        return [summary_task(kind, relpath, self.inputs, self.config) for kind, relpath in tasks]

    def checks(self, program: "Program", tasks: list["FileTask"], sizes: list[int]) -> list[FileCheck]:
        indexes = {index.file.relpath: index for index in program.indexes}
        hydrator = Hydrator(indexes, self.inputs, self.trees, self.blank)
        program.parser = hydrator
        hydrator.plans = plans_of(program, tasks, reads_of(self.config))
        results: list = [None] * len(tasks)
        quiet_collector()
        try:
            for i, task in enumerate(tasks):
                results[i] = check_file(program, hydrator, self.config, task)
            return results
        finally:
            gc.unfreeze()
            hydrator.close()
            program.parser = None

    def close(self, now: bool = False) -> None:
        self.trees = Trees(0)


def serve(conn, config: "Config", inputs: dict, budget: int, blank: bool = True, inherited=(),
          parent_pid: int = 0) -> None:
    """A worker process: summaries first, then the rules on the files whose trees it kept.

    inherited: the parent's ends of the pipes, which a forked worker holds too: closed, so
    that the worker reads EOF once the parent is gone. On Linux it is also killed then."""
    for other in inherited:
        other.close()
    _die_with_parent(parent_pid)
    with libcst_speedups():  # forked inside the parent's already; a spawned worker enters its own
        _serve(conn, config, inputs, budget, blank)


def _serve(conn, config: "Config", inputs: dict, budget: int, blank: bool) -> None:
    local = Local(config, inputs, budget, blank)
    program = hydrator = None
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        kind = message[0]
        try:
            if kind == "summary":
                _, number, task = message
                reply = ("ok", number, summary_task(*task, inputs, config))
            elif kind == "program":
                indexes, plans = pickle_loads(message[1])
                hydrator = Hydrator({i.file.relpath: i for i in indexes}, inputs, local.trees, blank)
                program = Program(indexes, parser=hydrator)
                hydrator.plans = plans
                quiet_collector()
                continue
            elif kind == "check":
                _, number, task = message
                reply = ("ok", number, check_file(program, hydrator, config, task))
            else:
                return
        except BaseException as exc:  # handed to the parent, which raises it
            reply = ("error", message[1] if len(message) > 1 else -1, _portable(exc))
        conn.send(reply)


def _die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when the parent dies (Linux), even in the middle of a file."""
    if not parent_pid or not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before prctl
        os._exit(1)


def _portable(exc: BaseException):
    import pickle
    import traceback

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError("".join(traceback.format_exception_only(type(exc), exc)).strip())


def pickle_loads(data: bytes):
    import pickle

    return pickle.loads(data)


class Workers:
    """Worker processes: summaries, then the rules, each file to whichever worker is free
    (biggest files first). Each keeps an LRU of the LibCST trees it parsed for the rules.

    A worker that dies (a crash in LibCST's native parser, the out-of-memory killer) costs
    only the file it was on: that file gets a TSL002 finding, a new worker takes its place,
    and the files sent to it and not yet done go to the others."""

    def __init__(self, count: int, config: "Config", inputs: dict, budget: int, blank: bool = True):
        import multiprocessing

        from tsl.rules.catalog import all_rules

        all_rules()  # imported once here, not in every worker
        self.config = config
        self.inputs = inputs
        self.budget = budget
        self.blank = blank
        self.context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self.program: Optional[bytes] = None  # what a worker started for the rules gets first
        self.conns: list = [None] * count
        self.processes: list = [None] * count
        for i in range(count):
            self._start(i)

    def _start(self, i: int) -> None:
        import signal

        parent, child = self.context.Pipe()
        inherited = [conn for conn in (*self.conns, parent) if conn is not None]
        process = self.context.Process(target=serve, daemon=True, args=(
            child, self.config, self.inputs, self.budget, self.blank, inherited, os.getpid()))
        # Ctrl-C is the parent's to handle: a worker ignores SIGINT from its first instruction.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            process.start()
        finally:
            signal.signal(signal.SIGINT, previous)
        child.close()
        self.conns[i] = parent
        self.processes[i] = process
        if self.program is not None:
            parent.send(("program", self.program))

    def _died(self, i: int) -> str:
        """Why worker i died; a new one takes its place."""
        import signal

        process = self.processes[i]
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()
        code = process.exitcode
        self.conns[i].close()
        self._start(i)
        if code is not None and code < 0:
            try:
                return f"its worker process was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"its worker process was killed by signal {-code}"
        return f"its worker process exited with status {code}"

    def _run(self, kind: str, results: list, shared: list, ahead: int = 2) -> None:
        """Hand out the shared (number, task) list, each worker up to `ahead` at a time."""
        from multiprocessing.connection import wait

        sent: dict[int, list] = {i: [] for i in range(len(self.conns))}  # in the order sent
        error = None

        def feed(i: int) -> bool:
            while len(sent[i]) < ahead and shared:
                number, task = shared.pop(0)
                sent[i].append((number, task))
                try:
                    self.conns[i].send((kind, number, task))
                except OSError:  # died: the loop below hears it
                    return False
            return True

        for i in sent:
            feed(i)
        while any(sent.values()):
            for conn in wait([self.conns[i] for i in sent if sent[i]]):
                i = self.conns.index(conn)
                try:
                    status, number, value = conn.recv()
                except (EOFError, OSError):
                    (number, task), *rest = sent[i]
                    results[number] = self._lost(kind, task, self._died(i))
                    shared[:0] = rest
                    sent[i] = []
                    feed(i)
                    continue
                sent[i] = [pair for pair in sent[i] if pair[0] != number]
                if status == "error":
                    error = error or value
                    shared.clear()
                else:
                    results[number] = value
                feed(i)
        if error is not None:
            raise error

    def _lost(self, kind: str, task, reason: str):
        from tsl.lint.engine import internal_error_finding
        from tsl.run.recording import Recorder

        relpath = task[1] if kind == "summary" else task.relpath
        found = [internal_error_finding(relpath, reason)] if self.config.enabled("TSL002") else []
        if kind == "summary":
            return FileReport(relpath=relpath, file_findings=found)
        return FileCheck(found, Recorder().record)

    def summaries(self, tasks: list[tuple[str, str]], sizes: list[int]) -> list[FileReport]:
        results: list = [None] * len(tasks)
        order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
        self._run("summary", results, [(i, tasks[i]) for i in order])
        return results

    def checks(self, program: "Program", tasks: list["FileTask"], sizes: list[int]) -> list[FileCheck]:
        import pickle

        self.program = pickle.dumps(([without_calls(i) for i in program.indexes],
                                     plans_of(program, tasks, reads_of(self.config))),
                                    protocol=pickle.HIGHEST_PROTOCOL)
        for conn in self.conns:
            try:
                conn.send(("program", self.program))
            except OSError:  # died: _run hears it
                pass
        # Whichever worker is free takes the next file, biggest first.
        order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
        results: list = [None] * len(tasks)
        self._run("check", results, [(i, tasks[i]) for i in order])
        return results

    def close(self, now: bool = False) -> None:
        """Stop the workers; now: kill them (interrupted, or an error), without waiting."""
        for conn in self.conns:
            try:
                if not now:
                    conn.send(("stop",))
                conn.close()
            except OSError:
                pass
        for process in self.processes:
            if now:
                process.kill()
            process.join(timeout=1 if now else 5)
            if process.is_alive():
                process.kill()
