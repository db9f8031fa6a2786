import torch


def scale(x: torch.Tensor) -> torch.Tensor:
    f = lambda a: a * 2
    return f(x)
