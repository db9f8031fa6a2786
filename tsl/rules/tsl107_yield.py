import libcst as cst

from tsl.rules.base import Rule


class Yield(Rule):
    """Generators (`yield`, `yield from`) cannot be compiled.

    Fix: build and return a list instead.
    """

    code = "TSL107"
    name = "yield"
    message = "yield is not supported in TorchScript"
    compiler_message = "Yield aren't supported"
    hint = "collect the values in a list and return it"
    valid = (
        "import torch\nfrom typing import List\n\n@torch.jit.script\ndef f(x: torch.Tensor) -> List[torch.Tensor]:\n    out: List[torch.Tensor] = []\n    out.append(x)\n    return out\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    yield x  # expect: TSL107\n",
    )

    def visit_Yield(self, node: cst.Yield) -> None:
        self.report(node)
