import libcst as cst

from tsl.fix import toolkit
from tsl.rules.base import Rule


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
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    print(f'{x} items')\n    return x\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    print(f'{x:3d}')  # expect: TSL115\n    return x\n",
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    print(f'{x!r}')  # expect: TSL115\n    return x\n",
    )

    @classmethod
    def fixable(cls) -> bool:
        return True

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if node.conversion is not None:
            self.report(node, message=f"f-string conversion !{node.conversion} is not supported in TorchScript",
                        fix=self._fix(node))
        elif node.format_spec is not None:
            self.report(node, message="f-string format specs are not supported in TorchScript", fix=self._fix(node))

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
