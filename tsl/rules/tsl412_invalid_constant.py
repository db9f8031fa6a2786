import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, INIT_ATTRIBUTES
from tsl.model.types import attributes
from tsl.rules.base import Invalid, Rule, Valid

NOT_CONSTANT = {"dict": "a dict", "Tensor": "a Tensor", "mixed": "a dict"}


class InvalidConstant(Rule):
    """A `__constants__` or `Final` attribute whose value cannot be a constant.

    Constants are folded into the compiled code, so they must be None, bool,
    int, float, str, a device or dtype, or a list/tuple of those (modules are
    allowed too). A dict or a Tensor fails when the module is scripted, even if
    nothing reads it.

    Fix: drop it from `__constants__` (a Tensor belongs in a buffer:
    `self.register_buffer(...)`), or store a tuple of pairs instead of a dict.
    """

    code = "TSL412"
    name = "invalid-constant"
    reads = frozenset({COMPILED_BODIES, INIT_ATTRIBUTES})
    message = "this __constants__/Final attribute holds a value that cannot be a constant"
    compiler_message = "'dict' object in attribute 'M.cfg' is not a valid constant."
    hint = "remove it from __constants__ / Final, or register a Tensor as a buffer"
    examples = (
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                __constants__ = ['cfg']

                def __init__(self):
                    super().__init__()
                    self.cfg = {'a': 1}  # expect: TSL412

                def forward(self, x):
                    return x
        """),
        Invalid("""
            import torch
            from torch import nn
            from typing import Final

            class Net(nn.Module):
                w: Final[torch.Tensor]

                def __init__(self):
                    super().__init__()
                    self.w = torch.ones(1)  # expect: TSL412

                def forward(self, x):
                    return x
        """),
        Valid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                __constants__ = ['sizes', 'mode']

                def __init__(self):
                    super().__init__()
                    self.sizes = [1, 2]
                    self.mode = 'sum'
                    self.register_buffer('w', torch.ones(1))

                def forward(self, x):
                    return x * self.w
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        owner = self.ctx.compiled.owner
        if owner is None or self.ctx.function.name != "forward":
            return
        if "forward" not in owner.methods or self.ctx.node(owner.methods["forward"]) is not node:
            return
        program = self.ctx.program
        if not program.is_module(owner):
            return
        attrs = attributes(program, owner)
        for name in sorted(attrs.constants):
            values = attrs.values.get(name, [])
            if values and all(v.kind in NOT_CONSTANT for v in values):
                for value in values:
                    if self.in_this_file(value.node):
                        self.report(value.node, message=f"'{name}' is declared constant but holds "
                                                        f"{NOT_CONSTANT[value.kind]}, which is not a valid constant")
