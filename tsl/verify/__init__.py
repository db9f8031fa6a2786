"""`tsl check --verify`: run the real compiler on what the static pass found.

Nothing here imports torch at import time. The parent process (runner.py)
only starts child processes; every torch call lives in worker.py and
measure.py, which run in those children (and in bench/seed_claim.py).
"""
from __future__ import annotations

import importlib.util

TORCH_PIN = "torch==2.13.0"
INSTALL_HINT = (
    f"--verify needs torch, which is not installed in this environment; install it with "
    f"`pip install {TORCH_PIN}` (or the extra: `pip install {TORCH_PIN} && pip install 'tsl[verify]'`). "
    "The static check works without it."
)


def torch_installed() -> bool:
    """Whether torch can be imported, found without importing it."""
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False
