"""Each rule's own examples are its tests: tsl flags exactly the marked lines, and torch agrees."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import expected_markers, run_tsl
import oracle
from tsl.config import Config
from tsl.rules.catalog import all_rules
from tsl.versions import target_version

CODE = re.compile(r"^TSL\d{3}$")
RULES = all_rules()
EXAMPLES = [
    (rule, kind, index, source)
    for rule in RULES
    for kind, sources in (("valid", rule.valid), ("invalid", rule.invalid))
    for index, source in enumerate(sources)
]


def test_codes_are_unique_and_well_formed():
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert all(CODE.match(code) for code in codes)
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))


def test_codes_follow_the_numbering_policy():
    ranges = {"0": "file", "1": "syntax", "2": "types", "3": "globals", "4": "modules", "5": "tensor",
              "6": "trace", "9": "verify"}
    for rule in RULES:
        assert rule.code[3] in ranges, rule.code


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule):
    assert rule.name and rule.message and rule.docs(), rule.code
    if rule.code.startswith(("TSL1", "TSL2", "TSL3", "TSL4", "TSL5")):
        assert rule.valid and rule.invalid, f"{rule.code} needs valid and invalid examples"


def _write(tmp_path: Path, rule, kind: str, index: int, source: str) -> Path:
    path = tmp_path / f"example_{rule.code.lower()}_{kind}_{index}.py"
    path.write_text(source, encoding="utf-8")
    return path


@pytest.mark.parametrize("rule,kind,index,source", EXAMPLES, ids=lambda v: getattr(v, "code", str(v))[:12])
def test_example(tmp_path, rule, kind, index, source):
    path = _write(tmp_path, rule, kind, index, source)
    if not rule.applies(target_version(Config(root=tmp_path))):
        _check_other_version(tmp_path, rule, kind, path)
        return
    result = run_tsl([path], tmp_path)
    found = {(f.line, f.code) for f in result.findings}
    if kind == "invalid":
        expected = expected_markers(path)
        assert expected, "an invalid example marks its finding with '# expect: CODE'"
        assert {code for _, code in expected} == {rule.code}
        assert found == expected
    else:
        assert not found, f"valid example flagged: {found}"

    pytest.importorskip("torch")
    for entry in result.entry_points:
        message = oracle.script(path, entry.name, entry.kind)
        if kind == "invalid" and rule.severity == "error":
            assert message is not None, f"{entry.name} scripts, but the example says it fails"
        else:  # valid examples, and warnings (never blockers), must script
            assert message is None, f"{entry.name} fails to script: {message[:300]}"


def _check_other_version(tmp_path: Path, rule, kind: str, path: Path) -> None:
    """A rule for another torch: tsl flags the markers when targeting that torch, stays silent on the
    installed one, and the installed compiler accepts the example (the rule is really version-specific)."""
    other = rule.min_torch or "2.0"
    if rule.max_torch:
        major, minor = (int(p) for p in rule.max_torch.split(".")[:2])
        other = f"{major}.{minor - 1}" if minor else f"{major - 1}.99"
    targeted = run_tsl([path], tmp_path, Config(root=tmp_path, target_version=other))
    found = {(f.line, f.code) for f in targeted.findings}
    assert found == (expected_markers(path) if kind == "invalid" else set())
    installed = run_tsl([path], tmp_path)
    assert not {f for f in installed.findings if f.code == rule.code}
    pytest.importorskip("torch")
    for entry in installed.entry_points:
        assert oracle.script(path, entry.name, entry.kind) is None
