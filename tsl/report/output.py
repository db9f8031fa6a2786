"""--output FILE: a regular file is replaced atomically; anything else is written in place or refused.

A regular file (also through a symlink, which stays a link) gets a temporary
file beside its real path and a rename, so a failed run leaves the old report.
A device, FIFO or /dev/stdout is opened and written as it is, never replaced;
a directory or one of the checked sources is refused before anything runs.
"""
from __future__ import annotations

import errno
import fcntl
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable, Optional


class OutputError(Exception):
    """The report cannot go where --output says: exit 2."""


def _stat(path: Path) -> Optional[os.stat_result]:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _real_regular(path: Path, info: os.stat_result) -> Optional[Path]:
    """The real path of a regular file, when renaming over it replaces that same file."""
    real = Path(os.path.realpath(path))
    try:
        other = os.stat(real)
    except OSError:
        return None  # behind /proc/self/fd or similar: write in place
    return real if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino) else None


def check_output(path: Path, sources: Iterable[Path]) -> None:
    """Refuse an --output that is a directory, one of the sources, or in a missing folder."""
    info = _stat(path)
    if info is None:
        folder = Path(os.path.realpath(path)).parent
        if not folder.is_dir():
            raise OutputError(f"cannot write {path}: directory {path.parent} does not exist")
        return
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"cannot write {path}: it is a directory")
    if not stat.S_ISREG(info.st_mode):
        return
    same = (info.st_dev, info.st_ino)
    for source in sources:
        try:
            other = os.stat(source)
        except (OSError, ValueError):  # missing, or a name no file system has
            continue
        if (other.st_dev, other.st_ino) == same:
            raise OutputError(f"cannot write {path}: it is {source}, one of the files being checked")


def write_report(path: Path, text: str) -> None:
    data = text.encode("utf-8", errors="backslashreplace")
    info = _stat(path)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"cannot write {path}: it is a directory")
    if info is None:
        real = Path(os.path.realpath(path))  # a dangling symlink: create its target
        _write_atomic(real, data, path, None)
        return
    if stat.S_ISREG(info.st_mode):
        real = _real_regular(path, info)
        if real is not None:
            _write_atomic(real, data, path, info)
            return
    _write_in_place(path, data, info)


def _write_atomic(real: Path, data: bytes, shown: Path, info: Optional[os.stat_result]) -> None:
    folder = real.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {shown}: directory {shown.parent} does not exist")
    temp = None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, stat.S_IMODE(info.st_mode) if info is not None else _new_file_mode())
        os.replace(temp, real)
        temp = None
    except OSError as exc:
        raise OutputError(f"cannot write {shown}: {exc.strerror or exc}") from None
    finally:  # interrupted too: never leave the temporary file behind
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_in_place(path: Path, data: bytes, info: os.stat_result) -> None:
    fifo = stat.S_ISFIFO(info.st_mode)
    flags = os.O_WRONLY | os.O_NOCTTY | (os.O_NONBLOCK if fifo else 0)  # a FIFO nobody reads: refuse, never hang
    if stat.S_ISREG(info.st_mode):
        flags |= os.O_TRUNC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if fifo and exc.errno == errno.ENXIO:
            raise OutputError(f"cannot write {path}: it is a FIFO that nothing reads") from None
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        if fifo:
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        with os.fdopen(fd, "wb") as handle:
            fd = None
            handle.write(data)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if fd is not None:
            os.close(fd)
