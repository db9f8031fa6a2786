"""Autofix cases: every rule's Invalid examples with a `fixed` form, and the fixture pairs.

tsl --fix on the code (unsafe fixes too when the example says `unsafe`) gives `fixed` once its '# expect:'
markers are dropped, converges, leaves no finding, and a second fix changes nothing; the fixed code scripts.
A pair fixtures/fixes/<case>.in.py -> <case>.out.py (a first line `# fix: unsafe` applies unsafe fixes) is a
scenario that is no one rule's example.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import examples_of, strict_fixes, without_markers  # noqa: F401 (strict_fixes is autouse)
import oracle

from tsl.config import Config
from tsl.result import Input
from tsl.rules.base import Invalid
from tsl.rules.catalog import all_rules
from tsl.run import check
from tsl.run.fixing import fix_inputs, wanted


ROOT = Path(__file__).resolve().parents[1]
FIXES = ROOT / "fixtures" / "fixes"
PAIRS = sorted(FIXES.glob("*.in.py"))


def _case(path: Path) -> str:
    return path.name[: -len(".in.py")]


def _pair(path: Path):
    code = path.read_text(encoding="utf-8")
    fixed = (FIXES / f"{_case(path)}.out.py").read_text(encoding="utf-8")
    return pytest.param(_case(path), code, fixed, code.startswith("# fix: unsafe"), id=_case(path))


CASES = [
    pytest.param(f"{rule.code.lower()}_{index}", example.code, example.fixed, example.unsafe,
                 id=f"{rule.code}-invalid-{index}")
    for rule in all_rules()
    for index, example in enumerate(examples_of(rule, Invalid))
    if example.fixed is not None
] + [_pair(path) for path in PAIRS]


def fix_file(path: Path, data: bytes, unsafe: bool):
    run = fix_inputs([Input(path=path, relpath=path.name, data=data)], Config(root=path.parent), unsafe=unsafe)
    return run, (run.states[0].current if run.states else data.decode())


def test_every_pair_is_complete():
    assert CASES, "no fix examples found"
    for path in PAIRS:
        assert (FIXES / f"{_case(path)}.out.py").exists(), f"{path.name} has no .out.py"
    for path in FIXES.glob("*.out.py"):
        assert (FIXES / path.name.replace(".out.py", ".in.py")).exists(), f"{path.name} has no .in.py"


@pytest.mark.parametrize("name,code,fixed,unsafe", CASES)
def test_fix_gives_expected_output(tmp_path: Path, name: str, code: str, fixed: str, unsafe: bool):
    target = tmp_path / f"{name}.py"
    data = code.encode("utf-8")
    before = check([Input(path=target, relpath=target.name, data=data)], Config(root=tmp_path))
    fixed_codes = {f.code for f in before.findings if wanted(f, unsafe)}
    assert fixed_codes, "the example has nothing to fix"
    run, text = fix_file(target, data, unsafe)
    assert without_markers(text) == fixed
    assert run.converged
    remaining = {(f.line, f.code, f.message) for f in run.result.findings}
    assert not remaining, f"findings remain after fixing: {sorted(remaining)}"
    # fixing the output again changes nothing
    _, again = fix_file(target, text.encode("utf-8"), unsafe=True)
    assert again == text


@pytest.mark.parametrize("name,code,fixed,unsafe", CASES)
def test_fixed_output_scripts(tmp_path: Path, name: str, code: str, fixed: str, unsafe: bool):
    pytest.importorskip("torch")
    target = tmp_path / f"fixed_{name}.py"  # a unique, importable module name
    target.write_text(fixed, encoding="utf-8")
    result = check([Input(path=target, relpath=target.name)], Config(root=tmp_path))
    assert result.entry_points, "the fixed code has no entry point to script"
    failures = []
    for entry in result.entry_points:
        message = oracle.script(target, entry.name, entry.kind)
        if message is not None:
            failures.append(f"{entry.name}: {message[:400]}")
    assert not failures, "\n".join(failures)
