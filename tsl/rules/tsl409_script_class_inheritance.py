import libcst as cst

from tsl.model.index import ClassInfo
from tsl.rules.base import Invalid, Rule, Valid


class ScriptClassInheritance(Rule):
    """A TorchScript class that inherits from another class.

    Classes compiled as TorchScript classes (decorated with @torch.jit.script,
    or passed to it) may only inherit from `object`.

    Fix: copy the base class's methods in, or make the shared code functions.
    """

    code = "TSL409"
    name = "script-class-inheritance"
    message = "TorchScript classes cannot inherit from other classes"
    compiler_message = ("TorchScript classes does not support inheritance yet. Please directly inherit from "
                        "'object'.")
    hint = "inherit from object only; share code through functions"
    examples = (
        Invalid("""
            import torch

            class Base:
                def __init__(self):
                    self.a = 1

            @torch.jit.script
            class Pair(Base):  # expect: TSL409
                def __init__(self):
                    self.a = 2
        """),
        Valid("""
            import torch

            @torch.jit.script
            class Pair:
                def __init__(self, a: int):
                    self.a = a

                def get(self) -> int:
                    return self.a
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        owner = self.ctx.compiled.owner
        if owner is None or self.ctx.program.is_module(owner):
            return
        first = next((s for s in self.ctx.class_body(owner) if isinstance(s, cst.FunctionDef)), None)
        if first is not node:
            return
        bases = [self.ctx.program.lookup(names) for names in owner.bases]
        user = [b for b in bases if isinstance(b, ClassInfo) and b is not owner]
        if user:
            self.report(self.ctx.node(owner).name, message=f"TorchScript class '{owner.name}' inherits from "
                                                 f"'{user[0].name}'; only object is allowed")
