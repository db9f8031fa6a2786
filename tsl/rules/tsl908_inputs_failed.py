from tsl.finding import WARNING
from tsl.rules.base import Rule


class InputsFailed(Rule):
    """The example inputs for a target could not be built, or eager mode raised on them.

    Reported only by `--verify`. Inputs come from `inputs` in
    `[tool.tsl.verify]` (a "module:function" or specs such as
    "float32[8,3,224,224]") or a module-level `TSL_VERIFY` dict. Without
    working inputs, parity, timing and export are skipped for the target.

    Fix: correct the inputs factory or the specs (shape and dtype must match
    what `forward` expects; integer specs take a range, "int64[8](0,1000)").
    """

    code = "TSL908"
    name = "inputs-failed"
    message = "the example inputs could not be built or eager mode raised on them"
    severity = WARNING
    hint = "match the specs' shapes and dtypes to what forward expects"
