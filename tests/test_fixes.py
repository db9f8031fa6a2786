"""Autofix fixture pairs: fixtures/fixes/<case>.in.py becomes <case>.out.py, and the result scripts.

A first line `# fix: unsafe` in the .in.py applies unsafe fixes too.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import strict_fixes  # noqa: F401 (autouse: a crashing fix builder fails these tests)
import oracle

from tsl.config import Config
from tsl.result import Input
from tsl.run import check
from tsl.run.fixing import fix_inputs, wanted


ROOT = Path(__file__).resolve().parents[1]
FIXES = ROOT / "fixtures" / "fixes"
PAIRS = sorted(FIXES.glob("*.in.py"))


def _case(path: Path) -> str:
    return path.name[: -len(".in.py")]


def _unsafe(path: Path) -> bool:
    return path.read_text(encoding="utf-8").startswith("# fix: unsafe")


def fix_file(path: Path, data: bytes, unsafe: bool):
    run = fix_inputs([Input(path=path, relpath=path.name, data=data)], Config(root=path.parent), unsafe=unsafe)
    return run, (run.states[0].current if run.states else data.decode())


def test_every_pair_is_complete():
    assert PAIRS, "no fixture pairs found"
    for path in PAIRS:
        assert (FIXES / f"{_case(path)}.out.py").exists(), f"{path.name} has no .out.py"
    for path in FIXES.glob("*.out.py"):
        assert (FIXES / path.name.replace(".out.py", ".in.py")).exists(), f"{path.name} has no .in.py"


@pytest.mark.parametrize("case", PAIRS, ids=_case)
def test_fix_gives_expected_output(case: Path, tmp_path: Path):
    target = tmp_path / f"{_case(case)}.py"
    data = case.read_bytes()
    before = check([Input(path=target, relpath=target.name, data=data)], Config(root=tmp_path))
    unsafe = _unsafe(case)
    fixed_codes = {f.code for f in before.findings if wanted(f, unsafe)}
    assert fixed_codes, "the .in.py has nothing to fix"
    run, text = fix_file(target, data, unsafe)
    expected = (FIXES / f"{_case(case)}.out.py").read_text(encoding="utf-8")
    assert text == expected
    assert run.converged
    remaining = {(f.line, f.code, f.message) for f in run.result.findings}
    assert not remaining, f"findings remain after fixing: {sorted(remaining)}"
    # fixing the output again changes nothing
    _, again = fix_file(target, text.encode("utf-8"), unsafe=True)
    assert again == text


@pytest.mark.parametrize("case", PAIRS, ids=_case)
def test_fixed_output_scripts(case: Path, tmp_path: Path):
    pytest.importorskip("torch")
    out = FIXES / f"{_case(case)}.out.py"
    target = tmp_path / f"fixed_{_case(case)}.py"  # a unique, importable module name
    shutil.copyfile(out, target)
    result = check([Input(path=target, relpath=target.name)], Config(root=tmp_path))
    assert result.entry_points, "the fixture has no entry point to script"
    failures = []
    for entry in result.entry_points:
        message = oracle.script(target, entry.name, entry.kind)
        if message is not None:
            failures.append(f"{entry.name}: {message[:400]}")
    assert not failures, "\n".join(failures)
