import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, INIT_ATTRIBUTES
from tsl.model.types import attributes, self_attribute
from tsl.rules.base import Rule

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
    valid = (
        "import torch\nfrom typing import Optional\nfrom torch import nn\n\nclass Net(nn.Module):\n"
        "    last: Optional[torch.Tensor]\n\n"
        "    def __init__(self):\n        super().__init__()\n        self.last = None\n"
        "        self.register_buffer('count', torch.zeros(1))\n\n    def forward(self, x):\n"
        "        self.last = x\n        self.count = self.count + 1\n        return x\n",
    )
    invalid = (
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        self.last = x  # expect: TSL408\n        return x\n",
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.last = None\n\n    def forward(self, x):\n"
        "        self.last = x  # expect: TSL408\n        return x\n",
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
