import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, GLOBAL_DEFINITIONS, INIT_ATTRIBUTES
from tsl.fix import toolkit
from tsl.frontend import kinds
from tsl.model.index import CLASS_METHOD
from tsl.model.values import global_kind, literal_kind
from tsl.rules.base import Invalid, Rule, Valid


class ExternalGlobal(Rule):
    """Compiled code cannot read module-level variables that hold values.

    Globals holding an int, float, bool, str, tuple, list, dict or Tensor fail
    with "python value of type 'float' cannot be used as a value". Modules,
    functions, classes and attributes of modules (`math.pi`, `config.SCALE`) are
    fine.

    Fix: make it a module attribute (a `Final` class attribute or an entry in
    `__constants__`), pass it as a parameter, or read it as `module.CONST`.

    Autofix: in a method of an nn.Module, a global bound once, before the
    class, to an int, float, bool, str or tuple of those becomes a class
    attribute `NAME: Final[T] = NAME` read as `self.NAME` (safe: the same value,
    bound when the class is created; a list becomes a tuple constant in
    TorchScript, so a list global is unsafe). Elsewhere, a global that can be a
    default (a scalar, tuple or Tensor) is passed as a new last parameter
    `NAME: T = NAME` (unsafe: the signature changes). Lists and dicts outside a
    module get no fix.
    """

    code = "TSL302"
    name = "external-global"
    reads = frozenset({COMPILED_BODIES, GLOBAL_DEFINITIONS, INIT_ATTRIBUTES})
    message = "module-level variable used in compiled code"
    emitted_only = True
    compiler_message = "python value of type 'float' cannot be used as a value"
    hint = "store it on the module as a Final attribute, or pass it as a parameter"
    examples = (
        Invalid("""
            import torch

            SCALE = 2.0

            class Net(torch.nn.Module):
                def forward(self, x):
                    return x * SCALE  # expect: TSL302
        """),
        Invalid("""
            import torch

            SIZES = [1, 2]

            @torch.jit.script
            def f(x: torch.Tensor):
                return x + SIZES[0]  # expect: TSL302
        """),
        Invalid('''
            import math

            import torch
            from torch import nn

            SCALE = 2.0
            DEPTH = 3
            NAME = "net"
            SHAPE = (1, 2)
            ENABLED = True


            class Reads(nn.Module):
                """Reads module constants."""

                def forward(self, x):
                    if ENABLED:  # expect: TSL302
                        x = x * SCALE + DEPTH  # scaled  # expect: TSL302
                    print(NAME)  # expect: TSL302
                    return self.extra(x) + SHAPE[0] * math.pi  # expect: TSL302

                def extra(self, x):
                    return x * SCALE  # expect: TSL302
        ''', fixed='''
            import math

            import torch
            from torch import nn
            from typing import Final, Tuple

            SCALE = 2.0
            DEPTH = 3
            NAME = "net"
            SHAPE = (1, 2)
            ENABLED = True


            class Reads(nn.Module):
                """Reads module constants."""
                ENABLED: Final[bool] = ENABLED
                SCALE: Final[float] = SCALE
                DEPTH: Final[int] = DEPTH
                NAME: Final[str] = NAME
                SHAPE: Final[Tuple[int, int]] = SHAPE

                def forward(self, x):
                    if self.ENABLED:
                        x = x * self.SCALE + self.DEPTH  # scaled
                    print(self.NAME)
                    return self.extra(x) + self.SHAPE[0] * math.pi

                def extra(self, x):
                    return x * self.SCALE
        '''),
        Invalid("""
            import torch
            from torch import nn

            SIZES = [1, 2]
            BIAS = torch.ones(1)
            OFFSET = 0.5


            class Sizes(nn.Module):
                def forward(self, x):
                    for size in SIZES:  # expect: TSL302
                        x = x + size
                    return x + BIAS  # expect: TSL302


            @torch.jit.script
            def shift(x: torch.Tensor, scale: float = 1.0):
                return x * scale + OFFSET + BIAS  # expect: TSL302
        """, fixed="""
            import torch
            from torch import nn
            from typing import Final, List

            SIZES = [1, 2]
            BIAS = torch.ones(1)
            OFFSET = 0.5


            class Sizes(nn.Module):
                SIZES: Final[List[int]] = SIZES

                def forward(self, x, BIAS: torch.Tensor = BIAS):
                    for size in self.SIZES:
                        x = x + size
                    return x + BIAS


            @torch.jit.script
            def shift(x: torch.Tensor, scale: float = 1.0, OFFSET: float = OFFSET, BIAS: torch.Tensor = BIAS):
                return x * scale + OFFSET + BIAS
        """, unsafe=True),
        Valid("""
            import math
            import torch
            from typing import Final

            class Net(torch.nn.Module):
                scale: Final[float] = 2.0

                def forward(self, x):
                    return x * self.scale * math.pi
        """),
    )

    def visit_Name(self, node: cst.Name) -> None:
        parent = self.ctx.file.parent(node)
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return
        if isinstance(parent, cst.Call) and parent.func is node:
            return
        kind = global_kind(self.ctx.file, node)
        if kind is None or kind == "Logger":
            return
        self.report(
            node,
            message=f"global '{node.value}' ({kind}) cannot be used in compiled code",
            fix=lambda: self._fix(node),
        )

    @classmethod
    def fixable(cls) -> bool:
        return True

    @toolkit.guarded
    def _fix(self, node: cst.Name):
        file = self.ctx.file
        found = toolkit.single_global_assignment(file, node)
        if found is None:
            return None
        value, defined = found
        statement = toolkit.top_level_statement(file, defined)
        if statement is None or not isinstance(statement, cst.SimpleStatementLine):
            return None
        kind = toolkit.value_type(file, value) or kinds.certain_type(literal_kind(value, file))
        if kind is None:
            return None
        return self._final_fix(node, kind, statement) or self._parameter_fix(node, kind, statement)

    def _final_fix(self, node: cst.Name, kind: tuple, assignment: cst.CSTNode):
        file, function = self.ctx.file, self.ctx.function
        if not function.takes_self or function.decorators & CLASS_METHOD:
            return None
        if not kinds.is_constant(kind) or node.value.startswith("_") or node.value in MODULE_ATTRIBUTES:
            return None
        klass = file.parent(file.parent(function.node))
        if not isinstance(klass, cst.ClassDef) or not isinstance(file.parent(klass), cst.Module):
            return None
        info = next((index.classes.get(klass.name.value) for index in self.ctx.program.indexes
                     if index.file is file), None)
        if info is None or info.node is not klass or not self.ctx.program.is_module(info):
            return None
        if file.position(assignment).start.line >= toolkit.first_line(file, klass):
            return None  # the class body would run before the global exists
        params = list(function.node.params.posonly_params) + list(function.node.params.params)
        if not params:
            return None
        self_name = params[0].name.value
        existing = _class_binding(klass, node.value, self.ctx.attribute_names(klass))
        if existing == "other":
            return None
        edits = [toolkit.replace(file, node, f"{self_name}.{node.value}")]
        spelling = toolkit.Spelling(file)
        if existing is None:
            where = _class_body_start(file, klass)
            if where is None:
                return None
            at, indent, gap = where
            annotation = f"{spelling.typing('Final')}[{toolkit.render(kind, spelling)}]"
            text = f"{toolkit.newline(file)}{indent}{node.value}: {annotation} = {node.value}"
            edits.append(toolkit.edit_between(file, at, at, text))
            if gap is not None:  # a blank line between the attributes and the first method
                edits.append(toolkit.edit_between(file, gap, gap, toolkit.newline(file)))
        return toolkit.fix(
            f"make {node.value} a Final class attribute and read it as {self_name}.{node.value}",
            [*edits, *spelling.import_edits()],
            safe=kind[0] != kinds.T_LIST,
        )

    def _parameter_fix(self, node: cst.Name, kind: tuple, assignment: cst.CSTNode):
        file, function = self.ctx.file, self.ctx.function.node
        if kind[0] in kinds.MUTABLE:
            return None  # mutable defaults do not compile
        params = function.params
        if isinstance(params.star_arg, (cst.Param, cst.ParamStar)) or params.kwonly_params or params.star_kwarg:
            return None
        ordered = list(params.posonly_params) + list(params.params)
        if not ordered or file.position(assignment).start.line >= toolkit.first_line(file, function):
            return None
        last = ordered[-1]
        anchor = last.default or last.annotation or last.name
        if isinstance(anchor, cst.Annotation):
            anchor = anchor.annotation
        end = toolkit.span(file, anchor, outer=True)[1]
        spelling = toolkit.Spelling(file)
        text = f", {node.value}: {toolkit.render(kind, spelling)} = {node.value}"
        return toolkit.fix(
            f"pass {node.value} as a parameter default (changes the signature)",
            [toolkit.edit_between(file, end, end, text), *spelling.import_edits()],
            safe=False,
        )


