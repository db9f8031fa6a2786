"""Oracle-proven fixtures: tsl's findings match the markers, and torch.jit.script agrees."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from helpers import expected_markers, run_tsl
import oracle

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
AREAS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
CASES = sorted(p for p in FIXTURES.rglob("*.py") if not p.name.endswith((".in.py", ".out.py")))

_results: dict[Path, object] = {}


def area_result(area: Path):
    if area not in _results:
        _results[area] = run_tsl([area], area)
    return _results[area]


def test_fixture_stems_are_unique():
    stems = [p.stem for p in CASES]
    assert len(stems) == len(set(stems)), "fixture file names must be unique (they are imported by stem)"


@pytest.mark.parametrize("case", CASES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_findings_match_markers(case: Path):
    result = area_result(case.parent)
    found = {(f.line, f.code) for f in result.findings if f.path == case.name}
    assert found == expected_markers(case)


@pytest.mark.parametrize("case", CASES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_compiler_agrees(case: Path):
    pytest.importorskip("torch")
    result = area_result(case.parent)
    failing = defaultdict(set)  # entry name -> lines of error findings it reaches
    for finding in result.findings:
        if finding.severity == "error":
            for path, name in finding.entry_points:
                failing[(path, name)].add((finding.path, finding.line))
    entries = [e for e in result.entry_points if e.path == case.name]
    disagreements = []
    for entry in entries:
        message = oracle.script(case, entry.name, entry.kind)
        expected_fail = (entry.path, entry.name) in failing
        if expected_fail and message is None:
            disagreements.append(f"{entry.name}: tsl reports {sorted(failing[(entry.path, entry.name)])}, "
                                 f"but torch.jit.script accepts it")
        elif expected_fail:
            pointed = {(Path(path).name, line) for path, line in oracle.error_locations(message)
                       if Path(path).parent == case.parent}
            if pointed and not pointed & failing[(entry.path, entry.name)]:
                disagreements.append(f"{entry.name}: the compiler points at {sorted(pointed)}, "
                                     f"tsl at {sorted(failing[(entry.path, entry.name)])}")
        elif message is not None:
            disagreements.append(f"{entry.name}: tsl is silent, but torch.jit.script fails: {message[:300]}")
    assert not disagreements, "\n".join(disagreements)
