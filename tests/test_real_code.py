"""Real code nobody here wrote: torchvision scripts every model in its own tests,
so tsl must report zero error-level findings on torchvision/models."""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from tsl.config import Config
from tsl.discovery import discover
from tsl.result import inputs_for
from tsl.run import check

ROOT = Path(__file__).resolve().parents[1]
WHEELS = ROOT / ".cache" / "wheels"


def _wheel() -> Path:
    found = sorted(WHEELS.glob("torchvision-0.28.0-*.whl"))
    if not found:
        message = f"torchvision 0.28.0 wheel missing: pip download --no-deps torchvision==0.28.0 -d {WHEELS}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found[0]


@pytest.fixture(scope="module")
def torchvision_models(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("torchvision")
    with zipfile.ZipFile(_wheel()) as wheel:
        for name in wheel.namelist():
            if name.startswith("torchvision/") and name.endswith(".py"):
                wheel.extract(name, target)
    return target


def test_torchvision_models_have_no_errors(torchvision_models):
    root = torchvision_models
    files = discover([root / "torchvision" / "models"], root, [])
    result = check(inputs_for(files, root), Config(root=root))
    modules = {e.name for e in result.entry_points if e.kind == "module"}
    # the analysis must really see the models, or zero findings would prove nothing
    assert len(files) > 50
    assert {"ResNet", "BasicBlock", "Bottleneck", "VisionTransformer", "MobileNetV3"} <= modules
    errors = [f"{f.path}:{f.line} {f.code} {f.message}" for f in result.findings if f.severity == "error"]
    assert errors == []
