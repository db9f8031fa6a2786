from tsl.finding import WARNING
from tsl.rules.base import Rule


class InternalError(Rule):
    """tsl itself failed on this file, so nothing in it was checked.

    A bug in tsl, or a file beyond what it can take (nesting deep enough to
    exhaust its recursion, a worker process that died on the file). The message
    names the error; the other files are still checked.

    Fix: please report it with the file that caused it (or a reduced copy).
    """

    code = "TSL002"
    name = "internal-error"
    message = "tsl could not analyse this file"
    severity = WARNING
    hint = "please report this with the file that caused it"
