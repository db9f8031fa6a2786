import libcst as cst

from tsl.rules.base import Rule


class ImportInFunction(Rule):
    """`import` inside a compiled function is not supported.

    It fails even in a branch guarded by `if not torch.jit.is_scripting():`,
    because the whole function is parsed before any branch is dropped.

    Fix: import at module level.
    """

    code = "TSL105"
    name = "import-in-function"
    message = "import statements are not supported inside compiled functions"
    compiler_message = "import statements aren't supported"
    hint = "move the import to module level"
    valid = (
        "import math\nimport torch\n\n@torch.jit.script\ndef f(x: float):\n    return math.sqrt(x)\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    if not torch.jit.is_scripting():\n        import os  # expect: TSL105\n    return x\n",
    )

    def visit_Import(self, node: cst.Import) -> None:
        self.report(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.report(node)
