"""A per-file index: the functions, classes and calls that reachability needs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from tsl.analysis.emission import dead_nodes
from tsl.analysis.source import SourceFile

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
    node: cst.FunctionDef
    file: SourceFile
    name: str
    class_name: Optional[str]
    decorators: set[str]
    dead: set[int]  # ids of nodes the compiler does not emit
    self_calls: list[str] = field(default_factory=list)  # self.m(...) in emitted code
    global_calls: list[set[str]] = field(default_factory=list)  # absolute names called

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


@dataclass(eq=False)
class ClassInfo:
    node: cst.ClassDef
    file: SourceFile
    name: str
    absname: str
    bases: list[set[str]]
    decorators: set[str]
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    unused_properties: set[str] = field(default_factory=set)

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


def decorator_names(file: SourceFile, node) -> set[str]:
    names: set[str] = set()
    for decorator in node.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        found = file.qualified_names(expr)
        names |= found
        if isinstance(expr, cst.Name):
            names.add(expr.value)
    return names


class _CallCollector(cst.CSTVisitor):
    """Calls in the emitted part of one function body."""

    def __init__(self, file: SourceFile, info: FunctionInfo):
        self.file = file
        self.info = info

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.info.dead:
            return False
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
                self.info.self_calls.append(func.attr.value)
            else:
                names = self.file.qualified_names(func)
                if names:
                    self.info.global_calls.append(names)
        return True


def _function_info(file: SourceFile, node: cst.FunctionDef, class_name: Optional[str]) -> FunctionInfo:
    info = FunctionInfo(
        node=node,
        file=file,
        name=node.name.value,
        class_name=class_name,
        decorators=decorator_names(file, node),
        dead=dead_nodes(node.body, file.qualified_names),
    )
    node.body.visit(_CallCollector(file, info))
    return info


def _string_values(expr) -> set[str]:
    values = set()
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        for element in expr.elements:
            if isinstance(element.value, cst.SimpleString):
                values.add(element.value.evaluated_value)
    return values


class _ScriptCallFinder(cst.CSTVisitor):
    def __init__(self, file: SourceFile, index: FileIndex):
        self.file = file
        self.index = index

    def visit_Call(self, node: cst.Call) -> None:
        if node.args and self.file.qualified_names(node.func) & SCRIPT:
            target = node.args[0].value
            if isinstance(target, cst.Call):  # torch.jit.script(Net(...))
                target = target.func
            names = self.file.qualified_names(target)
            if names:
                self.index.scripted_names.append(names)


def build_index(file: SourceFile) -> FileIndex:
    index = FileIndex(file=file)
    for statement in file.module.body:
        if isinstance(statement, cst.FunctionDef):
            function = _function_info(file, statement, None)
            if not function.is_overload:
                index.functions[function.name] = function
        elif isinstance(statement, cst.ClassDef):
            index.classes[statement.name.value] = _class_info(file, statement)
    file.module.visit(_ScriptCallFinder(file, index))
    return index


def _class_info(file: SourceFile, node: cst.ClassDef) -> ClassInfo:
    name = node.name.value
    bases = []
    for arg in node.bases:
        found = file.qualified_names(arg.value)
        if not found and isinstance(arg.value, (cst.Name, cst.Attribute)):
            found = {cst.helpers.get_full_name_for_node(arg.value) or "?"}
        bases.append(found or {"?"})
    info = ClassInfo(
        node=node,
        file=file,
        name=name,
        absname=f"{file.module_name}.{name}" if file.module_name else name,
        bases=bases,
        decorators=decorator_names(file, node),
    )
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef):
            method = _function_info(file, statement, name)
            if method.is_overload or any(d.endswith((".setter", ".deleter")) for d in method.decorators):
                continue
            info.methods.setdefault(method.name, method)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Assign, cst.AnnAssign)):
                    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                    if any(isinstance(t, cst.Name) and t.value == "__jit_unused_properties__" for t in targets):
                        info.unused_properties |= _string_values(small.value)
    return info
