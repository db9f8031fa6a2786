"""The Rule base class: a code, a name, a message, docs and examples (Valid, Invalid)."""
from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional, Union

import libcst as cst

from tsl.model.self_attributes import Span
from tsl.finding import ERROR, Finding, Fix
from tsl.frontend.reads import COMPILED_BODIES

if TYPE_CHECKING:
    from tsl.lint.context import RuleContext


def _module_text(text: str) -> str:
    """An example as written in the rule (a triple-quoted, indented string) as the module it stands for."""
    text = textwrap.dedent(text).removeprefix("\n")
    return text if text.endswith("\n") else text + "\n"


@dataclass(frozen=True)
class Valid:
    """A complete module that scripts; the rule stays silent on it."""

    code: str

    def __post_init__(self):
        object.__setattr__(self, "code", _module_text(self.code))


@dataclass(frozen=True)
class Invalid:
    """A complete module that fails, its findings marked '# expect: CODE'; `fixed` is what tsl --fix makes
    of it (with unsafe fixes when `unsafe`), less those markers."""

    code: str
    fixed: Optional[str] = None
    unsafe: bool = False

    def __post_init__(self):
        object.__setattr__(self, "code", _module_text(self.code))
        if self.fixed is not None:
            object.__setattr__(self, "fixed", _module_text(self.fixed))


class Rule:
    """Subclasses set the class attributes and define visit_<Node> methods.

    visit_* methods are called only for nodes inside compiled function bodies
    (never inside nested defs or lambdas). Rules with emitted_only=True see only
    code the compiler emits. check_function(node) runs once per compiled function.
    """

    code: str = ""
    name: str = ""
    message: str = ""
    severity: str = ERROR
    emitted_only: bool = False
    compiler_message: str = ""  # how torch words it
    hint: str = ""
    examples: tuple[Union[Valid, Invalid], ...] = ()
    # what it reads besides compiled bodies (tsl.frontend.reads): blanking keeps it
    reads: frozenset = frozenset({COMPILED_BODIES})
    # torch versions the rule is true on: min_torch <= version < max_torch ("" = unbounded)
    min_torch: str = ""
    max_torch: str = ""

    def __init__(self, ctx: "RuleContext"):
        self.ctx = ctx

    def check_function(self, node: cst.FunctionDef) -> None:
        pass

    def report(self, node: Union[cst.CSTNode, Span], message: Optional[str] = None, hint: Optional[str] = None,
               fix: Optional[Callable[[], Optional[Fix]]] = None, chains: Optional[tuple] = None,
               severity: Optional[str] = None) -> None:
        """fix builds the finding's Fix (or None): it is called, at once, only when the run wants fixes.
        chains: the ones the finding is about, when not every chain that reaches the function;
        severity: this finding's, when not the rule's."""
        if self.emitted_only and self.ctx.compiled is not None and self._maybe_dropped(node):
            return
        fix = fix() if fix is not None and self.ctx.fixes else None
        position = node.range() if isinstance(node, Span) else self.ctx.file.position(node)
        if chains is None:
            chains = tuple(self.ctx.compiled.chains[key] for key in sorted(self.ctx.compiled.chains))
        self.ctx.findings.append(
            Finding(
                path=self.ctx.file.relpath,
                line=position.start.line,
                column=position.start.column + 1,
                end_line=position.end.line,
                end_column=position.end.column + 1,
                code=self.code,
                name=self.name,
                severity=severity or self.severity,
                message=message or self.message,
                chains=chains,
                hint=hint if hint is not None else (self.hint or None),
                fix=fix,
            )
        )

    def in_this_file(self, where: Union[cst.CSTNode, Span, None]) -> bool:
        """Whether where (a node, or a Span read from CPython's tree) is in the file being checked."""
        if where is None:
            return False
        if isinstance(where, Span):
            return where.relpath == self.ctx.file.relpath
        try:
            return self.ctx.file.position(where) is not None
        except Exception:
            return False

    def _maybe_dropped(self, node: cst.CSTNode) -> bool:
        """Under a condition the compiler decides from the module's configuration (a Final attribute,
        hasattr, isinstance): whether it is compiled depends on how the module was built."""
        from tsl.model.types import constant_guarded

        return constant_guarded(self.ctx.program, self.ctx.compiled.owner, self.ctx.file, node)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        return self.ctx.file.qualified_names(node)

    @classmethod
    def docs(cls) -> str:
        return textwrap.dedent(inspect.getdoc(cls) or "").strip()

    @classmethod
    def shown_examples(cls) -> list[tuple[str, str]]:
        """(title, code) for explain and SARIF help: each invalid example and its fixed form, then the valid ones."""
        shown = []
        for example in sorted(cls.examples, key=lambda e: isinstance(e, Valid)):
            if isinstance(example, Valid):
                shown.append(("Valid", example.code))
            else:
                shown += [("Invalid", example.code)] + ([("Fixed", example.fixed)] if example.fixed else [])
        return shown

    @classmethod
    def applies(cls, version: Optional[str]) -> bool:
        """Whether the rule holds on torch `version` (None: the newest)."""
        from tsl.versions import parse_version

        if version is None:
            return not cls.max_torch
        target = parse_version(version)
        if cls.min_torch and target < parse_version(cls.min_torch):
            return False
        if cls.max_torch and target >= parse_version(cls.max_torch):
            return False
        return True

    @classmethod
    def versions(cls) -> str:
        if cls.min_torch and cls.max_torch:
            return f">={cls.min_torch},<{cls.max_torch}"
        if cls.min_torch:
            return f">={cls.min_torch}"
        if cls.max_torch:
            return f"<{cls.max_torch}"
        return "all"

    @classmethod
    def fixable(cls) -> bool:
        return False
