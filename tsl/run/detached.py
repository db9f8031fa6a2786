"""Indexes without their LibCST nodes (picklable), and giving them their nodes back."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tsl.model.index import FileIndex


class FileStub:
    """The SourceFile of a detached index: its path and module only (Program.source() parses it)."""

    __slots__ = ("relpath", "module_name", "package")

    def __init__(self, relpath: str, module_name: str, package: str):
        self.relpath = relpath
        self.module_name = module_name
        self.package = package

    def __getstate__(self):
        return (self.relpath, self.module_name, self.package)

    def __setstate__(self, state) -> None:
        self.relpath, self.module_name, self.package = state


Nodes = dict  # nodes_by_line(): {(class or "", function or "", line of the def): node}


def nodes_by_line(source) -> Nodes:
    """{(class or "", function or "", line of the def): node} for the top-level and class-level defs."""
    import libcst as cst

    nodes: Nodes = {}
    for statement in source.module.body:
        if isinstance(statement, cst.FunctionDef):
            nodes[("", statement.name.value, source.def_start(statement)[0])] = statement
        elif isinstance(statement, cst.ClassDef):
            name = statement.name.value
            nodes[(name, "", source.def_start(statement)[0])] = statement
            for inner in statement.body.body:
                if isinstance(inner, cst.FunctionDef):
                    nodes[(name, inner.name.value, source.def_start(inner)[0])] = inner
    return nodes


def attach(index: "FileIndex", source, nodes: Nodes) -> None:
    """Give a detached index (built from the same bytes) its nodes back; `dead` follows on first use."""
    index.file = source
    for name, function in index.functions.items():
        function.__dict__.update(node=nodes.get(("", name, function.line)), dead=None, file=source)
    for class_name, klass in index.classes.items():
        klass.__dict__.update(node=nodes.get((class_name, "", klass.line)), file=source)
        for name, method in klass.methods.items():
            method.__dict__.update(node=nodes.get((class_name, name, method.line)), dead=None, file=source)


def dry(index: "FileIndex") -> None:
    """Detach an attached index again (its nodes are dropped)."""
    source = index.file
    stub = FileStub(source.relpath, source.module_name, source.package)
    index.file = stub
    for function in index.functions.values():
        function.__dict__.update(node=None, dead=None, file=stub)
    for klass in index.classes.values():
        klass.__dict__.update(node=None, file=stub)
        for method in klass.methods.values():
            method.__dict__.update(node=None, dead=None, file=stub)
