import libcst as cst

from tsl.rules.base import Invalid, Rule, Valid

UNSUPPORTED = {"next", "iter", "callable", "map", "filter", "id", "vars", "globals", "locals", "setattr", "delattr"}


class UnsupportedBuiltin(Rule):
    """Python builtins TorchScript lacks or restricts.

    Not supported: `next`, `iter`, `callable`, `map`, `filter`, `id`, `vars`,
    `setattr`; `functools.partial`/`reduce`; `getattr` with a name that is not a
    string literal; `sorted` with `key=` or `reverse=`. (`sorted(xs)`, `zip`,
    `enumerate`, `any`, `all`, `isinstance` and `getattr(obj, "name")` are fine.)

    Fix: write the loop out, call `list.sort()`, or move the code to a
    @torch.jit.ignore helper.
    """

    code = "TSL304"
    name = "unsupported-builtin"
    message = "this Python builtin is not supported by TorchScript"
    emitted_only = True
    compiler_message = "Python builtin <built-in function next> is currently not supported in Torchscript"
    hint = "write it as an explicit loop"
    examples = (
        Invalid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: torch.Tensor, s: List[int]):
                return next(iter(s))  # expect: TSL304
        """),
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x, name: str):
                    return getattr(self, name)  # expect: TSL304
        """),
        Invalid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(s: List[int]):
                return sorted(s, reverse=True)  # expect: TSL304
        """),
        Valid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: torch.Tensor, s: List[int]):
                t = sorted(s)
                return getattr(x, 'shape'), t
        """),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        names = self.qualified_names(func)
        if names & {"functools.partial", "functools.reduce"}:
            self.report(node, message=f"{sorted(names)[0]}() is not supported in TorchScript")
            return
        if not isinstance(func, cst.Name):
            return
        builtin = func.value
        if f"builtins.{builtin}" not in names:
            return
        if builtin in UNSUPPORTED:
            self.report(node, message=f"the builtin {builtin}() is not supported in TorchScript")
        elif builtin == "getattr" and len(node.args) >= 2 and not isinstance(node.args[1].value, cst.SimpleString):
            self.report(node, message="getattr() needs a string literal name in TorchScript")
        elif builtin == "sorted" and any(a.keyword is not None and a.keyword.value in ("key", "reverse")
                                         for a in node.args):
            self.report(node, message="sorted() with key= or reverse= is not supported in TorchScript",
                        hint="copy the list and call .sort(reverse=...)")
