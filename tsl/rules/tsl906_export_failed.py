from tsl.finding import WARNING
from tsl.rules.base import Rule


class ExportFailed(Rule):
    """`torch.export.export(module, inputs)` failed: the module is not export-ready.

    Reported only by `--verify` with example inputs. TorchScript is deprecated
    since torch 2.13; `torch.export` is its successor for deployment. This
    shows where a migration would stop today, next to the TorchScript verdict.
    The usual causes are data-dependent control flow (`if x.sum() > 0:`) and
    Python that the tracer cannot capture.

    Fix: replace data-dependent branches with `torch.where` or `torch.cond`;
    see the torch.export documentation for the error named in the message.
    """

    code = "TSL906"
    name = "export-failed"
    message = "torch.export.export failed"
    severity = WARNING
    hint = "replace data-dependent Python control flow with torch.cond / torch.where"
