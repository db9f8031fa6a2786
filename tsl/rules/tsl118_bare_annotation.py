import libcst as cst

from tsl.rules.base import Rule


class BareAnnotation(Rule):
    """An annotated assignment needs a value: `y: int` alone fails.

    Fix: give it a value (`y: int = 0`), or annotate at the first assignment.
    """

    code = "TSL118"
    name = "bare-annotation"
    message = "annotated assignments without a value are not supported in TorchScript"
    compiler_message = "annotated assignments without assigned value aren't supported"
    hint = "give the variable an initial value"
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    y: int = 1\n    return x + y\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    y: int  # expect: TSL118\n    y = 1\n    return x + y\n",
    )

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is None:
            self.report(node)
