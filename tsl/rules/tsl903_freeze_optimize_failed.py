from tsl.finding import WARNING
from tsl.rules.base import Rule


class FreezeOptimizeFailed(Rule):
    """`torch.jit.freeze` or `torch.jit.optimize_for_inference` failed on the scripted module.

    Reported only by `--verify`. The module scripts, but freezing (inlining
    parameters and attributes as constants) or the inference optimizations
    (conv/batch-norm folding, MKLDNN conversion on CPU) did not run, so
    inference uses the unoptimized graph. Usual causes are attributes mutated
    in `forward` or methods that freezing cannot inline.

    Fix: avoid mutating module attributes in `forward`; keep the module in
    `eval()` mode; keep the plain scripted module where freezing is impossible.
    """

    code = "TSL903"
    name = "freeze-optimize-failed"
    message = "torch.jit.freeze or optimize_for_inference failed"
    severity = WARNING
    hint = "do not mutate module attributes in forward; deploy the plain scripted module otherwise"
