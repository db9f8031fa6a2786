import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, INIT_ATTRIBUTES
from tsl.model.index import FunctionInfo
from tsl.frontend.walk import statements
from tsl.model.types import attributes, self_attribute
from tsl.rules.base import Invalid, Rule, Valid

LITERALS = {
    cst.Integer: "an int", cst.Float: "a float", cst.SimpleString: "a str", cst.List: "a list",
    cst.ListComp: "a list", cst.Tuple: "a tuple", cst.Dict: "a dict", cst.DictComp: "a dict",
}


class NonTensorArgument(Rule):
    """A non-Tensor value passed to a parameter that the callee types as Tensor.

    The compiler types every unannotated parameter of a compiled function,
    method or submodule `forward` as Tensor, so calling it with an int, float,
    bool, str, None, list, tuple or dict fails ("Expected a value of type
    'Tensor (inferred)' for argument 'n' but instead found type 'int'"). Only
    calls whose callee is in the checked files are judged.

    Fix: annotate the callee's parameter with the type it really takes.
    """

    code = "TSL211"
    name = "non-tensor-argument"
    reads = frozenset({COMPILED_BODIES, INIT_ATTRIBUTES})
    message = "a non-Tensor value is passed to a parameter typed Tensor"
    emitted_only = True
    compiler_message = "Expected a value of type 'Tensor (inferred)' for argument 'n' but instead found type 'int'."
    hint = "annotate the callee's parameter with its real type"
    examples = (
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def helper(self, x, n):
                    return x * n

                def forward(self, x):
                    return self.helper(x, 2)  # expect: TSL211
        """),
        Invalid("""
            import torch

            def scale(x, factor):
                return x * factor

            @torch.jit.script
            def f(x: torch.Tensor):
                return scale(x, 0.5)  # expect: TSL211
        """),
        Valid("""
            import torch
            from typing import List
            from torch import nn

            class Net(nn.Module):
                def helper(self, x, n: int, xs: List[torch.Tensor]):
                    return x * n

                def forward(self, x):
                    return self.helper(x, 2, [x, x])
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        self.list_names = _list_locals(node)

    def visit_Call(self, node: cst.Call) -> None:
        if any(arg.star for arg in node.args):
            return
        callee, offset = self._callee(node.func)
        if callee is None or callee.ignored:
            return
        params, types = self.ctx.signature(callee)
        if not types:
            return
        positional = [a for a in node.args if a.keyword is None]
        for i, arg in enumerate(node.args):
            if arg.keyword is None:
                index = positional.index(arg) + offset
                if index >= len(params):
                    return
                param = params[index]
            else:
                param = next((p for p in params if p.name.value == arg.keyword.value), None)
                if param is None:
                    return
            info = types.get(param.name.value)
            if info is None or info.kind != "Tensor":
                continue
            what = self._non_tensor(arg.value)
            if what:
                label = "Tensor (inferred)" if not info.annotated else "Tensor"
                self.report(arg.value, message=f"{what} is passed to parameter '{param.name.value}' of "
                                               f"{callee.qualname}, which is typed {label}",
                            hint=f"annotate '{param.name.value}' in {callee.qualname} with its real type")

    def _callee(self, func):
        program = self.ctx.program
        owner = self.ctx.compiled.owner
        name = self_attribute(func)
        if name is not None and owner is not None:
            method = program.method(owner, name)
            if method is not None:
                return (method, 0) if method.takes_self else (None, 0)
            attrs = attributes(program, owner)
            values = attrs.values.get(name, [])
            targets = {id(v.target): v.target for v in values if v.kind == "module" and v.target is not None}
            if len(values) == len(targets) == 1 or (values and len(targets) == 1 and all(
                    v.kind == "module" and v.target is not None for v in values)):
                klass = next(iter(targets.values()))
                forward = program.method(klass, "forward")
                return forward, 0
            return None, 0
        if isinstance(func, cst.Name):
            target = program.lookup(self.qualified_names(func))
            if isinstance(target, FunctionInfo) and target.class_name is None:
                return target, 0
        return None, 0

    def _non_tensor(self, expr):
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False"):
                return "a bool"
            if expr.value == "None":
                return "None"
            if expr.value in self.list_names:
                return f"the list '{expr.value}'"
            return None
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            expr = expr.expression
        for kind, what in LITERALS.items():
            if isinstance(expr, kind):
                return what
        return None


def _list_locals(node: cst.FunctionDef) -> set[str]:
    """Local names every assignment of which is a list literal or comprehension (and never a parameter)."""
    visitor = _ListAssignments()
    for statement in statements(node.body):  # the assignments are statements: no need to walk expressions
        method = getattr(visitor, f"visit_{type(statement).__name__}", None)
        if method is not None:
            method(statement)
    kinds = visitor.kinds
    params = {p.name.value for p in list(node.params.params) + list(node.params.posonly_params)
              + list(node.params.kwonly_params)}
    return {name for name, seen in kinds.items() if seen == {True} and name not in params}


class _ListAssignments:
    """For each local name, whether each assignment to it is a list literal or comprehension."""

    def __init__(self):
        self.kinds: dict[str, set[bool]] = {}

    def visit_Assign(self, assign: cst.Assign) -> None:
        for target in assign.targets:
            if isinstance(target.target, cst.Name):
                self.kinds.setdefault(target.target.value, set()).add(
                    isinstance(assign.value, (cst.List, cst.ListComp)))
            else:
                for sub in _names(target.target):
                    self.kinds.setdefault(sub, set()).add(False)

    def visit_AnnAssign(self, assign: cst.AnnAssign) -> None:
        for sub in _names(assign.target):
            self.kinds.setdefault(sub, set()).add(False)

    def visit_AugAssign(self, assign: cst.AugAssign) -> None:
        for sub in _names(assign.target):
            self.kinds.setdefault(sub, set()).add(False)

    def visit_For(self, loop: cst.For) -> None:
        for sub in _names(loop.target):
            self.kinds.setdefault(sub, set()).add(False)


def _names(target):
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names(e.value)]
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return []
