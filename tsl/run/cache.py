"""The result cache in .tsl_cache/ at the project root, like ruff's.

There is a folder per build of tsl (its version and sources, so any change to
a rule starts afresh; LibCST's and Python's versions) and, inside it, per
effective configuration (Config.fingerprint()), holding:

- files.pickle: {relpath: (FileKey, FileReport)}, the
  summary of each file. It depends only on the file, so an entry is valid
  while its key matches.
- checks.pickle: {relpath: CachedCheck}, the findings of each file's compiled
  functions with what they depended on (tsl.run.records); tsl.run.pipeline reuses one only while all of that holds.
- results/<manifest>.pickle: the last few whole results, named after the
  manifest (every file's path, hash and module). A run where nothing changed
  loads one of these and parses nothing.

Cross-file effects need no invalidation: they are recomputed from the reports
on every run whose manifest is new (see tsl.run.pipeline).

Pickles are read with an unpickler that only builds tsl's own data classes and
plain containers. A cache that cannot be read or written costs a warning on
stderr, never the run.
"""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from tsl.config import Config
    from tsl.result import Result

CACHE_DIR = ".tsl_cache"
FORMAT = 2
KEEP_RESULTS = 8
KEEP_BUILDS = 4
_PROTOCOL = 5

_ALLOWED = {
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "dict"), ("builtins", "list"),
    ("builtins", "tuple"),
    ("tsl.finding", "Finding"), ("tsl.finding", "Step"), ("tsl.finding", "Fix"), ("tsl.finding", "Edit"),
    ("tsl.model.index", "FileIndex"), ("tsl.model.index", "FunctionInfo"),
    ("tsl.model.index", "ClassInfo"),
    ("tsl.model.program", "EntryPoint"),
    ("tsl.run.summaries", "FileReport"), ("tsl.run.checking", "FileCheck"), ("tsl.run.recording", "Recorded"),
    ("tsl.run.detached", "FileStub"),
    ("tsl.run.records", "FileKey"), ("tsl.run.records", "CachedCheck"),
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in the cache")


def _load(path: Path):
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens at once, then is refused: never a hang
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise pickle.UnpicklingError("not a regular file")
        return _SafeUnpickler(handle).load()


# -- shapes: a pickle of tsl's classes holding the wrong things is a miss, never a crash later --

def _all(values, test) -> bool:
    return isinstance(values, list) and all(test(v) for v in values)


def _is_finding(value) -> bool:
    from tsl.finding import Finding, Fix

    return (isinstance(value, Finding)
            and all(isinstance(getattr(value, n, None), str) for n in ("path", "code", "name", "severity", "message"))
            and all(type(getattr(value, n, None)) is int for n in ("line", "column", "end_line", "end_column"))
            and isinstance(getattr(value, "chains", None), tuple)
            and isinstance(getattr(value, "hint", None), (str, type(None)))
            and isinstance(getattr(value, "fix", None), (Fix, type(None))))


def _is_key(value) -> bool:
    from tsl.run.records import FileKey

    return isinstance(value, FileKey) and len(value) == 3 and all(isinstance(v, str) for v in value)


def _is_report_entry(value) -> bool:
    from tsl.model.index import FileIndex
    from tsl.run.summaries import FileReport

    if not (isinstance(value, tuple) and len(value) == 2 and _is_key(value[0])):
        return False
    report = value[1]
    return (isinstance(report, FileReport) and isinstance(getattr(report, "relpath", None), str)
            and isinstance(getattr(report, "index", None), (FileIndex, type(None)))
            and _all(getattr(report, "file_findings", None), _is_finding)
            and isinstance(getattr(report, "light", None), bool))


