"""Shared test helpers: run tsl on files, the rules' examples and their '# expect:' markers."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tsl.config import Config
from tsl.result import inputs_for
from tsl.run import check

EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>TSL\d+(?:\s*,\s*TSL\d+)*)")
MARKER = re.compile(r"[ \t]*" + EXPECT.pattern)


def expected_markers(path: Path) -> set[tuple[int, str]]:
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            found |= {(number, code.strip()) for code in match.group("codes").split(",")}
    return found


def examples_of(rule, kind: type) -> list:
    """The rule's examples of one kind (Valid or Invalid), in order."""
    return [example for example in rule.examples if isinstance(example, kind)]


def example_path(folder: Path, rule, kind: type, index: int) -> Path:
    """Where an example is written to be checked: a unique, importable module name."""
    return folder / f"example_{rule.code.lower()}_{kind.__name__.lower()}_{index}.py"


def version_it_applies_to(rule) -> str:
    """A torch version the rule holds on, for a rule that does not hold on the installed one."""
    if rule.max_torch:
        major, minor = (int(p) for p in rule.max_torch.split(".")[:2])
        return f"{major}.{minor - 1}" if minor else f"{major - 1}.99"
    return rule.min_torch or "2.0"


def without_markers(text: str) -> str:
    return MARKER.sub("", text)


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
