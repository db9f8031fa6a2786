"""Reading the TorchScript compiler's error text (no torch here).

The frontend formats an error as the message, then one frame per function on
the way to it, innermost first:

    attribute lookup is not defined on python value of type 'Logger':
      File "/src/m.py", line 5
    def helper(x):
        log.info("hi")
        ~~~~~~~~ <--- HERE
    'helper' is being compiled since it was called from 'Net.forward'
      File "/src/m.py", line 12
        return helper(self.l(x))
               ~~~~~~~~~~~~~~~ <--- HERE

The line of each frame is the line marked HERE.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)')
CHAIN = re.compile(r"^'(?P<callee>.+)' is being compiled since it was called from '(?P<caller>.+)'\s*$")
HERE = "<--- HERE"
DEF = re.compile(r"^\s*(?:async\s+)?def\s+(?P<name>\w+)")
CLASS = re.compile(r"^\s*class\s+(?P<name>\w+)")


@dataclass
class Frame:
    path: str  # as the compiler printed it (absolute for files on disk)
    line: int
    column: int = 1  # 1-based, in the file
    end_column: int = 2  # exclusive
    function: Optional[str] = None  # the compiled function that holds this line
    snippet: list[str] = field(default_factory=list)


@dataclass
class CompilerError:
    message: str  # the first message, on one line
    frames: list[Frame] = field(default_factory=list)  # innermost first

    @property
    def location(self) -> Optional[Frame]:
        return self.frames[0] if self.frames else None


def _one_line(lines: list[str]) -> str:
    text = " ".join(line.strip() for line in lines if line.strip())
    text = re.sub(r"\s+", " ", text).strip()
    if text.endswith(":"):
        text = text[:-1].rstrip()
    return text


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" \t"))


def _columns(frame: Frame, snippet: list[str], read_line) -> None:
    for index, text in enumerate(snippet):
        if HERE not in text or index == 0:
            continue
        marker = text[: text.index(HERE)]
        source = snippet[index - 1]
        marks = [i for i, ch in enumerate(marker) if ch in "~^"]
        if not marks:
            return
        start, end = marks[0], marks[-1] + 1
        actual = read_line(frame.path, frame.line)
        shift = 0
        if actual is not None and actual.strip() == source.strip():
            shift = _indent(actual) - _indent(source)
        frame.column = start + shift + 1
        frame.end_column = end + shift + 1
        return


def _function_from_snippet(snippet: list[str]) -> Optional[str]:
    here = next((i for i, text in enumerate(snippet) if HERE in text), len(snippet))
    for text in reversed(snippet[:here]):
        match = DEF.match(text)
        if match:
            return match.group("name")
    return None


def _read_line_from_disk(path: str, line: int) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                if number == line:
                    return text.rstrip("\n")
    except OSError:
        return None
    return None


def parse_compiler_error(text: str, read_line=_read_line_from_disk) -> CompilerError:
    lines = text.replace("\r\n", "\n").split("\n")
    head: list[str] = []
    frames: list[Frame] = []
    snippet: list[str] = []
    pending_caller: Optional[str] = None

    def close() -> None:
        if frames:
            frame = frames[-1]
            frame.snippet = list(snippet)
            _columns(frame, snippet, read_line)
            if frame.function is None:
                frame.function = _function_from_snippet(snippet)

    for text in lines:
        match = FRAME.match(text)
        if match:
            close()
            snippet = []
            frames.append(Frame(path=match.group("path"), line=int(match.group("line")), function=pending_caller))
            pending_caller = None
            continue
        chain = CHAIN.match(text.strip())
        if chain and frames:
            if frames[-1].function is None:
                frames[-1].function = chain.group("callee")
            pending_caller = chain.group("caller")
            continue
        if frames:
            snippet.append(text)
        else:
            head.append(text)
    close()
    message = _one_line(head) or (text.strip().splitlines() or [""])[0]
    return CompilerError(message=message, frames=frames)


def first_line(text: str, limit: int = 300) -> str:
    """The first meaningful line of an exception message."""
    for line in text.strip().splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def is_under(path: str, root: Path) -> bool:
    try:
        Path(path).resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError):
        return False
