import libcst as cst

from tsl.rules.base import Rule


class LoopElse(Rule):
    """`else` clauses on `for` and `while` loops are not supported.

    Fix: track completion with a flag, or return from inside the loop.
    """

    code = "TSL111"
    name = "loop-else"
    message = "else clauses on loops are not supported in TorchScript"
    compiler_message = "else branches of for loops aren't supported"
    hint = "use a flag set inside the loop instead of else"
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    found = False\n    for i in range(x):\n        found = True\n    return found\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    for i in range(x):  # expect: TSL111\n        pass\n    else:\n        x = 1\n    return x\n",
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    while x > 0:  # expect: TSL111\n        x -= 1\n    else:\n        x = 1\n    return x\n",
    )

    def visit_For(self, node: cst.For) -> None:
        if node.orelse is not None:
            self.report(node)

    def visit_While(self, node: cst.While) -> None:
        if node.orelse is not None:
            self.report(node)
