import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


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
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                if not torch.jit.is_scripting():
                    import os  # expect: TSL105
                return x
        """),
        Valid("""
            import math
            import torch

            @torch.jit.script
            def f(x: float):
                return math.sqrt(x)
        """),
    )

    def visit_Import(self, node: cst.Import) -> None:
        self.report(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.report(node)
