import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, INIT_ATTRIBUTES
from tsl.fix import toolkit
from tsl.model.types import attributes, self_attribute
from tsl.rules.base import Invalid, Rule, Valid

INDEXED = {"ModuleList", "Sequential"}


def container_kind(rule: Rule, node: cst.CSTNode):
    """'ModuleList', 'Sequential' or 'ModuleDict' when node is self.X and every value of X is one."""
    name = self_attribute(node)
    owner = rule.ctx.compiled.owner if rule.ctx.compiled is not None else None
    if name is None or owner is None:
        return None
    attrs = attributes(rule.ctx.program, owner)
    kinds = attrs.kinds(name)
    if len(kinds) == 1 and name not in attrs.declared:
        kind = next(iter(kinds))
        if kind in ("ModuleList", "Sequential", "ModuleDict"):
            return kind
    return None


def _int_literal(expr) -> bool:
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        expr = expr.expression
    return isinstance(expr, cst.Integer)


class ModuleIndex(Rule):
    """A ModuleList or Sequential indexed by a variable, or a ModuleDict indexed
    by anything but a string literal.

    TorchScript unrolls module containers at compile time, so each index must be
    a literal: `self.layers[0]` works, `self.layers[i]` does not.

    Fix: iterate (`for layer in self.layers:`, `enumerate(self.layers)`,
    `zip(self.layers, ...)`), or index with literals.

    Autofix (safe): `for i in range(len(self.layers)):` whose body indexes the
    container only as `self.layers[i]` becomes `for layer in self.layers:`, or
    `for i, layer in enumerate(self.layers):` when the body uses `i` for
    something else too (iterating yields the same modules in the same order).
    """

    code = "TSL401"
    name = "module-container-index"
    reads = frozenset({COMPILED_BODIES, INIT_ATTRIBUTES})
    message = "module containers can only be indexed with literals"
    emitted_only = True
    compiler_message = ("Expected integer literal for index but got a variable or non-integer. "
                        "ModuleList/Sequential indexing is only supported with integer literals.")
    hint = "iterate over the container (for layer in self.layers) instead of indexing it"
    examples = (
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU()])

                def forward(self, x):
                    for i in range(2):
                        x = self.layers[i](x)  # expect: TSL401
                    return x
        """),
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.heads = nn.ModuleDict({'a': nn.ReLU()})

                def forward(self, x, key: str):
                    return self.heads[key](x)  # expect: TSL401
        """),
        Invalid("""
            import torch
            from torch import nn


            class Stack(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.layers = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])
                    self.norms = nn.ModuleList([nn.LayerNorm(4), nn.LayerNorm(4)])

                def forward(self, x):
                    for i in range(len(self.layers)):
                        x = self.layers[i](x)  # apply  # expect: TSL401
                    for j in range(len(self.norms)):
                        if j > 0:
                            x = x + 1
                        x = self.norms[j](x)  # expect: TSL401
                    return x
        """, fixed="""
            import torch
            from torch import nn


            class Stack(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.layers = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])
                    self.norms = nn.ModuleList([nn.LayerNorm(4), nn.LayerNorm(4)])

                def forward(self, x):
                    for layer in self.layers:
                        x = layer(x)  # apply
                    for j, norm in enumerate(self.norms):
                        if j > 0:
                            x = x + 1
                        x = norm(x)
                    return x
        """),
        Valid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU()])
                    self.heads = nn.ModuleDict({'a': nn.ReLU()})

                def forward(self, x):
                    for i, layer in enumerate(self.layers):
                        x = layer(x)
                    return self.layers[-1](x) + self.heads['a'](x)
        """),
    )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        kind = container_kind(self, node.value)
        if kind is None or len(node.slice) != 1:
            return
        index = node.slice[0].slice
        if not isinstance(index, cst.Index):
            return  # slices: TSL403
        value = index.value
        if kind in INDEXED and not _int_literal(value):
            self.report(node, message=f"{kind} indexed by a non-literal; TorchScript needs an integer literal",
                        fix=lambda: self._fix(node, value))
        elif kind == "ModuleDict" and not isinstance(value, cst.SimpleString):
            self.report(node, message="ModuleDict indexed by a non-literal; TorchScript needs a string literal")

    @classmethod
    def fixable(cls) -> bool:
        return True

    @toolkit.guarded
    def _fix(self, node: cst.Subscript, index):
        file = self.ctx.file
        if not isinstance(index, cst.Name):
            return None
        loop = toolkit.enclosing(file, node, (cst.For, cst.FunctionDef, cst.Lambda))
        while isinstance(loop, cst.For) and not (isinstance(loop.target, cst.Name) and loop.target.value == index.value):
            loop = toolkit.enclosing(file, loop, (cst.For, cst.FunctionDef, cst.Lambda))
        if not isinstance(loop, cst.For) or loop.orelse is not None or loop.asynchronous is not None:
            return None
        container = _range_len_of(file, loop.iter)
        if container is None or toolkit.source(file, container) != toolkit.source(file, node.value):
            return None
        subscripts, other_uses = [], 0
        for name in toolkit.names_in(loop.body):
            if name.value != index.value:
                continue
            if toolkit._is_rebinding(file, name) or isinstance(file.parent(name), (cst.AugAssign, cst.For)):
                return None  # the index is rebound inside the loop
            element = file.parent(file.parent(name))
            subscript = file.parent(element) if isinstance(element, cst.SubscriptElement) else None
            if isinstance(subscript, cst.Subscript) and len(subscript.slice) == 1 and \
                    toolkit.source(file, subscript.value) == toolkit.source(file, container):
                holder = file.parent(subscript)
                if isinstance(holder, (cst.AssignTarget, cst.Del, cst.AugAssign)):
                    return None
                subscripts.append(subscript)
            else:
                other_uses += 1
        if not subscripts:
            return None
        attribute = container.attr.value if isinstance(container, cst.Attribute) else "item"
        base = attribute[:-1] if attribute.endswith("s") and len(attribute) > 1 else f"{attribute}_item"
        if not hasattr(self, "_reserved"):
            self._reserved = {}
        reserved = self._reserved.setdefault(id(self.ctx.function.node), set())
        element_name = toolkit.fresh_name(file, base, reserved, self.ctx.function.node)
        container_text = toolkit.source(file, container)
        header = f"{index.value}, {element_name} in enumerate({container_text})" if other_uses else \
            f"{element_name} in {container_text}"
        start = toolkit.span(file, loop.target, outer=True)[0]
        end = toolkit.span(file, loop.iter, outer=True)[1]
        edits = [toolkit.edit_between(file, start, end, header)]
        edits += [toolkit.replace(file, subscript, element_name) for subscript in subscripts]
        return toolkit.fix(f"iterate over {container_text} instead of indexing it", edits)


def _range_len_of(file, expr):
    """X when expr is range(len(X)) with the builtins, else None."""
    if not (isinstance(expr, cst.Call) and len(expr.args) == 1 and file.qualified_names(expr.func) == {"builtins.range"}):
        return None
    inner = expr.args[0].value
    if not (isinstance(inner, cst.Call) and len(inner.args) == 1 and file.qualified_names(inner.func) == {"builtins.len"}):
        return None
    if expr.args[0].keyword or expr.args[0].star or inner.args[0].keyword or inner.args[0].star:
        return None
    value = inner.args[0].value
    return value if toolkit.pure(value) else None
