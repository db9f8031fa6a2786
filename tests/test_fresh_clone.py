"""The suite runs from a fresh clone of this repository alone: nothing beside it."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUN_FOLDERS = ("tests", "bench", "tools", ".ci")
# a path out of the repository: "../x", REPO.parent, .parents[2], an absolute /work/ path
OUTSIDE_PATH = re.compile(r"""\.\.[/\\]\w|\b(?:REPO|ROOT)\.parent\b|\.parents\[[2-9]\]|["']/work/""")


def _outside_paths(root: Path) -> list[str]:
    found = []
    for folder in RUN_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.name != Path(__file__).name:  # this file spells the pattern out
                for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                    if OUTSIDE_PATH.search(line):
                        found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_the_pattern_finds_outside_paths(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text(
        'A = REPO.parent / "corpus" / "x.json"\nB = "../corpus/x"\nC = "/work/corpus/x"\n'
        'D = Path(__file__).parent / "fixtures"  # inside: not flagged\n')
    assert [line.split(":")[1] for line in _outside_paths(tmp_path)] == ["1", "2", "3"]


@pytest.mark.slow
def test_a_fresh_clone_collects_alone(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], env=env, check=True, capture_output=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clone"]  # nothing beside it
    env["PYTHONPATH"] = str(clone)
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=300,
    )
    if collected.returncode != 0:
        pytest.fail(collected.stdout.partition("= ERRORS =")[2][-4000:] + collected.stderr[-4000:], pytrace=False)
    assert re.search(r"^\d+ tests collected in", collected.stdout, re.M)
    assert _outside_paths(clone) == []
