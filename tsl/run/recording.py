"""What one file's check looked at outside the file, so that the cache knows when it still holds."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from tsl.model.index import ClassInfo

if TYPE_CHECKING:
    from tsl.run.records import CachedCheck, FileKey
    from tsl.model.program import Program


def info_key(info) -> Optional[tuple]:
    if info is None:
        return None
    kind = "class" if isinstance(info, ClassInfo) else "function"
    return (info.file.relpath, kind, getattr(info, "qualname", info.name))


@dataclass
class Recorded:
    """What one file's check looked at outside the file."""

    lookups: dict = field(default_factory=dict)  # frozenset(names) -> info_key of the answer
    files: set = field(default_factory=set)  # relpaths of what it got back
    everything: bool = False  # it read the whole program (indexes, symbols, entry points)


class Recorder:
    def __init__(self):
        self.record = Recorded()
        self.quiet = 0


_TRACKING: dict[type, type] = {}


def _tracking_class(base: type) -> type:
    """A subclass of the Program class that records what a check looks up."""
    found = _TRACKING.get(base)
    if found is not None:
        return found

    def whole(name):
        def get(self):
            recorder = self.__dict__["_tsl_recorder"]
            if not recorder.quiet:
                recorder.record.everything = True
            return self.__dict__[name]

        def put(self, value):
            self.__dict__[name] = value

        return property(get, put)

    def lookup(self, names):
        recorder = self.__dict__["_tsl_recorder"]
        recorder.quiet += 1
        try:
            found = base.lookup(self, names)
        finally:
            recorder.quiet -= 1
        key = info_key(found)
        recorder.record.lookups[frozenset(names)] = key
        if key is not None:
            recorder.record.files.add(key[0])
        return found

    found = type(f"Tracking{base.__name__}", (base,),
                 {"indexes": whole("indexes"), "symbols": whole("symbols"), "lookup": lookup})
    _TRACKING[base] = found
    return found


def fresh_program(base: "Program", recorder: Recorder) -> "Program":
    """A Program sharing base's summaries and symbols, with empty caches, that records into recorder."""
    program = object.__new__(_tracking_class(type(base)))
    for name, value in base.__dict__.items():
        if name in ("indexes", "symbols"):
            program.__dict__[name] = value
        elif isinstance(value, (dict, list, set)):
            program.__dict__[name] = type(value)()  # a cache: start empty, so lookups get recorded
        elif not name.startswith("_tsl_"):
            program.__dict__[name] = value
    program.__dict__["_tsl_recorder"] = recorder
    return program


def context_digest(records: list) -> str:
    return hashlib.blake2b(repr(records).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def still_valid(entry: "CachedCheck", key: "FileKey", context: str, program: "Program", keys: dict,
                manifest: str) -> bool:
    """Whether a cached check holds: same file, same compiled context, same answers outside it."""
    if entry.key != key or entry.context != context:
        return False
    record = entry.check.record
    if record.everything and entry.manifest != manifest:
        return False
    if any(keys.get(relpath) != file_key for relpath, file_key in entry.files.items()):
        return False
    return all(info_key(program.lookup(names)) == answer for names, answer in record.lookups.items())
