import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class NestedDefinition(Rule):
    """Functions and classes defined inside a compiled function are not supported.

    Fix: move the definition to module level.
    """

    code = "TSL102"
    name = "nested-definition"
    message = "nested function or class definitions are not supported in TorchScript"
    compiler_message = "function definitions aren't supported"
    hint = "move the definition to module level"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                def inner(a: torch.Tensor) -> torch.Tensor:  # expect: TSL102
                    return a + 1
                return inner(x)
        """),
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x):
                    class Box:  # expect: TSL102
                        pass
                    return x
        """),
        Valid("""
            import torch

            def inner(a: torch.Tensor) -> torch.Tensor:
                return a + 1

            @torch.jit.script
            def f(x: torch.Tensor):
                return inner(x)
        """),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.report(node.name, message="nested function definitions are not supported in TorchScript")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.report(node.name, message="nested class definitions are not supported in TorchScript")
