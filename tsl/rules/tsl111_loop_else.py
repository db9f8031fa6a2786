import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class LoopElse(Rule):
    """`else` clauses on `for` and `while` loops are not supported.

    Fix: track completion with a flag, or return from inside the loop.
    """

    code = "TSL111"
    name = "loop-else"
    message = "else clauses on loops are not supported in TorchScript"
    compiler_message = "else branches of for loops aren't supported"
    hint = "use a flag set inside the loop instead of else"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int):
                for i in range(x):  # expect: TSL111
                    pass
                else:
                    x = 1
                return x
        """),
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int):
                while x > 0:  # expect: TSL111
                    x -= 1
                else:
                    x = 1
                return x
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: int):
                found = False
                for i in range(x):
                    found = True
                return found
        """),
    )

    def visit_For(self, node: cst.For) -> None:
        if node.orelse is not None:
            self.report(node)

    def visit_While(self, node: cst.While) -> None:
        if node.orelse is not None:
            self.report(node)
