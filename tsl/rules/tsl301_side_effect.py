import libcst as cst

from tsl.frontend.reads import COMPILED_BODIES, GLOBAL_DEFINITIONS
from tsl.fix import toolkit
from tsl.model.index import EXPORT, SCRIPT
from tsl.model.values import global_kind
from tsl.rules.base import Invalid, Rule, Valid

IO_PREFIXES = ("logging.", "time.", "os.", "random.", "sys.stdout.", "sys.stderr.", "sys.stdin.")


class SideEffect(Rule):
    """Calls with side effects the compiler cannot compile: logging, file and
    OS access, clocks, Python's random module, and warnings with a category.

    `print()` and `warnings.warn("message")` are fine: both script. Code under
    `if not torch.jit.is_scripting():` is never emitted, so calls there are fine too.

    Fix: guard the call with `if not torch.jit.is_scripting():`, or move it
    into a helper decorated with @torch.jit.ignore.

    Autofix: a statement whose value is unused (a call on its own, or an
    assignment to a name nothing else in the function reads) is wrapped in
    `if not torch.jit.is_scripting():`. This is safe: eager code runs exactly
    as before, and the compiled code, which could not be compiled before,
    skips the call. Otherwise a helper (not forward, not an entry point) whose
    parameters are annotated and whose return value is annotated or unused gets
    `@torch.jit.ignore`: unsafe, because an ignored function stays a Python
    call, and a module that calls one cannot be saved with torch.jit.save.
    """

    code = "TSL301"
    name = "side-effect"
    reads = frozenset({COMPILED_BODIES, GLOBAL_DEFINITIONS})
    message = "this call cannot be compiled by TorchScript"
    emitted_only = True
    compiler_message = "Python builtin <built-in function open> is currently not supported in Torchscript"
    hint = "guard it with `if not torch.jit.is_scripting():` or move it to a @torch.jit.ignore helper"
    examples = (
        Invalid("""
            import logging
            import torch

            class Net(torch.nn.Module):
                def forward(self, x):
                    logging.info('forward')  # expect: TSL301
                    return x
        """),
        Invalid("""
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                open('log.txt')  # expect: TSL301
                return x
        """),
        Invalid("""
            import time
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                t = time.time()  # expect: TSL301
                return x
        """),
        Invalid("""
            import warnings
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                warnings.warn('careful', UserWarning)  # expect: TSL301
                return x
        """),
        Invalid("""
            import logging
            import torch

            logger = logging.getLogger(__name__)

            @torch.jit.script
            def f(x: torch.Tensor):
                logger.info('x')  # expect: TSL301
                return x
        """),
        Invalid("""
            import logging
            import time
            import warnings

            import torch
            from torch import nn

            logger = logging.getLogger(__name__)


            class Logs(nn.Module):
                def forward(self, x):
                    logging.warning("slow")  # tell someone  # expect: TSL301
                    logger.info(  # expect: TSL301
                        "shape %s",  # what
                        x.shape,
                    )
                    start = time.perf_counter()  # expect: TSL301
                    warnings.warn("old", DeprecationWarning)  # expect: TSL301
                    if x.sum() > 0:
                        logger.debug("positive")  # expect: TSL301
                    return x
        """, fixed="""
            import logging
            import time
            import warnings

            import torch
            from torch import nn

            logger = logging.getLogger(__name__)


            class Logs(nn.Module):
                def forward(self, x):
                    if not torch.jit.is_scripting():
                        logging.warning("slow")  # tell someone
                    if not torch.jit.is_scripting():
                        logger.info(
                            "shape %s",  # what
                            x.shape,
                        )
                    if not torch.jit.is_scripting():
                        start = time.perf_counter()
                    if not torch.jit.is_scripting():
                        warnings.warn("old", DeprecationWarning)
                    if x.sum() > 0:
                        if not torch.jit.is_scripting():
                            logger.debug("positive")
                    return x
        """),
        Invalid("""
            import time

            import torch
            from torch import nn


            def elapsed(start: float) -> float:
                return time.time() - start  # expect: TSL301


            class Timed(nn.Module):
                def forward(self, x):
                    t = self.now()
                    return x + elapsed(t)

                def now(self) -> float:
                    return time.time()  # expect: TSL301
        """, fixed="""
            import time

            import torch
            from torch import nn


            @torch.jit.ignore
            def elapsed(start: float) -> float:
                return time.time() - start


            class Timed(nn.Module):
                def forward(self, x):
                    t = self.now()
                    return x + elapsed(t)

                @torch.jit.ignore
                def now(self) -> float:
                    return time.time()
        """, unsafe=True),
        Valid("""
            import logging
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                print('shape', x.shape)
                if not torch.jit.is_scripting():
                    logging.info('eager only')
                return x
        """),
        Valid("""
            import warnings
            import torch

            @torch.jit.script
            def f(x: torch.Tensor):
                warnings.warn('careful')
                warnings.warn('careful', stacklevel=2)
                return x
        """),
    )

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        for name in sorted(names):
            if name.startswith(IO_PREFIXES) or name == "builtins.open":
                self.report(node, message=f"{name}() is a side effect TorchScript cannot compile",
                            fix=lambda: self._fix(node))
                return
            if name == "warnings.warn" and (len([a for a in node.args if a.keyword is None]) > 1 or any(
                arg.keyword is not None and arg.keyword.value == "category" for arg in node.args
            )):
                self.report(node, message="warnings.warn() with a category cannot be compiled by TorchScript",
                            hint="drop the category (a plain warnings.warn(message) scripts)",
                            fix=lambda: self._fix(node))
                return
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            if global_kind(self.ctx.file, func.value) == "Logger":
                self.report(node, message=f"logger call {func.value.value}.{func.attr.value}() cannot be compiled",
                            fix=lambda: self._fix(node))

    @classmethod
    def fixable(cls) -> bool:
        return True

    @toolkit.guarded
    def _fix(self, call: cst.Call):
        return self._guard_fix(call) or self._ignore_fix()

    def _guard_fix(self, call: cst.Call):
        file = self.ctx.file
        statement = toolkit.enclosing(file, call, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        small = statement.body[0]
        if isinstance(small, cst.Assign):
            if small.value is not call or len(small.targets) != 1 or not isinstance(small.targets[0].target, cst.Name):
                return None
            target = small.targets[0].target
            uses = [n for n in toolkit.names_in(self.ctx.function.node) if n.value == target.value and n is not target]
            if uses:
                return None
        elif not isinstance(small, cst.Expr):
            return None
        spelling = toolkit.Spelling(file)
        edit = toolkit.wrap_statement(file, statement, f"if not {spelling.torch()}.jit.is_scripting()")
        if edit is None:
            return None
        return toolkit.fix("run it only when not scripting (if not torch.jit.is_scripting():)",
                          [edit, *spelling.import_edits()])

    def _ignore_fix(self):
        function = self.ctx.function
        node = function.node
        if function.name == "forward" or function.decorators & (SCRIPT | EXPORT) or function.is_property:
            return None
        if any(len(chain) == 1 for chain in self.ctx.compiled.chains.values()):
            return None  # an entry point itself
        if function.class_name is not None:
            owner = self.ctx.compiled.owner
            if owner is None or not self.ctx.program.is_module(owner):
                return None
        params = list(node.params.posonly_params) + list(node.params.params) + list(node.params.kwonly_params)
        if function.takes_self:
            params = params[1:]
        if isinstance(node.params.star_arg, cst.Param) or node.params.star_kwarg is not None or any(
            p.annotation is None for p in params
        ):
            return None
        if node.returns is None and _returns_value(node):
            return None
        indent = toolkit.indentation_of(self.ctx.file, node)
        if indent is None:
            return None
        spelling = toolkit.Spelling(self.ctx.file)
        decorator = f"@{spelling.torch()}.jit.ignore{toolkit.newline(self.ctx.file)}{indent}"
        return toolkit.fix(
            f"decorate {function.name} with @torch.jit.ignore (it stays a Python call: the compiled module "
            f"can no longer be saved with torch.jit.save)",
            [toolkit.insert_before(self.ctx.file, node, decorator), *spelling.import_edits()],
            safe=False,
        )


def _returns_value(function: cst.FunctionDef) -> bool:
    finder = _ValueReturns(function)
    function.visit(finder)
    return bool(finder.found)


class _ValueReturns(cst.CSTVisitor):
    """`return X` statements of function itself (not of nested defs or lambdas)."""

    def __init__(self, function: cst.FunctionDef):
        super().__init__()
        self.function = function
        self.found: list[cst.Return] = []

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.found.append(node)

    def visit_FunctionDef(self, node) -> bool:
        return node is self.function

    def visit_Lambda(self, node) -> bool:
        return False
