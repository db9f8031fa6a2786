"""A small model and a function that script cleanly: tsl finds nothing, --verify proves it."""
from typing import Final

import torch
from torch import nn


class TinyNet(nn.Module):
    scale: Final[float] = 0.5

    def __init__(self, channels: int = 16, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Linear(channels, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(self.features(x), 1)) * self.scale


@torch.jit.script
def swish(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


# Read by `tsl check --verify` only: what to feed each target ([tool.tsl.verify] in
# pyproject.toml takes the same keys and wins over this).
TSL_VERIFY = {
    "TinyNet": {"inputs": ["float32[8,3,32,32]"]},
    "swish": {"inputs": ["float32[64,256]"]},
}
