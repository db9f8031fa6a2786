import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid
from tsl.rules.tsl401_module_index import container_kind


def loops_over_container(rule: Rule, iterable) -> bool:
    if container_kind(rule, iterable):
        return True
    if isinstance(iterable, cst.Call):
        func = iterable.func
        if isinstance(func, cst.Name) and func.value in ("enumerate", "zip"):
            return any(container_kind(rule, arg.value) for arg in iterable.args)
        if isinstance(func, cst.Attribute) and func.attr.value in ("items", "values", "keys"):
            return container_kind(rule, func.value) == "ModuleDict"
    return False


class _LoopExits(cst.CSTVisitor):
    def __init__(self):
        self.found = []

    def visit_Break(self, node) -> None:
        self.found.append(node)

    def visit_Continue(self, node) -> None:
        self.found.append(node)

    def visit_For(self, node) -> bool:
        return False

    def visit_While(self, node) -> bool:
        return False

    def visit_FunctionDef(self, node) -> bool:
        return False


class ModuleLoopBreak(Rule):
    """`break` or `continue` in a loop over a ModuleList, Sequential or ModuleDict.

    TorchScript unrolls a loop over a module container, one copy of the body per
    module, so it cannot jump out of it or to its next iteration.

    Fix: guard the rest of the body with an `if` instead of `continue`, and
    use a flag instead of `break`.
    """

    code = "TSL402"
    name = "module-loop-break"
    message = "break/continue inside a loop over a module container"
    emitted_only = True
    compiler_message = ("Because we emit iteration over modulelists or tuples as unrolled loops, we do not support "
                        "break or continue inside the body of these loops")
    hint = "use a flag and an if instead of break/continue"
    examples = (
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU()])

                def forward(self, x):
                    for layer in self.layers:
                        x = layer(x)
                        if x.sum() > 0:
                            break  # expect: TSL402
                    return x
        """),
        Valid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU()])

                def forward(self, x):
                    for layer in self.layers:
                        x = layer(x)
                    for i in range(3):
                        if i == 1:
                            break
                    return x
        """),
    )

    def visit_For(self, node: cst.For) -> None:
        if not loops_over_container(self, node.iter):
            return
        exits = _LoopExits()
        node.body.visit(exits)
        for found in exits.found:
            word = "break" if isinstance(found, cst.Break) else "continue"
            self.report(found, message=f"{word} inside a loop over a module container is not supported")
