import libcst as cst

from tsl.rules.base import Rule


class GlobalStatement(Rule):
    """`global` and `nonlocal` statements are not supported in TorchScript.

    Fix: pass the value in as an argument, or keep it as a module attribute.
    """

    code = "TSL104"
    name = "global-statement"
    message = "global and nonlocal statements are not supported in TorchScript"
    compiler_message = "global variables aren't supported"
    hint = "pass the value as an argument or store it on the module"
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor, counter: int):\n    counter += 1\n    return x + counter\n",
    )
    invalid = (
        "import torch\n\nCOUNT = 0\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    global COUNT  # expect: TSL104\n    return x\n",
    )

    def visit_Global(self, node: cst.Global) -> None:
        self.report(node)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.report(node)
