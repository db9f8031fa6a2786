"""tsl check --verify: the real compiler on the static pass's entry points (CPU only)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from tsl.config import Config, ConfigError
from tsl.result import Result
from tsl.finding import ERROR, Finding, Step
from tsl.verify.errors import parse_compiler_error
from tsl.verify.runner import Target, Verifier, _enclosing
from tsl.verify.settings import VerifySettings, load_settings
from tsl.verify.specs import SpecError, TensorSpec, parse_spec

PYPROJECT = """\
[tool.tsl.verify]
budget = 0.02
min-runs = 3
max-runs = 20
"proj.good:Good" = { inputs = ["float32[2,4]"] }
"proj.good:Scaled" = { factory = "proj.good:make_scaled", inputs = "proj.good:example_inputs" }
"proj/parity.py:Sneaky" = { inputs = ["float32[3]"] }
"""

FILES = {
    "proj/__init__.py": "",
    "extlib/__init__.py": "",
    "proj/good.py": """\
        import torch
        from torch import nn


        class Good(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return torch.relu(self.fc(x))


        class Scaled(nn.Module):
            def __init__(self, factor: float):
                super().__init__()
                self.factor = factor

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return x * self.factor


        class NeedsArgs(nn.Module):
            def __init__(self, width: int):
                super().__init__()
                self.fc = nn.Linear(width, width)

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return self.fc(x)


        def make_scaled():
            return Scaled(3.0)


        def example_inputs():
            return (torch.ones(2, 2),)
        """,
    "proj/blocked.py": """\
        import logging

        import torch
        from torch import nn

        log = logging.getLogger(__name__)


        def helper(x: torch.Tensor) -> torch.Tensor:
            log.info("helping")
            return x + 1


        class Blocked(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return helper(x)
        """,
    # a helper outside the checked paths: the static pass cannot see its blocker
    "extlib/ops.py": """\
        import torch


        def bad_helper(x: torch.Tensor) -> torch.Tensor:
            return x.numpy()
        """,
    "proj/missed.py": """\
        import torch
        from torch import nn

        from extlib.ops import bad_helper


        class Missed(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return bad_helper(x)
        """,
    "proj/parity.py": """\
        import torch
        from torch import nn


        class Sneaky(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                if torch.jit.is_scripting():
                    return x + 1.0
                return x
        """,
    "proj/crashy.py": """\
        import os

        import torch
        from torch import nn


        class Crashes(nn.Module):
            def __init__(self):
                super().__init__()
                os._exit(4)

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return x


        class Fine(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return x * 2
        """,
}

HOSTILE = {
    "hostile/__init__.py": "",
    "hostile/sleeper.py": """\
        import time

        import torch
        from torch import nn

        time.sleep(600)


        class Sleepy(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return x
        """,
    "hostile/exiter.py": """\
        import os

        import torch
        from torch import nn

        os._exit(3)


        class Gone(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return x
        """,
    "hostile/zfine.py": """\
        import torch
        from torch import nn


        class StillFine(nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return x - 1
        """,
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def _tsl(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tsl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def _line(root: Path, relpath: str, needle: str) -> int:
    for number, text in enumerate((root / relpath).read_text().splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {relpath}")


# -- end to end: one verify run shared by the tests below --------------------
@pytest.fixture(scope="module")
def project(tmp_path_factory):
    pytest.importorskip("torch")
    root = tmp_path_factory.mktemp("verify")
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    _write(root, FILES)
    done = _tsl(root, "check", "proj", "--verify", "--format", "json", "--verify-timeout", "90")
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    targets = {t["name"]: t for t in document["verify"]["targets"]}
    return root, document, targets, done.stderr


def _findings(document, code, path=None):
    return [f for f in document["findings"] if f["code"] == code and (path is None or f["path"] == path)]


@pytest.mark.slow
def test_scriptable_model_passes_every_step_with_numbers(project):
    _, document, targets, _ = project
    good = targets["Good"]
    assert good["status"] == "ok"
    for step in ("build", "script", "save_load", "freeze", "optimize", "export"):
        assert good["steps"][step]["status"] == "ok", (step, good["steps"][step])
    for variant in ("script", "optimized"):
        parity = good["parity"][variant]
        assert parity["status"] == "ok" and parity["max_abs_diff"] <= 1e-4
    for variant in ("eager", "script", "optimized"):
        numbers = good["timing"][variant]
        assert numbers["runs"] >= 3
        assert 0 < numbers["p10_ms"] <= numbers["median_ms"] <= numbers["p90_ms"]
    assert good["timing"]["script"]["speedup"] > 0 and good["timing"]["optimized"]["speedup"] > 0
    assert good["inputs"]["shapes"] == ["float32[2,4]"]
    env = document["verify"]["environment"]
    assert env["torch"] and env["threads"] >= 1 and env["device"] == "cpu" and env["device_name"]
    assert document["verify"]["torchscript"]["available"] is True
    # built through a factory, inputs from a function
    scaled = targets["Scaled"]
    assert scaled["steps"]["build"]["via"].startswith("factory")
    assert scaled["status"] == "ok" and scaled["timing"]["eager"]["runs"] >= 3
    assert not _findings(document, "TSL901", "proj/good.py")


@pytest.mark.slow
def test_blocker_is_reported_on_its_line_and_linked_to_the_static_finding(project):
    root, document, targets, _ = project
    line = _line(root, "proj/blocked.py", 'log.info("helping")')
    static = _findings(document, "TSL301", "proj/blocked.py")
    assert [f["line"] for f in static] == [line]
    (finding,) = _findings(document, "TSL901", "proj/blocked.py")
    assert (finding["line"], finding["column"]) == (line, 5)
    assert "predicted by TSL301" in finding["message"]
    assert finding["targets"] == ["Blocked.forward → helper"]
    assert targets["Blocked"]["steps"]["script"]["predicted_by"] == ["TSL301"]
    assert targets["Blocked"]["steps"]["save_load"]["status"] == "skipped"
    assert any(link["path"] == "proj/blocked.py" for link in document["verify"]["predicted"])


@pytest.mark.slow
def test_blocker_the_static_pass_misses_is_marked_missed(project):
    root, document, _, _ = project
    line = _line(root, "extlib/ops.py", "x.numpy()")
    (finding,) = _findings(document, "TSL901", "extlib/ops.py")
    assert finding["line"] == line and "missed by static analysis" in finding["message"]
    assert finding["targets"] == ["Missed.forward → bad_helper"]
    (missed,) = document["verify"]["missed"]
    assert (missed["path"], missed["line"], missed["targets"]) == ("extlib/ops.py", line, ["Missed"])
    assert document["verify"]["summary"]["missed"] == 1


@pytest.mark.slow
def test_parity_mismatch_through_is_scripting_is_detected(project):
    _, document, targets, _ = project
    sneaky = targets["Sneaky"]
    assert sneaky["steps"]["script"]["status"] == "ok"
    assert sneaky["parity"]["script"]["status"] == "mismatch"
    assert sneaky["parity"]["script"]["max_abs_diff"] == pytest.approx(1.0)
    (finding,) = _findings(document, "TSL904", "proj/parity.py")
    assert finding["severity"] == ERROR and "Sneaky" in finding["message"]


@pytest.mark.slow
def test_a_target_that_kills_its_process_is_reported_and_the_rest_of_its_file_goes_on(project):
    _, document, targets, _ = project
    assert targets["Crashes"]["status"] == "not verified"
    assert targets["Fine"]["status"] == "ok"
    (finding,) = _findings(document, "TSL905", "proj/crashy.py")
    assert "exited with status 4" in finding["message"]


@pytest.mark.slow
def test_a_module_that_needs_arguments_says_how_to_configure_it(project):
    _, document, targets, _ = project
    assert targets["NeedsArgs"]["status"] == "not verified"
    messages = [f["message"] for f in _findings(document, "TSL905", "proj/good.py")]
    assert any("NeedsArgs could not be built with no arguments" in m and "proj.good:NeedsArgs" in m
               for m in messages)


@pytest.mark.slow
def test_without_inputs_timing_is_skipped_with_a_reason(project):
    _, _, targets, _ = project
    assert "no example inputs" in targets["Fine"]["timing"]["skipped"]
    assert targets["Fine"]["steps"]["optimize"]["status"] == "ok"


@pytest.mark.slow
def test_hanging_and_exiting_imports_are_reported_and_others_go_on(tmp_path):
    pytest.importorskip("torch")
    _write(tmp_path, HOSTILE)
    (tmp_path / "pyproject.toml").write_text("[tool.tsl]\n", encoding="utf-8")
    done = _tsl(tmp_path, "check", "hostile", "--verify", "--verify-timeout", "5", "--format", "sarif")
    assert done.returncode == 1, done.stderr
    results = json.loads(done.stdout)["runs"][0]["results"]
    messages = {r["ruleId"] + ":" + r["message"]["text"] for r in results}
    assert any(m.startswith("TSL905:Sleepy") and "timed out after 5 s while importing" in m for m in messages)
    assert any(m.startswith("TSL905:Gone") and "exited with status 3 while importing" in m for m in messages)
    # StillFine, verified after both, has no finding: it was scripted and passed
    assert not any("StillFine" in m for m in messages)
    assert sum(1 for r in results if r["ruleId"] == "TSL905") == 2


@pytest.mark.slow
def test_cuda_without_cuda_is_a_clear_exit_2(tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    _write(tmp_path, {"m.py": FILES["proj/parity.py"]})
    done = _tsl(tmp_path, "check", "m.py", "--verify", "--device", "cuda")
    assert done.returncode == 2
    assert "--device cuda" in done.stderr and "CUDA" in done.stderr and "Traceback" not in done.stderr


def test_bad_device_and_stdin_are_usage_errors(tmp_path):
    _write(tmp_path, {"m.py": "x = 1\n"})
    done = _tsl(tmp_path, "check", "m.py", "--verify", "--device", "tpu")
    assert done.returncode == 2 and "expected cpu, cuda or cuda:N" in done.stderr
    done = subprocess.run([sys.executable, "-m", "tsl", "check", "-", "--verify"], input="x = 1\n", cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "stdin" in done.stderr


def test_without_torch_verify_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    import tsl.verify.runner as runner
    from tsl.cli import main

    _write(tmp_path, {"m.py": "x = 1\n"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "torch_installed", lambda: False)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "m.py", "--verify"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "pip install torch==2.13.0" in err and "verify" in err


def test_verify_modules_do_not_import_torch():
    code = ("import sys\nimport tsl.cli, tsl.verify, tsl.verify.command, tsl.verify.runner, tsl.verify.table\n"
            "assert 'torch' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# -- a torch that refuses TorchScript ------------------------------------------
def test_refusal_is_detected_on_a_trivial_function(monkeypatch):
    torch = pytest.importorskip("torch")
    from tsl.verify import worker

    assert worker.torchscript_refusal() is None

    def refuse(*args, **kwargs):
        raise RuntimeError("TorchScript has been removed; set TORCH_JIT_ALLOW=1 to keep it")

    monkeypatch.setattr(torch.jit, "script", refuse)
    assert "TorchScript has been removed" in worker.torchscript_refusal()


def test_refused_torchscript_still_runs_export(tmp_path):
    torch = pytest.importorskip("torch")
    from tsl.verify import worker

    module = types.ModuleType("refusal_case")

    class Doubler(torch.nn.Module):
        def forward(self, x):
            return x * 2

    module.Doubler = Doubler
    module.TSL_VERIFY = {"Doubler": {"inputs": ["float32[2,2]"]}}
    job = {"device": "cpu", "timing": {"budget_s": 0.0, "warmup": 3, "min_runs": 2, "max_runs": 2, "seed": 0}}
    ctx = worker.Context(job, worker.ImportScriptRecorder(), refusal="RuntimeError: TorchScript has been removed")
    result = worker.verify_target(module, {"name": "Doubler", "kind": "module"}, ctx)
    assert result["steps"]["script"]["status"] == "refused"
    assert result["steps"]["freeze"]["status"] == "skipped"
    assert result["steps"]["export"]["status"] == "ok"
    assert result["timing"]["eager"]["runs"] == 2 and "script" not in result["timing"]


# -- units: no child processes -------------------------------------------------
COMPILER_TEXT = (
    "\nattribute lookup is not defined on python value of type 'Logger':\n"
    '  File "{path}", line 10\n'
    "def helper(x: torch.Tensor) -> torch.Tensor:\n"
    '    log.info("helping")\n'
    "    ~~~~~~~~ <--- HERE\n"
    "    return x + 1\n"
    "'helper' is being compiled since it was called from 'Blocked.forward'\n"
    '  File "{path}", line 16\n'
    "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
    "        return helper(x)\n"
    "               ~~~~~~ <--- HERE\n"
)


def test_compiler_error_text_is_parsed_into_frames(tmp_path):
    _write(tmp_path, {"proj/blocked.py": FILES["proj/blocked.py"]})
    path = tmp_path / "proj/blocked.py"
    error = parse_compiler_error(COMPILER_TEXT.format(path=path))
    assert error.message == "attribute lookup is not defined on python value of type 'Logger'"
    inner, outer = error.frames
    assert (inner.line, inner.column, inner.end_column, inner.function) == (10, 5, 13, "helper")
    assert (outer.line, outer.column, outer.function) == (16, 16, "Blocked.forward")


def test_enclosing_function_from_indentation():
    lines = textwrap.dedent(FILES["proj/crashy.py"]).splitlines()
    assert _enclosing(lines, 10) == "Crashes.__init__"
    assert _enclosing(lines, 18) == "Fine.forward"
    assert _enclosing(lines, 1) is None


def _static(path, line, code, entry):
    chain = (Step(f"{entry}.forward", path, 3, 5),)
    return Finding(path=path, line=line, column=5, end_line=line, end_column=9, code=code, name=code.lower(),
                   severity=ERROR, message="static message", chains=(chain,))


def test_findings_are_linked_missed_or_not_confirmed(tmp_path):
    _write(tmp_path, {"proj/blocked.py": FILES["proj/blocked.py"], "proj/other.py": FILES["proj/good.py"]})
    result = Result(findings=[_static("proj/blocked.py", 10, "TSL301", "Blocked"),
                              _static("proj/other.py", 11, "TSL302", "Good")])
    verifier = Verifier(result, Config(root=tmp_path), VerifySettings(), environment={"torch": "x"})
    blocked = Target("Blocked", "module", "proj/blocked.py", 14, tmp_path / "proj/blocked.py", "proj.blocked")
    blocked.record = {"status": "script failed", "steps": {"build": {"status": "ok"}, "script": {
        "status": "failed", "exception": "RuntimeError",
        "error": COMPILER_TEXT.format(path=tmp_path / "proj/blocked.py")}}}
    good = Target("Good", "module", "proj/other.py", 5, tmp_path / "proj/other.py", "proj.other")
    good.record = {"status": "ok", "steps": {"build": {"status": "ok"}, "script": {"status": "ok"}}}
    report = verifier._report([blocked, good])
    by_code = {f.code: f for f in result.findings}
    assert "predicted by TSL301" in by_code["TSL901"].message
    assert (by_code["TSL901"].line, by_code["TSL901"].column) == (10, 5)
    assert "not confirmed by the compiler" in by_code["TSL302"].message
    assert "not confirmed" not in by_code["TSL301"].message
    assert report["not_confirmed"] == [{"path": "proj/other.py", "line": 11, "column": 5, "code": "TSL302",
                                        "targets": ["Good"]}]
    assert report["missed"] == [] and report["summary"]["scripted"] == 1


def test_ignored_verify_codes_are_not_reported(tmp_path):
    _write(tmp_path, {"proj/blocked.py": FILES["proj/blocked.py"]})
    result = Result()
    config = Config(root=tmp_path, ignore=["TSL901"])
    verifier = Verifier(result, config, VerifySettings(), environment={"torch": "x"})
    blocked = Target("Blocked", "module", "proj/blocked.py", 14, tmp_path / "proj/blocked.py", "proj.blocked")
    blocked.record = {"steps": {"build": {"status": "ok"}, "script": {
        "status": "failed", "error": COMPILER_TEXT.format(path=tmp_path / "proj/blocked.py")}}}
    verifier._report([blocked])
    assert result.findings == []


def test_input_specs():
    assert parse_spec("float32[8,3,224,224]") == TensorSpec("float32", (8, 3, 224, 224))
    assert parse_spec("int64[8](0,1000)") == TensorSpec("int64", (8,), 0.0, 1000.0)
    assert parse_spec("bool[]") == TensorSpec("bool", ())
    for bad in ("float32", "float33[2]", "int64[2](5,1)", "float32[a]"):
        with pytest.raises(SpecError):
            parse_spec(bad)


def test_verify_settings_table():
    config = Config(raw={"verify": {"timeout": 30, "budget": 0.5, "paths": ["src"],
                                    "pkg.m:Net": {"factory": "pkg.m:make", "inputs": ["float32[1,3]"]},
                                    "pkg/m.py:Head": {"args": [4], "kwargs": {"k": 2}}}})
    settings = load_settings(config)
    assert settings.timeout == 30 and settings.budget == 0.5 and settings.paths == ["src"]
    assert settings.for_target("pkg.m", "pkg/m.py", "Net").factory == "pkg.m:make"
    assert settings.for_target("pkg.m", "pkg/m.py", "Head").args == [4]
    assert settings.for_target("pkg.m", "pkg/m.py", "Other") is None
    for bad in ({"bogus": 1}, {"warmup": 1}, {"pkg.m:Net": {"factory": "a:b", "args": [1]}},
                {"pkg.m:Net": {"inputs": ["float32"]}}, {"pkg.m:Net": {"colour": "red"}}):
        with pytest.raises(ConfigError):
            load_settings(Config(raw={"verify": bad}))


def test_parity_tolerances_are_dtype_aware():
    torch = pytest.importorskip("torch")
    from tsl.verify.measure import compare

    a = torch.ones(4)
    assert compare(a, a + 1e-6)["ok"]
    assert not compare(a, a + 1e-2)["ok"]
    assert compare(a, a + 5e-4, optimized=True)["ok"]
    assert not compare(torch.arange(3), torch.arange(3) + 1)["ok"]
    assert not compare((a,), (a, a))["ok"]
    assert compare({"x": a.double()}, {"x": a.double()})["max_abs_diff"] == 0.0
