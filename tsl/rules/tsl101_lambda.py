import builtins

import libcst as cst
from libcst.metadata import BuiltinScope, GlobalScope

from tsl.fix import toolkit
from tsl.rules.base import Invalid, Rule, Valid


class Lambda(Rule):
    """TorchScript cannot compile lambda expressions.

    The frontend rejects every `lambda` in a compiled function, even in a branch
    that never runs, because the whole function is parsed before anything is emitted.

    Fix: define a module-level function (which is compiled too) and call it.

    Autofix: `g = lambda a: ...` in a compiled function, where the lambda
    captures nothing (it reads only its parameters and module-level names) and
    g is only called, becomes a module-level `def g(a): return ...` placed
    before the class or function that holds it (a nested def would fail too).
    Parameters get the types the calls pass when tsl knows them. Safe when every
    parameter type is known (or is a Tensor), unsafe otherwise.
    """

    code = "TSL101"
    name = "lambda"
    message = "lambda is not supported in TorchScript"
    compiler_message = "Lambda aren't supported"
    hint = "define a named function at module level and call it"
    examples = (
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                g = lambda a: a * 2  # expect: TSL101
                return g(x)
        """),
        Invalid("""
            import torch
            from torch import nn


            class Net(nn.Module):
                def forward(self, x):
                    double = lambda a: a * 2  # twice  # expect: TSL101
                    return double(x) + 1


            @torch.jit.script
            def scaled(x: torch.Tensor, n: int):
                bump = lambda v, k=1: v + k  # expect: TSL101
                if n > 0:
                    n = bump(n)
                return x * bump(n, k=2)
        """, fixed="""
            import torch
            from torch import nn


            def double(a):  # twice
                return a * 2


            class Net(nn.Module):
                def forward(self, x):
                    return double(x) + 1


            def bump(v: int, k: int = 1):
                return v + k


            @torch.jit.script
            def scaled(x: torch.Tensor, n: int):
                if n > 0:
                    n = bump(n)
                return x * bump(n, k=2)
        """),
        Valid("""
            import torch

            def double(a: torch.Tensor) -> torch.Tensor:
                return a * 2

            @torch.jit.script
            def f(x: torch.Tensor):
                return double(x)
        """),
    )

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.report(node, fix=lambda: self._fix(node))

    @classmethod
    def fixable(cls) -> bool:
        return True

    @toolkit.guarded
    def _fix(self, node: cst.Lambda):
        file = self.ctx.file
        assign = file.parent(node)
        if not isinstance(assign, cst.Assign) or assign.value is not node or len(assign.targets) != 1:
            return None
        target = assign.targets[0].target
        statement = file.parent(assign)
        block = file.parent(statement)
        if not isinstance(target, cst.Name) or not isinstance(statement, cst.SimpleStatementLine) or \
                len(statement.body) != 1 or not isinstance(block, cst.IndentedBlock) or len(block.body) < 2:
            return None
        params = node.params
        if params.posonly_params or params.kwonly_params or params.star_kwarg is not None or isinstance(
                params.star_arg, (cst.Param, cst.ParamStar)):
            return None
        name = target.value
        if name in dir(builtins) or toolkit.bound_at_module_level(file, name) or not self._captures_nothing(node):
            return None
        function = self.ctx.function.node
        uses = [n for n in self._names(function).get(name, ()) if n is not target]
        if len(uses) != len(self._names(file.module).get(name, ())) - 1:
            return None  # the name is used outside this function too
        calls = []
        for use in uses:
            call = file.parent(use)
            if not isinstance(call, cst.Call) or call.func is not use:
                return None
            calls.append(call)
        if toolkit.contains_comment(node) or toolkit.multiline_string_inside(file, node):
            return None
        top = toolkit.top_level_statement(file, statement)
        if top is None:
            return None
        spelling = toolkit.Spelling(file)
        signature, safe = self._signature(node, calls, spelling)
        if signature is None:
            return None
        nl, unit = toolkit.newline(file), toolkit.indent_unit(file)
        start, end = toolkit.span(file, node.body, outer=True)
        body = toolkit.parenthesize_if_multiline(file.text[start:end])
        comment = statement.trailing_whitespace.comment
        header = f"def {name}({signature}):" + (f"  {comment.value}" if comment is not None else "")
        definition = f"{header}{nl}{unit}return {body}{nl}{nl}{nl}"
        leading = list(top.leading_lines)
        first_comment = next((i for i, line in enumerate(leading) if line.comment is not None), len(leading))
        line = toolkit.first_line(file, top) - len(leading) + first_comment
        at = toolkit.line_starts(file.text)[line - 1]
        position = file.position(statement)
        starts = toolkit.line_starts(file.text)
        remove_from = starts[position.start.line - 1]
        remove_to = starts[position.end.line] if position.end.line < len(starts) else len(file.text)
        return toolkit.fix(
            f"define {name} as a module-level function",
            [toolkit.edit_between(file, at, at, definition), toolkit.edit_between(file, remove_from, remove_to, ""),
             *spelling.import_edits()],
            safe=safe,
        )

    def _names(self, node: cst.CSTNode) -> dict:
        """The Names in node (the module, a function) by identifier: each node is walked once per file."""
        tables = self.__dict__.setdefault("_name_tables", {})
        table = tables.get(id(node))
        if table is None or table[0] is not node:
            found: dict = {}
            for name in toolkit.names_in(node):
                found.setdefault(name.value, []).append(name)
            table = tables[id(node)] = (node, found)
        return table[1]

    def _captures_nothing(self, node: cst.Lambda) -> bool:
        file = self.ctx.file
        lambda_scope = file.scope(node.body)
        for name in toolkit.names_in(node.body):
            found = toolkit.referents(file, name)
            if found is None:
                continue  # not a read (an attribute or keyword name)
            if not found:
                return False
            for assignment in found:
                if assignment.scope is not lambda_scope and not isinstance(assignment.scope,
                                                                           (GlobalScope, BuiltinScope)):
                    return False
        return True

    def _signature(self, node: cst.Lambda, calls, spelling):
        """(parameter list text, whether every type is known)."""
        types = toolkit.types_for(self.ctx)
        params = list(node.params.params)
        known: dict[str, set] = {p.name.value: set() for p in params}
        for call in calls:
            if any(arg.star for arg in call.args):
                return None, False
            for index, arg in enumerate(call.args):
                if arg.keyword is not None:
                    key = arg.keyword.value
                elif index < len(params):
                    key = params[index].name.value
                else:
                    return None, False
                if key not in known:
                    return None, False
                known[key].add(types.of(arg.value))
        parts, safe = [], True
        file = self.ctx.file
        for param in params:
            kinds = known[param.name.value]
            if param.default is not None:
                kinds.add(toolkit.value_type(file, param.default))
            kind = kinds.pop() if len(kinds) == 1 else None
            text = param.name.value
            if kind is None or kind[0] == "range":
                safe = False
            elif kind != ("Tensor",):
                text += f": {toolkit.render(kind, spelling)}"
            if param.default is not None:
                start, end = toolkit.span(file, param.default, outer=True)
                text += (" = " if kind not in (None, ("Tensor",)) else "=") + file.text[start:end]
            parts.append(text)
        return ", ".join(parts), safe
