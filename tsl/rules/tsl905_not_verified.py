from tsl.finding import WARNING
from tsl.rules.base import Rule


class NotVerified(Rule):
    """`--verify` could not import or build a target, so the compiler never saw it.

    Each file is verified in its own child process with a time limit
    (`--verify-timeout`). When importing the file raises, exits the process
    (`sys.exit`, `os._exit`, a crash) or runs past the limit, its targets are
    reported with this code and every other file goes on. A module that needs
    constructor arguments is reported here too.

    Fix: make the module importable without side effects; give a factory or
    args for the target in `[tool.tsl.verify]` (or a module-level
    `TSL_VERIFY` dict); raise `--verify-timeout` for slow imports.
    """

    code = "TSL905"
    name = "not-verified"
    message = "the target could not be imported or built for verification"
    severity = WARNING
    hint = "give a factory or args in [tool.tsl.verify], or make the import side-effect free"
