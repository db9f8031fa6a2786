"""tsl check --stdin-filename PATH -: editors pipe the buffer in, tsl reports it as PATH."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LAMBDA = (
    "import torch\n\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n"
    "    g = lambda a: a * 2\n    return g(x)\n"
)
TRY = (
    "import torch\n\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n"
    "    try:\n        return x\n    except Exception:\n        return x\n"
)


def tsl(args, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tsl", "check", *args], cwd=cwd, input=stdin,
                          capture_output=True, timeout=120)


def findings(proc) -> list[tuple[str, int, str]]:
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return [(f["path"], f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"]]


def make(tmp_path: Path, pyproject: str = "") -> Path:
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return tmp_path


def test_reports_the_given_path_with_a_code_frame(tmp_path):
    make(tmp_path)
    proc = tsl(["--stdin-filename", "pkg/editor.py", "-"], tmp_path, LAMBDA.encode())
    out = proc.stdout.decode()
    assert proc.returncode == 1, proc.stderr
    assert out.startswith("pkg/editor.py:6:9: TSL101")
    assert "g = lambda a: a * 2" in out  # the frame comes from stdin: the file does not exist
    assert not (tmp_path / "pkg").exists()


def test_stdin_wins_over_the_file_on_disk(tmp_path):
    make(tmp_path)
    (tmp_path / "net.py").write_text("x = 1\n", encoding="utf-8")
    assert findings(tsl(["--format", "json", "--stdin-filename", "net.py", "-"], tmp_path, LAMBDA.encode())) == [
        ("net.py", 6, "TSL101")]
    (tmp_path / "net.py").write_text(LAMBDA, encoding="utf-8")
    proc = tsl(["--format", "json", "--stdin-filename", "net.py", "-"], tmp_path, b"x = 1\n")
    assert findings(proc) == [] and proc.returncode == 0


def test_stdin_filename_alone_reads_stdin(tmp_path):
    make(tmp_path)
    assert findings(tsl(["--format", "json", "--stdin-filename", "a.py"], tmp_path, LAMBDA.encode())) == [
        ("a.py", 6, "TSL101")]


def test_path_relative_to_the_config_root(tmp_path):
    make(tmp_path)
    sub = tmp_path / "src" / "pkg"
    sub.mkdir(parents=True)
    assert findings(tsl(["--format", "json", "--stdin-filename", "mod.py", "-"], sub, LAMBDA.encode())) == [
        ("src/pkg/mod.py", 6, "TSL101")]
    absolute = str(tmp_path / "other" / "mod.py")
    assert findings(tsl(["--format", "json", "--stdin-filename", absolute, "-"], sub, LAMBDA.encode())) == [
        ("other/mod.py", 6, "TSL101")]


def test_config_and_per_file_ignores_apply(tmp_path):
    make(tmp_path, '[tool.tsl]\nignore = ["TSL103"]\nper-file-ignores = { "legacy/*" = ["TSL1"] }\n')
    source = (LAMBDA + "\n\n" + TRY.replace("def f", "def h").split("\n\n\n", 1)[1]).encode()
    assert findings(tsl(["--format", "json", "--stdin-filename", "new/a.py", "-"], tmp_path, source)) == [
        ("new/a.py", 6, "TSL101")]
    proc = tsl(["--format", "json", "--stdin-filename", "legacy/a.py", "-"], tmp_path, source)
    assert findings(proc) == [] and proc.returncode == 0


def test_noqa_applies(tmp_path):
    make(tmp_path)
    source = LAMBDA.replace("a * 2\n", "a * 2  # noqa: TSL101\n").encode()
    proc = tsl(["--stdin-filename", "a.py", "-"], tmp_path, source)
    assert proc.returncode == 0, proc.stdout


def test_force_exclude_applies_to_the_stdin_filename(tmp_path):
    make(tmp_path, '[tool.tsl]\nexclude = ["generated/*"]\n')
    proc = tsl(["--force-exclude", "--stdin-filename", "generated/a.py", "-"], tmp_path, LAMBDA.encode())
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")
    # without --force-exclude a file named explicitly is checked, as on disk
    proc = tsl(["--stdin-filename", "generated/a.py", "-"], tmp_path, LAMBDA.encode())
    assert proc.returncode == 1


def test_coding_cookie_and_parse_errors(tmp_path):
    make(tmp_path)
    latin = b"# -*- coding: latin-1 -*-\n" + LAMBDA.replace("a * 2", "a * 2  # \xe9").encode("latin-1")
    assert findings(tsl(["--format", "json", "--stdin-filename", "a.py", "-"], tmp_path, latin)) == [
        ("a.py", 7, "TSL101")]
    assert findings(tsl(["--format", "json", "--stdin-filename", "a.py", "-"], tmp_path, b"def f(:\n")) == [
        ("a.py", 1, "TSL001")]


def test_dash_without_a_filename(tmp_path):
    make(tmp_path)
    assert findings(tsl(["--format", "json", "-"], tmp_path, LAMBDA.encode())) == [("-", 6, "TSL101")]


def test_dash_with_other_paths_is_an_error(tmp_path):
    make(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    proc = tsl(["-", "a.py"], tmp_path, LAMBDA.encode())
    assert proc.returncode == 2 and b"stdin" in proc.stderr
    proc = tsl(["--stdin-filename", "b.py", "a.py"], tmp_path, LAMBDA.encode())
    assert proc.returncode == 2 and b"--stdin-filename" in proc.stderr
