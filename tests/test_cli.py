"""The command line: exit codes, config, suppression, discovery and bad input."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tsl import __version__
from tsl.cli import main

BLOCKER = "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    g = lambda a: a\n    return x\n"
CLEAN = "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    return x + 1\n"


def run(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    return exit_info.value.code or 0, captured.out, captured.err


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    return tmp_path


def test_exit_codes(project, capsys):
    (project / "bad.py").write_text(BLOCKER)
    (project / "good.py").write_text(CLEAN)
    assert run(capsys, "check", "good.py")[0] == 0
    code, out, _ = run(capsys, "check", "bad.py")
    assert code == 1 and "TSL101" in out and "bad.py:5:9" in out
    assert run(capsys, "check", "bad.py", "--exit-zero")[0] == 0
    assert run(capsys, "check", "--no-such-option")[0] == 2


def test_text_output_has_frame_chain_and_hint(project, capsys):
    (project / "bad.py").write_text(BLOCKER)
    _, out, _ = run(capsys, "check", "bad.py", "--no-color")
    assert "g = lambda a: a" in out
    assert "^^^^^^^^^^^" in out
    assert "compiled via: f" in out
    assert "hint:" in out
    assert "\x1b[" not in out  # plain when not a TTY


def test_select_ignore_and_prefixes(project, capsys):
    (project / "bad.py").write_text(BLOCKER)
    assert run(capsys, "check", "bad.py", "--ignore", "TSL101")[0] == 0
    assert run(capsys, "check", "bad.py", "--ignore", "TSL1")[0] == 0
    assert run(capsys, "check", "bad.py", "--select", "TSL3")[0] == 0
    assert run(capsys, "check", "bad.py", "--select", "TSL3", "--extend-select", "TSL101")[0] == 1
    code, _, err = run(capsys, "check", "bad.py", "--select", "TSL999")
    assert code == 2 and "unknown rule code" in err


def test_config_is_applied_and_validated(project, capsys):
    (project / "bad.py").write_text(BLOCKER)
    (project / "pyproject.toml").write_text("[tool.tsl]\nignore = ['TSL101']\n")
    assert run(capsys, "check", "bad.py")[0] == 0
    (project / "pyproject.toml").write_text("[tool.tsl]\nper-file-ignores = { 'bad.py' = ['TSL1'] }\n")
    assert run(capsys, "check", "bad.py")[0] == 0
    (project / "pyproject.toml").write_text("[tool.tsl]\nselct = ['TSL1']\n")
    code, _, err = run(capsys, "check", "bad.py")
    assert code == 2 and "unknown key" in err and "selct" in err
    (project / "pyproject.toml").write_text("[tool.tsl]\nignore = ['XYZ1']\n")
    code, _, err = run(capsys, "check", "bad.py")
    assert code == 2 and "XYZ1" in err
    (project / "pyproject.toml").write_text("[tool.tsl\n")
    assert run(capsys, "check", "bad.py")[0] == 2


def test_config_exclude(project, capsys):
    (project / "legacy").mkdir()
    (project / "legacy" / "old.py").write_text(BLOCKER)
    (project / "pyproject.toml").write_text("[tool.tsl]\nexclude = ['legacy']\n")
    assert run(capsys, "check", ".")[0] == 0
    assert run(capsys, "check", "legacy/old.py")[0] == 1  # explicit files are always checked
    assert run(capsys, "check", "--force-exclude", "legacy/old.py")[0] == 0


def test_noqa(project, capsys):
    (project / "a.py").write_text(BLOCKER.replace("lambda a: a", "lambda a: a  # noqa: TSL101"))
    (project / "b.py").write_text(BLOCKER.replace("lambda a: a", "lambda a: a  # noqa"))
    (project / "c.py").write_text(BLOCKER.replace("lambda a: a", "lambda a: a  # noqa: TSL302"))
    (project / "d.py").write_text("# tsl: noqa\n" + BLOCKER)
    assert run(capsys, "check", "a.py", "b.py", "d.py")[0] == 0
    assert run(capsys, "check", "c.py")[0] == 1


def test_discovery_skips_noise(project, capsys):
    for folder in (".git", ".venv", "venv", "__pycache__", "build", "dist", "pkg.egg-info"):
        (project / folder).mkdir()
        (project / folder / "x.py").write_text(BLOCKER)
    (project / "env").mkdir()
    (project / "env" / "pyvenv.cfg").write_text("")
    (project / "env" / "x.py").write_text(BLOCKER)
    (project / "ok.py").write_text(CLEAN)
    code, out, _ = run(capsys, "check", ".", "--format", "json")
    assert code == 0
    assert json.loads(out)["summary"]["files"] == 1


def test_gitignored_paths_are_skipped(project, capsys):
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    (project / ".gitignore").write_text("generated/\n")
    (project / "generated").mkdir()
    (project / "generated" / "x.py").write_text(BLOCKER)
    (project / "ok.py").write_text(CLEAN)
    assert run(capsys, "check", ".")[0] == 0
    assert run(capsys, "check", "generated/x.py")[0] == 1


def test_parse_error_is_a_finding_and_others_go_on(project, capsys):
    (project / "broken.py").write_text("def f(:\n")
    (project / "bad.py").write_text(BLOCKER)
    code, out, _ = run(capsys, "check", ".", "--format", "json")
    data = json.loads(out)
    codes = {(f["path"], f["code"]) for f in data["findings"]}
    assert code == 1
    assert ("broken.py", "TSL001") in codes and ("bad.py", "TSL101") in codes


def test_coding_cookie(project, capsys):
    source = "# -*- coding: latin-1 -*-\n" + BLOCKER.replace("return x\n", "return x  # caf\xe9\n")
    (project / "latin.py").write_bytes(source.encode("latin-1"))
    code, out, _ = run(capsys, "check", "latin.py", "--format", "json")
    assert code == 1
    assert [f["code"] for f in json.loads(out)["findings"]] == ["TSL101"]


def test_undecodable_file_is_a_parse_error(project, capsys):
    (project / "bad_bytes.py").write_bytes(b"x = '\xff\xfe'\n")
    code, out, _ = run(capsys, "check", "bad_bytes.py", "--format", "json")
    assert code == 1 and json.loads(out)["findings"][0]["code"] == "TSL001"


def test_missing_path_and_empty_dir(project, capsys):
    code, _, err = run(capsys, "check", "nope.py")
    assert code == 2 and "nope.py" in err and "Traceback" not in err
    (project / "empty").mkdir()
    code, _, err = run(capsys, "check", "empty")
    assert code == 0 and "No Python files" in err


def test_unreadable_path(project, capsys):
    import os

    if os.geteuid() == 0:
        pytest.skip("root can read everything")
    (project / "secret").mkdir(mode=0)
    assert run(capsys, "check", "secret")[0] == 2


def test_json_is_stable_and_complete(project, capsys):
    (project / "bad.py").write_text(BLOCKER)
    (project / "also.py").write_text(BLOCKER)
    _, first, _ = run(capsys, "check", ".", "--format", "json")
    _, second, _ = run(capsys, "check", ".", "--format", "json")
    assert first == second
    data = json.loads(first)
    assert data["version"] == 1 and data["tool"] == {"name": "tsl", "version": __version__}
    finding = data["findings"][0]
    assert set(finding) >= {"path", "line", "column", "end_line", "end_column", "code", "name", "severity",
                            "message", "targets", "fix"}
    assert [f["path"] for f in data["findings"]] == ["also.py", "bad.py"]
    assert finding["targets"] == ["f"]
    assert finding["fix"]["safe"] is False and finding["fix"]["edits"]  # lambda to def: parameter types unknown
    assert data["summary"]["errors"] == 2


def test_output_file(project, capsys):
    (project / "bad.py").write_text(BLOCKER)
    code, out, _ = run(capsys, "check", "bad.py", "--format", "json", "--output", "report.json")
    assert code == 1 and out == ""
    assert json.loads((project / "report.json").read_text())["summary"]["findings"] == 1
    code, _, err = run(capsys, "check", "bad.py", "--output", "missing/dir/report.txt")
    assert code == 2 and "does not exist" in err


def test_quiet_and_statistics(project, capsys):
    (project / "bad.py").write_text(BLOCKER)
    _, out, _ = run(capsys, "check", "bad.py", "--quiet", "--statistics")
    assert "lambda" in out and "TSL101" in out and "^^^" not in out


def test_rules_explain_version(capsys):
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "TSL101" in out and "TSL302" in out
    code, out, _ = run(capsys, "explain", "tsl101")
    assert code == 0 and "lambda" in out and out.index("Invalid:") < out.index("Fixed:") < out.index("Valid:")
    code, _, err = run(capsys, "explain", "TSL999")
    assert code == 2 and "unknown rule" in err
    code, out, _ = run(capsys, "--version")
    assert code == 0 and __version__ in out


def test_module_entry_point(tmp_path):
    (tmp_path / "bad.py").write_text(BLOCKER)
    done = subprocess.run([sys.executable, "-m", "tsl", "check", "bad.py"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert done.returncode == 1 and "TSL101" in done.stdout


def test_static_check_never_imports_torch(tmp_path):
    (tmp_path / "bad.py").write_text(BLOCKER)
    script = (
        "import sys\n"
        "from tsl.cli import main\n"
        "try:\n"
        "    main(['check', 'bad.py', '--format', 'json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "print('torch-free')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "torch-free" in done.stdout and '"TSL101"' in done.stdout
