"""Shared test helpers: run tsl on files and read '# expect:' markers."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tsl.config import Config
from tsl.result import inputs_for
from tsl.run import check

EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>TSL\d+(?:\s*,\s*TSL\d+)*)")


def expected_markers(path: Path) -> set[tuple[int, str]]:
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            found |= {(number, code.strip()) for code in match.group("codes").split(",")}
    return found


def run_tsl(paths: list[Path], root: Path, config: Config | None = None):
    files = []
    for path in paths:
        files += sorted(path.glob("*.py")) if path.is_dir() else [path]
    return check(inputs_for(files, root), config or Config(root=root))


@pytest.fixture(autouse=True, scope="module")
def strict_fixes():
    """A fix builder that crashes fails the test (elsewhere it just offers no fix)."""
    old = os.environ.get("TSL_DEBUG_FIXES")
    os.environ["TSL_DEBUG_FIXES"] = "1"
    yield
    if old is None:
        os.environ.pop("TSL_DEBUG_FIXES", None)
    else:
        os.environ["TSL_DEBUG_FIXES"] = old
