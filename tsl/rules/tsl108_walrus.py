import libcst as cst

from tsl.rules.base import Rule


class Walrus(Rule):
    """Assignment expressions (`:=`) are not supported.

    Fix: assign on its own line first.
    """

    code = "TSL108"
    name = "walrus"
    message = "assignment expressions (:=) are not supported in TorchScript"
    compiler_message = "NamedExpr aren't supported"
    hint = "assign the value in a separate statement"
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    y = x * 2\n    if y > 1:\n        return y\n    return x\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    if (y := x * 2) > 1:  # expect: TSL108\n        return y\n    return x\n",
    )

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.report(node)
