"""Nothing reaches the user as a signal or a traceback, and no process outlives tsl."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

GOOD = """import torch


@torch.jit.script
def f(x: torch.Tensor):
    return lambda y: y
"""


def tsl(cwd: Path, *args: str, timeout: float = 60, preexec=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tsl", "check", *args, "--no-cache", "--format", "json"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, preexec_fn=preexec)


def findings(done: subprocess.CompletedProcess) -> list[tuple[str, str, str]]:
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-2000:])
    return [(f["path"], f["code"], f["message"]) for f in json.loads(done.stdout)["findings"]]


def project(tmp_path: Path, deep: str) -> Path:
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "deep.py").write_text(deep)
    return tmp_path


def nested(depth: int, opening: str = "(", closing: str = ")") -> str:
    return opening * depth + "1" + closing * depth


def in_forward(expression: str) -> str:
    return f"import torch\n\n\n@torch.jit.script\ndef forward(x: torch.Tensor):\n    y = {expression}\n    return x\n"


# -- 1. nesting CPython rejects never reaches LibCST's parser (a SIGSEGV at a few thousand) --


@pytest.mark.parametrize("deep", [
    "x = " + nested(10_000) + "\n",
    "x = " + nested(10_000, "[", "]") + "\n",
    in_forward(nested(10_000)),
    "x = " + nested(300) + "\n",
], ids=["parens", "lists", "forward", "300"])
def test_too_many_nested_parentheses_is_a_parse_error(tmp_path, deep):
    found = findings(tsl(project(tmp_path, deep), "."))
    assert ("deep.py", "TSL001", "syntax error: too many nested parentheses") in found
    assert ("good.py", "TSL101", "lambda is not supported in TorchScript") in found


def test_what_overflows_cpythons_parser_is_a_parse_error(tmp_path):
    found = findings(tsl(project(tmp_path, in_forward("not " * 30_000 + "x")), "."))
    assert [f for f in found if f[0] == "deep.py"] == [
        ("deep.py", "TSL001", "nested too deeply for CPython's parser: MemoryError (its stack overflowed)")]
    assert ("good.py", "TSL101", "lambda is not supported in TorchScript") in found


# -- 2. an internal error on one file is a finding on that file; the others keep theirs --


@pytest.mark.parametrize("deep", [
    in_forward("not " * 2000 + "x"),
    in_forward("lambda: " * 1000 + "1"),
    in_forward("+".join(["x"] * 2500)),
], ids=["nots", "lambdas", "sum"])
def test_recursion_in_tsl_is_a_finding_on_the_file(tmp_path, deep):
    done = tsl(project(tmp_path, deep), ".")
    found = findings(done)
    assert [(path, code) for path, code, _ in found if path == "deep.py"] == [("deep.py", "TSL002")]
    message = next(m for path, _, m in found if path == "deep.py")
    assert message.startswith("tsl could not analyse this file: RecursionError: maximum recursion depth exceeded")
    assert ("good.py", "TSL101", "lambda is not supported in TorchScript") in found
    assert done.returncode == 1


def test_internal_error_findings_follow_select(tmp_path):
    done = tsl(project(tmp_path, in_forward("not " * 2000 + "x")), ".", "--ignore", "TSL002,TSL101")
    assert findings(done) == [] and done.returncode == 0


# -- 5. what CPython's compiler rejects and LibCST's scopes cannot analyse --


@pytest.mark.parametrize("where", ["nonlocal x\n", "if x:\n    nonlocal x\n"], ids=["top", "if"])
def test_nonlocal_at_module_level_is_a_parse_error(tmp_path, where):
    deep = "import torch\n" + where + in_forward("x")[len("import torch\n"):]
    found = findings(tsl(project(tmp_path, deep), "."))
    assert [f for f in found if f[0] == "deep.py"] == [
        ("deep.py", "TSL001", "syntax error: nonlocal declaration not allowed at module level")]
    assert ("good.py", "TSL101", "lambda is not supported in TorchScript") in found


# -- 3. a worker that dies costs only the file it was on --


def small_stack():
    import resource

    # LibCST's native parser then overflows its stack on a chain of 2,000 `and`s, which
    # CPython (and tsl at the default 8 MiB) parses: a real crash, in the worker on the file.
    resource.setrlimit(resource.RLIMIT_STACK, (1 << 20, resource.getrlimit(resource.RLIMIT_STACK)[1]))


def pool_project(tmp_path: Path, deep: dict[str, str], padding: int = 20_000) -> Path:
    for i in range(4):  # big enough for the pool (tsl.run.workers.POOL_MIN_BYTES)
        (tmp_path / f"good{i}.py").write_text(GOOD + "# pad\n" * padding)
    for name, text in deep.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_a_worker_that_dies_costs_only_its_file(tmp_path):
    chain = in_forward(" and ".join(["x"] * 2000))
    folder = pool_project(tmp_path, {"deep.py": chain, "deep2.py": chain})
    done = tsl(folder, ".", "--jobs", "2", preexec=small_stack)
    found = findings(done)
    assert sorted(f for f in found if f[0].startswith("deep")) == [
        (name, "TSL002", "tsl could not analyse this file: its worker process was killed by SIGSEGV")
        for name in ("deep.py", "deep2.py")]
    assert sorted(f[0] for f in found if f[1] == "TSL101") == [f"good{i}.py" for i in range(4)]
    assert done.returncode == 1


# -- 4. killed at any moment, tsl leaves no process behind --


def _group(pgid: int) -> list[int]:
    """The live processes in process group pgid (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def slow_project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slow")
    functions = "".join(f"\n\n@torch.jit.script\ndef f{i}(x: torch.Tensor):\n    y = x + {i}\n    return y\n"
                        for i in range(1000))
    for i in range(6):
        (folder / f"m{i}.py").write_text("import torch\n" + functions)
    return folder


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signal_name,delay", [
    ("SIGKILL", 0), ("SIGKILL", 1.0), ("SIGTERM", 0.5), ("SIGINT", 0), ("SIGINT", 1.0)])
def test_killed_tsl_leaves_no_process(slow_project, signal_name, delay):
    import signal
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "tsl", "check", ".", "--no-cache", "--jobs", "2"],
                               cwd=slow_project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while len(_group(process.pid)) < 3 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(delay)
        assert process.poll() is None and len(_group(process.pid)) == 3, "the parent and two workers, still going"
        number = getattr(signal, signal_name)
        if number == signal.SIGINT:  # Ctrl-C: the whole foreground group
            os.killpg(process.pid, number)
        else:
            os.kill(process.pid, number)
        process.wait(timeout=10)
        deadline = time.monotonic() + 1
        while _group(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _group(process.pid) == []
        _, err = process.communicate(timeout=10)  # workers left behind would hold its pipes open
    finally:
        for pid in _group(process.pid):
            os.kill(pid, signal.SIGKILL)
        process.kill()
        process.communicate()
    if number == signal.SIGINT:
        assert process.returncode == 130
        assert err.strip() == "tsl: interrupted", err
    else:
        assert process.returncode == -number


def test_an_and_chain_too_long_for_libcst_is_a_finding(tmp_path):
    # CPython parses it (a flat BoolOp); LibCST's parser overflows the stack at ~8,000 operands
    found = findings(tsl(project(tmp_path, in_forward(" and ".join(["x"] * 10_000))), "."))
    assert [f for f in found if f[0] == "deep.py"] == [
        ("deep.py", "TSL002", "tsl could not analyse this file: an and/or chain of 10000 operands "
                              "is more than LibCST's parser takes")]
    assert ("good.py", "TSL101", "lambda is not supported in TorchScript") in found
