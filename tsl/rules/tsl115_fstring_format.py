import libcst as cst

from tsl.fix import toolkit
from tsl.rules.base import Invalid, Rule, Valid


class FStringFormat(Rule):
    """f-strings may not use conversions (`!r`, `!s`) or format specs (`:3d`).

    Plain f-strings such as `f"{x} items"` script fine.

    Fix: drop the conversion or spec, or format in a @torch.jit.ignore helper.

    Autofix: `{x:3d}` and `{x!r}` become `{x}`. Unsafe (the text printed
    changes), except a lone `!s`, which formats the same without it.
    """

    code = "TSL115"
    name = "fstring-format"
    message = "f-string conversions and format specs are not supported in TorchScript"
    compiler_message = "Don't support formatting in JoinedStr"
    hint = "use a plain {} placeholder"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int):
                print(f'{x:3d}')  # expect: TSL115
                return x
        """),
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int):
                print(f'{x!r}')  # expect: TSL115
                return x
        """),
        Invalid("""
            import torch


            @torch.jit.script
            def describe(x: torch.Tensor, n: int, name: str):
                print(f"{n:3d} items")  # spec  # expect: TSL115
                print(f"name={name!r}, n={n!s}")  # expect: TSL115
                print(f"{ n :>{n}} and {x.sum():.2f}")  # expect: TSL115
                return x
        """, fixed="""
            import torch


            @torch.jit.script
            def describe(x: torch.Tensor, n: int, name: str):
                print(f"{n} items")  # spec
                print(f"name={name}, n={n}")
                print(f"{ n } and {x.sum()}")
                return x
        """, unsafe=True),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: int):
                print(f'{x} items')
                return x
        """),
    )

    @classmethod
    def fixable(cls) -> bool:
        return True

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if node.conversion is not None:
            self.report(node, message=f"f-string conversion !{node.conversion} is not supported in TorchScript",
                        fix=lambda: self._fix(node))
        elif node.format_spec is not None:
            self.report(node, message="f-string format specs are not supported in TorchScript",
                        fix=lambda: self._fix(node))

    @toolkit.guarded
    def _fix(self, node: cst.FormattedStringExpression):
        if node.equal is not None:
            return None
        code = self.ctx.file.module.code_for_node
        inner = code(node.whitespace_before_expression) + code(node.expression) + code(
            node.whitespace_after_expression)
        safe = node.conversion == "s" and node.format_spec is None
        dropped = f"!{node.conversion}" if node.conversion is not None else ""
        dropped += ":..." if node.format_spec is not None else ""
        return toolkit.fix(f"drop {dropped} (plain {{}})", [toolkit.replace(self.ctx.file, node, "{" + inner + "}")],
                          safe)
