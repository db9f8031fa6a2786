"""Which files to check: walk directories, skip the usual noise and .gitignore'd paths."""
from __future__ import annotations

import fnmatch
import os
import subprocess
from pathlib import Path, PurePosixPath

SKIP_DIRS = {
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "build", "dist",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tsl_cache", "node_modules", "site-packages",
    ".eggs", "__pypackages__",
}
PYTHON_SUFFIXES = (".py", ".pyi")


class DiscoveryError(Exception):
    """A path given on the command line is missing or unreadable."""


# path -> path.resolve() for the files the last discover() returned: resolving is the
# costly part of relative(), which callers ask again for each of them (inputs_for).
_RESOLVED: dict[Path, Path] = {}


def _resolve(path: Path) -> Path:
    found = _RESOLVED.get(path)
    return found if found is not None else path.resolve()


def relative(path: Path, root: Path) -> str:
    resolved = _resolve(path)
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(resolved, root)).as_posix()


def matches(relpath: str, patterns) -> bool:
    """Exclude-style glob match against the path, any parent folder, or the name."""
    if not patterns:
        return False
    path = PurePosixPath(relpath)
    candidates = [relpath, path.name] + [p.as_posix() for p in path.parents if str(p) != "."]
    candidates += [p.name for p in path.parents if p.name]
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if any(fnmatch.fnmatch(c, pattern) for c in candidates):
            return True
    return False


def _git_ignored(paths: list[Path], root: Path) -> set[Path]:
    if not paths or not (root / ".git").exists() and not any((p / ".git").exists() for p in root.parents):
        return set()
    try:
        result = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
            input="\0".join(str(p) for p in paths) + "\0",
            capture_output=True, text=True, cwd=root, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    return {Path(p) for p in result.stdout.split("\0") if p}


def discover(paths: list[Path], root: Path, exclude: list[str], force_exclude: bool = False) -> list[Path]:
    _RESOLVED.clear()
    found: list[Path] = []
    walked: list[Path] = []
    for given in paths:
        if not given.exists():
            raise DiscoveryError(f"{given}: no such file or directory")
        if given.is_file():
            if not os.access(given, os.R_OK):
                raise DiscoveryError(f"{given}: permission denied")
            if force_exclude and matches(relative(given, root), exclude):
                continue
            found.append(given)
            continue
        if not os.access(given, os.R_OK | os.X_OK):
            raise DiscoveryError(f"{given}: permission denied")
        for folder, dirs, files in os.walk(given):
            here = Path(folder)
            dirs[:] = sorted(
                d for d in dirs
                if d not in SKIP_DIRS and not d.endswith(".egg-info")
                and not (here / d / "pyvenv.cfg").exists()
                and not (exclude and matches(relative(here / d, root), exclude))
            )
            for name in sorted(files):
                if name.endswith(PYTHON_SUFFIXES):
                    path = here / name
                    if not (exclude and matches(relative(path, root), exclude)):
                        walked.append(path)
    ignored = _git_ignored(walked, root)
    found.extend(p for p in walked if p not in ignored)
    resolved = {p: p.resolve() for p in found}
    unique = {resolved[p]: p for p in found}
    _RESOLVED.update((p, resolved[p]) for p in unique.values())
    return sorted(unique.values(), key=lambda p: relative(p, root))