def _is_check(value) -> bool:
    from tsl.run.checking import FileCheck
    from tsl.run.recording import Recorded
    from tsl.run.records import CachedCheck

    if not (isinstance(value, CachedCheck) and len(value) == 5 and _is_key(value.key)
            and isinstance(value.context, str) and isinstance(value.files, dict) and isinstance(value.manifest, str)):
        return False
    check = value.check
    record = getattr(check, "record", None)
    return (isinstance(check, FileCheck) and _all(getattr(check, "findings", None), _is_finding)
            and isinstance(record, Recorded) and isinstance(getattr(record, "lookups", None), dict)
            and isinstance(getattr(record, "files", None), (set, frozenset))
            and isinstance(getattr(record, "everything", None), bool))


def _is_result(value) -> bool:
    from tsl.model.program import EntryPoint

    return (isinstance(value, tuple) and len(value) == 3 and _all(value[0], lambda v: isinstance(v, str))
            and _all(value[1], _is_finding) and _all(value[2], lambda v: isinstance(v, EntryPoint)))


def _is_table(test):
    return lambda value: isinstance(value, dict) and all(isinstance(k, str) and test(v) for k, v in value.items())


def _source_fingerprint() -> str:
    """tsl's version and the bytes of its sources: any change to a rule or the engine starts afresh."""
    import tsl
    from tsl.frontend.libcst_speedups import libcst_version

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}\0{tsl.__version__}\0{sys.version}\0{libcst_version()}\0".encode())
    package = Path(tsl.__file__).parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        try:
            h.update(path.read_bytes())
        except OSError:
            pass
    return h.hexdigest()


class Cache:
    def __init__(self, root: Path, config: "Config", warn: Optional[Callable[[str], None]] = None):
        self.base = root / CACHE_DIR
        self.warn = warn or (lambda message: print(f"tsl: warning: {message}", file=sys.stderr))
        self.build = self.base / _source_fingerprint()[:24]
        self.folder = self.build / hashlib.blake2b(config.fingerprint().encode(), digest_size=12).hexdigest()
        self._reports: Optional[dict] = None
        self._checks: Optional[dict] = None
        self._warned: set[str] = set()

    # -- reading --
    def _read(self, path: Path, valid: Callable[[object], bool]):
        try:
            data = _load(path)
        except FileNotFoundError:
            return None
        except Exception as exc:  # corrupt, truncated, unreadable, a FIFO
            self._warn_once(f"ignoring the unreadable cache file {path}: {type(exc).__name__}: {exc}")
            return None
        if not valid(data):
            self._warn_once(f"ignoring the unreadable cache file {path}: not a tsl cache")
            return None
        return data

    def load_result(self, manifest: str) -> Optional["Result"]:
        found = self._read(self.folder / "results" / f"{manifest}.pickle", _is_result)
        if found is None:
            return None
        from tsl.result import Result

        files, findings, entry_points = found
        return Result(findings=findings, files=files, entry_points=entry_points)

    def load_reports(self) -> dict:
        if self._reports is None:
            self._reports = self._read(self.folder / "files.pickle", _is_table(_is_report_entry)) or {}
        return self._reports

    def load_checks(self) -> dict:
        if self._checks is None:
            self._checks = self._read(self.folder / "checks.pickle", _is_table(_is_check)) or {}
        return self._checks

    # -- writing --
    def store(self, manifest: str, result: "Result", reports: dict, checks: dict) -> None:
        try:
            self._ensure_folder()
            self._reports = self._merge("files.pickle", self.load_reports(), reports)
            self._checks = self._merge("checks.pickle", self.load_checks(), checks)
            results = self.folder / "results"
            results.mkdir(exist_ok=True)
            self._write(results / f"{manifest}.pickle", (result.files, result.findings, result.entry_points))
            self._prune(results.glob("*.pickle"), KEEP_RESULTS, shutil_rm=False)
        except OSError as exc:
            self._warn_once(f"cannot write the cache in {self.base}: {exc.strerror or exc}")
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            self._warn_once(f"cannot write the cache in {self.base}: {type(exc).__name__}: {exc}")

    def _merge(self, name: str, current: dict, new: dict) -> dict:
        """current updated with new, written out when anything changed."""
        def same(old, entry) -> bool:
            return old is entry or (isinstance(old, tuple) and len(old) == len(entry)
                                    and all(a is b or a == b for a, b in zip(old, entry)))

        if all(same(current.get(path), entry) for path, entry in new.items()):
            return current
        merged = dict(current)
        merged.update(new)
        for path in [p for p in merged if p not in new and not (self.base.parent / p).exists()]:
            del merged[path]  # a file that is gone
        self._write(self.folder / name, merged)
        return merged

    def _ensure_folder(self) -> None:
        if not self.base.is_dir():
            self.base.mkdir(parents=True, exist_ok=True)
        ignore = self.base / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by tsl: the cache is never committed.\n*\n", encoding="utf-8")
        tag = self.base / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n"
                           "# This file is a cache directory tag created by tsl.\n", encoding="utf-8")
        if not self.build.is_dir():
            self.build.mkdir()
            # Older builds of tsl: keep a few (another environment may use one).
            self._prune((p for p in self.base.iterdir() if p.is_dir()), KEEP_BUILDS, shutil_rm=True)
        self.folder.mkdir(exist_ok=True)

    @staticmethod
    def _prune(paths, keep: int, shutil_rm: bool) -> None:
        def age(path: Path) -> float:
            try:
                return path.stat().st_mtime
            except OSError:
                return 0.0

        for path in sorted(paths, key=age, reverse=True)[keep:]:
            try:
                shutil.rmtree(path) if shutil_rm else path.unlink()
            except OSError:
                pass

    def _write(self, path: Path, value) -> None:
        buffer = io.BytesIO()
        pickle.dump(value, buffer, protocol=_PROTOCOL)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(buffer.getbuffer())
            os.replace(temp, path)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self.warn(message)


