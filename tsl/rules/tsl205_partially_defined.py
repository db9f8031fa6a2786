import libcst as cst

from tsl.model.flow import Flow
from tsl.model.types import parameters
from tsl.rules.base import Invalid, Rule, Valid


def flow_issues(rule: Rule, node: cst.FunctionDef):
    """The flow analysis of the function being checked, computed once for both rules."""
    ctx = rule.ctx
    cache = ctx.__dict__.setdefault("_tsl_flow", {})
    key = id(node)
    if key not in cache:
        params = {p.name.value for p in parameters(ctx.function)}
        if ctx.function.class_name is not None:
            params.add("self")
        cache.clear()
        cache[key] = Flow(node, params, ctx.dead).issues
    return cache[key]


class PartiallyDefined(Rule):
    """A variable defined in only one branch of an `if` (or only inside a loop)
    and used after it.

    TorchScript joins the branches of an `if` at compile time, so a variable
    must be defined on every path that reaches its use, even a path that never
    runs in practice. A branch that ends in `return` or `raise` does not count.

    Fix: give the variable a value before the `if` (or in the `else`), or
    annotate it `Optional[...]` and set it to None first.
    """

    code = "TSL205"
    name = "partially-defined"
    message = "variable is not defined on every path that reaches this use"
    compiler_message = "y is not defined in the false branch"
    hint = "assign it before the if (or in every branch)"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor, flag: bool):
                if flag:
                    y = x * 2
                return y  # expect: TSL205
        """),
        Invalid("""
            import torch
            from typing import List

            class Net(torch.nn.Module):
                def forward(self, x, sizes: List[int]):
                    for s in sizes:
                        y = x * s
                    return y  # expect: TSL205
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor, flag: bool):
                if flag:
                    y = x * 2
                else:
                    y = x
                if flag:
                    z = x
                else:
                    return x
                return y + z
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        for issue in flow_issues(self, node):
            if issue.kind == "branch":
                self.report(issue.node, message=f"'{issue.name}' is defined in only one branch of an if and used "
                                                "after it")
            elif issue.kind == "loop":
                self.report(issue.node, message=f"'{issue.name}' is defined only inside a loop and used after it")
