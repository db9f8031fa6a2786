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


def relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path.resolve(), root)).as_posix()


def matches(relpath: str, patterns) -> bool:
    """Exclude-style glob match against the path, any parent folder, or the name."""
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
                and not matches(relative(here / d, root), exclude)
            )
            for name in sorted(files):
                if name.endswith(PYTHON_SUFFIXES):
                    path = here / name
                    if not matches(relative(path, root), exclude):
                        walked.append(path)
    ignored = _git_ignored(walked, root)
    found.extend(p for p in walked if p not in ignored)
    unique = {p.resolve(): p for p in found}
    return sorted(unique.values(), key=lambda p: relative(p, root))
