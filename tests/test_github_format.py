"""--format github: workflow commands, escaped as the Actions runner expects."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tsl.result import Result
from tsl.finding import ERROR, WARNING, Finding, Step
from tsl.report import github


def _finding(**changes) -> Finding:
    values = dict(path="pkg/net.py", line=7, column=13, end_line=7, end_column=28, code="TSL101", name="lambda",
                  severity=ERROR, message="lambda is not supported in TorchScript")
    values.update(changes)
    return Finding(**values)


def test_escape_data():
    assert github.escape_data("100% a\r\nb") == "100%25 a%0D%0Ab"
    assert github.escape_data("a:b,c") == "a:b,c"  # ':' and ',' are fine in the message
    assert github.escape_data("%0A") == "%250A"  # '%' first, so escapes are not escaped twice


def test_escape_property():
    assert github.escape_property("dir,1/a:b%c\nd\re.py") == "dir%2C1/a%3Ab%25c%0Ad%0De.py"


def test_annotation_shape():
    line = github.annotation(_finding())
    assert line == ("::error file=pkg/net.py,line=7,col=13,endLine=7,endColumn=28,title=TSL101::"
                    "lambda is not supported in TorchScript")


def test_warning_chain_hint_and_escaping():
    finding = _finding(path="we,ird:dir/100%.py", severity=WARNING, message="50% of x:\ny, z",
                       hint="try this\r\ninstead",
                       chains=((Step("Net.forward", "we,ird:dir/100%.py", 1, 1), Step("helper", "a.py", 2, 1)),))
    line = github.annotation(finding)
    assert line.startswith("::warning file=we%2Cird%3Adir/100%25.py,line=7,")
    command, message = line.split("::", 2)[1:]
    assert command.endswith("title=TSL101")
    assert message == "50%25 of x:%0Ay, z%0Acompiled via: Net.forward → helper%0Ahint: try this%0D%0Ainstead"
    assert "\n" not in line and "\r" not in line


def test_many_chains_are_capped():
    chains = tuple((Step(f"Net{i}.forward", "a.py", i, 1),) for i in range(1, 6))
    message = github.annotation(_finding(chains=chains)).split("::", 2)[2]
    assert "Net1.forward; Net2.forward; Net3.forward and 2 more" in message


def test_render_one_line_per_finding():
    text = github.render(Result(findings=[_finding(), _finding(line=9, end_line=9)]))
    assert text.count("\n") == 2 and all(l.startswith("::error ") for l in text.splitlines())
    assert github.render(Result()) == ""


def test_cli_github_format(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "net.py").write_text(
        "import torch\n\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    g = lambda a: a * 2\n    return g(x)\n",
        encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "tsl", "check", "--format", "github"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [
        "::error file=net.py,line=6,col=9,endLine=6,endColumn=24,title=TSL101::lambda is not supported in "
        "TorchScript%0Acompiled via: f%0Ahint: define a named function at module level and call it"
    ]
    (tmp_path / "net.py").write_text("x = 1\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "tsl", "check", "--format", "github"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == ""


def _unescape(text: str) -> str:
    for escaped, raw in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


from hypothesis import given, strategies as st  # noqa: E402


@given(st.text())
def test_escaping_round_trips(value):
    data, prop = github.escape_data(value), github.escape_property(value)
    assert "\n" not in data and "\r" not in data
    assert not set(":,\r\n") & set(prop)
    assert _unescape(data) == value and _unescape(prop) == value
