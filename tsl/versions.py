"""Which torch the rules are judged against: `target-version` in [tool.tsl], else the
installed torch (read from its package metadata, never imported), else the newest."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

VERSION = re.compile(r"^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def parse_version(text: str) -> tuple[int, int, int]:
    match = VERSION.match(str(text))
    if not match:
        raise ValueError(f"not a version: {text!r}")
    return tuple(int(part or 0) for part in match.groups())


@lru_cache(maxsize=1)
def installed_torch() -> Optional[str]:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return None
    try:
        return version("torch")
    except PackageNotFoundError:
        return None
    except Exception:
        return None


def target_version(config) -> Optional[str]:
    explicit = getattr(config, "target_version", None)
    return explicit if explicit else installed_torch()
