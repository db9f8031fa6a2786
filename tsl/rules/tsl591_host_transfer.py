import libcst as cst

from tsl.finding import WARNING
from tsl.rules.base import Invalid, Rule, Valid


class HostTransfer(Rule):
    """Performance hint (never a blocker): `.cpu()` or `.numpy()`-style host copies in `forward`.

    Moving a tensor to the host inside the model synchronises with the device
    and keeps the scripted model from staying on one device. The code compiles.

    Fix: keep the computation on the input's device; convert results outside
    the model.
    """

    code = "TSL591"
    name = "host-transfer"
    message = "Tensor.cpu() in forward copies to the host and synchronises"
    severity = WARNING
    emitted_only = True
    hint = "keep tensors on the input's device; move results outside the model"
    examples = (
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x):
                    return x.cpu() * 2  # expect: TSL591
        """),
        Valid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x):
                    return x.to(x.device) * 2
        """),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "cpu" and not node.args:
            if self.ctx.function.name == "forward":
                self.report(node)
