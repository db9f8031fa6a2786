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
