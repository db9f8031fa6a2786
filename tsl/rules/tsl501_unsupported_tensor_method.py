import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, INIT_ATTRIBUTES
from tsl.model.torch_tables import TORCH_VERSION, UNSUPPORTED_TENSOR_METHODS, UNSUPPORTED_TENSOR_PROPERTIES
from tsl.model.types import attributes, self_attribute
from tsl.rules.base import Invalid, Rule, Valid

OTHER_KINDS = {"module", "ModuleList", "Sequential", "ModuleDict", "object", "class", "unknown"}


class UnsupportedTensorMethod(Rule):
    """A Tensor method or property that TorchScript does not have.

    Among them: `.numpy()`, `.data_ptr()`, `.new_tensor()`, `.storage()`,
    `.register_hook()`, `.nelement()`, `.ndimension()`, `.bool()`,
    `.bfloat16()`, `.unique()`. The list is generated from the installed torch
    at development time, the way torch/jit/unsupported_tensor_ops.py does it
    (tools/gen_torch_tables.py).

    Fix: `.numel()` for `.nelement()`, `.dim()` for `.ndimension()`,
    `.to(torch.bool)` for `.bool()`, `torch.unique(x)` for `x.unique()`,
    `torch.tensor(...)` for `new_tensor`; keep numpy conversion outside the model.
    """

    code = "TSL501"
    name = "unsupported-tensor-method"
    reads = frozenset({COMPILED_BODIES, INIT_ATTRIBUTES})
    message = "this Tensor method is not supported by TorchScript"
    emitted_only = True
    compiler_message = "'Tensor' object has no attribute or method 'numpy'."
    hint = "use the TorchScript equivalent (numel, dim, to(dtype), torch.unique, ...)"
    examples = (
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x):
                    return x.detach().numpy()  # expect: TSL501
        """),
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                return x.nelement()  # expect: TSL501
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                return x.numel() + x.dim(), x.to(torch.bool), x.item(), torch.unique(x), torch.linalg.solve(x, x)
        """),
    )

    def visit_Attribute(self, node: cst.Attribute) -> None:
        attr = node.attr.value
        parent = self.ctx.file.parent(node)
        called = isinstance(parent, cst.Call) and parent.func is node
        if called and attr in UNSUPPORTED_TENSOR_METHODS or not called and attr in UNSUPPORTED_TENSOR_PROPERTIES:
            if self._maybe_tensor(node.value):
                what = f".{attr}()" if called else f".{attr}"
                self.report(node, message=f"Tensor{what} is not supported by TorchScript (torch {TORCH_VERSION})")

    def _maybe_tensor(self, receiver) -> bool:
        if isinstance(receiver, cst.Name) and receiver.value == "self":
            return False
        root = receiver
        while isinstance(root, cst.Attribute):
            root = root.value
        if root is not receiver and isinstance(root, cst.Name) and root.value != "self":
            # `torch.linalg.lstsq(...)`: a function of a module, not a Tensor method
            if not any("<locals>" in n for n in self.qualified_names(root)):
                return False
        name = self_attribute(receiver)
        owner = self.ctx.compiled.owner if self.ctx.compiled else None
        if name is not None:
            if owner is None:
                return False
            attrs = attributes(self.ctx.program, owner)
            if not attrs.values.get(name) and name not in attrs.declared:
                return False
            if attrs.kinds(name) & OTHER_KINDS:
                return False
        if isinstance(receiver, cst.Name):
            # only a local or parameter may be a tensor here: a module-level name (an import such as
            # `torch` or `np`, a class) is not, and a module-level tensor is TSL302's
            names = self.qualified_names(receiver)
            if not any("<locals>" in n for n in names):
                return False
        return True
