import libcst as cst

from tsl.model.types import self_attribute
from tsl.rules.base import Invalid, Rule, Valid


class ScriptClassAttribute(Rule):
    """A class-level attribute read through `self` in a TorchScript class.

    TorchScript classes have only the instance attributes `__init__` assigns;
    a value defined in the class body (`scale = 2`) is not one of them.

    Fix: assign it in `__init__` (`self.scale = 2`).
    """

    code = "TSL410"
    name = "script-class-attribute"
    message = "class attributes of TorchScript classes are not supported"
    emitted_only = True
    compiler_message = "'scale' is defined as a class attribute which currently is not supported."
    hint = "assign it in __init__"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            class Scaler:
                scale = 2

                def __init__(self):
                    self.offset = 1

                def apply(self, x: int) -> int:
                    return x * self.scale  # expect: TSL410
        """),
        Valid("""
            import torch

            @torch.jit.script
            class Scaler:
                def __init__(self):
                    self.scale = 2

                def apply(self, x: int) -> int:
                    return x * self.scale
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        owner = self.ctx.compiled.owner
        self.class_values: set[str] = set()
        if owner is None or self.ctx.program.is_module(owner) or not owner.is_plain and \
                not owner.decorators:
            return
        if owner.bases:
            return
        assigned = set()
        init = owner.methods.get("__init__")
        init_node = self.ctx.node(init) if init is not None else None
        if init_node is not None:
            for sub in _iter(init_node.body):
                if isinstance(sub, cst.AssignTarget) or isinstance(sub, cst.AnnAssign):
                    name = self_attribute(sub.target)
                    if name:
                        assigned.add(name)
        for statement in self.ctx.class_body(owner):
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Assign):
                        for target in small.targets:
                            if isinstance(target.target, cst.Name) and not target.target.value.startswith("__"):
                                self.class_values.add(target.target.value)
        self.class_values -= assigned
        self.class_values -= set(owner.methods)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        name = self_attribute(node)
        if name is not None and name in self.class_values:
            self.report(node, message=f"'{name}' is a class attribute of a TorchScript class; only attributes "
                                      "assigned in __init__ exist", hint=f"assign self.{name} in __init__")


def _iter(node):
    yield node
    for child in node.children:
        yield from _iter(child)
