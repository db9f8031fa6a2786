import libcst as cst

from tsl.rules.base import Rule


class Lambda(Rule):
    """TorchScript cannot compile lambda expressions.

    The frontend rejects every `lambda` in a compiled function, even in a branch
    that never runs, because the whole function is parsed before anything is emitted.

    Fix: define a module-level function (which is compiled too) and call it.
    """

    code = "TSL101"
    name = "lambda"
    message = "lambda is not supported in TorchScript"
    compiler_message = "Lambda aren't supported"
    hint = "define a named function at module level and call it"
    valid = (
        "import torch\n\ndef double(a: torch.Tensor) -> torch.Tensor:\n    return a * 2\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    return double(x)\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    g = lambda a: a * 2  # expect: TSL101\n    return g(x)\n",
    )

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.report(node)
