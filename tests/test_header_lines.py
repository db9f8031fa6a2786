"""source.header_lines finds a def's header lines with a tokenizer; they must be what
LibCST's positions say (def line, first line of the body) for every def it answers for."""
from __future__ import annotations

from pathlib import Path

import libcst as cst

from tests.test_real_code import torchvision_models  # noqa: F401 (a fixture)
from tsl.frontend.source import ParseFailure, header_lines, parse_source

ROOT = Path(__file__).resolve().parents[1]


def _mismatches(paths) -> tuple[int, list]:
    checked, wrong = 0, []
    for path in paths:
        try:
            source = parse_source(path, path.name)
        except ParseFailure:
            continue
        defs = []
        for statement in source.module.body:
            if isinstance(statement, cst.FunctionDef):
                defs.append(statement)
            elif isinstance(statement, cst.ClassDef):
                defs += [s for s in statement.body.body if isinstance(s, cst.FunctionDef)]
        for node in defs:
            found = header_lines(source, node)
            if found is None:
                continue
            checked += 1
            expected = (source.position(node).start.line, source.position(node.body).start.line)
            if found != expected:
                wrong.append((str(path), node.name.value, found, expected))
    return checked, wrong


def test_header_lines_match_positions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "class A:\n    @dec\n    def f(self, a,  # c\n          b=(1, 2)):  # type: (int, int) -> int\n"
        "        # comment\n\n        @inner\n        def g(): pass\n        return g\n"
        "    def h(self): return 1\n    def k(self,\n          x: 'dict[str, int]' = {'a': 1}\n"
        "          ) -> int:\n        '''doc'''\n"
    )
    paths = [sample, *ROOT.glob("fixtures/**/*.py"), *ROOT.glob("tsl/**/*.py")]
    checked, wrong = _mismatches(paths)
    assert checked > 500
    assert wrong == []


def test_header_lines_match_positions_on_torchvision(torchvision_models):  # noqa: F811
    checked, wrong = _mismatches(sorted((torchvision_models / "torchvision").rglob("*.py")))
    assert checked > 2000
    assert wrong == []
