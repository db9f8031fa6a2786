import libcst as cst

from tsl.rules.base import Rule


class BytesLiteral(Rule):
    """Bytes literals (`b"..."`) are not supported.

    Fix: use a str, or a tensor of uint8.
    """

    code = "TSL117"
    name = "bytes-literal"
    message = "bytes literals are not supported in TorchScript"
    compiler_message = "Unknown Constant expression type"
    hint = "use a str, or a uint8 tensor"
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    s = 'a'\n    return x\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    b = b'a'  # expect: TSL117\n    return x\n",
    )

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "b" in node.prefix.lower():
            self.report(node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        return True
