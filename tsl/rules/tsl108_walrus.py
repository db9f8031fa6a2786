import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class Walrus(Rule):
    """Assignment expressions (`:=`) are not supported.

    Fix: assign on its own line first.
    """

    code = "TSL108"
    name = "walrus"
    message = "assignment expressions (:=) are not supported in TorchScript"
    compiler_message = "NamedExpr aren't supported"
    hint = "assign the value in a separate statement"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int):
                if (y := x * 2) > 1:  # expect: TSL108
                    return y
                return x
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: int):
                y = x * 2
                if y > 1:
                    return y
                return x
        """),
    )

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.report(node)
