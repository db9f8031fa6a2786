import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid

BUILTINS = {"dict", "set", "frozenset"}
BARE_TYPING = {"typing.Dict": "Dict", "typing.List": "List", "typing.Tuple": "Tuple", "typing.Set": "Set"}


class IsinstanceType(Rule):
    """`isinstance()` against a type TorchScript cannot name.

    TorchScript resolves the second argument of isinstance() at compile time.
    It knows `list`, `tuple`, `int`, `float`, `str`, `bool`, `torch.Tensor` and
    subscripted typing types, but not `dict`, `set`, bare `Dict`/`List`/`Tuple`
    or `type(None)`.

    Fix: `isinstance(x, Dict[str, torch.Tensor])` (with element types), or
    `x is None` for None.
    """

    code = "TSL209"
    name = "isinstance-type"
    message = "isinstance() with a type TorchScript cannot resolve"
    emitted_only = True
    compiler_message = "Unknown type name 'dict'"
    hint = "use a subscripted typing type such as Dict[str, Tensor], or `is None`"
    examples = (
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x):
                    if isinstance(x, dict):  # expect: TSL209
                        return x
                    return x
        """),
        Invalid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: torch.Tensor):
                if isinstance(x, List):  # expect: TSL209
                    return 1
                return 0
        """),
        Valid("""
            import torch
            from typing import Dict, List

            @torch.jit.script
            def f(x: torch.Tensor):
                if isinstance(x, (list, tuple)) or isinstance(x, Dict[str, int]) or isinstance(x, List[int]):
                    return 1
                return 0
        """),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Name) and func.value == "isinstance" and len(node.args) == 2):
            return
        if "builtins.isinstance" not in self.qualified_names(func):
            return
        kinds = node.args[1].value
        types = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
        for expr in types:
            bad = self._bad(expr)
            if bad:
                self.report(node, message=f"isinstance() against {bad} is not supported in TorchScript")
                return

    def _bad(self, expr):
        if isinstance(expr, cst.Name) and expr.value in BUILTINS and f"builtins.{expr.value}" in self.qualified_names(expr):
            return f"'{expr.value}'"
        if isinstance(expr, (cst.Name, cst.Attribute)):
            for name in self.qualified_names(expr):
                if name in BARE_TYPING:
                    return f"a bare {BARE_TYPING[name]} (no element types)"
        if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "type"
                and len(expr.args) == 1):
            return "type(...)"
        return None
