import libcst as cst

from tsl.rules.base import Rule
from tsl.rules.tsl401_module_index import container_kind


class ModuleSlice(Rule):
    """A slice of a ModuleList or Sequential, or `reversed()` of one.

    TorchScript turns a sliced module container into a tuple of modules it
    cannot call or iterate as modules, and has no `reversed` for them.

    Fix: iterate over the whole container with `enumerate` and skip by index
    with an `if`, or build a second container in `__init__` (for example
    `self.rev = nn.ModuleList(reversed(layers))`).
    """

    code = "TSL403"
    name = "module-container-slice"
    message = "module containers cannot be sliced or reversed"
    emitted_only = True
    compiler_message = "'__torch__...ReLU' object has no attribute or method '__call__'"
    hint = "build the sliced or reversed container in __init__"
    valid = (
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        layers = [nn.ReLU(), nn.ReLU()]\n"
        "        self.layers = nn.ModuleList(layers)\n        self.rev = nn.ModuleList(layers[::-1])\n\n"
        "    def forward(self, x):\n        for layer in self.rev:\n            x = layer(x)\n        return x\n",
    )
    invalid = (
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU()])\n\n"
        "    def forward(self, x):\n        for layer in self.layers[1:]:  # expect: TSL403\n"
        "            x = layer(x)\n        return x\n",
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU()])\n\n"
        "    def forward(self, x):\n        for layer in reversed(self.layers):  # expect: TSL403\n"
        "            x = layer(x)\n        return x\n",
    )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
            kind = container_kind(self, node.value)
            if kind in ("ModuleList", "Sequential"):
                self.report(node, message=f"slicing a {kind} is not supported in TorchScript")

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "reversed" and len(node.args) == 1:
            kind = container_kind(self, node.args[0].value)
            if kind in ("ModuleList", "Sequential"):
                self.report(node, message=f"reversed() of a {kind} is not supported in TorchScript")
