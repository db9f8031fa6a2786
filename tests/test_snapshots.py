"""Each rule's invalid examples as `tsl check --no-color` prints them, pinned in tests/snapshots/TSLNNN.txt.

A version-specific rule is checked with a target-version it holds on, whichever torch is installed. Any difference
fails; once it is reviewed, rewrite the snapshots with `TSL_UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py`.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import example_path, examples_of, version_it_applies_to
from tsl.cli import cli
from tsl.rules.base import Invalid
from tsl.rules.catalog import all_rules

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
RULES = [rule for rule in all_rules() if examples_of(rule, Invalid)]


def rendered(rule, folder: Path) -> str:
    """The text report of each invalid example, run from its folder so the path is the file name."""
    header = ""
    if rule.min_torch or rule.max_torch:  # the same header whichever torch is installed
        version = version_it_applies_to(rule)
        (folder / "pyproject.toml").write_text(f'[tool.tsl]\ntarget-version = "{version}"\n', encoding="utf-8")
        header = f"  (target-version {version})"
    reports = []
    for index, example in enumerate(examples_of(rule, Invalid)):
        path = example_path(folder, rule, Invalid, index)
        path.write_text(example.code, encoding="utf-8")
        args = ["check", "--no-color", "--no-cache", path.name]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        reports.append(f"$ tsl {' '.join(args)}{header}\n{result.stdout}")
    return "\n".join(reports)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_snapshot(rule, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = rendered(rule, tmp_path)
    snapshot = SNAPSHOTS / f"{rule.code}.txt"
    if os.environ.get("TSL_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot for {rule.code}: run with TSL_UPDATE_SNAPSHOTS=1"
    assert text == snapshot.read_text(encoding="utf-8"), f"{rule.code}'s report changed: review it, then update"


def test_no_stray_snapshots():
    assert {path.stem for path in SNAPSHOTS.glob("*.txt")} == {rule.code for rule in RULES}
