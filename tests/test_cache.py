"""The result cache in .tsl_cache/: exact, invalidated across files, never fatal."""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from tsl.run.cache import CACHE_DIR, Cache
from tsl.cli import main
from tsl.config import Config
from tsl.discovery import discover
from tsl.result import inputs_for
from tsl.run import check

BASE_MODULE = "import torch\n\n\nclass Base(torch.nn.Module):\n    pass\n"
BASE_PLAIN = "class Base:\n    pass\n"
CALLER = (
    "from base import Base\nfrom helpers import helper\n\n\n"
    "class Net(Base):\n"
    "    def forward(self, x):\n"
    "        y = helper(x)\n"
    "        return [i for i in y if i]\n"
)
HELPER_OK = "import torch\n\n\ndef helper(x: torch.Tensor) -> torch.Tensor:\n    return x\n"
HELPER_BAD = "import torch\n\n\ndef helper(x: torch.Tensor) -> torch.Tensor:\n    return lambda: x\n"
HELPER_IGNORED = (
    "import torch\n\n\n@torch.jit.ignore\ndef helper(x: torch.Tensor) -> torch.Tensor:\n    return lambda: x\n"
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    return tmp_path


def run(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    return exit_info.value.code or 0, captured.out, captured.err


def findings(root: Path, cache: bool = True, jobs: int = 1):
    config = Config(root=root)
    result = check(inputs_for(discover([root], root, []), root), config, jobs=jobs,
                   cache=Cache(root, config) if cache else None)
    return result.findings


def codes(found) -> set[tuple[str, int, str]]:
    return {(f.path, f.line, f.code) for f in found}


def test_cache_is_exact_and_ignored_by_git(project):
    (project / "base.py").write_text(BASE_MODULE)
    (project / "helpers.py").write_text(HELPER_BAD)
    (project / "caller.py").write_text(CALLER)
    cold = findings(project)
    folder = project / CACHE_DIR
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (folder / "CACHEDIR.TAG").exists()
    warm = findings(project)
    assert warm == cold == findings(project, cache=False)
    assert codes(cold) == {("caller.py", 8, "TSL114"), ("helpers.py", 5, "TSL101")}


def test_a_change_in_one_file_updates_findings_in_another(project):
    (project / "base.py").write_text(BASE_MODULE)
    (project / "helpers.py").write_text(HELPER_BAD)
    (project / "caller.py").write_text(CALLER)
    assert codes(findings(project)) == {("caller.py", 8, "TSL114"), ("helpers.py", 5, "TSL101")}
    # the helper stops being compiled: its finding goes, the chain into the caller's stays
    (project / "helpers.py").write_text(HELPER_IGNORED)
    assert codes(findings(project)) == {("caller.py", 8, "TSL114")}
    # Base is no longer an nn.Module: Net is no entry point, so the caller's own finding goes too
    (project / "base.py").write_text(BASE_PLAIN)
    assert findings(project) == []
    # and back: both come back, from the cache (caller.py itself never changed)
    (project / "base.py").write_text(BASE_MODULE)
    (project / "helpers.py").write_text(HELPER_BAD)
    found = findings(project)
    assert codes(found) == {("caller.py", 8, "TSL114"), ("helpers.py", 5, "TSL101")}
    assert found == findings(project, cache=False)
    chains = {f.path: f.targets for f in found}
    assert chains["helpers.py"] == ["Net.forward → helper"]


def test_module_layout_is_part_of_the_key(project):
    (project / "pkg").mkdir()
    (project / "pkg" / "base.py").write_text(BASE_MODULE)
    (project / "pkg" / "caller.py").write_text(CALLER.replace("from base", "from pkg.base").replace(
        "from helpers", "from pkg.helpers"))
    (project / "pkg" / "helpers.py").write_text(HELPER_BAD)
    assert findings(project) == []  # no __init__.py: the modules are 'base', 'caller', not pkg.*
    (project / "pkg" / "__init__.py").write_text("")
    assert codes(findings(project)) == {("pkg/caller.py", 8, "TSL114"), ("pkg/helpers.py", 5, "TSL101")}
    assert findings(project) == findings(project, cache=False)


def test_config_is_part_of_the_key(project, capsys):
    (project / "base.py").write_text(BASE_MODULE)
    (project / "helpers.py").write_text(HELPER_BAD)
    (project / "caller.py").write_text(CALLER)
    assert run(capsys, "check", ".", "-q")[0] == 1
    assert run(capsys, "check", ".", "-q", "--ignore", "TSL1")[0] == 0
    assert run(capsys, "check", ".", "-q")[0] == 1


@pytest.mark.parametrize("damage", ["garbage", "truncated", "evil", "wrong type"])
def test_corrupt_cache_warns_and_goes_on(project, capsys, damage):
    (project / "base.py").write_text(BASE_MODULE)
    (project / "helpers.py").write_text(HELPER_BAD)
    (project / "caller.py").write_text(CALLER)
    code, expected, _ = run(capsys, "check", ".")
    assert code == 1
    files = list((project / CACHE_DIR).rglob("*.pickle"))
    assert {p.name for p in files} >= {"files.pickle", "checks.pickle"} and len(files) == 3
    for path in files:
        if damage == "garbage":
            path.write_bytes(b"\x00not a pickle at all")
        elif damage == "truncated":
            path.write_bytes(path.read_bytes()[:50])
        elif damage == "evil":
            path.write_bytes(pickle.dumps(os.system))  # would run a command if unpickled blindly
        else:
            path.write_bytes(pickle.dumps([1, 2, 3]))
    code, out, err = run(capsys, "check", ".")
    assert code == 1 and out == expected
    assert "tsl: warning: ignoring the unreadable cache file" in err
    code, out, err = run(capsys, "check", ".")  # rewritten: quiet again
    assert code == 1 and out == expected and err == ""


def test_unwritable_cache_warns_and_goes_on(project, capsys):
    (project / "helpers.py").write_text(HELPER_BAD.replace("def helper", "@torch.jit.script\ndef helper"))
    (project / CACHE_DIR).write_text("a file where the cache folder should be")
    code, out, err = run(capsys, "check", ".")
    assert code == 1 and "TSL101" in out
    assert "tsl: warning: cannot write the cache" in err


def test_no_cache_and_clean(project, capsys):
    (project / "helpers.py").write_text(HELPER_OK.replace("def helper", "@torch.jit.script\ndef helper"))
    assert run(capsys, "check", ".", "--no-cache")[0] == 0
    assert not (project / CACHE_DIR).exists()
    assert run(capsys, "check", ".")[0] == 0
    assert (project / CACHE_DIR).is_dir()
    code, _, err = run(capsys, "clean")
    assert code == 0 and "Removed" in err
    assert not (project / CACHE_DIR).exists()
    code, _, err = run(capsys, "clean")
    assert code == 0 and "No cache" in err


def test_cache_lives_at_the_project_root(project, capsys):
    (project / "src").mkdir()
    (project / "src" / "m.py").write_text(HELPER_BAD.replace("def helper", "@torch.jit.script\ndef helper"))
    os.chdir(project / "src")
    assert run(capsys, "check", "m.py")[0] == 1
    assert (project / CACHE_DIR).is_dir() and not (project / "src" / CACHE_DIR).exists()


def test_jobs_option(project, capsys, monkeypatch):
    import tsl.run.pipeline as pipeline

    monkeypatch.setattr(pipeline, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 1)
    (project / "base.py").write_text(BASE_MODULE)
    (project / "helpers.py").write_text(HELPER_BAD)
    (project / "caller.py").write_text(CALLER)
    outputs = {run(capsys, "check", ".", "--no-cache", "--jobs", str(n), "--format", "json")[1] for n in (1, 2, 4)}
    assert len(outputs) == 1
    assert run(capsys, "check", ".", "--jobs", "0")[0] == 2
