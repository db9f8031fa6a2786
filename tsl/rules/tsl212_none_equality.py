import libcst as cst

from tsl.model.types import param_types, rebound
from tsl.rules.base import Invalid, Rule, Valid

KNOWN = {"Tensor", "Optional", "int", "float", "bool", "str", "List", "Tuple", "Dict"}


class NoneEquality(Rule):
    """`x == None` or `x != None` on a typed parameter.

    TorchScript has no `==`/`!=` between None and a Tensor, an Optional or a
    number, and it only narrows an Optional on `is None` / `is not None`.

    Fix: write `x is None` / `x is not None`.
    """

    code = "TSL212"
    name = "none-equality"
    message = "comparing with None by == or != is not supported"
    emitted_only = True
    compiler_message = "Arguments for call are not valid."
    hint = "write `is None` / `is not None`"
    examples = (
        Invalid("""
            import torch
            from typing import Optional

            @torch.jit.script
            def f(x: Optional[torch.Tensor]):
                if x != None:  # expect: TSL212
                    return x + 1
                return torch.zeros(1)
        """),
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x, mask=None):
                    if mask == None:  # expect: TSL212
                        return x
                    return x * mask
        """),
        Valid("""
            import torch
            from typing import Optional

            @torch.jit.script
            def f(x: Optional[torch.Tensor]):
                if x is not None:
                    return x + 1
                return torch.zeros(1)
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        skip = rebound(node)
        self.typed = {n for n, p in param_types(self.ctx.function).items() if p.kind in KNOWN and n not in skip}

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            if isinstance(target.operator, (cst.Equal, cst.NotEqual)):
                for a, b in ((left, right), (right, left)):
                    if isinstance(b, cst.Name) and b.value == "None" and isinstance(a, cst.Name) and a.value in self.typed:
                        op = "==" if isinstance(target.operator, cst.Equal) else "!="
                        self.report(node, message=f"'{a.value} {op} None' is not supported in TorchScript",
                                    hint=f"write `{a.value} is {'not ' if op == '!=' else ''}None`")
                        return
            left = right
