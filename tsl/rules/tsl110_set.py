import libcst as cst

from tsl.rules.base import Rule


class SetLiteral(Rule):
    """TorchScript has no set type: set literals and set comprehensions fail.

    Fix: use a list, or a Dict[T, bool] for membership.
    """

    code = "TSL110"
    name = "set-literal"
    message = "sets are not supported in TorchScript"
    compiler_message = "Set aren't supported"
    hint = "use a List, or a Dict[T, bool] for membership tests"
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    allowed = [1, 2]\n    return x in allowed\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    allowed = {1, 2}  # expect: TSL110\n    return x\n",
        "import torch\nfrom typing import List\n\n@torch.jit.script\ndef f(x: List[int]):\n    s = {a for a in x}  # expect: TSL110\n    return x\n",
    )

    def visit_Set(self, node: cst.Set) -> None:
        self.report(node)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self.report(node)
