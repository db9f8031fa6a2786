"""--output: atomic writes, and a clear exit 2 when the file cannot be written."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tsl import cli
from tsl.report import output

LAMBDA = (
    "import torch\n\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n"
    "    g = lambda a: a * 2\n    return g(x)\n"
)


def tsl(args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tsl", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.tsl]\nexclude = ["vendored/*"]\n', encoding="utf-8")
    (tmp_path / "net.py").write_text(LAMBDA, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_output_into_a_missing_directory(proj, fmt):
    proc = tsl(["--format", fmt, "--output", "missing/dir/report.out"], proj)
    assert proc.returncode == 2
    assert "missing/dir" in proc.stderr and "does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (proj / "missing").exists()


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_output_written_and_replaced(proj, fmt):
    target = proj / "reports" / "out"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    proc = tsl(["--format", fmt, "--output", str(target)], proj)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert "TSL101" in target.read_text(encoding="utf-8")
    assert os.listdir(target.parent) == ["out"]  # no temporary file left


def test_output_onto_a_directory_is_exit_2(proj):
    (proj / "adir").mkdir()
    proc = tsl(["--format", "sarif", "--output", "adir"], proj)
    assert proc.returncode == 2 and "cannot write" in proc.stderr
    assert os.listdir(proj / "adir") == []


def test_write_report_keeps_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "report.sarif"
    target.write_text("complete old report", encoding="utf-8")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cli.write_report(target, "new report " * 1000)
    assert target.read_text(encoding="utf-8") == "complete old report"
    assert os.listdir(tmp_path) == ["report.sarif"]


def test_write_report_os_error_is_a_failure(tmp_path, monkeypatch):
    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "replace", full)
    with pytest.raises(cli.Failure, match="No space left on device"):
        cli.write_report(tmp_path / "out.json", "{}")
    assert os.listdir(tmp_path) == []


def test_write_report_file_mode(tmp_path):
    target = tmp_path / "new.json"
    cli.write_report(target, "{}\n")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    target.chmod(0o640)
    cli.write_report(target, "{}\n")
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_text() == "{}\n"


def test_no_files_exits_0(tmp_path):
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    proc = tsl([], tmp_path)
    assert proc.returncode == 0 and proc.stdout == "" and "No Python files found." in proc.stderr


def test_force_excluded_files_exit_0_quietly(proj):
    """What pre-commit does: names files explicitly, some of them excluded by the config."""
    (proj / "vendored").mkdir()
    (proj / "vendored" / "lib.py").write_text(LAMBDA, encoding="utf-8")
    proc = tsl(["--force-exclude", "vendored/lib.py"], proj)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    proc = tsl(["--force-exclude", "vendored/lib.py", "net.py"], proj)
    assert proc.returncode == 1 and "net.py:6:9: TSL101" in proc.stdout and "vendored" not in proc.stdout
