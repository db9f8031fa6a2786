"""The garbage collector and the C heap during a run."""
from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING


if TYPE_CHECKING:
    pass


def quiet_collector() -> None:
    """Before the checks: collect once, then freeze what is left (the program lives to the
    end, so later collections need not scan it), and leave the collector off. The cycles a
    run makes are cut where they are made (ast_index's scopes, and LibCST's scope analysis
    of dropped files in Trees.release()); Trees.trim still collects now and then."""
    gc.collect()
    gc.freeze()
    gc.disable()


def trim_malloc() -> None:
    """Return freed heap memory to the OS (glibc keeps it otherwise)."""
    global _MALLOC_TRIM
    if _MALLOC_TRIM is None:
        _MALLOC_TRIM = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _MALLOC_TRIM = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):
                pass
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


_MALLOC_TRIM = None
