"""The pre-commit hook, end to end, with the real pre-commit.

pre-commit builds the hook's environment from this repository (pip install .), so the
first run needs PyPI or a warm pip cache; it takes a while, hence the slow mark.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

BLOCKER = (
    "import torch\n\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n"
    "    g = lambda a: a * 2\n    return g(x)\n"
)
CLEAN = "import torch\n\n\n@torch.jit.script\ndef h(x: torch.Tensor):\n    return x + 1\n"


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PRE_COMMIT"}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def _git(args, cwd, env):
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _try_repo(project: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "tsl", "--all-files", "--color", "never"],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )


def test_manifest():
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert hook["id"] == "tsl"
    assert hook["entry"] == "tsl check --force-exclude"
    assert hook["language"] == "python"
    assert hook["types_or"] == ["python", "pyi"]
    assert hook["require_serial"] is True
    assert hook["minimum_pre_commit_version"]


@pytest.mark.slow
def test_try_repo_fails_then_passes(tmp_path):
    if shutil.which("git") is None:
        pytest.fail("git is required")
    if not (REPO / ".git").exists():
        pytest.fail(f"{REPO} is not a git repository: pre-commit try-repo needs one")
    env = _env(tmp_path)
    project = tmp_path / "project"
    (project / "vendored").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.tsl]\nexclude = ["vendored/*"]\n', encoding="utf-8")
    (project / "blocker.py").write_text(BLOCKER, encoding="utf-8")
    (project / "clean.py").write_text(CLEAN, encoding="utf-8")
    (project / "vendored" / "gen.py").write_text(BLOCKER, encoding="utf-8")  # excluded even when named
    _git(["init", "-q"], project, env)
    _git(["add", "."], project, env)
    _git(["commit", "-q", "-m", "init"], project, env)

    failed = _try_repo(project, env)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "Failed" in output
    assert "blocker.py:6:9: TSL101" in output
    assert "lambda is not supported in TorchScript" in output
    assert "clean.py:" not in output and "vendored" not in output.split("Using config:")[-1].split("=" * 79)[-1]

    (project / "blocker.py").write_text(BLOCKER.replace("a * 2\n", "a * 2  # noqa: TSL101\n"), encoding="utf-8")
    _git(["add", "."], project, env)
    passed = _try_repo(project, env)
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "Passed" in output and "TSL101" not in output
