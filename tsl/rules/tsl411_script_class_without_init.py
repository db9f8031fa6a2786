import libcst as cst

from tsl.model.index import ClassInfo
from tsl.rules.base import Rule


class ScriptClassWithoutInit(Rule):
    """Compiled code instantiates a class that has no `__init__`.

    A class used from compiled code becomes a TorchScript class, and the
    compiler needs an `__init__` that assigns its attributes.

    Fix: give the class an `__init__` (it may just `pass`), or make its methods
    module-level functions.
    """

    code = "TSL411"
    name = "script-class-without-init"
    message = "a class without __init__ is instantiated in compiled code"
    emitted_only = True
    compiler_message = "Class C does not have an __init__ function defined"
    hint = "add an __init__ to the class"
    valid = (
        "import torch\n\nclass Counter:\n    def __init__(self):\n        self.n = 1\n\n"
        "    def get(self) -> int:\n        return self.n\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n"
        "    return x + Counter().get()\n",
    )
    invalid = (
        "import torch\n\nclass Counter:\n    def get(self) -> int:\n        return 1\n\n@torch.jit.script\n"
        "def f(x: torch.Tensor):\n    return x + Counter().get()  # expect: TSL411\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        target = self.ctx.program.lookup(self.qualified_names(node.func))
        if isinstance(target, ClassInfo) and target.is_plain and not self.ctx.program.is_module(target):
            if "__init__" not in target.methods and not target.bases:
                self.report(node, message=f"class '{target.name}' has no __init__; TorchScript needs one to "
                                          "instantiate it")
