"""Questions about objects that PyTorch answers at the top level: is_tensor, numel, is_nonzero."""

from __future__ import annotations

from .tensor import Tensor

__all__ = ["is_tensor", "numel", "is_nonzero"]


def is_tensor(obj) -> bool:
    """True if obj is an arraygrad Tensor (torch.is_tensor; an nn.Parameter is one too)."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """The number of elements of input (torch.numel)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input.numel()


def is_nonzero(input: Tensor) -> bool:
    """Whether a one-element tensor is nonzero (torch.is_nonzero); other sizes raise."""
    n = input.numel()
    if n != 1:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous" if n == 0 else
                           "Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())
