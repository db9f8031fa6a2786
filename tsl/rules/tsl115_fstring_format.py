import libcst as cst

from tsl.rules.base import Rule


class FStringFormat(Rule):
    """f-strings may not use conversions (`!r`, `!s`) or format specs (`:3d`).

    Plain f-strings such as `f"{x} items"` script fine.

    Fix: drop the conversion or spec, or format in a @torch.jit.ignore helper.
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

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if node.conversion is not None:
            self.report(node, message=f"f-string conversion !{node.conversion} is not supported in TorchScript")
        elif node.format_spec is not None:
            self.report(node, message="f-string format specs are not supported in TorchScript")