MODULE_ATTRIBUTES = {"training", "forward", "dump_patches", "call_super_init", "T_destination"}


def _class_binding(klass: cst.ClassDef, name: str, attributes: set[str]):
    """None if the class never binds name; "ours" for `NAME: Final[...] = NAME`; else "other".
    attributes: every NAME of an `x.NAME` in the class."""
    found = None
    for statement in klass.body.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.name.value == name:
            return "other"
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                    targets = [small.target]
                if any(isinstance(t, cst.Name) and t.value == name for t in targets):
                    ours = isinstance(small, cst.AnnAssign) and isinstance(small.value, cst.Name) and \
                        small.value.value == name
                    if not ours or found is not None:
                        return "other"
                    found = "ours"
    if name in attributes and found is None:
        return "other"  # self.NAME exists already: do not shadow it
    return found


def _class_body_start(file, klass: cst.ClassDef):
    """(offset, indentation, gap): the end of the line after which class attributes go (the class
    header, its docstring, or the Final attributes added before), and where a blank line keeps
    them apart from a method that follows at once (None: no need)."""
    body = klass.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    statements = list(body.body)
    first = statements[0]
    indent = toolkit.indentation_of(file, first)
    if indent is None:
        return None
    line = toolkit.first_line(file, first) - len(first.leading_lines) - 1  # the line ending in ':'
    if toolkit.is_docstring(first):
        line = file.position(statements.pop(0)).end.line
    ours = False
    while statements and _is_our_attribute(statements[0]) and not statements[0].leading_lines:
        line = file.position(statements.pop(0)).end.line
        ours = True
    gap = None
    if statements and not ours and isinstance(statements[0], (cst.FunctionDef, cst.ClassDef)) and \
            not statements[0].leading_lines:
        gap = toolkit.line_starts(file.text)[toolkit.first_line(file, statements[0]) - 1]
    return toolkit.line_end(file, line), indent, gap


def _is_our_attribute(statement) -> bool:
    """`NAME: Final[...] = NAME` on a line of its own."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return (
        isinstance(small, cst.AnnAssign)
        and isinstance(small.target, cst.Name)
        and isinstance(small.value, cst.Name)
        and small.value.value == small.target.value
        and statement.trailing_whitespace.comment is None
    )
