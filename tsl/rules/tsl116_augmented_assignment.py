import libcst as cst

from tsl.fix import toolkit
from tsl.rules.base import Rule


class UnsupportedAugmentedAssignment(Rule):
    """`//=` and `@=` are not supported (other augmented assignments are).

    Fix: write `x = x // y` or `x = x @ y`.

    Autofix: `x //= y` becomes `x = x // (y)` and `x @= y` becomes `x = x @ (y)`
    (parentheses only when y is not an atom). Safe when the target is known to
    be an int or float (for //=) or a Tensor (for @=, which Tensor runs out of
    place anyway); otherwise unsafe, because `t //= y` on a Tensor works in place
    and the rewrite does not. Targets that are not plain names or attribute and
    index chains of names get no fix (they would be evaluated twice).
    """

    code = "TSL116"
    name = "unsupported-augmented-assignment"
    message = "this augmented assignment is not supported in TorchScript"
    compiler_message = "unsupported kind of augmented assignment: FloorDiv"
    hint = "spell it out: x = x // y"
    valid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    x = x // 2\n    x += 1\n    return x\n",
    )
    invalid = (
        "import torch\n\n@torch.jit.script\ndef f(x: int):\n    x //= 2  # expect: TSL116\n    return x\n",
        "import torch\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    x @= x  # expect: TSL116\n    return x\n",
    )

    @classmethod
    def fixable(cls) -> bool:
        return True

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.FloorDivideAssign):
            self.report(node, message="//= is not supported in TorchScript; write x = x // y",
                        fix=self._fix(node, "//", ("int",), ("float",)))
        elif isinstance(node.operator, cst.MatrixMultiplyAssign):
            self.report(node, message="@= is not supported in TorchScript; write x = x @ y",
                        fix=self._fix(node, "@", ("Tensor",)))

    @toolkit.guarded
    def _fix(self, node: cst.AugAssign, operator: str, *safe_types):
        if not toolkit.pure(node.target) or toolkit.contains_comment(node.target):
            return None
        file = self.ctx.file
        target = toolkit.source(file, node.target)
        text = f"{target} = {target} {operator} {toolkit.operand(file, node.value)}"
        safe = toolkit.types_for(self.ctx).of(node.target) in safe_types
        return toolkit.fix(f"rewrite as {target} = {target} {operator} ...", [toolkit.replace(file, node, text)], safe)
