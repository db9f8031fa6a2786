import libcst as cst

from tsl.rules.base import Rule


class Try(Rule):
    """try/except/finally blocks are not supported in TorchScript.

    This holds even inside `if not torch.jit.is_scripting():`, because the
    function is parsed before dead branches are dropped.

    Fix: move the try block into a helper decorated with @torch.jit.ignore,
    or check the condition explicitly and raise.
    """

    code = "TSL103"
    name = "try-block"
    message = "try blocks are not supported in TorchScript"
    compiler_message = "try blocks aren't supported"
    hint = "move the try block into a @torch.jit.ignore helper"
    valid = (
        "import torch\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return self.safe(x)\n\n    @torch.jit.ignore\n    def safe(self, x: torch.Tensor) -> torch.Tensor:\n        try:\n            return x.numpy().sum()\n        except Exception:\n            return x\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    try:  # expect: TSL103\n        x = x + 1\n    except Exception:\n        pass\n    return x\n",
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    if not torch.jit.is_scripting():\n        try:  # expect: TSL103\n            x = x + 1\n        finally:\n            pass\n    return x\n",
    )

    def visit_Try(self, node: cst.Try) -> None:
        self.report(node)

    def visit_TryStar(self, node) -> None:
        self.report(node)
