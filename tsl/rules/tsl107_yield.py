import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class Yield(Rule):
    """Generators (`yield`, `yield from`) cannot be compiled.

    Fix: build and return a list instead.
    """

    code = "TSL107"
    name = "yield"
    message = "yield is not supported in TorchScript"
    compiler_message = "Yield aren't supported"
    hint = "collect the values in a list and return it"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                yield x  # expect: TSL107
        """),
        Valid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: torch.Tensor) -> List[torch.Tensor]:
                out: List[torch.Tensor] = []
                out.append(x)
                return out
        """),
    )

    def visit_Yield(self, node: cst.Yield) -> None:
        self.report(node)
