"""Each rule's own examples are its tests: tsl flags exactly the marked lines, and torch agrees."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import example_path, examples_of, expected_markers, run_tsl, version_it_applies_to
import oracle
from tsl.config import Config
from tsl.rules.base import Invalid, Valid
from tsl.rules.catalog import all_rules
from tsl.versions import target_version

CODE = re.compile(r"^TSL\d{3}$")
RULES = all_rules()
EXAMPLES = [
    pytest.param(rule, kind, index, example, id=f"{rule.code}-{kind.__name__.lower()}-{index}")
    for rule in RULES
    for kind in (Valid, Invalid)
    for index, example in enumerate(examples_of(rule, kind))
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
    assert all(isinstance(example, (Valid, Invalid)) for example in rule.examples), rule.code
    if rule.code.startswith(("TSL1", "TSL2", "TSL3", "TSL4", "TSL5")):
        assert examples_of(rule, Valid) and examples_of(rule, Invalid), f"{rule.code} needs valid and invalid examples"


@pytest.mark.parametrize("rule,kind,index,example", EXAMPLES)
def test_example(tmp_path, rule, kind, index, example):
    path = example_path(tmp_path, rule, kind, index)
    path.write_text(example.code, encoding="utf-8")
    if not rule.applies(target_version(Config(root=tmp_path))):
        _check_other_version(tmp_path, rule, kind, path)
        return
    result = run_tsl([path], tmp_path)
    found = {(f.line, f.code) for f in result.findings}
    if kind is Invalid:
        expected = expected_markers(path)
        assert expected, "an invalid example marks its finding with '# expect: CODE'"
        codes = {code for _, code in expected}
        assert rule.code in codes
        assert codes == {rule.code} or example.fixed, "only an example with a fix marks other rules' findings"
        assert found == expected
    else:
        assert not found, f"valid example flagged: {found}"

    pytest.importorskip("torch")
    for entry in result.entry_points:
        message = oracle.script(path, entry.name, entry.kind)
        if kind is Invalid and rule.severity == "error":
            assert message is not None, f"{entry.name} scripts, but the example says it fails"
        else:  # valid examples, and warnings (never blockers), must script
            assert message is None, f"{entry.name} fails to script: {message[:300]}"


def _check_other_version(tmp_path: Path, rule, kind: type, path: Path) -> None:
    """A rule for another torch: tsl flags the markers when targeting that torch, stays silent on the
    installed one, and the installed compiler accepts the example (the rule is really version-specific)."""
    targeted = run_tsl([path], tmp_path, Config(root=tmp_path, target_version=version_it_applies_to(rule)))
    found = {(f.line, f.code) for f in targeted.findings}
    assert found == (expected_markers(path) if kind is Invalid else set())
    installed = run_tsl([path], tmp_path)
    assert not {f for f in installed.findings if f.code == rule.code}
    pytest.importorskip("torch")
    for entry in installed.entry_points:
        assert oracle.script(path, entry.name, entry.kind) is None
