import libcst as cst

from tsl.finding import WARNING
from tsl.frontend.reads import COMPILED_BODIES, INIT_ATTRIBUTES
from tsl.model.attribute_paths import constructions, init_paths
from tsl.model.emission import always_exits
from tsl.model.types import attributes, self_attribute
from tsl.rules.base import Invalid, Rule, Valid


class PartialAttribute(Rule):
    """Compiled code reads an attribute that `__init__` sets on some paths only.

    The compiler sees the attributes present on the instance it scripts, and
    compiles both branches of `if self.flag:` (a plain bool attribute prunes
    nothing). So when `__init__` sets `self.y` only under a condition (or after
    an early return), scripting an instance built on the other path fails with
    "Module 'X' has no attribute 'y'", even where the use sits under `if
    self.flag:` or `if self.y is not None:`.

    Fix: set the attribute on every path (`self.y = None` when unused, and
    test `self.y is not None`), guard its use with `hasattr(self, 'y')`, or
    make the flag that guards it a constant (`Final` or `__constants__`) so the
    compiler drops the branch.

    Where the default arguments take the path that sets it, the default
    instance scripts: the finding is then a warning, not a blocker. A read that
    no test guards is reported only when the default instance lacks it (eager
    code fails there too on the instances that lack it).
    """

    code = "TSL413"
    name = "partial-attribute"
    reads = frozenset({COMPILED_BODIES, INIT_ATTRIBUTES})
    message = "compiled code reads an attribute that __init__ sets on some paths only"
    emitted_only = True
    compiler_message = "Module 'Net' has no attribute 'w'"
    hint = "set it on every path of __init__ (None when unused, tested with `is not None`)"
    examples = (
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self, weight: bool = False):
                    super().__init__()
                    self.weight = weight
                    if weight:
                        self.w = nn.Parameter(torch.ones(1))

                def forward(self, x):
                    if self.weight:
                        x = x * self.w  # expect: TSL413
                    return x
        """),
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self, cin: int = 4, cout: int = 4):
                    super().__init__()
                    self.conv = nn.Conv2d(cin, cout, 3)
                    if cin != cout:
                        self.shortcut = nn.Conv2d(cin, cout, 1)

                def forward(self, x):
                    if self.shortcut is not None:  # expect: TSL413
                        x = self.shortcut(x)
                    return self.conv(x)
        """),
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self, norm: bool = False):
                    super().__init__()
                    self.use_norm = norm
                    if not norm:
                        return
                    self.norm = nn.BatchNorm2d(4)

                def forward(self, x):
                    return self.norm(x) if self.use_norm else x  # expect: TSL413
        """),
        Valid("""
            import torch
            from typing import Final
            from torch import nn

            class Net(nn.Module):
                weight: Final[bool]

                def __init__(self, weight: bool = False, shortcut: bool = False):
                    super().__init__()
                    self.weight = weight
                    if weight:
                        self.w = nn.Parameter(torch.ones(1))
                    if shortcut:
                        self.shortcut = nn.Identity()
                    else:
                        self.shortcut = None

                def forward(self, x):
                    if self.weight:
                        x = x * self.w
                    if self.shortcut is not None:
                        x = self.shortcut(x)
                    return x
        """),
        Valid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self, mode: str = 'relu'):
                    super().__init__()
                    if mode == 'relu':
                        self.act = nn.ReLU()
                    elif mode == 'gelu':
                        self.act = nn.GELU()
                    else:
                        raise ValueError(mode)
                    if mode == 'gelu':
                        self.extra = nn.Identity()

                def forward(self, x):
                    if hasattr(self, 'extra'):
                        x = self.extra(x)
                    return self.act(x)
        """),
    )

    def check_function(self, node: cst.FunctionDef) -> None:
        self.reported: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        name = self_attribute(node)
        owner = self.ctx.compiled.owner
        if name is None or owner is None or name in self.reported:
            return
        if isinstance(self.ctx.file.parent(node), cst.AssignTarget):
            return
        program = self.ctx.program
        if not program.is_module(owner) or self._none_guarded(node, name):
            return
        chains = {key: chain for key, chain in self.ctx.compiled.chains.items()
                  if self._chain_fails(chain, owner, name)}
        if not chains:
            return
        # say why for the owner of the first chain that fails
        first = self._chain_owner(chains[min(chains)], owner)
        message, default = self._message(first, name)
        if default != "lacks" and not self._guarded(node):
            return  # eager needs it there too: the instances that lack it are broken anyway
        self.reported.add(name)
        # an error only when the default construction lacks it; else a hazard for some constructions
        self.report(node, message=message, chains=tuple(chains[k] for k in sorted(chains)),
                    severity=None if default == "lacks" else WARNING)

    def _guarded(self, node: cst.CSTNode) -> bool:
        """node runs only when a test holds: in a branch, the right of and/or, or after an if that exits."""
        file = self.ctx.file
        child, current = node, file.parent(node)
        while current is not None and not isinstance(current, cst.FunctionDef):
            if isinstance(current, (cst.If, cst.IfExp, cst.While)) and child is not current.test:
                return True
            if isinstance(current, cst.BooleanOperation) and child is current.right:
                return True
            body = getattr(current, "body", None)
            if isinstance(body, (list, tuple)) and child in body:
                for statement in body[:body.index(child)]:
                    if isinstance(statement, cst.If) and (always_exits(statement.body) or (
                            isinstance(statement.orelse, cst.Else) and always_exits(statement.orelse.body))):
                        return True
            child, current = current, file.parent(current)
        return False

    def _none_guarded(self, node: cst.CSTNode, name: str) -> bool:
        """Under a test `self.other is (not) None` (before it, when the test's branch always exits):
        other's type is NoneType or never None on a scripted instance, so the compiler drops a branch."""
        file = self.ctx.file
        child, current = node, file.parent(node)
        while current is not None and not isinstance(current, cst.FunctionDef):
            if isinstance(current, (cst.If, cst.IfExp)) and child is not current.test and \
                    _none_test(current.test, name):
                return True
            if isinstance(current, cst.BooleanOperation) and child is current.right and \
                    _none_test(current.left, name):
                return True
            body = getattr(current, "body", None)
            if isinstance(body, (list, tuple)) and child in body:
                for statement in body[:body.index(child)]:
                    if isinstance(statement, cst.If) and _none_test(statement.test, name) and (
                            always_exits(statement.body) or (
                            isinstance(statement.orelse, cst.Else) and always_exits(statement.orelse.body))):
                        return True
            child, current = current, file.parent(current)
        return False

    def _chain_fails(self, chain, owner, name: str) -> bool:
        """The instance the chain scripts may lack name: its class sets it on some paths only, and
        the module that builds it (the chain's last module step) does not pass arguments that set it."""
        klass = self._chain_owner(chain, owner)
        if not self._partial(klass, name):
            return False
        parent = self._chain_parent(chain)
        if parent is None:
            return True
        program = self.ctx.program
        calls = constructions(program, parent, klass)
        if not calls:
            return True
        for call, defaults in calls:
            built = init_paths(program, klass, call, defaults)
            if not built.readable or name not in built.always:
                return True
        return False  # every construction sets it (where it passes the builder's parameters, with their defaults)

    def _chain_parent(self, chain):
        """The class of the chain's last module step (the module whose __init__ built the owner)."""
        steps = [step for step in chain if "." not in step.label]
        if not steps:
            return None
        step = steps[-1]
        for index in self.ctx.program.indexes:
            for klass in index.classes.values():
                if klass.file.relpath == step.path and klass.line == step.line and klass.name == step.label:
                    return klass
        return None

    def _partial(self, klass, name: str) -> bool:
        if klass is None:
            return False
        program = self.ctx.program
        attrs = attributes(program, klass)
        if not attrs.complete or name in attrs.declared or name in attrs.elsewhere:
            return False
        if program.method(klass, name) is not None:
            return False
        return init_paths(program, klass).partial(name)

    def _chain_owner(self, chain, default):
        """The class whose instance runs the chain's last method (a subclass, for an inherited one)."""
        label = chain[-1].label
        if "." not in label:
            return None
        name = label.rsplit(".", 1)[0]
        if name == default.name:
            return default
        program = self.ctx.program
        function = self.ctx.function
        found = [k for index in program.indexes for k in index.classes.values()
                 if k.name == name and function in (m for c in program.mro(k) for m in c.methods.values())]
        return found[0] if len(found) == 1 else None

    def _message(self, klass, name: str) -> tuple[str, str]:
        """The finding's message, and what the default construction does: "lacks" or "sets" the
        attribute, or "" when the defaults do not decide."""
        paths = init_paths(self.ctx.program, klass)
        sites = _merged(paths.sites[name])
        with_conditions = [s for s in sites if s]
        if not with_conditions:
            return (f"`self.{name}` is not set on every path of `__init__`; scripting an instance built "
                    "without it fails"), ""
        phrases = []
        for conds in with_conditions:
            phrase = " and ".join(_phrase(c) for c in conds)
            if phrase not in phrases:
                phrases.append(phrase)
        when = " or when ".join(phrases[:2]) + (" (or ...)" if len(phrases) > 2 else "")
        head = f"`self.{name}` is set only when {when}"
        default_sets = any(all(c.default is c.taken for c in conds) for conds in sites)
        default_misses = all(any(c.default is not None and c.default is not c.taken for c in conds)
                             for conds in sites)
        if default_misses:
            decided = sorted({d for conds in sites for c in conds if c.default is not None
                              and c.default is not c.taken for d in c.decided_by})
            by = f" ({', '.join(decided)})" if decided else ""
            return f"{head}; built with the default arguments{by}, `{klass.name}` lacks it and scripting fails", "lacks"
        if default_sets:
            return f"{head}, as with the default arguments; scripting an instance built otherwise fails", "sets"
        return f"{head}; scripting an instance built without it fails", ""


