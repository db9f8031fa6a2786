import libcst as cst

from tsl.analysis.values import global_kind
from tsl.rules.base import Rule

IO_PREFIXES = ("logging.", "time.", "os.", "random.", "sys.stdout.", "sys.stderr.", "sys.stdin.")


class SideEffect(Rule):
    """Calls with side effects the compiler cannot compile: logging, file and
    OS access, clocks, Python's random module, and warnings with a category.

    `print()` and `warnings.warn("message")` are fine: both script. Code under
    `if not torch.jit.is_scripting():` is never emitted, so calls there are fine too.

    Fix: guard the call with `if not torch.jit.is_scripting():`, or move it
    into a helper decorated with @torch.jit.ignore.
    """

    code = "TSL301"
    name = "side-effect"
    message = "this call cannot be compiled by TorchScript"
    emitted_only = True
    compiler_message = "Python builtin <built-in function open> is currently not supported in Torchscript"
    hint = "guard it with `if not torch.jit.is_scripting():` or move it to a @torch.jit.ignore helper"
    valid = (
        "import logging\nimport torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    print('shape', x.shape)\n    if not torch.jit.is_scripting():\n        logging.info('eager only')\n    return x\n",
        "import warnings\nimport torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    warnings.warn('careful')\n    return x\n",
    )
    invalid = (
        "import logging\nimport torch\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        logging.info('forward')  # expect: TSL301\n        return x\n",
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    open('log.txt')  # expect: TSL301\n    return x\n",
        "import time\nimport torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    t = time.time()  # expect: TSL301\n    return x\n",
        "import warnings\nimport torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    warnings.warn('careful', UserWarning)  # expect: TSL301\n    return x\n",
        "import logging\nimport torch\n\nlogger = logging.getLogger(__name__)\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    logger.info('x')  # expect: TSL301\n    return x\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        for name in sorted(names):
            if name.startswith(IO_PREFIXES) or name == "builtins.open":
                self.report(node, message=f"{name}() is a side effect TorchScript cannot compile")
                return
            if name == "warnings.warn" and (len(node.args) > 1 or any(
                arg.keyword is not None and arg.keyword.value == "category" for arg in node.args
            )):
                self.report(node, message="warnings.warn() with a category cannot be compiled by TorchScript",
                             hint="drop the category (a plain warnings.warn(message) scripts)")
                return
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            if global_kind(self.ctx.file, func.value) == "Logger":
                self.report(node, message=f"logger call {func.value.value}.{func.attr.value}() cannot be compiled")
