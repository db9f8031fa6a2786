import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class BareAnnotation(Rule):
    """An annotated assignment needs a value: `y: int` alone fails.

    Fix: give it a value (`y: int = 0`), or annotate at the first assignment.
    """

    code = "TSL118"
    name = "bare-annotation"
    message = "annotated assignments without a value are not supported in TorchScript"
    compiler_message = "annotated assignments without assigned value aren't supported"
    hint = "give the variable an initial value"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int):
                y: int  # expect: TSL118
                y = 1
                return x + y
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: int):
                y: int = 1
                return x + y
        """),
    )

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is None:
            self.report(node)
