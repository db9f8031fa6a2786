import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid
from tsl.rules.tsl401_module_index import container_kind


class ModuleSlice(Rule):
    """A slice of a ModuleList or Sequential, or `reversed()` of one.

    TorchScript turns a sliced module container into a tuple of modules it
    cannot call or iterate as modules, and has no `reversed` for them.

    Fix: iterate over the whole container with `enumerate` and skip by index
    with an `if`, or build a second container in `__init__` (for example
    `self.rev = nn.ModuleList(reversed(layers))`).
    """

    code = "TSL403"
    name = "module-container-slice"
    message = "module containers cannot be sliced or reversed"
    emitted_only = True
    compiler_message = "'__torch__...ReLU' object has no attribute or method '__call__'"
    hint = "build the sliced or reversed container in __init__"
    examples = (
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU()])

                def forward(self, x):
                    for layer in self.layers[1:]:  # expect: TSL403
                        x = layer(x)
                    return x
        """),
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU()])

                def forward(self, x):
                    for layer in reversed(self.layers):  # expect: TSL403
                        x = layer(x)
                    return x
        """),
        Valid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    layers = [nn.ReLU(), nn.ReLU()]
                    self.layers = nn.ModuleList(layers)
                    self.rev = nn.ModuleList(layers[::-1])

                def forward(self, x):
                    for layer in self.rev:
                        x = layer(x)
                    return x
        """),
    )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
            kind = container_kind(self, node.value)
            if kind in ("ModuleList", "Sequential"):
                self.report(node, message=f"slicing a {kind} is not supported in TorchScript")

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "reversed" and len(node.args) == 1:
            kind = container_kind(self, node.args[0].value)
            if kind in ("ModuleList", "Sequential"):
                self.report(node, message=f"reversed() of a {kind} is not supported in TorchScript")
