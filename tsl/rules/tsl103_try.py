import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class Try(Rule):
    """try/except/finally blocks are not supported in TorchScript.

    This holds even inside `if not torch.jit.is_scripting():`, because the
    function is parsed before dead branches are dropped.

    Fix: move the try block into a helper decorated with @torch.jit.ignore,
    or check the condition explicitly and raise.
    """

    code = "TSL103"
    name = "try-block"
    message = "try blocks are not supported in TorchScript"
    compiler_message = "try blocks aren't supported"
    hint = "move the try block into a @torch.jit.ignore helper"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                try:  # expect: TSL103
                    x = x + 1
                except Exception:
                    pass
                return x
        """),
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                if not torch.jit.is_scripting():
                    try:  # expect: TSL103
                        x = x + 1
                    finally:
                        pass
                return x
        """),
        Valid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x):
                    return self.safe(x)

                @torch.jit.ignore
                def safe(self, x: torch.Tensor) -> torch.Tensor:
                    try:
                        return x.numpy().sum()
                    except Exception:
                        return x
        """),
    )

    def visit_Try(self, node: cst.Try) -> None:
        self.report(node)

    def visit_TryStar(self, node) -> None:
        self.report(node)
