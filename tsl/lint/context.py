"""What a rule sees while the engine walks one compiled function."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from tsl.frontend.source import SourceFile
from tsl.model.index import FunctionInfo
from tsl.model.program import Compiled, Program


@dataclass
class RuleContext:
    """What a rule sees while the engine walks one compiled function."""

    file: SourceFile
    program: Program
    findings: list = field(default_factory=list)
    compiled: Optional[Compiled] = None
    emitted: bool = True  # False inside code the compiler parses but never emits

    @property
    def function(self) -> FunctionInfo:
        return self.compiled.function
