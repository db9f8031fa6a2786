import libcst as cst

from tsl.rules.base import Rule


class KeywordExpansion(Rule):
    """`f(**d)` and `{**d}` are not supported.

    Fix: pass the keyword arguments explicitly; build the dict with update().
    """

    code = "TSL113"
    name = "keyword-expansion"
    message = "** expansion is not supported in TorchScript"
    compiler_message = "keyword-arg expansion is not supported"
    hint = "pass keyword arguments explicitly"
    valid = (
        "import torch\nfrom typing import Dict\n\n@torch.jit.script\ndef f(x: Dict[str, int]):\n    d: Dict[str, int] = {}\n    d.update(x)\n    return d\n",
    )
    invalid = (
        "import torch\n\ndef g(a: int) -> int:\n    return a\n\n@torch.jit.script\ndef f(x: int):\n    d = {'a': x}\n    return g(**d)  # expect: TSL113\n",
        "import torch\nfrom typing import Dict\n\n@torch.jit.script\ndef f(x: Dict[str, int]):\n    d = {**x}  # expect: TSL113\n    return d\n",
    )

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.star == "**":
            self.report(node, message="keyword-argument expansion (**) is not supported in TorchScript")

    def visit_StarredDictElement(self, node: cst.StarredDictElement) -> None:
        self.report(node, message="dict expansion ({**d}) is not supported in TorchScript")
