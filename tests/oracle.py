"""The oracle: script entry points with the installed torch.jit.script.

Fixture modules are imported with torch.jit.script replaced by an identity
function, so decorated entry points are scripted one at a time afterwards with
the real compiler, and each failure is attributed to its own entry point.
torch is imported only on use: callers skip first with pytest.importorskip("torch").
"""
from __future__ import annotations

import importlib.util
import re
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

LINE = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)')


@contextmanager
def _identity_script():
    import torch

    real = torch.jit.script
    torch.jit.script = lambda obj, *args, **kwargs: obj
    try:
        yield real
    finally:
        torch.jit.script = real


def load_module(path: Path):
    """Import path under its stem (fixture stems are unique), with its folder on sys.path."""
    name = path.stem
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name]
    with _identity_script():
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


def script(path: Path, name: str, kind: str) -> Optional[str]:
    """None if the entry point scripts, else the compiler's message."""
    import torch

    module = load_module(path)
    obj = getattr(module, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if kind == "module":
                torch.jit.script(obj())
            else:
                torch.jit.script(obj)
        except Exception as exc:  # the compiler raises several kinds
            return f"{type(exc).__name__}: {exc}"
    return None


def error_locations(message: str) -> set[tuple[str, int]]:
    """(file, line) pairs the compiler's message points at."""
    return {(m.group("path"), int(m.group("line"))) for m in LINE.finditer(message)}
