import libcst as cst

from tsl.fix import toolkit
from tsl.rules.base import Invalid, Rule, Valid


class TolistAnnotation(Rule):
    """`.tolist()` whose result type is not given.

    TorchScript cannot know the element type and nesting of the list that
    `Tensor.tolist()` returns, so the result must be annotated.

    Fix: `torch.jit.annotate(List[float], x.tolist())`, or assign it to an
    annotated variable: `values: List[float] = x.tolist()`.

    Autofix (safe): when the type is known from use, wrap the call:
    `torch.jit.annotate(List[float], x.tolist())` (an identity outside
    TorchScript). Known from use: `return x.tolist()` in a function whose return
    annotation is a List.
    """

    code = "TSL502"
    name = "tolist-annotation"
    message = ".tolist() needs a type annotation in TorchScript"
    emitted_only = True
    compiler_message = "Expected type hint for result of tolist()"
    hint = "values: List[float] = x.tolist()"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                return x.tolist()  # expect: TSL502
        """),
        Valid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: torch.Tensor):
                a: List[float] = x.tolist()
                b = torch.jit.annotate(List[float], x.tolist())
                return a, b
        """),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "tolist" and not node.args):
            return
        if isinstance(func.value, cst.Name) and func.value.value == "self":
            return
        file = self.ctx.file
        parent = file.parent(node)
        if isinstance(parent, cst.AnnAssign) and parent.value is node:
            return
        if isinstance(parent, cst.Arg):
            call = file.parent(parent)
            if isinstance(call, cst.Call) and self.qualified_names(call.func) & {
                    "torch.jit.annotate", "torch.jit._script.annotate", "torch._jit_internal.annotate"}:
                return
        self.report(node, fix=lambda: self._fix(node))

    @classmethod
    def fixable(cls) -> bool:
        return True

    @toolkit.guarded
    def _fix(self, node: cst.Call):
        file = self.ctx.file
        parent = file.parent(node)
        function = self.ctx.function.node
        if not isinstance(parent, cst.Return) or parent.value is not node or function.returns is None:
            return None
        if toolkit.enclosing(file, node, (cst.FunctionDef, cst.Lambda)) is not function:
            return None
        kind = toolkit.annotation_type(file, function.returns)
        if kind is None or kind[0] != "List":
            return None
        spelling = toolkit.Spelling(file)
        annotation = toolkit.source(file, function.returns.annotation)
        start, end = toolkit.span(file, node, outer=True)
        text = f"{spelling.torch()}.jit.annotate({annotation}, {file.text[start:end]})"
        return toolkit.fix(f"annotate the result: torch.jit.annotate({annotation}, ...)",
                          [toolkit.edit_between(file, start, end, text), *spelling.import_edits()])