class MemoryCache:
    """The Cache's interface held in this process, for runs of one command (the --fix passes): a pass
    reuses the summaries of the files that did not change and every check that still holds, exactly as
    a run with .tsl_cache/ would. Entries are kept pickled, so each run gets its own copies, as from disk."""

    def __init__(self):
        self._reports: dict = {}  # relpath -> (entry, its pickle)
        self._checks: dict = {}
        self._results: dict = {}  # manifest -> pickle, the last KEEP_RESULTS

    def load_result(self, manifest: str) -> Optional["Result"]:
        data = self._results.get(manifest)
        if data is None:
            return None
        from tsl.result import Result

        files, findings, entry_points = pickle.loads(data)
        return Result(findings=findings, files=files, entry_points=entry_points)

    def load_reports(self) -> dict:
        return self._load(self._reports)

    def load_checks(self) -> dict:
        return self._load(self._checks)

    @staticmethod
    def _load(table: dict) -> dict:
        loaded = {}
        for path, (_, data) in table.items():
            entry = pickle.loads(data)
            table[path] = (entry, data)  # what store() gets back unchanged needs no new pickle
            loaded[path] = entry
        return loaded

    def store(self, manifest: str, result: "Result", reports: dict, checks: dict) -> None:
        for table, new in ((self._reports, reports), (self._checks, checks)):
            for path, entry in new.items():
                old = table.get(path)
                if old is None or not _same(old[0], entry):
                    table[path] = (entry, pickle.dumps(entry, protocol=_PROTOCOL))
        self._results.pop(manifest, None)
        self._results[manifest] = pickle.dumps((result.files, result.findings, result.entry_points),
                                               protocol=_PROTOCOL)
        while len(self._results) > KEEP_RESULTS:
            del self._results[next(iter(self._results))]


def _same(old, entry) -> bool:
    """entry is what was loaded as old: the same objects, or a tuple of them (keys, which are tuples, equal)."""
    return old is entry or (isinstance(old, tuple) and isinstance(entry, tuple) and len(old) == len(entry)
                            and all(a is b or (isinstance(a, tuple) and a == b) for a, b in zip(old, entry)))


def clean(root: Path) -> bool:
    """Remove root/.tsl_cache; False if there was none."""
    folder = root / CACHE_DIR
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True
