import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class SetLiteral(Rule):
    """TorchScript has no set type: set literals and set comprehensions fail.

    Fix: use a list, or a Dict[T, bool] for membership.
    """

    code = "TSL110"
    name = "set-literal"
    message = "sets are not supported in TorchScript"
    compiler_message = "Set aren't supported"
    hint = "use a List, or a Dict[T, bool] for membership tests"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int):
                allowed = {1, 2}  # expect: TSL110
                return x
        """),
        Invalid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: List[int]):
                s = {a for a in x}  # expect: TSL110
                return x
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: int):
                allowed = [1, 2]
                return x in allowed
        """),
    )

    def visit_Set(self, node: cst.Set) -> None:
        self.report(node)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self.report(node)
