"""`Identity` (PyTorch's `torch.nn.Identity`)."""

from __future__ import annotations

from ...core.tensor import Tensor
from .module import Module

__all__ = ["Identity"]


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any constructor arguments."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """input, unchanged."""
        return input
