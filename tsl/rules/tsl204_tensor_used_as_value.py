import libcst as cst

from tsl.model.torch_tables import TENSOR_ATTRIBUTES, UNSUPPORTED_TENSOR_METHODS, UNSUPPORTED_TENSOR_PROPERTIES
from tsl.model.types import param_types, rebound, type_tested
from tsl.rules.base import Invalid, Rule, Valid

LIST_OPS = {"torch.cat", "torch.concat", "torch.concatenate", "torch.stack", "torch.hstack", "torch.vstack",
            "torch.dstack"}


class TensorUsedAsValue(Rule):
    """A parameter typed Tensor (by annotation, or because it has none) used as
    something else: unpacked as a tuple, or asked for a method Tensor lacks
    (`.append`, `.items`, `.keys`, ...), passed to `torch.cat`/`torch.stack`,
    which need a list, or called like a function or module (a Tensor with a
    default of None is still one: "cannot call a value of type 'Tensor'").

    TorchScript types an unannotated parameter as Tensor, so code written for a
    tuple, list or dict argument fails to compile. A parameter that the function
    rebinds or tests with isinstance() is not judged.

    Fix: annotate the parameter with its real type, e.g. `size: Tuple[int, int]`
    or `features: List[torch.Tensor]`.
    """

    code = "TSL204"
    name = "tensor-used-as-value"
    message = "a Tensor-typed parameter is used as another type"
    emitted_only = True
    compiler_message = "Tensor (inferred) cannot be used as a tuple"
    hint = "annotate the parameter with its real type"
    examples = (
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x, size):
                    h, w = size  # expect: TSL204
                    return x
        """),
        Invalid("""
            import torch

            @torch.jit.script
            def f(x, feats):
                feats.append(x)  # expect: TSL204
                return x
        """),
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, xs):
                    return torch.cat(xs, dim=1)  # expect: TSL204
        """),
        Invalid("""
            import torch

            @torch.jit.script
            def f(x, pairs):
                for a, b in pairs:  # expect: TSL204
                    x = x + a
                return x
        """),
        Invalid("""
            import torch
            from torch import nn

            class Residual(nn.Module):
                def forward(self, x, sublayer, dropout=None):
                    y = sublayer(x)  # expect: TSL204
                    if dropout is not None:
                        y = dropout(y)  # expect: TSL204
                    return x + y
        """),
        Valid("""
            import torch
            from typing import List, Tuple

            @torch.jit.script
            def f(x, size: Tuple[int, int], feats: List[torch.Tensor]):
                h, w = size
                feats.append(x)
                return x.view(h, w)
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        params = param_types(self.ctx.function)
        skip = rebound(node) | type_tested(node)
        self.params = params
        self.tensors = {
            name: p for name, p in params.items()
            if p.kind == "Tensor" and p.node.default is None and name not in skip
        }
        self.callees = set(self.tensors) | {
            name for name, p in params.items() if p.kind == "Tensor" and name not in skip
            and isinstance(p.node.default, cst.Name) and p.node.default.value == "None"
        }

    def _describe(self, name: str) -> str:
        p = self.tensors[name]
        return "Tensor (inferred)" if not p.annotated else "Tensor"

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Name) and node.value.value in self.tensors:
            if any(isinstance(t.target, (cst.Tuple, cst.List)) for t in node.targets):
                name = node.value.value
                self.report(node, message=f"parameter '{name}' is a {self._describe(name)} and cannot be unpacked "
                                          "as a tuple", hint=f"annotate it, e.g. {name}: Tuple[int, int]")

    def visit_For(self, node: cst.For) -> None:
        if isinstance(node.iter, cst.Name) and node.iter.value in self.tensors and isinstance(
                node.target, (cst.Tuple, cst.List)):
            name = node.iter.value
            self.report(node, message=f"parameter '{name}' is a {self._describe(name)}: its elements are Tensors "
                                      "and cannot be unpacked", hint=f"annotate it, e.g. {name}: List[Tuple[int, int]]")

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in self.callees:
            name = node.func.value
            what = "Tensor" if self.params[name].annotated else "Tensor (inferred)"
            self.report(node, message=f"parameter '{name}' is a {what} and cannot be called",
                        hint=f"pass the module or function another way (an attribute set in __init__), or "
                             f"annotate '{name}' with its real type")
            return
        if not node.args or node.args[0].keyword is not None:
            return
        first = node.args[0].value
        if not (isinstance(first, cst.Name) and first.value in self.tensors):
            return
        names = self.qualified_names(node.func) & LIST_OPS
        if names:
            name = first.value
            op = sorted(names)[0]
            self.report(node, message=f"{op}() needs a list of tensors, but parameter '{name}' is a "
                                      f"{self._describe(name)}", hint=f"annotate it: {name}: List[torch.Tensor]")

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not isinstance(node.value, cst.Name) or node.value.value not in self.tensors:
            return
        attr = node.attr.value
        if attr in TENSOR_ATTRIBUTES or attr in UNSUPPORTED_TENSOR_METHODS or attr in UNSUPPORTED_TENSOR_PROPERTIES:
            return
        name = node.value.value
        self.report(node, message=f"parameter '{name}' is a {self._describe(name)}, which has no attribute or "
                                  f"method '{attr}'")
