"""Property tests for --fix: generated and mutated files.

Whatever the input: the output parses, every comment survives, fixing twice
gives the bytes of fixing once, and a file without findings is untouched.
"""
from __future__ import annotations

import io
import os
import tokenize
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest

from helpers import strict_fixes  # noqa: F401 (autouse: a crashing fix builder fails these tests)
from hypothesis import HealthCheck, given, settings, strategies as st

from tsl.config import Config
from tsl.result import Input
from tsl.run import check
from tsl.run.fixing import fix_inputs


HEADER = """import logging
import time
from typing import List

import torch
from torch import nn

SCALE = 2.0
SIZES = [1, 2]
logger = logging.getLogger(__name__)
"""

# {i} makes names unique; every snippet holds comments, some fixable findings, some not.
SNIPPETS = [
    # TSL201 defaults and range use
    """

class Defaults{i}(nn.Module):
    def forward(self, x, n=3, flag=False, size=(1, 2)):  # defaults
        for _ in range(n):
            x = x + 1  # step
        return x
""",
    """

@torch.jit.script
def ranged{i}(x, steps):
    # loop a while
    for _ in range(steps):
        x = x * 2
    return x
""",
    # TSL201 list default (unsafe fix)
    """

class ListDefault{i}(nn.Module):
    def forward(self, x, sizes=[1, 2]):
        \"\"\"Docs.\"\"\"
        return x + sizes[0]  # first
""",
    # TSL301 side effects
    """

class Logs{i}(nn.Module):
    def forward(self, x):
        logging.warning("slow")  # say so
        start = time.time()
        logger.info(
            "shape %s",  # which
            x.shape,
        )
        return x
""",
    # TSL302 globals
    """

class Globals{i}(nn.Module):
    def forward(self, x):
        # scale it
        return x * SCALE + SIZES[0]
""",
    """

@torch.jit.script
def scaled{i}(x: torch.Tensor):
    return x * SCALE  # global
""",
    # TSL116
    """

@torch.jit.script
def halve{i}(n: int, t: torch.Tensor):
    n //= 2  # int
    t //= 2  # tensor: unsafe
    t @= t
    return n, t
""",
    # TSL114
    """

@torch.jit.script
def keep{i}(x: List[int]):
    kept = [a for a in x if a > 1]  # big
    return [b * 2 for b in kept if b != 3]
""",
    """

@torch.jit.script
def unknown{i}(x: List[int]):
    return [foo(a) for a in x if a]  # no type: no fix
""",
    # TSL115
    """

@torch.jit.script
def show{i}(n: int):
    print(f"{{n:3d}} and {{n!r}}")  # formats
    return n
""",
    # TSL101
    """

class Lambdas{i}(nn.Module):
    def forward(self, x):
        twice{i} = lambda a: a * 2  # double
        return twice{i}(x)
""",
    # TSL112
    """

@torch.jit.script
def keywords{i}(x: torch.Tensor, *, w: float = 0.5):
    return x * w  # weight
""",
    # nothing to fix: not compiled, or clean
    """

def plain{i}(x, n=3):
    # not compiled: never touched
    logging.info("x")
    return [a for a in x if a]
""",
    """

@torch.jit.script
def clean{i}(x: torch.Tensor, n: int = 2):
    # fine as it is
    return x * n
""",
]

COMMENTS = ["# note", "# TODO: check", "#", "# tsl: keep me", "# type: ignore"]


def comments(text: str) -> Counter:
    found = Counter()
    for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
        if token.type == tokenize.COMMENT:
            found[token.string] += 1
    return found


@st.composite
def sources(draw) -> str:
    picks = draw(st.lists(st.integers(0, len(SNIPPETS) - 1), min_size=1, max_size=5))
    text = HEADER + "".join(SNIPPETS[index].format(i=n) for n, index in enumerate(picks))
    lines = text.split("\n")
    for _ in range(draw(st.integers(0, 4))):  # mutations
        kind = draw(st.sampled_from(["comment-line", "trailing-comment", "blank"]))
        at = draw(st.integers(0, len(lines) - 1))
        if kind == "comment-line":
            indent = draw(st.sampled_from(["", "    ", "        "]))
            lines.insert(at, indent + draw(st.sampled_from(COMMENTS)))
        elif kind == "trailing-comment":
            line = lines[at]
            if line.strip() and "#" not in line and not line.rstrip().endswith(("\\", '"""')) and \
                    not line.strip().startswith(('"', "@")):
                lines[at] = line + "  " + draw(st.sampled_from(COMMENTS))
        else:
            lines.insert(at, "")
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


def fix_text(tmp: Path, text: str, unsafe: bool) -> tuple[str, object]:
    path = tmp / "generated.py"
    run = fix_inputs([Input(path=path, relpath=path.name, data=text.encode("utf-8"))], Config(root=tmp),
                     unsafe=unsafe)
    return (run.states[0].current if run.states else text), run


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                               HealthCheck.too_slow])
@given(text=sources(), unsafe=st.booleans())
def test_fix_properties(tmp_path: Path, text: str, unsafe: bool):
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError:
        return  # a mutation broke the input (e.g. a blank line in a continuation): nothing to say
    fixed, run = fix_text(tmp_path, text, unsafe)
    assert run.converged
    assert not [state.problem for state in run.states if state.problem]
    cst.parse_module(fixed)
    compile(fixed, "generated.py", "exec")
    assert not comments(text) - comments(fixed), "a comment was lost"
    again, _ = fix_text(tmp_path, fixed, unsafe=unsafe)
    assert again == fixed, "fixing twice changed the file again"
    if "\r\n" in text:
        assert "\n" not in fixed.replace("\r\n", "")  # line endings kept


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                               HealthCheck.too_slow])
@given(picks=st.lists(st.sampled_from([-1, -2]), min_size=1, max_size=3), crlf=st.booleans(),
       extra=st.lists(st.sampled_from(COMMENTS), max_size=3))
