"""tsl check --fix / --diff / --fix-only / --unsafe-fixes: what is written, what is not, exit codes."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tsl.config import Config
from tsl.result import Input
from tsl.run.fixing import apply_fixes, fix_inputs, write_back
from tsl.finding import Edit, Fix


SAFE = """import torch


@torch.jit.script
def halve(n: int):
    n //= 2  # keep me
    return n
"""
SAFE_FIXED = SAFE.replace("n //= 2", "n = n // 2")
UNSAFE = """import torch


@torch.jit.script
def show(n: int):
    print(f"{n:3d}")
    return n
"""
UNSAFE_FIXED = UNSAFE.replace("{n:3d}", "{n}")
CLEAN = """import torch


@torch.jit.script
def fine(n: int):
    return n + 1
"""


def tsl(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tsl", "check", *args], cwd=cwd, input=stdin, capture_output=True,
                          timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.tsl]\n", encoding="utf-8")
    return tmp_path


def write(folder: Path, name: str, text: str, mtime: float = 1_000_000_000) -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    os.utime(path, (mtime, mtime))
    return path


def test_fix_writes_safe_fixes_and_reports_what_remains(project: Path):
    safe, unsafe, clean = write(project, "safe.py", SAFE), write(project, "unsafe.py", UNSAFE), write(
        project, "clean.py", CLEAN)
    done = tsl(project, "--fix", "--no-color", ".")
    assert done.returncode == 1, done.stderr  # the unsafe fix was not applied: a finding remains
    assert safe.read_text() == SAFE_FIXED
    assert unsafe.read_text() == UNSAFE
    assert clean.stat().st_mtime == 1_000_000_000 and unsafe.stat().st_mtime == 1_000_000_000
    out, err = done.stdout.decode(), done.stderr.decode()
    assert "unsafe.py:6" in out and "TSL115" in out and "safe.py:6" not in out.replace("unsafe.py", "")
    assert "Fixed 1 finding in 1 file." in err
    assert "1 more fix available with --unsafe-fixes." in err


def test_unsafe_fixes_and_exit_zero_when_all_fixed(project: Path):
    write(project, "safe.py", SAFE)
    unsafe = write(project, "unsafe.py", UNSAFE)
    done = tsl(project, "--fix", "--unsafe-fixes", ".")
    assert done.returncode == 0, done.stdout
    assert unsafe.read_text() == UNSAFE_FIXED
    assert "All checks passed" in done.stdout.decode()


def test_fixing_twice_changes_nothing(project: Path):
    path = write(project, "safe.py", SAFE)
    assert tsl(project, "--fix", ".").returncode == 0
    os.utime(path, (1_000_000_000, 1_000_000_000))
    again = tsl(project, "--fix", ".")
    assert again.returncode == 0
    assert path.read_text() == SAFE_FIXED and path.stat().st_mtime == 1_000_000_000
    assert "Fixed" not in again.stderr.decode()


def test_diff_writes_nothing(project: Path):
    path = write(project, "safe.py", SAFE)
    done = tsl(project, "--diff", ".")
    assert done.returncode == 1
    assert path.read_text() == SAFE and path.stat().st_mtime == 1_000_000_000
    out = done.stdout.decode()
    assert out.startswith("--- a/safe.py\n+++ b/safe.py\n")
    assert "-    n //= 2  # keep me\n+    n = n // 2  # keep me\n" in out
    assert "Would fix 1 finding in 1 file." in done.stderr.decode()
    # --diff wins over --fix, and nothing to fix exits 0 with an empty diff
    assert tsl(project, "--diff", "--fix", ".").returncode == 1 and path.read_text() == SAFE
    clean = project / "clean"
    clean.mkdir()
    write(clean, "clean.py", CLEAN)
    done = tsl(project, "--diff", "clean")
    assert done.returncode == 0 and done.stdout == b""


def test_diff_applies_to_the_diff_unsafe_fixes_only_when_asked(project: Path):
    write(project, "unsafe.py", UNSAFE)
    assert tsl(project, "--diff", ".").returncode == 0
    done = tsl(project, "--diff", "--unsafe-fixes", ".")
    assert done.returncode == 1 and '+    print(f"{n}")' in done.stdout.decode()


def test_fix_only_reports_nothing_and_exits_zero(project: Path):
    safe = write(project, "safe.py", SAFE)
    write(project, "unsafe.py", UNSAFE)
    done = tsl(project, "--fix-only", ".")
    assert done.returncode == 0
    assert done.stdout == b""
    assert safe.read_text() == SAFE_FIXED
    assert "Fixed 1 finding in 1 file." in done.stderr.decode()


def test_json_after_fix_carries_remaining_fixes_as_edits(project: Path):
    write(project, "unsafe.py", UNSAFE)
    done = tsl(project, "--fix", "--format", "json", ".")
    assert done.returncode == 1
    document = json.loads(done.stdout)
    [finding] = document["findings"]
    assert finding["code"] == "TSL115"
    assert finding["fix"] == {
        "description": "drop :... (plain {})",
        "safe": False,
        "edits": [{"line": 6, "column": 13, "end_line": 6, "end_column": 19, "text": "{n}"}],
    }


def test_syntax_error_file_is_never_written(project: Path):
    broken = write(project, "broken.py", "import torch\n\ndef f(:\n    n //= 2\n")
    write(project, "safe.py", SAFE)
    done = tsl(project, "--fix", ".")
    assert done.returncode == 1
    assert broken.read_text() == "import torch\n\ndef f(:\n    n //= 2\n"
    assert broken.stat().st_mtime == 1_000_000_000
    assert "TSL001" in done.stdout.decode()
    assert (project / "safe.py").read_text() == SAFE_FIXED


def test_read_only_file_is_reported_not_clobbered(project: Path):
    path = write(project, "safe.py", SAFE)
    path.chmod(0o444)
    try:
        done = tsl(project, "--fix", ".")
    finally:
        path.chmod(0o644)
    assert done.returncode == 2
    assert "safe.py: not fixed: the file is read-only" in done.stderr.decode()
    assert path.read_text() == SAFE
    assert "TSL116" in done.stdout.decode()  # the finding is still reported: the file was not fixed


def test_file_changed_on_disk_is_reported_not_clobbered(project: Path):
    path = write(project, "safe.py", SAFE)
    run = fix_inputs([Input(path=path, relpath="safe.py")], Config(root=project))
    [state] = run.changed
    path.write_text(SAFE + "# edited meanwhile\n", encoding="utf-8")
    problem = write_back(state)
    assert problem == "safe.py: not fixed: it changed on disk while tsl was fixing it; run tsl again"
    assert path.read_text() == SAFE + "# edited meanwhile\n"
    assert not [p for p in project.iterdir() if p.name.startswith(".safe.py.")]  # no temporary file left


def test_file_changed_on_disk_through_the_command(project: Path, monkeypatch, capsys):
    import tsl.run.fixing as fix_module
    from tsl.cli import main

    path = write(project, "safe.py", SAFE)
    real = fix_module.fix_inputs

    def racing(*args, **kwargs):
        run = real(*args, **kwargs)
        path.write_text("# someone else\n" + SAFE, encoding="utf-8")
        return run

    monkeypatch.setattr(fix_module, "fix_inputs", racing)
    monkeypatch.chdir(project)
    with pytest.raises(SystemExit) as stop:
        main(["check", "--fix", "--no-color", "."])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "safe.py: not fixed: it changed on disk" in err
    assert path.read_text() == "# someone else\n" + SAFE


def test_mode_symlink_line_endings_and_encoding_are_kept(project: Path):
    crlf = project / "crlf.py"
    crlf.write_bytes(SAFE.replace("\n", "\r\n").encode())
    crlf.chmod(0o640)
    latin = project / "latin.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\n# caf\xe9\n" + SAFE).encode("latin-1"))
    bom = project / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + SAFE.encode())
    real = project / "real"
    real.mkdir()
    target = write(real, "target.py", SAFE)
    link = project / "link.py"
    link.symlink_to(target)
    done = tsl(project, "--fix", "crlf.py", "latin.py", "bom.py", "link.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert crlf.read_bytes() == SAFE_FIXED.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(crlf.stat().st_mode) == 0o640
    assert latin.read_bytes() == ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + SAFE_FIXED).encode("latin-1")
    assert bom.read_bytes() == b"\xef\xbb\xbf" + SAFE_FIXED.encode()
    assert link.is_symlink() and target.read_text() == SAFE_FIXED


def test_stdin_prints_the_fixed_source(project: Path):
    done = tsl(project, "--fix", "-", stdin=SAFE.encode())
    assert done.returncode == 0
    assert done.stdout.decode() == SAFE_FIXED
    done = tsl(project, "--fix", "--stdin-filename", "x.py", stdin=UNSAFE.encode())
    assert done.returncode == 1 and done.stdout.decode() == UNSAFE  # the unsafe fix is not applied
    done = tsl(project, "--diff", "-", stdin=SAFE.encode())
    assert done.returncode == 1 and "+    n = n // 2  # keep me" in done.stdout.decode()


def test_rules_table_shows_fixable():
    done = subprocess.run([sys.executable, "-m", "tsl", "rules"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "250"})
    lines = {line.split("│")[1].strip(): line for line in done.stdout.splitlines() if line.count("│") > 4}
    for code in ("TSL101", "TSL112", "TSL114", "TSL115", "TSL116", "TSL201", "TSL301", "TSL302"):
        assert "│ yes" in lines[code], lines.get(code)
    assert "│ no" in lines["TSL103"]


# -- the applier ---------------------------------------------------------------------


def _fix(*edits, safe=True):
    return Fix("test", tuple(Edit(*e) for e in edits), safe)


def test_overlapping_fixes_wait_for_the_next_pass():
    text = "abcdef\n"
    first = _fix((1, 2, 1, 4, "X"))
    overlapping = _fix((1, 3, 1, 5, "Y"))
    touching = _fix((1, 4, 1, 4, "Z"))
    apart = _fix((1, 5, 1, 6, "W"))
    new, applied, deferred = apply_fixes(text, [first, overlapping, touching, apart])
    assert new == "aXdWf\n"
    assert applied == [first, apart] and deferred == [overlapping, touching]


def test_identical_edits_and_imports_merge():
    text = "from typing import List\nx = 1\n"
    a = _fix((1, 24, 1, 24, ", Tuple"), (2, 1, 2, 2, "y"))
    b = _fix((1, 24, 1, 24, ", Tuple"))
    c = _fix((1, 24, 1, 24, ", Dict"))
    new, applied, deferred = apply_fixes(text, [a, b, c])
    assert new == "from typing import List, Tuple, Dict\ny = 1\n"
    assert not deferred


def test_a_fix_that_drops_a_comment_is_never_applied():
    text = "x = 1  # note\n"
    new, applied, deferred = apply_fixes(text, [_fix((1, 1, 1, 14, "x = 2"))])
    assert new == text and not applied and not deferred
    new, applied, _ = apply_fixes(text, [_fix((1, 1, 1, 14, "x = 2  # note"))])
    assert new == "x = 2  # note\n" and applied


# -- fixes are built only when asked for -------------------------------------------------

LAMBDA = """import torch


