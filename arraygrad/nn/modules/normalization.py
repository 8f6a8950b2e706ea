"""LayerNorm and GroupNorm (PyTorch's torch.nn normalization layers)."""

from __future__ import annotations

from ...core.creation import empty
from ...core.tensor import Tensor
from .. import init
from ..functional._normalization import group_norm, layer_norm
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm"]


def _affine(module: Module, affine: bool, bias: bool, shape, device, dtype) -> None:
    """Registers weight (and bias, unless bias=False) of shape when affine, else both as None."""
    def make(wanted):
        return Parameter(empty(shape, device=device, dtype=dtype)) if wanted else None

    module.register_parameter("weight", make(affine))
    module.register_parameter("bias", make(affine and bias))
    _reset_affine(module)


def _reset_affine(module: Module) -> None:
    """weight 1, bias 0 (where the layer has them)."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class LayerNorm(Module):
    """Normalization over the trailing normalized_shape axes (torch.nn.LayerNorm); weight 1
    and bias 0 of normalized_shape when elementwise_affine (bias=False drops the bias)."""

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine(self, elementwise_affine, bias, self.normalized_shape, device, dtype)

    def reset_parameters(self) -> None:
        """weight 1, bias 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        """F.layer_norm(input, normalized_shape, weight, bias, eps)."""
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """The settings inside this layer's repr, worded as PyTorch's."""
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalization over num_groups groups of channels (torch.nn.GroupNorm); per-channel
    weight 1 and bias 0 when affine (bias=False drops the bias)."""

    __constants__ = ["num_groups", "num_channels", "eps", "affine"]

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine(self, affine, bias, (num_channels,), device, dtype)

    def reset_parameters(self) -> None:
        """weight 1, bias 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        """F.group_norm(input, num_groups, weight, bias, eps)."""
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """The settings inside this layer's repr, worded as PyTorch's."""
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
