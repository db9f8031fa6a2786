"""Hostile inputs and outputs: devices, FIFOs, symlinks, full disks, odd names, bad options, broken caches.

Devices are made with mknod inside tmp_path (the same major/minor numbers as
/dev/null and /dev/full, so the kernel treats them alike) rather than the real
/dev entries: a regression must not replace the machine's /dev/null.
"""
from __future__ import annotations

import json
import math
import os
import pickle
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tsl.cli import main
from tsl.config import Config, ConfigError
from tsl.verify.settings import MAX_TIMEOUT, load_settings

REPO = Path(__file__).resolve().parent.parent
BLOCKER = "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    g = lambda a: a\n    return x\n"
FIXABLE = "import torch\n\n\n@torch.jit.script\ndef f(x: torch.Tensor, *, y: int = 1):\n    return x + y\n"


def run(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    return exit_info.value.code or 0, captured.out, captured.err


def tsl(cwd: Path, *args, stdin=None, stdout=subprocess.PIPE, timeout=120) -> subprocess.CompletedProcess:
    """tsl in a child process (args may be bytes: names that are not UTF-8)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "tsl", *args], cwd=cwd, env=env, input=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, timeout=timeout)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "bad.py").write_text(BLOCKER)
    return tmp_path


def device(path: Path, minor: int) -> Path:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except (PermissionError, AttributeError):
        pytest.skip("mknod needs root (as in CI containers)")
    return path


def assert_clean_error(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err and "Exception ignored" not in err, err


# -- 1. --output ------------------------------------------------------------------------------


def test_output_to_devices_writes_in_place(project, capsys):
    null, full = device(project / "null", 3), device(project / "full", 7)
    code, out, err = run(capsys, "check", "bad.py", "--no-cache", "--format", "json", "-o", str(null))
    assert code == 1 and out == "" and stat.S_ISCHR(os.lstat(null).st_mode)
    code, _, err = run(capsys, "check", "bad.py", "--no-cache", "-o", str(full))
    assert code == 2 and "cannot write" in err and "No space left on device" in err
    assert stat.S_ISCHR(os.lstat(full).st_mode)
    assert [p.name for p in project.iterdir() if p.name.endswith(".tmp")] == []


def test_output_to_dev_stdout_goes_to_stdout(project):
    link = project / "stdout"
    link.symlink_to("/proc/self/fd/1")  # what /dev/stdout is
    done = tsl(project, "check", "bad.py", "--no-cache", "--format", "json", "-o", str(link))
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["summary"]["findings"] == 1
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


def test_output_that_is_a_source_or_a_folder_is_refused(project, capsys):
    before = (project / "bad.py").read_bytes()
    (project / "alias.py").symlink_to("bad.py")
    for target in ("bad.py", "alias.py"):
        for extra in ((), ("--fix", "--unsafe-fixes")):
            code, out, err = run(capsys, "check", "bad.py", "--no-cache", "-o", target, *extra)
            assert code == 2 and "one of the files being checked" in err, err
            assert (project / "bad.py").read_bytes() == before
    (project / "reports").mkdir()
    code, _, err = run(capsys, "check", "bad.py", "--no-cache", "-o", "reports")
    assert code == 2 and "is a directory" in err and list((project / "reports").iterdir()) == []
    code, _, err = run(capsys, "check", "bad.py", "--no-cache", "-o", "missing/report.txt")
    assert code == 2 and "does not exist" in err


def test_output_through_a_symlink_keeps_the_link(project, capsys):
    (project / "report.json").write_text("old\n")
    (project / "latest").symlink_to("report.json")
    code, _, _ = run(capsys, "check", "bad.py", "--no-cache", "--format", "json", "-o", "latest")
    assert code == 1 and (project / "latest").is_symlink()
    assert json.loads((project / "report.json").read_text())["summary"]["findings"] == 1


def test_output_to_a_fifo_is_written_or_refused_never_replaced(project):
    fifo = project / "pipe"
    os.mkfifo(fifo)
    done = tsl(project, "check", "bad.py", "--no-cache", "-o", "pipe", timeout=60)  # nothing reads it
    assert done.returncode == 2 and b"FIFO" in done.stderr and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    try:
        done = tsl(project, "check", "bad.py", "--no-cache", "--format", "json", "-o", "pipe", timeout=60)
    finally:
        if reader.is_alive() and not got:
            with open(fifo, "wb"):  # unblock the reader if tsl never opened it
                pass
        reader.join(30)
    assert done.returncode == 1, done.stderr
    assert json.loads(got[0])["summary"]["findings"] == 1 and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_output_failure_leaves_the_old_report(project, capsys, monkeypatch):
    import tsl.report.output as output

    (project / "report.txt").write_text("old report\n")

    def fail(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "replace", fail)
    code, _, err = run(capsys, "check", "bad.py", "--no-cache", "-o", "report.txt")
    assert code == 2 and "No space left on device" in err
    assert (project / "report.txt").read_text() == "old report\n"
    assert sorted(p.name for p in project.iterdir()) == ["bad.py", "pyproject.toml", "report.txt"]


# -- 2. stdout on a full disk -----------------------------------------------------------------


@pytest.mark.parametrize("args", [(), ("--format", "json"), ("--format", "sarif"), ("--diff",), ("--statistics",)])
def test_stdout_on_a_full_disk_is_exit_2(project, args):
    (project / "fx.py").write_text(FIXABLE)
    full = device(project / "full", 7)
    with open(full, "wb") as stdout:
        done = tsl(project, "check", "bad.py", "fx.py", "--no-cache", *args, stdout=stdout)
    err = done.stderr.decode()
    assert done.returncode == 2 and "cannot write to stdout: No space left on device" in err, err
    assert_clean_error(err)


# -- 3. walking -------------------------------------------------------------------------------


def test_walk_skips_fifos_devices_and_loops(project):
    os.mkfifo(project / "a.py")
    (project / "zero.py").symlink_to("/dev/zero")
    (project / "loop1.py").symlink_to("loop2.py")
    (project / "loop2.py").symlink_to("loop1.py")
    done = tsl(project, "check", "--no-cache", "--format", "json", timeout=60)
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert "skipping a.py: a FIFO" in err and "skipping zero.py: a character device" in err
    assert "skipping loop1.py: a symbolic link loop" in err
    assert [f["path"] for f in json.loads(done.stdout)["findings"]] == ["bad.py"]
    done = tsl(project, "check", "a.py", "--no-cache", timeout=60)  # named explicitly: skipped too
    assert done.returncode == 0 and b"skipping a.py: a FIFO" in done.stderr
    done = tsl(project, "check", "loop1.py", "--no-cache", timeout=60)
    assert done.returncode == 2 and b"a symbolic link loop" in done.stderr


@pytest.mark.parametrize("args", [("--format", "json"), (), ("--format", "sarif")])
def test_names_that_are_not_utf8_are_reported_escaped(project, args):
    try:
        (project / os.fsdecode(b"caf\xe9.py")).write_text(BLOCKER)
    except (UnicodeEncodeError, OSError):
        pytest.skip("the file system takes only UTF-8 names")
    done = tsl(project, "check", "--no-cache", *args)
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert_clean_error(err)
    if args == ("--format", "json"):
        assert sorted(f["path"] for f in json.loads(done.stdout)["findings"]) == ["bad.py", "caf\\xe9.py"]
    else:
        assert (b"caf%5Cxe9.py" if args else b"caf\\xe9.py:5:9") in done.stdout


def test_stdin_filename_with_a_surrogate_is_escaped(project, capsys, monkeypatch):
    done = tsl(project, "check", "--stdin-filename", b"x\xff.py", "-", "--format", "json", stdin=BLOCKER.encode())
    assert done.returncode == 1, done.stderr
    assert [f["path"] for f in json.loads(done.stdout)["findings"]] == ["x\\xff.py"]
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BLOCKER.encode())))
    code, out, err = run(capsys, "check", "--stdin-filename", "y\ud800.py", "-")
    assert code == 1 and "y\\ud800.py:5:9" in out
    assert_clean_error(err)


# -- 4. one JSON document on stdout -------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["json", "sarif"])
@pytest.mark.parametrize("mode", [("--fix",), ("--diff",), ("--fix-only",), ("--statistics",), ("--fix", "-q"),
                                  ("--diff", "--unsafe-fixes")])
def test_json_stdout_is_one_document_in_every_mode(project, output_format, mode):
    (project / "fx.py").write_text(FIXABLE)
    done = tsl(project, "check", "bad.py", "fx.py", "--no-cache", "--format", output_format, *mode)
    assert done.returncode in (0, 1), done.stderr
    document = json.loads(done.stdout)
    assert isinstance(document, dict)
    if mode[0] == "--diff":
        assert done.returncode == 1 and (project / "fx.py").read_text() == FIXABLE  # nothing written
        assert b"@@" not in done.stdout and b"Would fix" in done.stderr


@pytest.mark.parametrize("output_format", ["json", "sarif"])
@pytest.mark.parametrize("mode", [(), ("--diff",), ("--statistics",)])
def test_json_stdout_from_stdin(project, output_format, mode):
    done = tsl(project, "check", "-", "--format", output_format, *mode, stdin=FIXABLE.encode())
    assert done.returncode == 1, done.stderr
    json.loads(done.stdout)


def test_stdin_fix_with_a_json_report_needs_output(project):
    done = tsl(project, "check", "-", "--format", "json", "--fix", stdin=FIXABLE.encode())
    assert done.returncode == 2 and b"--output" in done.stderr and done.stdout == b""
    done = tsl(project, "check", "-", "--format", "json", "--fix", "-o", "r.json", stdin=FIXABLE.encode())
    assert done.returncode == 0, done.stderr
    assert b"*," not in done.stdout and b"def f(x: torch.Tensor, y: int = 1)" in done.stdout
    assert json.loads((project / "r.json").read_text())["summary"]["findings"] == 0


# -- 5. configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize("toml", [
    "tool = 3\n", "tool = [1]\n", "[tool]\ntsl = 3\n", "[tool]\ntsl = 'x'\n", "[tool.tsl]\nselect = 3\n",
    "[tool.tsl]\nselect = [3]\n", "[tool.tsl]\nignore = true\n", "[tool.tsl]\nper-file-ignores = 3\n",
    "[tool.tsl]\nper-file-ignores = { a = 3 }\n", "[tool.tsl]\nper-file-ignores = { a = { b = 1 } }\n",
    "[tool.tsl]\nexclude = [1]\n", "[tool.tsl]\nextend-exclude = 'x'\n", "[tool.tsl]\ntarget-version = 2.13\n",
    "[tool.tsl]\nselect = ['']\n",
])
def test_wrong_types_in_pyproject_are_config_errors(project, capsys, toml):
    (project / "pyproject.toml").write_text(toml)
    code, _, err = run(capsys, "check", "bad.py", "--no-cache")
    assert code == 2 and "pyproject.toml" in err, err
    assert_clean_error(err)


@pytest.mark.parametrize("value", ["", " , ", ","])
def test_empty_select_is_a_usage_error(project, capsys, value):
    code, out, err = run(capsys, "check", "bad.py", "--no-cache", "--select", value)
    assert code == 2 and "--select" in err and out == ""


# -- 6. --verify-timeout ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "1e308", str(MAX_TIMEOUT * 2)])
def test_bad_verify_timeouts_are_usage_errors(project, capsys, value):
    code, out, err = run(capsys, "check", "bad.py", "--no-cache", "--verify-timeout", value)
    assert code == 2 and "--verify-timeout" in err and out == "", err


def test_good_verify_timeout_is_accepted(project, capsys):
    assert run(capsys, "check", "bad.py", "--no-cache", "--verify-timeout", "2.5")[0] == 1


@pytest.mark.parametrize("table", [{"timeout": math.nan}, {"timeout": math.inf}, {"timeout": 0},
                                   {"timeout": 1e308}, {"budget": math.inf}, {"budget": math.nan}])
def test_bad_verify_settings_are_config_errors(table):
    with pytest.raises(ConfigError):
        load_settings(Config(raw={"verify": table}))
    assert load_settings(Config(raw={"verify": {"timeout": 30}})).timeout == 30.0


# -- 7. the cache ---------------------------------------------------------------------------------


def cache_files(root: Path, name: str) -> list[Path]:
    found = sorted(root.glob(f".tsl_cache/*/*/{name}"))
    assert found, f"no {name} in the cache"
    return found


def corrupt_reports(path: Path) -> None:
    data = pickle.loads(path.read_bytes())
    for key, report in data.values():
        report.file_findings = {"not": "findings"}
    path.write_bytes(pickle.dumps(data))


def corrupt_checks(path: Path) -> None:
    data = pickle.loads(path.read_bytes())
    path.write_bytes(pickle.dumps({relpath: entry._replace(check=["not a check"]) for relpath, entry in data.items()}))


def corrupt_result(path: Path) -> None:
    files, findings, entry_points = pickle.loads(path.read_bytes())
    path.write_bytes(pickle.dumps((files, [1, 2], entry_points)))


def fifo_instead(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


@pytest.mark.parametrize("damage", [
    ("files.pickle", corrupt_reports), ("checks.pickle", corrupt_checks), ("results/*.pickle", corrupt_result),
    ("files.pickle", fifo_instead), ("checks.pickle", fifo_instead), ("results/*.pickle", fifo_instead),
])
def test_damaged_cache_is_a_miss(project, damage):
    name, how = damage
    (project / "other.py").write_text(BLOCKER.replace("def f", "def h"))
    first = tsl(project, "check", "--format", "json")
    assert first.returncode == 1, first.stderr
    for path in cache_files(project, name):
        how(path)
    if name != "results/*.pickle":  # the whole result would be found first
        for path in cache_files(project, "results/*.pickle"):
            path.unlink()
    again = tsl(project, "check", "--format", "json", timeout=60)
    err = again.stderr.decode()
    assert again.returncode == 1, err
    assert_clean_error(err)
    assert "ignoring the unreadable cache file" in err
    assert json.loads(again.stdout)["findings"] == json.loads(first.stdout)["findings"]
