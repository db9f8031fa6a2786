import libcst as cst

from tsl.fix import toolkit
from tsl.rules.base import Invalid, Rule, Valid


class VariadicParameters(Rule):
    """Compiled functions cannot take `*args`, `**kwargs`, or keyword-only
    arguments with defaults.

    This is the most common first error in real models. Keyword-only
    arguments without defaults are fine.

    Fix: list the parameters explicitly with type annotations.

    Autofix (safe): for keyword-only parameters with defaults after a bare `*`,
    drop the `*`, so they become ordinary parameters; every call that worked
    still works. Not offered when a parameter without a default would then
    follow one with a default. *args and **kwargs get no fix.
    """

    code = "TSL112"
    name = "variadic-parameters"
    message = "*args, **kwargs and keyword-only defaults are not supported in compiled functions"
    compiler_message = (
        "Compiled functions can't take variable number of arguments or use keyword-only arguments with defaults"
    )
    hint = "declare each parameter explicitly, with a type annotation"
    examples = (
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x, *args):  # expect: TSL112
                    return x
        """),
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int, **kwargs):  # expect: TSL112
                return x
        """),
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int, *, y: int = 2):  # expect: TSL112
                return x + y
        """),
        Invalid("""
            import torch
            from torch import nn


            class Net(nn.Module):
                def forward(self, x, *, scale: float = 2.0, shift: int = 1):  # expect: TSL112
                    return x * scale + shift


            @torch.jit.script
            def blend(a: torch.Tensor, b: torch.Tensor, *,
                      weight: float = 0.5):  # expect: TSL112
                return a * weight + b * (1 - weight)
        """, fixed="""
            import torch
            from torch import nn


            class Net(nn.Module):
                def forward(self, x, scale: float = 2.0, shift: int = 1):
                    return x * scale + shift


            @torch.jit.script
            def blend(a: torch.Tensor, b: torch.Tensor, weight: float = 0.5):
                return a * weight + b * (1 - weight)
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: int, *, y: int):
                return x + y
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        params = node.params
        if isinstance(params.star_arg, cst.Param):
            self.report(params.star_arg, message=f"*{params.star_arg.name.value} is not supported in compiled functions")
        if params.star_kwarg is not None:
            self.report(params.star_kwarg, message=f"**{params.star_kwarg.name.value} is not supported in compiled functions")
        for param in params.kwonly_params:
            if param.default is not None:
                self.report(param, message=f"keyword-only parameter '{param.name.value}' with a default is not supported",
                            fix=lambda: self._fix(node))

    @classmethod
    def fixable(cls) -> bool:
        return True

    @toolkit.guarded
    def _fix(self, node: cst.FunctionDef):
        params = node.params
        if not isinstance(params.star_arg, cst.ParamStar) or params.star_kwarg is not None or not params.kwonly_params:
            return None
        seen_default = False
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                seen_default = True
            elif seen_default:
                return None
        file = self.ctx.file
        start = toolkit.span(file, params.star_arg)[0]
        end = toolkit.span(file, params.kwonly_params[0])[0]
        return toolkit.fix("drop the bare * (the parameters stay keyword-capable)",
                          [toolkit.edit_between(file, start, end, "")])
