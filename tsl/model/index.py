"""A per-file index: the functions, classes and calls that reachability needs
(built from CPython's tree by tsl.frontend.cpython_index)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import libcst as cst

    from tsl.frontend.source import SourceFile

SCRIPT = {"torch.jit.script", "torch.jit._script.script"}
IGNORE = {"torch.jit.ignore", "torch.jit.unused", "torch._jit_internal.ignore", "torch._jit_internal.unused"}
EXPORT = {"torch.jit.export", "torch._jit_internal.export"}
OVERLOAD = {
    "torch.jit._overload",
    "torch.jit._overload_method",
    "torch._jit_internal._overload",
    "torch._jit_internal._overload_method",
    "typing.overload",
}
STATIC_METHOD = {"staticmethod", "builtins.staticmethod"}
CLASS_METHOD = {"classmethod", "builtins.classmethod"}
INTERFACE = {"torch.jit.interface", "torch._jit_internal.interface"}
NOT_MODULE_CLASSES = {"Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer"}


def is_torch_module_base(name: str) -> bool:
    """torch.nn.Module and the nn classes derived from it, spelled any way."""
    if not (name.startswith("torch.nn.") or name.startswith("torch.ao.nn.")):
        return False
    parts = name.split(".")
    if any(p in ("functional", "init", "utils", "parameter") for p in parts[:-1]):
        return False
    last = parts[-1]
    return last[:1].isupper() and last not in NOT_MODULE_CLASSES


@dataclass(eq=False)
class FunctionInfo:
    node: Optional[cst.FunctionDef]  # None until its file is parsed: Program.node()
    file: SourceFile  # a FileStub until then
    name: str
    class_name: Optional[str]
    decorators: set[str]
    dead: Optional[set[int]]  # ids of nodes the compiler does not emit: Program.dead()
    self_calls: list[str] = field(default_factory=list)  # self.m(...) in emitted code
    global_calls: list = field(default_factory=list)  # absolute names called (sets; sorted tuples from ast_index)
    line: int = 0  # where the def starts (1-based line, 1-based column)
    column: int = 0
    all_self_calls: list[str] = field(default_factory=list)  # methods: every self.m(...), emitted or not
    all_calls: list = field(default_factory=list)  # methods: every other call, emitted or not (as global_calls)
    self_assigned: frozenset = frozenset()  # methods: NAME of every `self.NAME = ...` (for, +=) in the body

    @property
    def qualname(self) -> str:
        return f"{self.class_name}.{self.name}" if self.class_name else self.name

    @property
    def ignored(self) -> bool:
        return bool(self.decorators & IGNORE)

    @property
    def exported(self) -> bool:
        return bool(self.decorators & EXPORT)

    @property
    def is_property(self) -> bool:
        return "property" in self.decorators or "builtins.property" in self.decorators

    @property
    def is_overload(self) -> bool:
        return bool(self.decorators & OVERLOAD)

    @property
    def takes_self(self) -> bool:
        """A method whose first parameter is bound (self, or a classmethod's cls): not a staticmethod."""
        return self.class_name is not None and not self.decorators & STATIC_METHOD


@dataclass(eq=False)
class ClassInfo:
    node: Optional[cst.ClassDef]  # None until its file is parsed: Program.node()
    file: SourceFile
    name: str
    absname: str
    bases: list[set[str]]
    decorators: set[str]
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    unused_properties: set[str] = field(default_factory=set)
    line: int = 0
    column: int = 0

    @property
    def is_plain(self) -> bool:
        """A class that can be a TorchScript class (no bases but object)."""
        return all(base <= {"object", "builtins.object"} for base in self.bases) and not self.decorators


@dataclass(eq=False)
class FileIndex:
    file: SourceFile
    functions: dict[str, FunctionInfo] = field(default_factory=dict)  # top-level defs
    classes: dict[str, ClassInfo] = field(default_factory=dict)  # top-level classes
    scripted_names: list[set[str]] = field(default_factory=list)  # torch.jit.script(X) arguments


# A name resolves to torch.jit.script only through an import or a definition that
# spells `script` as a whole word, so files without it need no scan.
SCRIPT_WORD = re.compile(r"\bscript\b")
