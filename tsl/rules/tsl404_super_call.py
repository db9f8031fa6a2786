import libcst as cst

from tsl.rules.base import Rule


class SuperCall(Rule):
    """`super().method(...)` in a compiled method.

    TorchScript has no `super()`: it compiles only the methods of the
    scripted class, and `super().forward(x)` fails to resolve.

    Fix: call the parent's code through a helper defined on this class, or
    copy the parent's computation into the method.
    """

    code = "TSL404"
    name = "super-call"
    message = "super() calls are not supported in compiled methods"
    emitted_only = True
    compiler_message = "'Tensor' object has no attribute or method 'forward'"
    hint = "inline the parent's code or move it into a method of this class"
    valid = (
        "import torch\nfrom torch import nn\n\nclass Base(nn.Module):\n    def scale(self, x):\n"
        "        return x * 2\n\nclass Net(Base):\n    def __init__(self):\n        super().__init__()\n\n"
        "    def forward(self, x):\n        return self.scale(x)\n",
    )
    invalid = (
        "import torch\nfrom torch import nn\n\nclass Net(nn.Linear):\n    def __init__(self):\n"
        "        super().__init__(2, 2)\n\n    def forward(self, x):\n"
        "        return super().forward(x)  # expect: TSL404\n",
    )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        value = node.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "super":
            if "builtins.super" in self.qualified_names(value.func) or not self.qualified_names(value.func):
                self.report(node, message=f"super().{node.attr.value} is not supported in TorchScript")
