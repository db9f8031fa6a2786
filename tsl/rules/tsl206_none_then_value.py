import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid
from tsl.rules.tsl205_partially_defined import flow_issues


class NoneThenValue(Rule):
    """A variable set to None and later assigned a value inside an `if` or loop.

    `y = None` gives y the type NoneType. Assigning a Tensor (or an int, ...)
    to it inside a nested block fails, because the compiler cannot change the
    type of a variable that lives outside the block.

    Fix: annotate the first assignment, `y: Optional[torch.Tensor] = None`.
    """

    code = "TSL206"
    name = "none-then-value"
    message = "variable first set to None is assigned another type in a nested block"
    compiler_message = ("Variable 'y' previously had type NoneType but is now being assigned to a value of type "
                        "Tensor")
    hint = "annotate it: y: Optional[torch.Tensor] = None"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor, flag: bool):
                y = None
                if flag:
                    y = x  # expect: TSL206
                return x
        """),
        Invalid("""
            import torch
            from typing import List

            class Net(torch.nn.Module):
                def forward(self, x, sizes: List[int]):
                    out = None
                    for s in sizes:
                        out = x * s  # expect: TSL206
                    return x
        """),
        Valid("""
            import torch
            from typing import Optional

            @torch.jit.script
            def f(x: torch.Tensor, flag: bool):
                y: Optional[torch.Tensor] = None
                if flag:
                    y = x
                z = None
                z = x
                return y, z
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        for issue in flow_issues(self, node):
            if issue.kind == "none":
                self.report(issue.node, message=f"'{issue.name}' was set to None (type NoneType) and is assigned "
                                                "another value in a nested block",
                            hint=f"annotate it: {issue.name}: Optional[...] = None")
