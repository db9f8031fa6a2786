import libcst as cst

from tsl.model.types import param_types
from tsl.rules.base import Invalid, Rule, Valid


class ListStarArgument(Rule):
    """A list (or a tensor's shape) expanded with `*` into a call.

    TorchScript must know how many arguments a call gets at compile time; a
    tuple has a fixed length, a list does not. `x.view(*shape)` with a list,
    `x.view(*x.shape)` and `x.view(*([b] + rest))` all fail.

    Fix: pass the list itself (`x.view(shape)`, `x.view(x.shape)`,
    `x.view([b] + rest)`): these ops take an int[] argument.
    """

    code = "TSL210"
    name = "list-star-argument"
    message = "a list of unknown length is expanded into a call"
    emitted_only = True
    compiler_message = "cannot statically infer the expected size of a list in this context"
    hint = "pass the list itself: x.view(shape) rather than x.view(*shape)"
    examples = (
        Invalid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: torch.Tensor, shape: List[int]):
                return x.view(*shape)  # expect: TSL210
        """),
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x):
                    b = x.size(0)
                    return x.view(*([b] + [-1]))  # expect: TSL210
        """),
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x):
                    return x.new_zeros(*x.shape)  # expect: TSL210
        """),
        Invalid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: torch.Tensor, shape: List[int]):
                return tuple(shape)  # expect: TSL210
        """),
        Valid("""
            import torch
            from typing import List, Tuple

            @torch.jit.script
            def f(x: torch.Tensor, shape: List[int], pair: Tuple[int, int]):
                return x.view(shape), x.view(*pair), x.view([1] + shape)
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        self.lists = {name for name, p in param_types(self.ctx.function).items() if p.kind == "List"}

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.star == "*" and self._is_list(node.value):
            self.report(node, message="expanding a list with * needs a length known at compile time")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (isinstance(func, cst.Name) and func.value == "tuple" and len(node.args) == 1 and not node.args[0].star
                and "builtins.tuple" in self.qualified_names(func) and self._is_list(node.args[0].value)):
            self.report(node, message="tuple() of a list needs a length known at compile time")

    def _is_list(self, expr) -> bool:
        if isinstance(expr, (cst.List, cst.ListComp)):
            return True
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            return self._is_list(expr.left) or self._is_list(expr.right)
        if isinstance(expr, cst.Attribute) and expr.attr.value == "shape":
            return True
        if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "size"
                and not expr.args):
            return True
        if isinstance(expr, cst.Name) and expr.value in self.lists:
            return True
        return False
