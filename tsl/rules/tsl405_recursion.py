import libcst as cst

from tsl.rules.base import Rule


class Recursion(Rule):
    """A compiled function or method that calls itself.

    TorchScript inlines calls and has no recursion.

    Fix: rewrite the recursion as a loop.
    """

    code = "TSL405"
    name = "recursion"
    message = "recursive calls are not supported in TorchScript"
    emitted_only = True
    compiler_message = "function 'g' is called recursively. Recursive calls are not supported"
    hint = "rewrite it as a loop"
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor, n: int) -> torch.Tensor:\n"
        "    for _ in range(n):\n        x = x * 2\n    return x\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor, n: int) -> torch.Tensor:\n"
        "    if n == 0:\n        return x\n    return f(x * 2, n - 1)  # expect: TSL405\n",
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        return self.depth(x, 2)\n\n    def depth(self, x: torch.Tensor, n: int) -> torch.Tensor:\n"
        "        if n == 0:\n            return x\n        return self.depth(x, n - 1)  # expect: TSL405\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        function = self.ctx.function
        func = node.func
        if function.class_name is not None:
            if (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"
                    and func.attr.value == function.name):
                self.report(node, message=f"method '{function.name}' calls itself; recursion is not supported")
        elif isinstance(func, cst.Name) and func.value == function.name:
            file = self.ctx.file
            own = f"{file.module_name}.{function.name}" if file.module_name else function.name
            if own in self.qualified_names(func):
                self.report(node, message=f"function '{function.name}' calls itself; recursion is not supported")
