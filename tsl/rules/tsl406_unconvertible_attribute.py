import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, INIT_ATTRIBUTES
from tsl.model.types import attributes, self_attribute
from tsl.rules.base import Invalid, Rule, Valid

BAD = {
    "class": "a class",
    "partial": "a functools.partial object",
    "lambda": "a lambda",
    "object": "an instance of a plain Python class",
    "mixed": "a container of mixed types",
}


class UnconvertibleAttribute(Rule):
    """Compiled code reads a module attribute that torch cannot type.

    When a module is scripted, each attribute `__init__` left on it is
    converted to a TorchScript type. A class (`self.act = nn.ReLU`), a
    `functools.partial`, a lambda, an instance of a plain Python class, or a
    dict or list of mixed value types cannot be converted, and the first use in
    compiled code fails with "Module 'X' has no attribute 'y'".

    Fix: store an instance (`self.act = nn.ReLU()`), a module-level function,
    or plain typed values; annotate the attribute at class level; or read it
    only in @torch.jit.ignore code.
    """

    code = "TSL406"
    name = "unconvertible-attribute"
    reads = frozenset({COMPILED_BODIES, INIT_ATTRIBUTES})
    message = "this module attribute cannot be converted to a TorchScript type"
    emitted_only = True
    compiler_message = ("Module 'Net' has no attribute 'act' (This attribute exists on the Python module, but we "
                        "failed to convert Python type: 'type' to a TorchScript type.")
    hint = "store an instance or plain typed values in __init__"
    examples = (
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.act = nn.ReLU

                def forward(self, x):
                    return self.act()(x)  # expect: TSL406
        """),
        Invalid("""
            import functools
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.act = functools.partial(torch.clamp, min=0.0)

                def forward(self, x):
                    return self.act(x)  # expect: TSL406
        """),
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.cfg = {'scale': 2, 'mode': 'sum'}

                def forward(self, x):
                    return x * self.cfg['scale']  # expect: TSL406
        """),
        Valid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.act = nn.ReLU()
                    self.act_layer = nn.GELU

                def forward(self, x):
                    return self.act(x)
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        self.reported: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        name = self_attribute(node)
        owner = self.ctx.compiled.owner
        if name is None or owner is None or name in self.reported:
            return
        parent = self.ctx.file.parent(node)
        if isinstance(parent, cst.AssignTarget):
            return
        attrs = attributes(self.ctx.program, owner)
        values = attrs.values.get(name)
        if not values or name in attrs.declared or name in attrs.elsewhere:
            return
        kinds = {v.kind for v in values}
        if not kinds <= set(BAD):
            return
        if self.ctx.program.method(owner, name) is not None:
            return
        self.reported.add(name)
        what = " or ".join(sorted({BAD[k] for k in kinds}))
        self.report(node, message=f"attribute '{name}' holds {what}, which TorchScript cannot convert; "
                                  f"compiled code cannot use it")
