"""Dropout layers (PyTorch's torch.nn dropout modules): Dropout, Dropout1d/2d/3d, AlphaDropout,
FeatureAlphaDropout; active in training mode only."""

from __future__ import annotations

from ...core.tensor import Tensor
from ..functional import _dropout as D
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout"]


class _DropoutNd(Module):
    __constants__ = ["p", "inplace"]
    _fn = None

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """The input with units (or channels) dropped in training, unchanged in eval."""
        return type(self)._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        """The settings inside this layer's repr, worded as PyTorch's."""
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes elements with probability p, scaling the rest by 1/(1-p) (torch.nn.Dropout)."""

    _fn = staticmethod(D.dropout)


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of (N, C, L) input (torch.nn.Dropout1d)."""

    _fn = staticmethod(D.dropout1d)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of (N, C, H, W) input (torch.nn.Dropout2d)."""

    _fn = staticmethod(D.dropout2d)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of (N, C, D, H, W) input (torch.nn.Dropout3d)."""

    _fn = staticmethod(D.dropout3d)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU's mean and variance (torch.nn.AlphaDropout)."""

    _fn = staticmethod(D.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (torch.nn.FeatureAlphaDropout)."""

    _fn = staticmethod(D.feature_alpha_dropout)
