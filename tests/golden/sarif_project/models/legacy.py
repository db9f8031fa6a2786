import torch


@torch.jit.script
def old(x: torch.Tensor) -> torch.Tensor:
    try:
        return x
    except Exception:
        return x
