import torch
from torch import nn

from models.util import scale


class Net(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        try:
            y = scale(x)
        except Exception:
            y = x
        g = lambda a: a  # noqa: TSL101
        return y
