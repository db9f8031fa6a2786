"""A model with three classic blockers: a lambda, a logging call and a global float.

`tsl check` reports all three; `--verify` shows the compiler stopping at the
first one it meets (the lambda in forward) and links it to TSL101.
"""
import logging

import torch
from torch import nn

log = logging.getLogger(__name__)
SCALE = 2.0


def activate(x: torch.Tensor) -> torch.Tensor:
    log.debug("activating %s", x.shape)
    return torch.relu(x) * SCALE


class Blocked(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squash = lambda t: t.clamp(-1.0, 1.0)
        return squash(activate(self.fc(x)))


TSL_VERIFY = {"Blocked": {"inputs": ["float32[4,16]"]}}
