"""The per-file index from LibCST's tree: the slow twin of tsl.frontend.cpython_index, which
production uses. tests/test_ast_index.py checks that both give the same index."""
from __future__ import annotations

from typing import Optional

import libcst as cst

from tsl.frontend.source import SourceFile
from tsl.frontend.walk import children, iter_nodes
from tsl.model.emission import dead_nodes
from tsl.model.index import SCRIPT, SCRIPT_WORD, ClassInfo, FileIndex, FunctionInfo
from tsl.run.detached import FileStub


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


_SKIPPED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def _collect_calls(file: SourceFile, info: FunctionInfo, node: cst.CSTNode, emitted: bool) -> None:
    """Calls in one function body, in visit order: the emitted ones (not in dead code,
    nested defs or lambdas) and, for methods, all of them (for __init__ scanning)."""
    if emitted and (id(node) in info.dead or isinstance(node, _SKIPPED)):
        emitted = False
        if info.class_name is None:
            return
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
            if emitted:
                info.self_calls.append(func.attr.value)
            if info.class_name is not None:
                info.all_self_calls.append(func.attr.value)
        else:
            names = file.qualified_names(func)
            if names:
                if emitted:
                    info.global_calls.append(names)
                if info.class_name is not None:
                    info.all_calls.append(names)
    for child in children(node):
        _collect_calls(file, info, child, emitted)


def _function_info(file: SourceFile, node: cst.FunctionDef, class_name: Optional[str]) -> FunctionInfo:
    line, column = file.def_start(node)
    info = FunctionInfo(
        node=node,
        file=file,
        name=node.name.value,
        class_name=class_name,
        decorators=decorator_names(file, node),
        dead=dead_nodes(node.body, file.qualified_names),
        line=line,
        column=column + 1,
    )
    _collect_calls(file, info, node.body, True)
    if class_name is not None:
        collector = _SelfTargets()
        node.body.visit(collector)
        info.self_assigned = frozenset(collector.names)
    return info


class _SelfTargets(cst.CSTVisitor):
    """NAME of each `self.NAME` assigned (=, annotated with a value, augmented, a for target),
    unpacking included, outside nested defs and classes."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()

    def _target(self, target) -> None:
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
            self.names.add(target.attr.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target)

    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_ClassDef(self, node) -> bool:
        return False


def _string_values(expr) -> set[str]:
    values = set()
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        for element in expr.elements:
            if isinstance(element.value, cst.SimpleString):
                values.add(element.value.evaluated_value)
    return values




def _find_script_calls(file: SourceFile, index: FileIndex) -> None:
    """torch.jit.script(X) calls anywhere in the module, in visit order."""
    if "script" not in file.text or not SCRIPT_WORD.search(file.text):
        return
    for node in iter_nodes(file.module):
        if isinstance(node, cst.Call) and node.args and file.qualified_names(node.func) & SCRIPT:
            target = node.args[0].value
            if isinstance(target, cst.Call):  # torch.jit.script(Net(...))
                target = target.func
            names = file.qualified_names(target)
            if names:
                index.scripted_names.append(names)


def build_index(file: SourceFile) -> FileIndex:
    index = FileIndex(file=file)
    for statement in file.module.body:
        if isinstance(statement, cst.FunctionDef):
            function = _function_info(file, statement, None)
            if not function.is_overload:
                index.functions[function.name] = function
        elif isinstance(statement, cst.ClassDef):
            index.classes[statement.name.value] = _class_info(file, statement)
    _find_script_calls(file, index)
    return index


def _class_info(file: SourceFile, node: cst.ClassDef) -> ClassInfo:
    name = node.name.value
    bases = []
    for arg in node.bases:
        found = file.qualified_names(arg.value)
        if not found and isinstance(arg.value, (cst.Name, cst.Attribute)):
            found = {cst.helpers.get_full_name_for_node(arg.value) or "?"}
        bases.append(found or {"?"})
    line, column = file.def_start(node)
    info = ClassInfo(
        node=node,
        file=file,
        name=name,
        absname=f"{file.module_name}.{name}" if file.module_name else name,
        bases=bases,
        decorators=decorator_names(file, node),
        line=line,
        column=column + 1,
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


def detach(index: FileIndex) -> FileIndex:
    """The index without its LibCST nodes, as production's (positions were copied into it)."""
    stub = FileStub(index.file.relpath, index.file.module_name, index.file.package)
    index.file = stub
    for function in index.functions.values():
        function.node, function.file, function.dead = None, stub, None
    for klass in index.classes.values():
        klass.node, klass.file = None, stub
        for method in klass.methods.values():
            method.node, method.file, method.dead = None, stub, None
    return index
