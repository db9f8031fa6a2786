import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class GlobalStatement(Rule):
    """`global` and `nonlocal` statements are not supported in TorchScript.

    Fix: pass the value in as an argument, or keep it as a module attribute.
    """

    code = "TSL104"
    name = "global-statement"
    message = "global and nonlocal statements are not supported in TorchScript"
    compiler_message = "global variables aren't supported"
    hint = "pass the value as an argument or store it on the module"
    examples = (
        Invalid("""
            import torch

            COUNT = 0

            @torch.jit.script
            def f(x: torch.Tensor):
                global COUNT  # expect: TSL104
                return x
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor, counter: int):
                counter += 1
                return x + counter
        """),
    )

    def visit_Global(self, node: cst.Global) -> None:
        self.report(node)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.report(node)
