import libcst as cst

from tsl.fix import toolkit
from tsl.rules.base import Invalid, Rule, Valid


class UnsupportedAugmentedAssignment(Rule):
    """`//=` and `@=` are not supported (other augmented assignments are).

    Fix: write `x = x // y` or `x = x @ y`.

    Autofix: `x //= y` becomes `x = x // (y)` and `x @= y` becomes `x = x @ (y)`
    (parentheses only when y is not an atom). Safe when the target is known to
    be an int or float (for //=) or a Tensor (for @=, which Tensor runs out of
    place anyway); otherwise unsafe, because `t //= y` on a Tensor works in place
    and the rewrite does not. Targets that are not plain names or attribute and
    index chains of names get no fix (they would be evaluated twice).
    """

    code = "TSL116"
    name = "unsupported-augmented-assignment"
    message = "this augmented assignment is not supported in TorchScript"
    compiler_message = "unsupported kind of augmented assignment: FloorDiv"
    hint = "spell it out: x = x // y"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int):
                x //= 2  # expect: TSL116
                return x
        """),
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                x @= x  # expect: TSL116
                return x
        """),
        Invalid("""
            import torch
            from torch import nn


            class Halve(nn.Module):
                def forward(self, x: torch.Tensor, n: int):
                    n //= 2  # keep this comment  # expect: TSL116
                    steps: int = 7
                    steps //= n + 1  # expect: TSL116
                    x @= x  # expect: TSL116
                    return x * n * steps


            @torch.jit.script
            def matmul(a: torch.Tensor, b: torch.Tensor):
                a @= b.t()  # expect: TSL116
                return a
        """, fixed="""
            import torch
            from torch import nn


            class Halve(nn.Module):
                def forward(self, x: torch.Tensor, n: int):
                    n = n // 2  # keep this comment
                    steps: int = 7
                    steps = steps // (n + 1)
                    x = x @ x
                    return x * n * steps


            @torch.jit.script
            def matmul(a: torch.Tensor, b: torch.Tensor):
                a = a @ b.t()
                return a
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: int):
                x = x // 2
                x += 1
                return x
        """),
    )

    @classmethod
    def fixable(cls) -> bool:
        return True

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.FloorDivideAssign):
            self.report(node, message="//= is not supported in TorchScript; write x = x // y",
                        fix=lambda: self._fix(node, "//", ("int",), ("float",)))
        elif isinstance(node.operator, cst.MatrixMultiplyAssign):
            self.report(node, message="@= is not supported in TorchScript; write x = x @ y",
                        fix=lambda: self._fix(node, "@", ("Tensor",)))

    @toolkit.guarded
    def _fix(self, node: cst.AugAssign, operator: str, *safe_types):
        if not toolkit.pure(node.target) or toolkit.contains_comment(node.target):
            return None
        file = self.ctx.file
        target = toolkit.source(file, node.target)
        text = f"{target} = {target} {operator} {toolkit.operand(file, node.value)}"
        safe = toolkit.types_for(self.ctx).of(node.target) in safe_types
        return toolkit.fix(f"rewrite as {target} = {target} {operator} ...", [toolkit.replace(file, node, text)], safe)
