import libcst as cst

from tsl.model.index import ClassInfo
from tsl.rules.base import Invalid, Rule, Valid


class ScriptClassWithoutInit(Rule):
    """Compiled code instantiates a class that has no `__init__`.

    A class used from compiled code becomes a TorchScript class, and the
    compiler needs an `__init__` that assigns its attributes.

    Fix: give the class an `__init__` (it may just `pass`), or make its methods
    module-level functions.
    """

    code = "TSL411"
    name = "script-class-without-init"
    message = "a class without __init__ is instantiated in compiled code"
    emitted_only = True
    compiler_message = "Class C does not have an __init__ function defined"
    hint = "add an __init__ to the class"
    examples = (
        Invalid("""
            import torch

            class Counter:
                def get(self) -> int:
                    return 1

            @torch.jit.script
            def f(x: torch.Tensor):
                return x + Counter().get()  # expect: TSL411
        """),
        Valid("""
            import torch

            class Counter:
                def __init__(self):
                    self.n = 1

                def get(self) -> int:
                    return self.n

            @torch.jit.script
            def f(x: torch.Tensor):
                return x + Counter().get()
        """),
    )

    def visit_Call(self, node: cst.Call) -> None:
        target = self.ctx.program.lookup(self.qualified_names(node.func))
        if isinstance(target, ClassInfo) and target.is_plain and not self.ctx.program.is_module(target):
            if "__init__" not in target.methods and not target.bases:
                self.report(node, message=f"class '{target.name}' has no __init__; TorchScript needs one to "
                                          "instantiate it")
