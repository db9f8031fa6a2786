"""What a run takes and gives: its inputs and its result."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from tsl.discovery import relative
from tsl.finding import Finding
from tsl.model.program import EntryPoint


@dataclass
class Input:
    path: Path  # where it lives (or would live, for stdin)
    relpath: str
    data: Optional[bytes] = None  # None: read from path


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    entry_points: list[EntryPoint] = field(default_factory=list)
    verify: Optional[dict] = None  # the `--verify` report (tsl.verify.runner)


def inputs_for(paths: list[Path], root: Path) -> list[Input]:
    return [Input(path=p, relpath=relative(p, root)) for p in paths]
