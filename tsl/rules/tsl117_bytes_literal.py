import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid


class BytesLiteral(Rule):
    """Bytes literals (`b"..."`) are not supported.

    Fix: use a str, or a tensor of uint8.
    """

    code = "TSL117"
    name = "bytes-literal"
    message = "bytes literals are not supported in TorchScript"
    compiler_message = "Unknown Constant expression type"
    hint = "use a str, or a uint8 tensor"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: int):
                b = b'a'  # expect: TSL117
                return x
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: int):
                s = 'a'
                return x
        """),
    )

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "b" in node.prefix.lower():
            self.report(node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        return True
