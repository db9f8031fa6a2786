import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class Async(Rule):
    """async functions, await, async for and async with cannot be compiled.

    Fix: keep asynchronous code outside the model; use torch.jit.fork/wait for parallelism.
    """

    code = "TSL106"
    name = "async"
    message = "async and await are not supported in TorchScript"
    compiler_message = "Expected a single top-level function"
    hint = "keep async code outside compiled functions; see torch.jit.fork"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            async def f(x: torch.Tensor):  # expect: TSL106
                return x
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                return x
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is not None:
            self.report(node, message="async functions cannot be compiled by TorchScript")

    def visit_Await(self, node: cst.Await) -> None:
        self.report(node)

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None:
            self.report(node)

    def visit_With(self, node: cst.With) -> None:
        if node.asynchronous is not None:
            self.report(node)
