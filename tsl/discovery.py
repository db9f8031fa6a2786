"""Which files to check: walk directories, skip the usual noise and .gitignore'd paths."""
from __future__ import annotations

import errno
import fnmatch
import os
import stat
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Callable, Optional

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
    if found is not None:
        return found
    try:
        return path.resolve()
    except UnicodeEncodeError:  # a lone surrogate no file system name has (--stdin-filename)
        return Path(os.path.abspath(path))


def printable(text: str) -> str:
    """text with the bytes of a name that is not UTF-8 (surrogate escapes) shown as \\xNN."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that no byte gave
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def relative(path: Path, root: Path) -> str:
    """The path reported for a file: relative to root, POSIX style, printable."""
    resolved = _resolve(path)
    try:
        return printable(resolved.relative_to(root).as_posix())
    except ValueError:
        return printable(Path(os.path.relpath(resolved, root)).as_posix())


_LOOP = "a symbolic link loop"
_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def _not_a_file(path: Path) -> Optional[str]:
    """Why path cannot be read as a source (a FIFO would hang, a device never ends), or None."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _LOOP
        return None  # missing or unreadable: reported when it is read
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def _warn(message: str) -> None:
    print(f"tsl: warning: {message}", file=sys.stderr)


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
    try:  # bytes: names that are not UTF-8 go through as they are
        result = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
            input=b"\0".join(os.fsencode(p) for p in paths) + b"\0",
            capture_output=True, cwd=root, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    return {Path(os.fsdecode(p)) for p in result.stdout.split(b"\0") if p}


def discover(paths: list[Path], root: Path, exclude: list[str], force_exclude: bool = False,
             warn: Optional[Callable[[str], None]] = None) -> list[Path]:
    """The files to check; FIFOs, devices and symlink loops are skipped with a warning (reading them would hang)."""
    warn = warn or _warn
    _RESOLVED.clear()
    found: list[Path] = []
    walked: list[Path] = []
    for given in paths:
        odd = _not_a_file(given)
        if odd == _LOOP:
            raise DiscoveryError(f"{printable(str(given))}: {odd}")
        if not given.exists():
            raise DiscoveryError(f"{printable(str(given))}: no such file or directory")
        if odd is not None:
            warn(f"skipping {printable(str(given))}: {odd}")
            continue
        if given.is_file():
            if not os.access(given, os.R_OK):
                raise DiscoveryError(f"{printable(str(given))}: permission denied")
            if force_exclude and matches(relative(given, root), exclude):
                continue
            found.append(given)
            continue
        if not os.access(given, os.R_OK | os.X_OK):
            raise DiscoveryError(f"{printable(str(given))}: permission denied")
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
                    if exclude and matches(relative(path, root), exclude):
                        continue
                    odd = _not_a_file(path)
                    if odd is not None:
                        warn(f"skipping {printable(str(path))}: {odd}")
                        continue
                    walked.append(path)
    ignored = _git_ignored(walked, root)
    found.extend(p for p in walked if p not in ignored)
    resolved = {p: p.resolve() for p in found}
    unique = {resolved[p]: p for p in found}
    _RESOLVED.update((p, resolved[p]) for p in unique.values())
    return sorted(unique.values(), key=lambda p: relative(p, root))
