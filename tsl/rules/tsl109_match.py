
from tsl.rules.base import Invalid, Rule, Valid


class Match(Rule):
    """`match` statements are not supported.

    Fix: use if/elif chains.
    """

    code = "TSL109"
    name = "match"
    message = "match statements are not supported in TorchScript"
    compiler_message = "Match aren't supported"
    hint = "rewrite as an if/elif chain"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int):
                match x:  # expect: TSL109
                    case 1:
                        return 10
                return x
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: int):
                if x == 1:
                    return 10
                return x
        """),
    )

    def visit_Match(self, node) -> None:
        self.report(node)
