import libcst as cst

from tsl.finding import WARNING
from tsl.rules.base import Rule


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
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    total = x.sum().item()\n"
        "    return total\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    total = 0.0\n    for i in range(x.size(0)):\n"
        "        total += x[i].sum().item()  # expect: TSL590\n    return total\n",
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
