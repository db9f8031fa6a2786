import libcst as cst

from tsl.rules.base import Rule


class UnsupportedAugmentedAssignment(Rule):
    """`//=` and `@=` are not supported (other augmented assignments are).

    Fix: write `x = x // y` or `x = x @ y`.
    """

    code = "TSL116"
    name = "unsupported-augmented-assignment"
    message = "this augmented assignment is not supported in TorchScript"
    compiler_message = "unsupported kind of augmented assignment: FloorDiv"
    hint = "spell it out: x = x // y"
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    x = x // 2\n    x += 1\n    return x\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    x //= 2  # expect: TSL116\n    return x\n",
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    x @= x  # expect: TSL116\n    return x\n",
    )

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.FloorDivideAssign):
            self.report(node, message="//= is not supported in TorchScript; write x = x // y")
        elif isinstance(node.operator, cst.MatrixMultiplyAssign):
            self.report(node, message="@= is not supported in TorchScript; write x = x @ y")
