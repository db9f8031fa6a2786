import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class SuperCall(Rule):
    """`super().method(...)` in a compiled method.

    TorchScript has no `super()`: it compiles only the methods of the
    scripted class, and `super().forward(x)` fails to resolve.

    Fix: call the parent's code through a helper defined on this class, or
    copy the parent's computation into the method.
    """

    code = "TSL404"
    name = "super-call"
    message = "super() calls are not supported in compiled methods"
    emitted_only = True
    compiler_message = "'Tensor' object has no attribute or method 'forward'"
    hint = "inline the parent's code or move it into a method of this class"
    examples = (
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Linear):
                def __init__(self):
                    super().__init__(2, 2)

                def forward(self, x):
                    return super().forward(x)  # expect: TSL404
        """),
        Valid("""
            import torch
            from torch import nn

            class Base(nn.Module):
                def scale(self, x):
                    return x * 2

            class Net(Base):
                def __init__(self):
                    super().__init__()

                def forward(self, x):
                    return self.scale(x)
        """),
    )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        value = node.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "super":
            if "builtins.super" in self.qualified_names(value.func) or not self.qualified_names(value.func):
                self.report(node, message=f"super().{node.attr.value} is not supported in TorchScript")
