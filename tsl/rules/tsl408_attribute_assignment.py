import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, INIT_ATTRIBUTES
from tsl.model.types import attributes, self_attribute
from tsl.rules.base import Invalid, Rule, Valid

MODULE_BUILTINS = {"training"}


class AttributeAssignment(Rule):
    """A compiled method assigns an attribute that `__init__` never created,
    or one that `__init__` set to None.

    A scripted module's attributes and their types are fixed by what `__init__`
    left on it. Assigning a new attribute fails ("Tried to set nonexistent
    attribute"), and so does assigning a Tensor to one that was None ("Wrong type
    for attribute assignment").

    Fix: create the attribute in `__init__` with its final type (annotate it,
    at class level, e.g. `cache: Optional[torch.Tensor]`, or register a buffer; an
    annotation on `self.cache` inside `__init__` is not enough).
    """

    code = "TSL408"
    name = "attribute-assignment"
    reads = frozenset({COMPILED_BODIES, INIT_ATTRIBUTES})
    message = "compiled code assigns an attribute __init__ did not create with that type"
    emitted_only = True
    compiler_message = "Tried to set nonexistent attribute: y. Did you forget to initialize it in __init__()?"
    hint = "create it in __init__ with its final type (annotate an Optional attribute at class level)"
    examples = (
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def forward(self, x):
                    self.last = x  # expect: TSL408
                    return x
        """),
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.last = None

                def forward(self, x):
                    self.last = x  # expect: TSL408
                    return x
        """),
        Valid("""
            import torch
            from typing import Optional
            from torch import nn

            class Net(nn.Module):
                last: Optional[torch.Tensor]

                def __init__(self):
                    super().__init__()
                    self.last = None
                    self.register_buffer('count', torch.zeros(1))

                def forward(self, x):
                    self.last = x
                    self.count = self.count + 1
                    return x
        """),
    )

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        name = self_attribute(node.target)
        owner = self.ctx.compiled.owner
        if name is None or owner is None or name in MODULE_BUILTINS:
            return
        program = self.ctx.program
        if not program.is_module(owner):
            return
        attrs = attributes(program, owner)
        if not attrs.complete or name in attrs.declared:
            return
        others = attrs.elsewhere.get(name, set()) - {self.ctx.function.name}
        if others or program.method(owner, name) is not None:
            return
        values = attrs.values.get(name)
        statement = self.ctx.file.parent(node)
        value = statement.value if isinstance(statement, cst.Assign) else None
        if not values:
            self.report(node, message=f"attribute '{name}' is not created in __init__; a scripted module "
                                      "cannot gain attributes")
        elif {v.kind for v in values} == {"None"} and not (isinstance(value, cst.Name) and value.value == "None"):
            self.report(node, message=f"attribute '{name}' is None after __init__, so TorchScript types it "
                                      "NoneType; it cannot be assigned another value",
                        hint=f"annotate it at class level: {name}: Optional[...]")
