import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, INIT_ATTRIBUTES
from tsl.model.types import attributes, self_attribute
from tsl.rules.base import Invalid, Rule, Valid

NOT_BOOL = {"None": "None", "module": "a submodule"}


class AttributeTruth(Rule):
    """`if self.x:` where the attribute is None or a submodule.

    TorchScript has no truth value for None or for a module: the condition
    must be a bool. The common pattern `self.norm = norm_layer(d) if norm else
    None` followed by `if self.norm:` fails either way.

    Fix: test `if self.x is not None:`.
    """

    code = "TSL407"
    name = "attribute-truth-value"
    reads = frozenset({COMPILED_BODIES, INIT_ATTRIBUTES})
    message = "None or a submodule used as a condition"
    emitted_only = True
    compiler_message = "Could not cast value of type NoneType to bool"
    hint = "write `if self.x is not None:`"
    examples = (
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.norm = None

                def forward(self, x):
                    if self.norm:  # expect: TSL407
                        x = self.norm(x)
                    return x
        """),
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self, act: bool = True):
                    super().__init__()
                    if act:
                        self.act = nn.ReLU()
                    else:
                        self.act = None

                def forward(self, x):
                    return self.act(x) if self.act else x  # expect: TSL407
        """),
        Valid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.norm = None

                def forward(self, x):
                    if self.norm is not None:
                        x = self.norm(x)
                    return x
        """),
    )

    def _check(self, expr) -> None:
        name = self_attribute(expr)
        owner = self.ctx.compiled.owner
        if name is None or owner is None:
            return
        attrs = attributes(self.ctx.program, owner)
        values = attrs.values.get(name)
        if not values or not attrs.complete or name in attrs.declared or name in attrs.elsewhere:
            return
        kinds = {v.kind for v in values}
        if not kinds <= set(NOT_BOOL):
            return
        what = " or ".join(NOT_BOOL[k] for k in sorted(kinds))
        self.report(expr, message=f"attribute '{name}' is {what} and has no truth value in TorchScript",
                    hint=f"write `self.{name} is not None`")

    def visit_If(self, node: cst.If) -> None:
        self._check(node.test)

    def visit_While(self, node: cst.While) -> None:
        self._check(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._check(node.test)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not):
            self._check(node.expression)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self._check(node.left)
        self._check(node.right)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._check(node.test)