def test_files_without_findings_are_untouched(tmp_path: Path, picks, crlf, extra):
    text = HEADER + "".join(SNIPPETS[index].format(i=n) for n, index in enumerate(picks)) + "\n".join(extra)
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path / "clean.py"
    result = check([Input(path=path, relpath=path.name, data=text.encode())], Config(root=tmp_path))
    assert not result.findings
    fixed, run = fix_text(tmp_path, text, unsafe=True)
    assert fixed == text and not run.changed and run.passes == 1


def test_the_command_leaves_files_without_findings_byte_identical(tmp_path: Path):
    import subprocess
    import sys

    (tmp_path / "pyproject.toml").write_text("[tool.tsl]\n", encoding="utf-8")
    data = (HEADER + SNIPPETS[-1].format(i=0) + SNIPPETS[-2].format(i=1)).replace("\n", "\r\n").encode()
    path = tmp_path / "clean.py"
    path.write_bytes(data)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    done = subprocess.run([sys.executable, "-m", "tsl", "check", "--fix", "--unsafe-fixes", "."], cwd=tmp_path,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout
    assert path.read_bytes() == data and path.stat().st_mtime == 1_000_000_000


# -- settling: a second --fix changes nothing, on every fixture, example and rule example ----------------

ROOT = Path(__file__).resolve().parents[1]
# opt-in: TSL_FIX_SETTLE_CORPUS=/path/to/folder (e.g. /tmp/pb) also fixes a sample of its files
CORPUS = os.environ.get("TSL_FIX_SETTLE_CORPUS")
CORPUS_SAMPLE = int(os.environ.get("TSL_FIX_SETTLE_SAMPLE", "20"))


def _folders() -> list:
    folders = sorted({path.parent for path in (ROOT / "fixtures").rglob("*.py")}) + [ROOT / "examples"]
    params = [pytest.param(folder, sorted(folder.glob("*.py")), id=str(folder.relative_to(ROOT))) for folder in folders]
    if CORPUS:
        files = sorted(Path(CORPUS).rglob("*.py"))
        step = max(1, len(files) // CORPUS_SAMPLE)
        params.append(pytest.param(Path(CORPUS), files[::step][:CORPUS_SAMPLE], id="corpus"))
    return params


def _rule_examples() -> list[tuple[str, bytes]]:
    from helpers import examples_of
    from tsl.rules.base import Invalid
    from tsl.rules.catalog import all_rules

    return [(f"example_{rule.code.lower()}_{index}.py", example.code.encode())
            for rule in all_rules() for index, example in enumerate(examples_of(rule, Invalid))]


def _settles(root: Path, files: list[tuple[str, bytes]], unsafe: bool) -> None:
    def inputs(texts):
        return [Input(path=root / name, relpath=name, data=data) for name, data in texts]

    first = fix_inputs(inputs(files), Config(root=root), unsafe=unsafe)
    assert first.converged
    fixed = [(state.input.relpath, state.data()) for state in first.states]
    second = fix_inputs(inputs(fixed), Config(root=root), unsafe=unsafe)
    again = {state.input.relpath: state.current for state in second.changed}
    assert not again, f"a second --fix changed {sorted(again)}"
    assert second.passes == 1
    assert sorted(map(repr, second.result.findings)) == sorted(map(repr, first.result.findings))
    # the passes reuse what did not change: the findings are those of a check from scratch
    fresh = check(inputs(fixed), Config(root=root), blank=False)
    assert sorted(map(repr, fresh.findings)) == sorted(map(repr, first.result.findings))


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("folder,files", _folders())
def test_a_second_fix_changes_nothing(folder: Path, files: list, unsafe: bool):
    _settles(folder, [(path.relative_to(folder).as_posix(), path.read_bytes()) for path in files], unsafe)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_a_second_fix_changes_nothing_on_rule_examples(tmp_path: Path, unsafe: bool):
    _settles(tmp_path, _rule_examples(), unsafe)


def test_a_pass_rechecks_only_what_the_last_one_changed(tmp_path: Path, monkeypatch):
    import tsl.run.workers as workers

    checked: list = []
    real = workers.check_file

    def counting(program, hydrator, config, task):
        checked.append(task.relpath)
        return real(program, hydrator, config, task)

    monkeypatch.setattr(workers, "check_file", counting)
    helper = "import time\n\n\ndef stamp(x):\n    time.sleep(0)  # fixable\n    return x\n"
    net = "import torch\nfrom torch import nn\nfrom helper import stamp\n\n\nclass Net(nn.Module):\n" \
          "    def forward(self, x):\n        return stamp(x)\n"
    other = "import torch\n\n\n@torch.jit.script\ndef clean(x: torch.Tensor):\n    return x\n"
    files = {"helper.py": helper, "net.py": net, "other.py": other}
    run = fix_inputs([Input(path=tmp_path / name, relpath=name, data=text.encode()) for name, text in files.items()],
                     Config(root=tmp_path))
    assert run.passes == 2 and [state.input.relpath for state in run.changed] == ["helper.py"]
    assert sorted(checked[:3]) == ["helper.py", "net.py", "other.py"]
    # the second pass: the file the first one changed, and net.py, whose check read it; not other.py
    assert sorted(checked[3:]) == ["helper.py", "net.py"]
