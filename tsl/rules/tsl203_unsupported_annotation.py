import libcst as cst

from tsl.model.types import annotation_kind
from tsl.rules.base import Invalid, Rule, Valid


class UnsupportedAnnotation(Rule):
    """An annotation TorchScript cannot resolve: `Callable` and `Literal`.

    The compiler reads every annotation of a compiled function (parameters,
    return value, annotated locals) and has no type for these.

    Fix: annotate with a type TorchScript knows (for a mode flag, `str`), or
    move the function that needs it into a @torch.jit.ignore helper.
    """

    code = "TSL203"
    name = "unsupported-annotation"
    message = "this annotation is not supported by TorchScript"
    compiler_message = "Unknown type constructor Callable"
    hint = "use a TorchScript type (str for a mode flag), or @torch.jit.ignore the function"
    examples = (
        Invalid("""
            import torch
            from typing import Callable

            @torch.jit.script
            def f(x: torch.Tensor, g: Callable[[int], int]):  # expect: TSL203
                return x
        """),
        Invalid("""
            import torch
            from typing import Literal

            class Net(torch.nn.Module):
                def forward(self, x, mode: Literal['a', 'b'] = 'a'):  # expect: TSL203
                    return x
        """),
        Valid("""
            import torch
            from typing import Optional

            @torch.jit.script
            def f(x: torch.Tensor, mode: str = 'a', y: Optional[int] = None) -> torch.Tensor:
                return x
        """),
    )

    def _check(self, annotation, where) -> None:
        if annotation is None:
            return
        kind = annotation_kind(annotation.annotation, self.ctx.file)
        if kind.startswith("unsupported:"):
            what = kind.split(":", 1)[1]
            self.report(where, message=f"{what} annotations are not supported by TorchScript")

    def check_function(self, node: cst.FunctionDef) -> None:
        params = list(node.params.posonly_params) + list(node.params.params) + list(node.params.kwonly_params)
        for param in params:
            self._check(param.annotation, param)
        self._check(node.returns, node.returns)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._check(node.annotation, node)
