from tsl.finding import WARNING
from tsl.rules.base import Rule


class CompileFailed(Rule):
    """`torch.compile(module)` failed (only with `--verify --compile`).

    The fourth column of the verify table times `torch.compile`; on CPU the
    default inductor backend needs a working C++ compiler. This warning shows
    that the module, or this environment, cannot use torch.compile.

    Fix: read the message; install a C++ compiler for inductor on CPU, or
    isolate the failing code with `torch.compiler.disable`.
    """

    code = "TSL909"
    name = "compile-failed"
    message = "torch.compile failed"
    severity = WARNING
    hint = "inductor on CPU needs a C++ compiler"
