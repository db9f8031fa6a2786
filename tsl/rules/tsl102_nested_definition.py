import libcst as cst

from tsl.rules.base import Rule


class NestedDefinition(Rule):
    """Functions and classes defined inside a compiled function are not supported.

    Fix: move the definition to module level.
    """

    code = "TSL102"
    name = "nested-definition"
    message = "nested function or class definitions are not supported in TorchScript"
    compiler_message = "function definitions aren't supported"
    hint = "move the definition to module level"
    valid = (
        "import torch\n\ndef inner(a: torch.Tensor) -> torch.Tensor:\n    return a + 1\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    return inner(x)\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    def inner(a: torch.Tensor) -> torch.Tensor:  # expect: TSL102\n        return a + 1\n    return inner(x)\n",
        "import torch\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        class Box:  # expect: TSL102\n            pass\n        return x\n",
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.report(node.name, message="nested function definitions are not supported in TorchScript")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.report(node.name, message="nested class definitions are not supported in TorchScript")
