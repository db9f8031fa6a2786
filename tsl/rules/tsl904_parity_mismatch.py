from tsl.finding import ERROR
from tsl.rules.base import Rule


class ParityMismatch(Rule):
    """The compiled module computes different results than the eager one.

    Reported only by `--verify` with example inputs. Eager, scripted and
    optimized (frozen + `optimize_for_inference`) outputs are compared with a
    dtype-aware `allclose` (float32: rtol 1e-4, atol 1e-5; optimized float32:
    rtol 1e-3, atol 1e-4; integers and bools exactly). The usual cause is code
    that branches on `torch.jit.is_scripting()` or `torch.jit.is_tracing()`,
    or a Python-side effect that the compiled code skips.

    Fix: make both branches compute the same thing, or move the difference
    into a `@torch.jit.ignore` helper that eager and scripted code share.
    """

    code = "TSL904"
    name = "parity-mismatch"
    message = "compiled output differs from eager"
    severity = ERROR
    hint = "look for torch.jit.is_scripting() branches and Python-only side effects"
