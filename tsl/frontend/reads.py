"""What a rule reads, so that blanking (tsl.frontend.blank) keeps all of it.

Every rule reads the bodies of compiled functions and what they name. A rule
that reads more declares it (Rule.reads); the run blanks a file for the union
of what its enabled rules declare.
"""
from __future__ import annotations

COMPILED_BODIES = "compiled bodies"  # compiled functions, their classes, and what those name
TRACE_CALLS = "trace calls"  # every `X.trace(...)` call in the module, and the defs that hold one
GLOBAL_DEFINITIONS = "global definitions"  # what binds the module's names, `global` statements in defs included
INIT_ATTRIBUTES = "__init__ attributes"  # what __init__ and its helpers assign to self (from CPython's tree)

ALL = frozenset({COMPILED_BODIES, TRACE_CALLS, GLOBAL_DEFINITIONS, INIT_ATTRIBUTES})
