import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, INIT_ATTRIBUTES
from tsl.model.types import annotation_kind, self_attribute
from tsl.rules.base import Invalid, Rule, Valid


def optional_attributes(rule: Rule) -> set[str]:
    """Class-level attributes annotated Optional[...] on the compiled method's class (and checked bases)."""
    owner = rule.ctx.compiled.owner
    if owner is None:
        return set()
    found = set()
    for klass in rule.ctx.program.mro(owner):
        for statement in rule.ctx.class_body(klass):
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                        if annotation_kind(small.annotation.annotation, klass.file) == "Optional":
                            found.add(small.target.value)
    return found


class OptionalAttributeNarrowing(Rule):
    """An Optional module attribute used as its inner type after `if self.x is not None:`.

    TorchScript narrows local variables on `is not None`, but not attributes:
    `self.x` keeps the type Optional[Tensor] inside the branch, so `self.x + y`
    fails.

    Fix: copy it into a local first: `x = self.x`, then `if x is not None:` and
    use `x`.
    """

    code = "TSL213"
    name = "optional-attribute-narrowing"
    reads = frozenset({COMPILED_BODIES, INIT_ATTRIBUTES})
    message = "an Optional attribute is not narrowed by `is not None`"
    emitted_only = True
    compiler_message = "Arguments for call are not valid."
    hint = "copy it to a local (x = self.x) and test the local"
    examples = (
        Invalid("""
            import torch
            from typing import Optional
            from torch import nn

            class Net(nn.Module):
                bias: Optional[torch.Tensor]

                def __init__(self):
                    super().__init__()
                    self.bias = torch.ones(1)

                def forward(self, y):
                    if self.bias is not None:
                        return y + self.bias  # expect: TSL213
                    return y
        """),
        Valid("""
            import torch
            from typing import Optional
            from torch import nn

            class Net(nn.Module):
                bias: Optional[torch.Tensor]

                def __init__(self):
                    super().__init__()
                    self.bias = torch.ones(1)

                def forward(self, y):
                    bias = self.bias
                    if bias is not None:
                        return y + bias
                    return y
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        self.optional = optional_attributes(self) if self.ctx.compiled.owner is not None else set()
        self.reported: set[int] = set()

    def visit_If(self, node: cst.If) -> None:
        if not self.optional:
            return
        test = node.test
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, cst.IsNot)
                and isinstance(test.comparisons[0].comparator, cst.Name)
                and test.comparisons[0].comparator.value == "None"):
            return
        name = self_attribute(test.left)
        if name is None or name not in self.optional:
            return
        for use in _uses(node.body, name):
            if id(use) not in self.reported:
                self.reported.add(id(use))
                self.report(use, message=f"self.{name} is still Optional inside `if self.{name} is not None:`",
                            hint=f"{name} = self.{name}; if {name} is not None: ... use {name}")


def _uses(body, name: str):
    """self.NAME used as an operand, a method receiver or a subscript base in body."""
    found = []

    def visit(node, parent):
        if self_attribute(node) == name and parent is not None:
            if isinstance(parent, cst.BinaryOperation) or (
                    isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is node):
                found.append(node)
        for child in node.children:
            if not isinstance(child, (cst.FunctionDef, cst.Lambda)):
                visit(child, node)

    visit(body, None)
    return found
