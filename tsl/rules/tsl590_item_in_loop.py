import libcst as cst

from tsl.finding import WARNING
from tsl.rules.base import Invalid, Rule, Valid


class ItemInLoop(Rule):
    """Performance hint (never a blocker): `.item()` inside a loop.

    `.item()` copies one number from the device to the host and waits for the
    device to finish: in a loop that is one synchronisation per iteration, and
    scripting cannot remove it. The code compiles.

    Fix: compute on tensors and call `.item()` (or `.tolist()`) once after the
    loop.
    """

    code = "TSL590"
    name = "item-in-loop"
    message = "Tensor.item() in a loop synchronises with the device every iteration"
    severity = WARNING
    emitted_only = True
    hint = "keep the values on the device and read them once after the loop"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                total = 0.0
                for i in range(x.size(0)):
                    total += x[i].sum().item()  # expect: TSL590
                return total
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                total = x.sum().item()
                return total
        """),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "item" and not node.args):
            return
        current = self.ctx.file.parent(node)
        while current is not None and not isinstance(current, cst.FunctionDef):
            if isinstance(current, (cst.For, cst.While)):
                self.report(node)
                return
            current = self.ctx.file.parent(current)
