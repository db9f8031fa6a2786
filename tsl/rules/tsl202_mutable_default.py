import libcst as cst

from tsl.fix import toolkit
from tsl.rules.base import Invalid, Rule, Valid

MUTABLE_CALLS = {"builtins.list", "builtins.dict", "list", "dict"}


class MutableDefault(Rule):
    """A compiled function cannot have a list or dict default.

    Python binds a mutable default to the function once, and it persists
    across calls; TorchScript refuses to model that, whatever the annotation.

    Fix: default to None (`sizes: Optional[List[int]] = None`) and build the
    list inside the function, or use a tuple (`Tuple[int, int] = (1, 2)`).

    Autofix: `sizes: Optional[List[int]] = None` with `if sizes is None:
    sizes = [1, 2]` at the top of the body. Safe when the element type is known
    and the function only reads the list (indexing, iterating, len); unsafe
    when it may mutate it or let it escape (one shared list becomes a fresh
    list per call), or when the element type is a guess (`[]` unannotated:
    List[Tensor], what TorchScript assumes).
    """

    code = "TSL202"
    name = "mutable-default"
    message = "mutable default parameters are not supported"
    compiler_message = ("Mutable default parameters are not supported because Python binds them to the function "
                        "and they persist across function calls.")
    hint = "default to None and build the list inside, or use a tuple"
    examples = (
        Invalid("""
            import torch
            from typing import List

            class Net(torch.nn.Module):
                def forward(self, x, sizes: List[int] = [1, 2]):  # expect: TSL202
                    return x
        """),
        Invalid("""
            import torch
            from typing import Dict

            @torch.jit.script
            def f(x: torch.Tensor, table: Dict[str, int] = {}):  # expect: TSL202
                return x
        """),
        Invalid("""
            from typing import Dict, List

            import torch
            from torch import nn


            class Sizes(nn.Module):
                def forward(self, x, sizes: List[int] = [1, 2], table: Dict[str, float] = {}):  # expect: TSL202
                    for size in sizes:  # read only
                        x = x + size
                    return x * len(table)
        """, fixed="""
            from typing import Dict, List, Optional

            import torch
            from torch import nn


            class Sizes(nn.Module):
                def forward(self, x, sizes: Optional[List[int]] = None, table: Optional[Dict[str, float]] = None):
                    if sizes is None:
                        sizes = [1, 2]
                    if table is None:
                        table = torch.jit.annotate(Dict[str, float], {})
                    for size in sizes:  # read only
                        x = x + size
                    return x * len(table)
        """),
        Invalid('''
            from typing import List

            import torch


            @torch.jit.script
            def grow(x: torch.Tensor, seen: List[int] = [], extra=[]):  # expect: TSL201, TSL202
                """Mutates its default."""
                seen.append(1)
                return x + len(seen) + len(extra)
        ''', fixed='''
            from typing import List, Optional

            import torch


            @torch.jit.script
            def grow(x: torch.Tensor, seen: Optional[List[int]] = None, extra: Optional[List[torch.Tensor]] = None):
                """Mutates its default."""
                if seen is None:
                    seen = []
                if extra is None:
                    extra = []
                seen.append(1)
                return x + len(seen) + len(extra)
        ''', unsafe=True),
        Valid("""
            import torch
            from typing import List, Optional, Tuple

            @torch.jit.script
            def f(x: torch.Tensor, size: Tuple[int, int] = (1, 2), extra: Optional[List[int]] = None):
                return x
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        params = list(node.params.posonly_params) + list(node.params.params) + list(node.params.kwonly_params)
        for param in params:
            default = param.default
            if default is None:
                continue
            mutable = isinstance(default, (cst.List, cst.Dict, cst.ListComp, cst.DictComp, cst.Set, cst.SetComp))
            if isinstance(default, cst.Call) and not default.args and isinstance(default.func, cst.Name):
                mutable = default.func.value in ("list", "dict") and bool(
                    self.qualified_names(default.func) & MUTABLE_CALLS)
            if mutable:
                self.report(param, message=f"parameter '{param.name.value}' has a mutable default; "
                                           "TorchScript does not support mutable defaults",
                            fix=lambda: self._fix(node, param))

    @classmethod
    def fixable(cls) -> bool:
        return True

    @toolkit.guarded
    def _fix(self, node: cst.FunctionDef, param: cst.Param):
        return toolkit.none_default_fix(self.ctx, node, param)
