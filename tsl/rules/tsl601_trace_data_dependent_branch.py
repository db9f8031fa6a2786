import re

import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, TRACE_CALLS
from tsl.frontend.walk import iter_nodes
from tsl.finding import WARNING
from tsl.rules.base import Invalid, Rule, Valid

TRACE = {"torch.jit.trace", "torch.jit._trace.trace", "torch.jit.trace_module"}
_TRACE_WORD = re.compile(r"\btrace(?:_module)?\b")
REDUCTIONS = {"item", "sum", "mean", "max", "min", "any", "all", "abs", "norm", "prod", "std", "var", "amax",
              "amin", "allclose", "equal", "count_nonzero"}
TORCH_PREDICATES = {"torch.any", "torch.all", "torch.equal", "torch.allclose", "torch.isnan", "torch.isinf",
                    "torch.is_nonzero", "torch.count_nonzero"}


def traced_names(rule: Rule) -> set[str]:
    """Absolute names passed to torch.jit.trace(...) in this file (X or X(...))."""
    file = rule.ctx.file
    cache = file.__dict__.setdefault("_tsl_traced", None)
    if cache is not None:
        return cache
    found: set[str] = set()
    if _TRACE_WORD.search(file.text):  # trace is reached through a name spelled trace or trace_module
        for node in iter_nodes(file.module):
            if isinstance(node, cst.Call) and node.args and file.qualified_names(node.func) & TRACE:
                target = node.args[0].value
                if isinstance(target, cst.Call):
                    target = target.func
                found |= file.qualified_names(target)
    file.__dict__["_tsl_traced"] = found
    return found


class TraceDataDependentBranch(Rule):
    """Trace hazard (a warning): data-dependent control flow in code passed to `torch.jit.trace`.

    Tracing runs the code once and records the operations that ran; an `if` or
    `while` on a tensor's values (`if diff.abs().mean() > 1.0:`, `.item()` in a
    condition) is frozen to the branch the example input took, silently. The
    code traces and scripts; the traced graph is wrong for other inputs.

    Fix: use `torch.jit.script` for this module (it keeps the branch), or
    compute both branches and select with `torch.where`.
    """

    code = "TSL601"
    name = "trace-data-dependent-branch"
    reads = frozenset({COMPILED_BODIES, TRACE_CALLS})
    message = "data-dependent control flow is recorded as one fixed branch by torch.jit.trace"
    severity = WARNING
    emitted_only = True
    hint = "script this module (torch.jit.script) or use torch.where"
    examples = (
        Invalid("""
            import torch

            class Loss(torch.nn.Module):
                def forward(self, diff):
                    if diff.abs().mean() > 1.0:  # expect: TSL601
                        return diff.abs().mean() - 0.5
                    return 0.5 * (diff ** 2).mean()

            traced = torch.jit.trace(Loss(), torch.ones(3))
        """),
        Valid("""
            import torch

            class Loss(torch.nn.Module):
                def forward(self, diff):
                    return torch.where(diff.abs() > 1.0, diff.abs() - 0.5, 0.5 * diff ** 2).mean()

            traced = torch.jit.trace(Loss(), torch.ones(3))
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        traced = traced_names(self)
        self.active = False
        if not traced:
            return
        file = self.ctx.file
        prefix = f"{file.module_name}." if file.module_name else ""
        function = self.ctx.function
        owner = self.ctx.compiled.owner
        if owner is not None:
            self.active = prefix + owner.name in traced or owner.name in traced
        else:
            self.active = prefix + function.name in traced or function.name in traced

    def _dependent(self, test) -> bool:
        for node in iter_nodes(test):
            if isinstance(node, cst.Call):
                func = node.func
                if isinstance(func, cst.Attribute) and func.attr.value in REDUCTIONS:
                    root = func.value
                    while isinstance(root, (cst.Call, cst.Attribute, cst.Subscript, cst.BinaryOperation)):
                        root = root.func if isinstance(root, cst.Call) else (
                            root.left if isinstance(root, cst.BinaryOperation) else root.value)
                    if isinstance(root, cst.Name) and root.value != "self":
                        return True
                if self.qualified_names(func) & TORCH_PREDICATES:
                    return True
        return False

    def visit_If(self, node: cst.If) -> None:
        if self.active and self._dependent(node.test):
            self.report(node.test)

    def visit_While(self, node: cst.While) -> None:
        if self.active and self._dependent(node.test):
            self.report(node.test)
