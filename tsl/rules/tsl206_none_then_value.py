import libcst as cst

from tsl.rules.base import Rule
from tsl.rules.tsl205_partially_defined import flow_issues


class NoneThenValue(Rule):
    """A variable set to None and later assigned a value inside an `if` or loop.

    `y = None` gives y the type NoneType. Assigning a Tensor (or an int, ...)
    to it inside a nested block fails, because the compiler cannot change the
    type of a variable that lives outside the block.

    Fix: annotate the first assignment, `y: Optional[torch.Tensor] = None`.
    """

    code = "TSL206"
    name = "none-then-value"
    message = "variable first set to None is assigned another type in a nested block"
    compiler_message = ("Variable 'y' previously had type NoneType but is now being assigned to a value of type "
                        "Tensor")
    hint = "annotate it: y: Optional[torch.Tensor] = None"
    valid = (
        "import torch\nfrom typing import Optional\n\n@torch.jit.script\ndef f(x: torch.Tensor, flag: bool):\n"
        "    y: Optional[torch.Tensor] = None\n    if flag:\n        y = x\n    z = None\n    z = x\n"
        "    return y, z\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor, flag: bool):\n    y = None\n    if flag:\n"
        "        y = x  # expect: TSL206\n    return x\n",
        "import torch\nfrom typing import List\n\nclass Net(torch.nn.Module):\n"
        "    def forward(self, x, sizes: List[int]):\n        out = None\n        for s in sizes:\n"
        "            out = x * s  # expect: TSL206\n        return x\n",
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        for issue in flow_issues(self, node):
            if issue.kind == "none":
                self.report(issue.node, message=f"'{issue.name}' was set to None (type NoneType) and is assigned "
                                                "another value in a nested block",
                            hint=f"annotate it: {issue.name}: Optional[...] = None")
