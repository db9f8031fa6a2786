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
