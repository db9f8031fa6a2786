import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


def _has_pipe(expr) -> bool:
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        return True
    if isinstance(expr, cst.Subscript):
        return any(isinstance(e.slice, cst.Index) and _has_pipe(e.slice.value) for e in expr.slice)
    return False


class PipeUnion(Rule):
    """`X | Y` annotations (PEP 604) on a torch older than 2.2.

    Older TorchScript reads annotations with its own resolver, which knows
    `Optional[X]` and `Union[X, Y]` but not the `|` operator. The installed torch
    (2.13) accepts `int | None`, so this rule applies only when `target-version`
    in [tool.tsl] names an older torch.

    Fix: write `Optional[X]` / `Union[X, Y]`.
    """

    code = "TSL207"
    name = "pipe-union-annotation"
    message = "X | Y annotations need torch 2.2 or newer"
    compiler_message = "Unsupported annotation (torch < 2.2)"
    hint = "write Optional[X] or Union[X, Y]"
    max_torch = "2.2"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor, k: int | None = None):  # expect: TSL207
                return x
        """),
        Valid("""
            import torch
            from typing import Optional

            @torch.jit.script
            def f(x: torch.Tensor, k: Optional[int] = None):
                return x
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        params = list(node.params.posonly_params) + list(node.params.params) + list(node.params.kwonly_params)
        for param in params:
            if param.annotation is not None and _has_pipe(param.annotation.annotation):
                self.report(param)
        if node.returns is not None and _has_pipe(node.returns.annotation):
            self.report(node.returns)
