from tsl.finding import ERROR
from tsl.rules.base import Rule


class ScriptFailed(Rule):
    """`torch.jit.script` rejected a target when `tsl check --verify` ran it.

    Reported only by `--verify`, which imports each file in a child process and
    scripts every nn.Module (built with no arguments, or as configured in
    `[tool.tsl.verify]`) and every `@torch.jit.script` function the static pass
    found. The finding sits on the line the compiler marked with `<--- HERE`,
    carries the compiler's first message and its chain ("is being compiled
    since it was called from ..."), and says whether the static pass predicted
    it: "(predicted by TSL101)" names the static finding on the same line;
    "(missed by static analysis)" means no rule saw it, which is a bug report
    to tsl (these are listed in the verify summary).

    Fix: fix the code the compiler points at; `tsl explain` the linked static
    code for the usual fix.
    """

    code = "TSL901"
    name = "script-failed"
    message = "torch.jit.script failed"
    severity = ERROR
    hint = "fix the line the compiler marks; the linked static finding explains the usual fix"
