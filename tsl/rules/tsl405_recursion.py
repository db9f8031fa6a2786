import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class Recursion(Rule):
    """A compiled function or method that calls itself.

    TorchScript inlines calls and has no recursion.

    Fix: rewrite the recursion as a loop.
    """

    code = "TSL405"
    name = "recursion"
    message = "recursive calls are not supported in TorchScript"
    emitted_only = True
    compiler_message = "function 'g' is called recursively. Recursive calls are not supported"
    hint = "rewrite it as a loop"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor, n: int) -> torch.Tensor:
                if n == 0:
                    return x
                return f(x * 2, n - 1)  # expect: TSL405
        """),
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def forward(self, x):
                    return self.depth(x, 2)

                def depth(self, x: torch.Tensor, n: int) -> torch.Tensor:
                    if n == 0:
                        return x
                    return self.depth(x, n - 1)  # expect: TSL405
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor, n: int) -> torch.Tensor:
                for _ in range(n):
                    x = x * 2
                return x
        """),
    )

    def visit_Call(self, node: cst.Call) -> None:
        function = self.ctx.function
        func = node.func
        if function.class_name is not None:
            if (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"
                    and func.attr.value == function.name):
                self.report(node, message=f"method '{function.name}' calls itself; recursion is not supported")
        elif isinstance(func, cst.Name) and func.value == function.name:
            file = self.ctx.file
            own = f"{file.module_name}.{function.name}" if file.module_name else function.name
            if own in self.qualified_names(func):
                self.report(node, message=f"function '{function.name}' calls itself; recursion is not supported")
