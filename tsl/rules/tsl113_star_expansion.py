import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class KeywordExpansion(Rule):
    """`f(**d)` and `{**d}` are not supported.

    Fix: pass the keyword arguments explicitly; build the dict with update().
    """

    code = "TSL113"
    name = "keyword-expansion"
    message = "** expansion is not supported in TorchScript"
    compiler_message = "keyword-arg expansion is not supported"
    hint = "pass keyword arguments explicitly"
    examples = (
        Invalid("""
            import torch

            def g(a: int) -> int:
                return a

            @torch.jit.script
            def f(x: int):
                d = {'a': x}
                return g(**d)  # expect: TSL113
        """),
        Invalid("""
            import torch
            from typing import Dict

            @torch.jit.script
            def f(x: Dict[str, int]):
                d = {**x}  # expect: TSL113
                return d
        """),
        Valid("""
            import torch
            from typing import Dict

            @torch.jit.script
            def f(x: Dict[str, int]):
                d: Dict[str, int] = {}
                d.update(x)
                return d
        """),
    )

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.star == "**":
            self.report(node, message="keyword-argument expansion (**) is not supported in TorchScript")

    def visit_StarredDictElement(self, node: cst.StarredDictElement) -> None:
        self.report(node, message="dict expansion ({**d}) is not supported in TorchScript")
