from typing import Optional

import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, GLOBAL_DEFINITIONS
from tsl.model.index import ClassInfo
from tsl.model.values import global_values
from tsl.rules.base import Invalid, Rule, Valid

FUNCTION_BASES = frozenset({
    "torch.autograd.Function", "torch.autograd.function.Function", "torch.autograd.function.InplaceFunction",
    "torch.autograd.function.NestedIOFunction", "torch.autograd.function._SingleLevelFunction",
})


class AutogradFunctionApply(Rule):
    """Compiled code calls `Fn.apply(...)` of a `torch.autograd.Function` subclass.

    `apply` is a builtin method of the Function's metaclass, not a Python
    function, and from torch 2.14 the compiler rejects the call ("Python builtin
    `apply` of FunctionMeta is not supported"). torch 2.13 still scripts it, so
    the rule holds only when the target is torch 2.14 or newer. A module-level
    alias (`double = Double.apply`) called from compiled code fails the same way.

    Fix: call it from a `@torch.jit.ignore` helper (an ignored function stays a
    Python call: the module then cannot be saved with torch.jit.save), guard it
    with `if not torch.jit.is_scripting():`, or write the operation with torch
    ops whose gradients TorchScript knows.
    """

    code = "TSL503"
    name = "autograd-function-apply"
    reads = frozenset({COMPILED_BODIES, GLOBAL_DEFINITIONS})
    message = "autograd.Function.apply cannot be called from TorchScript (torch 2.14 and newer)"
    emitted_only = True
    compiler_message = "Python builtin <built-in method apply of FunctionMeta object> is currently not supported"
    hint = "call it from a @torch.jit.ignore helper, or guard it with `if not torch.jit.is_scripting():`"
    min_torch = "2.14"
    examples = (
        Invalid("""
            import torch


            class Double(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x * 2

                @staticmethod
                def backward(ctx, grad):
                    return grad * 2


            class Net(torch.nn.Module):
                def forward(self, x):
                    return Double.apply(x)  # expect: TSL503
        """),
        Invalid("""
            import torch
            from torch.autograd import Function


            class Double(Function):
                @staticmethod
                def forward(ctx, x):
                    return x * 2

                @staticmethod
                def backward(ctx, grad):
                    return grad * 2


            double = Double.apply


            class Net(torch.nn.Module):
                def forward(self, x):
                    return double(x) + 1  # expect: TSL503
        """),
        Valid("""
            import torch


            class Double(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x * 2

                @staticmethod
                def backward(ctx, grad):
                    return grad * 2


            @torch.jit.ignore
            def double(x: torch.Tensor) -> torch.Tensor:
                return Double.apply(x)


            class Net(torch.nn.Module):
                def forward(self, x):
                    if not torch.jit.is_scripting():
                        x = Double.apply(x)
                    return double(x)
        """),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name):
            func = self._global_alias(func)
        if isinstance(func, cst.Attribute) and func.attr.value == "apply" and self._is_function(func.value):
            name = self.ctx.file.module.code_for_node(func.value)
            self.report(node, message=f"{name}.apply (a torch.autograd.Function) cannot be called from "
                                      "TorchScript on torch 2.14 and newer")

    def _is_function(self, expr: cst.BaseExpression) -> bool:
        names = self.qualified_names(expr)
        if names & FUNCTION_BASES:
            return False  # Function.apply itself: not a user's Function
        target = self.ctx.program.lookup(names)
        if not isinstance(target, ClassInfo):
            return False
        return any(base & FUNCTION_BASES for klass in self.ctx.program.mro(target) for base in klass.bases)

    def _global_alias(self, name: cst.Name) -> Optional[cst.BaseExpression]:
        """The value of the one module-level assignment name reads, if it is `X.apply`."""
        values = global_values(self.ctx.file, name)
        return values[0] if values and len(values) == 1 and isinstance(values[0], cst.Attribute) else None
