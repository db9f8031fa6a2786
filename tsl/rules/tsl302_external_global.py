import libcst as cst

from tsl.analysis.values import global_kind
from tsl.rules.base import Rule


class ExternalGlobal(Rule):
    """Compiled code cannot read module-level variables that hold values.

    Globals holding an int, float, bool, str, tuple, list, dict or Tensor fail
    with "python value of type 'float' cannot be used as a value". Modules,
    functions, classes and attributes of modules (`math.pi`, `config.SCALE`) are
    fine.

    Fix: make it a module attribute (a `Final` class attribute or an entry in
    `__constants__`), pass it as a parameter, or read it as `module.CONST`.
    """

    code = "TSL302"
    name = "external-global"
    message = "module-level variable used in compiled code"
    emitted_only = True
    compiler_message = "python value of type 'float' cannot be used as a value"
    hint = "store it on the module as a Final attribute, or pass it as a parameter"
    valid = (
        "import math\nimport torch\nfrom typing import Final\n\nclass Net(torch.nn.Module):\n    scale: Final[float] = 2.0\n\n    def forward(self, x):\n        return x * self.scale * math.pi\n",
    )
    invalid = (
        "import torch\n\nSCALE = 2.0\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return x * SCALE  # expect: TSL302\n",
        "import torch\n\nSIZES = [1, 2]\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    return x + SIZES[0]  # expect: TSL302\n",
    )

    def visit_Name(self, node: cst.Name) -> None:
        parent = self.ctx.file.parent(node)
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return
        if isinstance(parent, cst.Call) and parent.func is node:
            return
        kind = global_kind(self.ctx.file, node)
        if kind is None or kind == "Logger":
            return
        self.report(
            node,
            message=f"global '{node.value}' ({kind}) cannot be used in compiled code",
        )