def _merged(sites: list) -> list:
    """The sites' conditions with `P and t` / `P and not t` pairs merged into P."""
    sites = list(dict.fromkeys(sites))
    changed = True
    while changed:
        changed = False
        for a in sites:
            for b in sites:
                if a and b and len(a) == len(b) and a[:-1] == b[:-1] and a[-1].text == b[-1].text \
                        and a[-1].taken and not b[-1].taken:
                    at = min(sites.index(a), sites.index(b))
                    sites = [s for s in sites if s is not a and s is not b]
                    sites.insert(at, a[:-1])
                    changed = True
                    break
            if changed:
                break
    return sites


def _none_test(test, name: str) -> bool:
    """test holds `self.other is None` or `self.other is not None`, other not name."""
    stack = [test]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Comparison) and len(current.comparisons) == 1 and \
                isinstance(current.comparisons[0].operator, (cst.Is, cst.IsNot)):
            left, right = current.left, current.comparisons[0].comparator
            other = self_attribute(left)
            if other is not None and other != name and isinstance(right, cst.Name) and right.value == "None":
                return True
        if isinstance(current, cst.UnaryOperation):
            stack.append(current.expression)
        elif isinstance(current, cst.BooleanOperation):
            stack += [current.left, current.right]
    return False


def _phrase(condition) -> str:
    text = condition.text
    if condition.simple:
        negated = text.startswith("not ")
        base = text[4:] if negated else text
        return f"`{base}` is {'true' if condition.taken != negated else 'false'}"
    return f"`{text}`" if condition.taken else f"`{text}` is false"
