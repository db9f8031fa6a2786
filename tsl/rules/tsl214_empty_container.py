import libcst as cst

from tsl.model.types import param_types
from tsl.frontend.walk import statements
from tsl.rules.base import Invalid, Rule, Valid

NUMBER_METHODS = {"item", "dim", "numel", "size", "nelement", "ndimension", "stride", "element_size"}
NUMBER_BUILTINS = {"len", "int", "float", "bool", "str", "round", "abs", "min", "max"}


def _targets(target):
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _targets(e.value)]
    return []


class EmptyContainer(Rule):
    """An empty list or dict, not annotated, that is then filled with non-Tensor values.

    TorchScript types an unannotated `[]` as List[Tensor] and `{}` as
    Dict[str, Tensor], so appending an int (`sizes.append(x.size(0))`) or storing
    a float fails.

    Fix: annotate the empty container: `sizes: List[int] = []`.
    """

    code = "TSL214"
    name = "empty-container"
    message = "an unannotated empty container is List[Tensor]/Dict[str, Tensor] in TorchScript"
    emitted_only = True
    compiler_message = "aten::append.t(t[](a!) self, t(c -> *) el) -> t[](a!)"
    hint = "annotate it: sizes: List[int] = []"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                sizes = []
                for i in range(x.dim()):
                    sizes.append(x.size(i))  # expect: TSL214
                return sizes
        """),
        Invalid("""
            import torch

            class Net(torch.nn.Module):
                def forward(self, x):
                    stats = {}
                    stats['mean'] = 1.0  # expect: TSL214
                    return x
        """),
        Valid("""
            import torch
            from typing import Dict, List

            @torch.jit.script
            def f(x: torch.Tensor):
                sizes: List[int] = []
                feats = []
                for i in range(x.dim()):
                    sizes.append(x.size(i))
                    feats.append(x * i)
                d: Dict[str, float] = {}
                d['a'] = 1.0
                return sizes, feats, d
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        counts: dict[str, int] = {}
        empty: dict[str, str] = {}
        self.ints: set[str] = set()

        for n in statements(node.body):  # assignments and loops are statements: no need to walk expressions
            if isinstance(n, cst.Assign):
                for t in n.targets:
                    for name in _targets(t.target):
                        counts[name] = counts.get(name, 0) + 1
                    if isinstance(t.target, cst.Name):
                        value = n.value
                        if isinstance(value, cst.List) and not value.elements:
                            empty[t.target.value] = "list"
                        elif isinstance(value, cst.Dict) and not value.elements:
                            empty[t.target.value] = "dict"
            elif isinstance(n, (cst.AnnAssign, cst.AugAssign)):
                for name in _targets(n.target):
                    counts[name] = counts.get(name, 0) + 2
            elif isinstance(n, cst.For):
                names = _targets(n.target)
                for name in names:
                    counts[name] = counts.get(name, 0) + 1
                it = n.iter
                if isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "range" \
                        and isinstance(n.target, cst.Name):
                    self.ints.add(n.target.value)
        params = {p.name.value for p in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)}
        # a parameter already has a declared type; `seen = []` under `if seen is None:` keeps it
        self.empty = {name: kind for name, kind in empty.items() if counts.get(name) == 1 and name not in params}
        self.ints = {name for name in self.ints if counts.get(name) == 1}
        self.ints |= {n for n, p in param_types(self.ctx.function).items() if p.kind in ("int", "float", "bool", "str")}

    def _non_tensor(self, expr) -> bool:
        if isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            return True
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            return self._non_tensor(expr.expression)
        if isinstance(expr, cst.Name):
            return expr.value in ("True", "False") or expr.value in self.ints
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in NUMBER_METHODS:
                return func.attr.value != "size" or bool(expr.args)
            if isinstance(func, cst.Name) and func.value in NUMBER_BUILTINS:
                return f"builtins.{func.value}" in self.qualified_names(func)
        if isinstance(expr, cst.Subscript) and isinstance(expr.value, cst.Attribute) and expr.value.attr.value == "shape":
            return len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index)
        return False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return
        if self.empty.get(func.value.value) != "list" or func.attr.value != "append" or len(node.args) != 1:
            return
        if self._non_tensor(node.args[0].value):
            name = func.value.value
            self.report(node, message=f"'{name}' starts as an unannotated [] (List[Tensor]) and gets a "
                                      "non-Tensor element", hint=f"annotate it: {name}: List[int] = []")

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if not (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name)):
            return
        name = target.value.value
        if self.empty.get(name) != "dict":
            return
        statement = self.ctx.file.parent(node)
        if isinstance(statement, cst.Assign) and self._non_tensor(statement.value):
            self.report(statement, message=f"'{name}' starts as an unannotated {{}} (Dict[str, Tensor]) and gets "
                                           "a non-Tensor value", hint=f"annotate it: {name}: Dict[str, float] = {{}}")
