from tsl.finding import ERROR
from tsl.rules.base import Rule


class SaveLoadFailed(Rule):
    """The scripted module did not survive a `torch.jit.save` / `torch.jit.load` round trip.

    Reported only by `--verify`. Deployment (C++ `torch::jit::load`, mobile,
    a serving container) needs the saved archive, so a module that scripts but
    cannot be saved or loaded back is not deployable. Common causes are
    attributes of types the serializer cannot write and custom classes that
    are not registered where the archive is loaded.

    Fix: keep module attributes to tensors, numbers, strings and containers of
    them, or mark the offending attribute or method `@torch.jit.ignore`.
    """

    code = "TSL902"
    name = "save-load-failed"
    message = "torch.jit.save/load round trip failed"
    severity = ERROR
    hint = "keep attributes serializable; ignore what deployment does not need"
