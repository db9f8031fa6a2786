import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, GLOBAL_DEFINITIONS
from tsl.fix import toolkit
from tsl.frontend import kinds
from tsl.frontend.source import has_type_comment
from tsl.model.values import global_kind, literal_kind
from tsl.rules.base import Invalid, Rule, Valid


class MissingTypeHint(Rule):
    """An unannotated parameter is assumed to be a Tensor.

    TorchScript types every parameter without an annotation as Tensor. A
    default that is not a Tensor (an int, float, bool, str, tuple or list) or a
    use that needs another type (such as `range(n)`) then fails. A `None`
    default is fine: it becomes Optional[Tensor].

    Fix: annotate the parameter (`n: int = 3`), or use a `# type:` comment.

    Autofix (safe): add the annotation the default implies (`int`, `float`,
    `bool`, `str`, `complex`, `Tuple[int, int]`, also through a module-level
    constant), or `int` for a parameter used in `range()`; the `typing` import is
    added or extended when needed. A list or dict literal default becomes
    `Optional[List[T]] = None` with `if x is None: x = [...]` at the top of the
    body, as for TSL202 (safe only when the function never mutates the list
    nor lets it escape: a fresh list each call instead of one shared default).
    """

    code = "TSL201"
    name = "missing-type-hint"
    reads = frozenset({COMPILED_BODIES, GLOBAL_DEFINITIONS})
    message = "unannotated parameter is assumed to be a Tensor"
    compiler_message = 'Expected a default value of type Tensor (inferred) on parameter "n"'
    hint = "add a type annotation"
    examples = (
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x, scale=2.0):  # expect: TSL201
                    return x * scale
        """),
        Invalid("""
            import torch

            @torch.jit.script
            def f(x, n):
                for _ in range(n):  # expect: TSL201
                    x = x + 1
                return x
        """),
        Invalid('''
            """Defaults that imply a type."""
            import torch
            from torch import nn

            DEFAULT_SCALE = 2.0


            class Defaults(nn.Module):
                def forward(self, x, n=3, scale=DEFAULT_SCALE, flag=False, mode="sum", size=(1, 2), z=-1.5, mask=None):  # expect: TSL201
                    if flag and mode == "sum":
                        x = x * scale + size[0] + n + z
                    return x


            class RangeUse(nn.Module):
                def forward(self, x, steps):
                    for _ in range(steps):  # count  # expect: TSL201
                        x = x + 1
                    return x


            @torch.jit.script
            def nested(x, shape=((1, 2), (3, 4)), label='a' 'b'):  # expect: TSL201
                return x + shape[0][1]
        ''', fixed='''
            """Defaults that imply a type."""
            import torch
            from torch import nn
            from typing import Tuple

            DEFAULT_SCALE = 2.0


            class Defaults(nn.Module):
                def forward(self, x, n: int = 3, scale: float = DEFAULT_SCALE, flag: bool = False, mode: str = "sum", size: Tuple[int, int] = (1, 2), z: float = -1.5, mask=None):
                    if flag and mode == "sum":
                        x = x * scale + size[0] + n + z
                    return x


            class RangeUse(nn.Module):
                def forward(self, x, steps: int):
                    for _ in range(steps):  # count
                        x = x + 1
                    return x


            @torch.jit.script
            def nested(x, shape: Tuple[Tuple[int, int], Tuple[int, int]] = ((1, 2), (3, 4)), label: str = 'a' 'b'):
                return x + shape[0][1]
        '''),
        Valid("""
            import torch

            @torch.jit.script
            def f(x, scale: float = 2.0, mask=None):
                return x * scale
        """),
        Valid("""
            import torch

            @torch.jit.script
            def f(x, n):
                # type: (Tensor, int) -> Tensor
                for _ in range(n):
                    x = x + 1
                return x
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        self.unannotated: dict[str, cst.Param] = {}
        self.reported: set[str] = set()
        if has_type_comment(self.ctx.file, node):
            return
        params = list(node.params.posonly_params) + list(node.params.params) + list(node.params.kwonly_params)
        function = self.ctx.function
        if function.takes_self:
            params = params[1:]
        for param in params:
            if param.annotation is not None:
                continue
            self.unannotated[param.name.value] = param
            kind = self._default_kind(param.default)
            if kind is not None and kind not in ("None", "Tensor"):
                self.reported.add(param.name.value)
                self.report(
                    param,
                    message=f"parameter '{param.name.value}' has {_article(kind)} {kind} default but no annotation; "
                    f"TorchScript assumes Tensor",
                    hint=f"annotate it: {param.name.value}: {kind if kind != 'value' else 'T'}",
                    fix=lambda: self._default_fix(node, param),
                )

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Name) or node.func.value != "range":
            return
        if "builtins.range" not in self.qualified_names(node.func):
            return
        for arg in node.args:
            value = arg.value
            if isinstance(value, cst.Name) and value.value in self.unannotated and value.value not in self.reported:
                self.reported.add(value.value)
                self.report(
                    value,
                    message=f"parameter '{value.value}' is used as an int in range() but has no annotation; "
                    f"TorchScript assumes Tensor",
                    hint=f"annotate it: {value.value}: int",
                    fix=lambda: self._range_fix(self.unannotated[value.value]),
                )

    @classmethod
    def fixable(cls) -> bool:
        return True

    @toolkit.guarded
    def _default_fix(self, function: cst.FunctionDef, param: cst.Param):
        file = self.ctx.file
        kind = toolkit.value_type(file, param.default)
        if kind is None:
            return None
        spelling = toolkit.Spelling(file)
        name = param.name.value
        start = toolkit.span(file, param.name)[1]
        if kind[0] not in kinds.MUTABLE:
            annotation = toolkit.render(kind, spelling)
            edit = toolkit.edit_between(file, start, toolkit.span(file, param.default, outer=True)[0], f": {annotation} = ")
            return toolkit.fix(f"annotate {name}: {annotation}", [edit, *spelling.import_edits()])
        if not isinstance(param.default, (cst.List, cst.Dict)):
            return None  # a global list would be read in compiled code
        return toolkit.none_default_fix(self.ctx, function, param)

    @toolkit.guarded
    def _range_fix(self, param: cst.Param):
        if param.default is not None or param.star:
            return None
        name = param.name.value
        return toolkit.fix(f"annotate {name}: int", [toolkit.insert_after(self.ctx.file, param.name, ": int")])

    def _default_kind(self, default):
        if default is None:
            return None
        if isinstance(default, cst.Name) and default.value not in ("True", "False", "None"):
            return global_kind(self.ctx.file, default)
        return literal_kind(default, self.ctx.file)


def _article(kind: str) -> str:
    return "an" if kind[:1] in "aeiou" else "a"
