import libcst as cst

from tsl.analysis.types import attributes, self_attribute
from tsl.rules.base import Rule

INDEXED = {"ModuleList", "Sequential"}


def container_kind(rule: Rule, node: cst.CSTNode):
    """'ModuleList', 'Sequential' or 'ModuleDict' when node is self.X and every value of X is one."""
    name = self_attribute(node)
    owner = rule.ctx.compiled.owner if rule.ctx.compiled is not None else None
    if name is None or owner is None:
        return None
    attrs = attributes(rule.ctx.program, owner)
    kinds = attrs.kinds(name)
    if len(kinds) == 1 and name not in attrs.declared:
        kind = next(iter(kinds))
        if kind in ("ModuleList", "Sequential", "ModuleDict"):
            return kind
    return None


def _int_literal(expr) -> bool:
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        expr = expr.expression
    return isinstance(expr, cst.Integer)


class ModuleIndex(Rule):
    """A ModuleList or Sequential indexed by a variable, or a ModuleDict indexed
    by anything but a string literal.

    TorchScript unrolls module containers at compile time, so each index must be
    a literal: `self.layers[0]` works, `self.layers[i]` does not.

    Fix: iterate (`for layer in self.layers:`, `enumerate(self.layers)`,
    `zip(self.layers, ...)`), or index with literals.
    """

    code = "TSL401"
    name = "module-container-index"
    message = "module containers can only be indexed with literals"
    emitted_only = True
    compiler_message = ("Expected integer literal for index but got a variable or non-integer. "
                        "ModuleList/Sequential indexing is only supported with integer literals.")
    hint = "iterate over the container (for layer in self.layers) instead of indexing it"
    valid = (
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU()])\n"
        "        self.heads = nn.ModuleDict({'a': nn.ReLU()})\n\n    def forward(self, x):\n"
        "        for i, layer in enumerate(self.layers):\n            x = layer(x)\n"
        "        return self.layers[-1](x) + self.heads['a'](x)\n",
    )
    invalid = (
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU()])\n\n"
        "    def forward(self, x):\n        for i in range(2):\n"
        "            x = self.layers[i](x)  # expect: TSL401\n        return x\n",
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.heads = nn.ModuleDict({'a': nn.ReLU()})\n\n"
        "    def forward(self, x, key: str):\n        return self.heads[key](x)  # expect: TSL401\n",
    )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        kind = container_kind(self, node.value)
        if kind is None or len(node.slice) != 1:
            return
        index = node.slice[0].slice
        if not isinstance(index, cst.Index):
            return  # slices: TSL403
        value = index.value
        if kind in INDEXED and not _int_literal(value):
            self.report(node, message=f"{kind} indexed by a non-literal; TorchScript needs an integer literal")
        elif kind == "ModuleDict" and not isinstance(value, cst.SimpleString):
            self.report(node, message="ModuleDict indexed by a non-literal; TorchScript needs a string literal")