@torch.jit.script
def f(x: torch.Tensor):
    g = lambda a: a * 2
    return g(x)
"""


def test_fixes_are_built_only_when_the_run_wants_them(tmp_path: Path, monkeypatch):
    from tsl.rules.tsl101_lambda import Lambda
    from tsl.run import check

    built = []
    real = Lambda._fix
    monkeypatch.setattr(Lambda, "_fix", lambda self, node: built.append(node) or real(self, node))
    inputs = [Input(path=tmp_path / "f.py", relpath="f.py", data=LAMBDA.encode())]
    without = check(inputs, Config(root=tmp_path, fixes=False))
    assert not built and [f.code for f in without.findings] == ["TSL101"]
    assert without.findings[0].fix is None
    found = check(inputs, Config(root=tmp_path))
    assert len(built) == 1 and found.findings[0].fix is not None
    assert [replace_fix(f) for f in found.findings] == without.findings


def replace_fix(finding):
    import dataclasses

    return dataclasses.replace(finding, fix=None)


def test_text_output_builds_no_fix_and_json_after_it_still_carries_them(project: Path):
    """The text run (cached) builds no fixes; a JSON run afterwards gets them (its own cache entries)."""
    write(project, "f.py", LAMBDA)
    text = tsl(project, "f.py")
    assert text.returncode == 1 and b"TSL101" in text.stdout
    for _ in range(2):  # cold, then from the cache
        done = tsl(project, "f.py", "--format", "json")
        report = json.loads(done.stdout)
        fixes = [finding["fix"] for finding in report["findings"]]
        assert fixes and all(fix is not None and fix["edits"] for fix in fixes), fixes
