import libcst as cst

from tsl.fix import toolkit
from tsl.rules.base import Invalid, Rule, Valid


class ComplexComprehension(Rule):
    """Comprehensions may have a single `for` and no `if`.

    Fix: write a loop that appends to an annotated list.

    Autofix (safe): a list or dict comprehension becomes an annotated
    `List[T]` / `Dict[K, V]` built by a loop, when the element types are
    certain (from annotations, literals, range() and what TorchScript assumes
    for unannotated parameters), the loop variables are used nowhere else in
    the function, and the comprehension is a whole assigned or returned value
    or an argument of calls whose earlier parts only read names. Otherwise no
    fix: a wrong element type would not compile.
    """

    code = "TSL114"
    name = "complex-comprehension"
    message = "comprehensions with an if clause or several for clauses are not supported"
    compiler_message = "Comprehension ifs are not supported yet"
    hint = "write an explicit loop that appends to a list"
    examples = (
        Invalid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: List[int]):
                return [a for a in x if a > 1]  # expect: TSL114
        """),
        Invalid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: List[int]):
                return [a + b for a in x for b in x]  # expect: TSL114
        """),
        Invalid("""
            from typing import Dict, List

            import torch


            @torch.jit.script
            def positives(x: List[int], scores: List[float], t: torch.Tensor):
                kept = [a for a in x if a > 1]  # keep the big ones  # expect: TSL114
                pairs = {k: k * 2.0 for k in range(len(x)) if k % 2 == 0}  # expect: TSL114
                total = sum([s * 2 for s in scores if s > 0.5])  # expect: TSL114
                rows = torch.stack([r for r in t if bool(r.sum() > 0)])  # expect: TSL114
                for step in range(2):
                    grid = [i + j for i in range(step) for j in x]  # expect: TSL114
                    kept.append(len(grid))
                return [b * 2 for b in kept if b != 3], pairs, total, rows  # expect: TSL114


            @torch.jit.script
            def keep_annotated(x: List[int]) -> Dict[int, List[int]]:
                out: Dict[int, List[int]] = {n: [n] for n in x if n > 0}  # expect: TSL114
                return out


            @torch.jit.script
            def first_positive(x: List[int]) -> int:
                return [a for a in x if a > 0][0]  # expect: TSL114
        """, fixed="""
            from typing import Dict, List

            import torch


            @torch.jit.script
            def positives(x: List[int], scores: List[float], t: torch.Tensor):
                kept: List[int] = []  # keep the big ones
                for a in x:
                    if a > 1:
                        kept.append(a)
                pairs: Dict[int, float] = {}
                for k in range(len(x)):
                    if k % 2 == 0:
                        pairs[k] = k * 2.0
                filtered: List[float] = []
                for s in scores:
                    if s > 0.5:
                        filtered.append(s * 2)
                total = sum(filtered)
                filtered_1: List[torch.Tensor] = []
                for r in t:
                    if bool(r.sum() > 0):
                        filtered_1.append(r)
                rows = torch.stack(filtered_1)
                for step in range(2):
                    grid: List[int] = []
                    for i in range(step):
                        for j in x:
                            grid.append(i + j)
                    kept.append(len(grid))
                filtered_2: List[int] = []
                for b in kept:
                    if b != 3:
                        filtered_2.append(b * 2)
                return filtered_2, pairs, total, rows


            @torch.jit.script
            def keep_annotated(x: List[int]) -> Dict[int, List[int]]:
                out: Dict[int, List[int]] = {}
                for n in x:
                    if n > 0:
                        out[n] = [n]
                return out


            @torch.jit.script
            def first_positive(x: List[int]) -> int:
                filtered: List[int] = []
                for a in x:
                    if a > 0:
                        filtered.append(a)
                return filtered[0]
        """),
        Valid("""
            import torch
            from typing import List

            @torch.jit.script
            def f(x: List[int]):
                return [a * 2 for a in x]
        """),
    )

    @classmethod
    def fixable(cls) -> bool:
        return True

    def _check(self, node) -> None:
        generator = node.for_in
        if generator.ifs:
            self.report(node, message="comprehension if clauses are not supported in TorchScript",
                        fix=lambda: self._fix(node))
        elif generator.inner_for_in is not None:
            self.report(node, message="comprehensions with more than one for clause are not supported in TorchScript",
                        fix=lambda: self._fix(node))

    @toolkit.guarded
    def _fix(self, comp):
        if not isinstance(comp, (cst.ListComp, cst.DictComp)) or toolkit.contains_comment(comp):
            return None
        file = self.ctx.file
        statement, small = self._statement(comp)
        if statement is None:
            return None
        indent = toolkit.indentation_of(file, statement)
        if indent is None or toolkit.multiline_string_inside(file, comp):
            return None
        generators = []
        generator = comp.for_in
        while generator is not None:
            if generator.asynchronous is not None or not isinstance(generator.target, cst.Name):
                return None
            generators.append(generator)
            generator = generator.inner_for_in
        loop_names = {g.target.value for g in generators}
        inside = {id(n) for n in toolkit.names_in(comp)}
        if len(loop_names) != len(generators) or any(
            n.value in loop_names and id(n) not in inside for n in toolkit.names_in(self.ctx.function.node)
        ):
            return None  # a loop variable would leak into the function
        types = toolkit.types_for(self.ctx)
        for generator in generators:
            element = types.element(types.of(generator.iter))
            if element is None:
                return None
            types.env[generator.target.value] = element
        spelling = toolkit.Spelling(file)
        whole = isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is comp
        if whole and isinstance(small, cst.AnnAssign):
            annotation = toolkit.source(file, small.annotation.annotation)
        elif isinstance(comp, cst.ListComp):
            element = types.of(comp.elt)
            if element is None or element[0] == "range":
                return None
            annotation = toolkit.render(("List", element), spelling)
        else:
            key, value = types.of(comp.key), types.of(comp.value)
            if key not in (("int",), ("float",), ("str",), ("bool",), ("Tensor",)) or value is None \
                    or value[0] == "range":
                return None
            annotation = toolkit.render(("Dict", key, value), spelling)
        target = None
        if whole:
            target = small.targets[0].target if isinstance(small, cst.Assign) else small.target
            if len(getattr(small, "targets", [None])) != 1 or not isinstance(target, cst.Name) or \
                    target.value in {n.value for n in toolkit.names_in(comp)}:
                target = None
        if not hasattr(self, "_reserved"):
            self._reserved = {}
        reserved = self._reserved.setdefault(id(self.ctx.function.node), set())
        name = target.value if target is not None else toolkit.fresh_name(
            file, "filtered" if comp.for_in.ifs else "items", reserved, self.ctx.function.node)
        unit, nl = toolkit.indent_unit(file), toolkit.newline(file)
        lines, depth = [], 0
        for generator in generators:
            lines.append(f"{unit * depth}for {generator.target.value} in {self._code(generator.iter)}:")
            depth += 1
            for condition in generator.ifs:
                lines.append(f"{unit * depth}if {self._code(condition.test)}:")
                depth += 1
        if isinstance(comp, cst.ListComp):
            lines.append(f"{unit * depth}{name}.append({self._code(comp.elt, wrap=False)})")
        else:
            lines.append(f"{unit * depth}{name}[{self._code(comp.key, wrap=False)}] = {self._code(comp.value)}")
        empty = "[]" if isinstance(comp, cst.ListComp) else "{}"
        if target is not None:
            loop = toolkit.edit_between(file, *(2 * [toolkit.line_end(file, file.position(statement).end.line)]),
                                       "".join(nl + indent + line for line in lines))
            edits = [toolkit.replace(file, small, f"{name}: {annotation} = {empty}"), loop]
        else:
            block = f"{name}: {annotation} = {empty}{nl}{indent}" + "".join(line + nl + indent for line in lines)
            start, end = toolkit.span(file, comp)
            edits = [toolkit.edit_between(file, *(2 * [toolkit.span(file, statement)[0]]), block),
                     toolkit.edit_between(file, start, end, name)]
        return toolkit.fix(f"build {name} with a loop", [*edits, *spelling.import_edits()])

    def _code(self, node, wrap: bool = True) -> str:
        start, end = toolkit.span(self.ctx.file, node, outer=True)
        text = self.ctx.file.text[start:end]
        return toolkit.parenthesize_if_multiline(text) if wrap else text

    def _statement(self, comp):
        """(statement line, small statement) when comp can be computed just before the statement."""
        file = self.ctx.file
        child, parent = comp, file.parent(comp)
        while True:
            if isinstance(parent, (cst.Assign, cst.AnnAssign, cst.Return, cst.Expr)):
                if getattr(parent, "value", None) is not child:
                    return None, None
                break
            if isinstance(parent, cst.Element) and parent.value is child:
                container = file.parent(parent)  # a tuple or list display: earlier items must only read names
                if not isinstance(container, (cst.Tuple, cst.List)):
                    return None, None
                for element in container.elements:
                    if element is parent:
                        break
                    if not toolkit.pure(element.value):
                        return None, None
                child, parent = container, file.parent(container)
                continue
            if isinstance(parent, cst.Subscript) and parent.value is child and all(
                    isinstance(e.slice, cst.Index) and toolkit.pure(e.slice.value) for e in parent.slice):
                child, parent = parent, file.parent(parent)
                continue
            if isinstance(parent, cst.Arg) and parent.value is child and not parent.star:
                call = file.parent(parent)
                if not isinstance(call, cst.Call) or not toolkit.pure(call.func):
                    return None, None
                for arg in call.args:
                    if arg is parent:
                        break
                    if not toolkit.pure(arg.value):
                        return None, None
                child, parent = call, file.parent(call)
                continue
            return None, None
        statement = file.parent(parent)
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1 or \
                not isinstance(file.parent(statement), cst.IndentedBlock):
            return None, None
        return statement, parent

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._check(node)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._check(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._check(node)
