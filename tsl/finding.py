"""The finding: one problem at one place, the data type every layer shares."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

ERROR = "error"  # the compiler will reject this code
WARNING = "warning"  # likely to fail, or costly


@dataclass(frozen=True)
class Step:
    """One link of a call chain: a compiled function and where it is defined."""

    label: str  # e.g. "Net.forward" or "helper"
    path: str
    line: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace source[start:end] (1-based line/column positions) with text."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True)
class Fix:
    description: str
    edits: tuple[Edit, ...]
    safe: bool = True


@dataclass(frozen=True)
class Finding:
    path: str  # relative, POSIX
    line: int  # 1-based
    column: int  # 1-based
    end_line: int
    end_column: int
    code: str
    name: str
    severity: str
    message: str
    chains: tuple[tuple[Step, ...], ...] = ()
    hint: Optional[str] = None
    fix: Optional[Fix] = None

    def sort_key(self):
        return (self.path, self.line, self.column, self.code, self.message)

    @property
    def targets(self) -> list[str]:
        return [" → ".join(step.label for step in chain) for chain in self.chains]

    @property
    def entry_points(self) -> set[tuple[str, str]]:
        """(path, name) of each entry point whose compilation reaches this finding."""
        return {(chain[0].path, chain[0].label.split(".")[0]) for chain in self.chains if chain}
