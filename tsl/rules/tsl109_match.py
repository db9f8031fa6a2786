
from tsl.rules.base import Rule


class Match(Rule):
    """`match` statements are not supported.

    Fix: use if/elif chains.
    """

    code = "TSL109"
    name = "match"
    message = "match statements are not supported in TorchScript"
    compiler_message = "Match aren't supported"
    hint = "rewrite as an if/elif chain"
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    if x == 1:\n        return 10\n    return x\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    match x:  # expect: TSL109\n        case 1:\n            return 10\n    return x\n",
    )

    def visit_Match(self, node) -> None:
        self.report(node)
