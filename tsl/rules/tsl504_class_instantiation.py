from typing import Optional

import libcst as cst

from tsl.model.index import ClassInfo
from tsl.model.torch_tables import UNINSTANTIABLE_CLASSES
from tsl.rules.base import Invalid, Rule, Valid
from tsl.rules.tsl503_autograd_function_apply import FUNCTION_BASES

VARIABLE = frozenset({"torch.autograd.Variable", "torch.autograd.variable.Variable"})


class ClassInstantiation(Rule):
    """Compiled code builds an object of a class the compiler cannot instantiate.

    The compiler instantiates only TorchScript classes: plain classes whose
    methods it compiles. It refuses an `nn.Module` subclass (torch's own, such
    as `nn.Conv2d(...)` or `nn.Softmax(dim=1)`, or one of yours) with "Cannot
    instantiate class 'X' in a script function" (or "Class X does not have an
    __init__ function defined" when the class is also compiled as a module),
    and `nn.Parameter`.
    `torch.autograd.Variable(x)` fails with "Class Variable does not have an
    __init__ function defined", and so does a `torch.autograd.Function`
    subclass (`MyFunction()(x)`). The `torch.distributions` classes are
    compiled as TorchScript classes whose methods do not compile.

    Fix: build modules in `__init__` and call them in `forward`; use the
    functional form (`F.softmax(x, dim=1)`, `F.adaptive_avg_pool2d(x, 1)`);
    drop `Variable(...)` (a Tensor is a Variable); move distributions into a
    `@torch.jit.ignore` helper or write the formula with torch ops.
    """

    code = "TSL504"
    name = "class-instantiation"
    message = "compiled code cannot instantiate this class"
    emitted_only = True
    compiler_message = "Cannot instantiate class 'Softmax' in a script function"
    hint = "build modules in __init__, or use the functional form (torch.nn.functional)"
    examples = (
        Invalid("""
            import torch
            import torch.nn.functional as F
            from torch import nn


            class Net(nn.Module):
                def forward(self, x):
                    return nn.Softmax(dim=1)(x)  # expect: TSL504
        """),
        Invalid("""
            import torch
            from torch.autograd import Variable


            @torch.jit.script
            def f(x: torch.Tensor):
                return Variable(x) * 2  # expect: TSL504
        """),
        Invalid("""
            import torch
            from torch import nn


            class Scale(nn.Module):
                def __init__(self, factor: float = 2.0):
                    super().__init__()
                    self.factor = factor

                def forward(self, x):
                    return self.halved(x)

                def halved(self, x):
                    half = Scale(self.factor / 2)  # expect: TSL504
                    return x * half.factor
        """),
        Invalid("""
            import torch


            class Net(torch.nn.Module):
                def forward(self, mu, sigma):
                    return torch.distributions.Normal(mu, sigma).rsample()  # expect: TSL504
        """),
        Invalid("""
            import torch


            class Clip(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x.clamp(0, 1)


            class Net(torch.nn.Module):
                def forward(self, x):
                    return Clip()(x)  # expect: TSL504
        """),
        Valid("""
            import torch
            import torch.nn.functional as F
            from torch import nn


            class Box:
                def __init__(self, x: torch.Tensor):
                    self.x = x


            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.softmax = nn.Softmax(dim=1)

                def forward(self, x, h=None):
                    if not torch.jit.is_scripting():
                        x = nn.ReLU()(x)
                    if h is None:  # h is a Tensor: the compiler drops this branch
                        h = nn.Identity()(x)
                    return self.softmax(x) + F.softmax(x, dim=1) + Box(x).x + h
        """),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, (cst.Name, cst.Attribute)):
            return  # `Cls(...)(x)`: the inner call is the one
        what = self._uninstantiable(self.qualified_names(node.func))
        if what:
            name = self.ctx.file.module.code_for_node(node.func)
            self.report(node, message=f"compiled code cannot instantiate {name} ({what})")

    def _uninstantiable(self, names: set[str]) -> Optional[str]:
        target = self.ctx.program.lookup(names)
        if isinstance(target, ClassInfo):
            if self.ctx.program.is_module(target):
                return "an nn.Module: build it in __init__"
            if "__init__" not in target.methods and self._is_function(target):
                return "a torch.autograd.Function: call Function.apply outside compiled code"
            return None
        if target is not None:
            return None
        if names & VARIABLE:
            return "torch.autograd.Variable: a Tensor is a Variable"
        for name in sorted(names & UNINSTANTIABLE_CLASSES):
            if name.startswith("torch.distributions."):
                return "a torch.distributions class"
            if name.endswith(("Parameter", "Buffer")):
                return "a Parameter or Buffer: create it in __init__"
            return "an nn.Module: build it in __init__"
        return None

    def _is_function(self, klass: ClassInfo) -> bool:
        return any(base & FUNCTION_BASES for current in self.ctx.program.mro(klass) for base in current.bases)
