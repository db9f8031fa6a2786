from tsl.finding import ERROR
from tsl.rules.base import Rule


class CompiledRunFailed(Rule):
    """The scripted or optimized module raised on the example inputs, while eager ran.

    Reported only by `--verify` with example inputs. Compilation succeeded,
    but running the compiled graph failed: a type the compiler assumed
    (an unannotated parameter is a Tensor), an Optional that is None at run
    time, or an optimization pass that does not support an operator.

    Fix: annotate the parameters with their real types; read the TorchScript
    traceback in the message.
    """

    code = "TSL907"
    name = "compiled-run-failed"
    message = "the compiled module raised where eager ran"
    severity = ERROR
    hint = "annotate parameters with their real types"
