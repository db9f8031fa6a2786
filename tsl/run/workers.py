"""Where the work runs: this process, or a pool of worker processes."""
from __future__ import annotations

import gc
import os
import sys
from typing import TYPE_CHECKING, Optional

from tsl.frontend.libcst_speedups import libcst_speedups
from tsl.model.program import Program

from tsl.lint.engine import reads_of
from tsl.run.detached import use_hydrator
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
        use_hydrator(hydrator)
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
            use_hydrator(None)

    def close(self) -> None:
        self.trees = Trees(0)


def serve(conn, config: "Config", inputs: dict, budget: int, blank: bool = True) -> None:
    """A worker process: summaries first, then the rules on the files whose trees it kept."""
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
                program = Program(indexes)
                hydrator = Hydrator({i.file.relpath: i for i in indexes}, inputs, local.trees, blank)
                use_hydrator(hydrator)
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
    (biggest files first). Each keeps an LRU of the LibCST trees it parsed for the rules."""

    def __init__(self, count: int, config: "Config", inputs: dict, budget: int, blank: bool = True):
        import multiprocessing

        from tsl.rules.catalog import all_rules

        all_rules()  # imported once here, not in every worker
        self.config = config
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self.conns = []
        self.processes = []
        for _ in range(count):
            parent, child = context.Pipe()
            process = context.Process(target=serve, args=(child, config, inputs, budget, blank), daemon=True)
            process.start()
            child.close()
            self.conns.append(parent)
            self.processes.append(process)

    def _run(self, queues: list[list[tuple[int, tuple]]], kind: str, results: list, ahead: int = 2,
             shared: Optional[list] = None) -> None:
        """Send each worker its queue (and, when shared is given, take from it when idle)."""
        from multiprocessing.connection import wait

        busy = {i: 0 for i in range(len(self.conns))}
        error = None

        def feed(i: int) -> None:
            while busy[i] < ahead:
                if queues[i]:
                    number, task = queues[i].pop(0)
                elif shared:
                    number, task = shared.pop(0)
                else:
                    return
                self.conns[i].send((kind, number, task))
                busy[i] += 1

        for i in busy:
            feed(i)
        while any(busy.values()):
            for conn in wait([self.conns[i] for i in busy if busy[i]]):
                i = self.conns.index(conn)
                try:
                    status, number, value = conn.recv()
                except EOFError:
                    raise RuntimeError("a tsl worker process died") from None
                busy[i] -= 1
                if status == "error":
                    error = error or value
                    queues[i].clear()
                    if shared:
                        shared.clear()
                else:
                    results[number] = value
                feed(i)
        if error is not None:
            raise error

    def summaries(self, tasks: list[tuple[str, str]], sizes: list[int]) -> list[FileReport]:
        results: list = [None] * len(tasks)
        order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
        self._run([[] for _ in self.conns], "summary", results, shared=[(i, tasks[i]) for i in order])
        return results

    def checks(self, program: "Program", tasks: list["FileTask"], sizes: list[int]) -> list[FileCheck]:
        import pickle

        data = pickle.dumps(([without_calls(i) for i in program.indexes], plans_of(program, tasks, reads_of(self.config))),
                            protocol=pickle.HIGHEST_PROTOCOL)
        for conn in self.conns:
            conn.send(("program", data))
        # Whichever worker is free takes the next file, biggest first.
        order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
        results: list = [None] * len(tasks)
        self._run([[] for _ in self.conns], "check", results, shared=[(i, tasks[i]) for i in order])
        return results

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("stop",))
                conn.close()
            except OSError:
                pass
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
