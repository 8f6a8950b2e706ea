"""Dropout: `dropout`, `dropout1d/2d/3d` (whole channels), `alpha_dropout` and
`feature_alpha_dropout`, with masks drawn from arraygrad's seeded generator (drawn on the host
and moved, so a seed gives the same mask on every backend). PyTorch draws from its own stream, so
the masks differ from PyTorch's for the same seed; their statistics and scaling are the same."""

from __future__ import annotations

from ...core.creation import rand
from ...core.tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766  # SELU's -alpha * scale: the value dropped units take


def _check(op: str, input, p) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): expected a Tensor input, got {type(input).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}(): dropout probability has to be between 0 and 1, but got {p}")


def _keep(input: Tensor, p: float, shape: tuple) -> Tensor:
    """A {0, 1} mask of `shape` in input's dtype and device, 1 with probability 1 - p."""
    u = rand(*shape, dtype=input.dtype, device=input.device)
    return (u >= p).to(input.dtype)


def _feature_shape(op: str, input: Tensor, nd: int) -> tuple:
    """(N, C, 1, ...) for batched input, (C, 1, ...) for unbatched."""
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): expected {nd + 1}-D (unbatched) or {nd + 2}-D (batched) "
                           f"input, got {input.ndim}-D input of shape {tuple(input.shape)}")
    lead = 1 if input.ndim == nd + 1 else 2
    return tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)


def _apply(input: Tensor, mask: Tensor, inplace: bool) -> Tensor:
    return input.mul_(mask) if inplace else input * mask


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zeroes each element with probability p and scales the rest by 1/(1-p) (training only),
    as torch.nn.functional.dropout."""
    _check("dropout", input, p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _apply(input, input.detach() * 0.0, inplace)
    return _apply(input, _keep(input, p, tuple(input.shape)) * (1.0 / (1.0 - p)), inplace)


def _feature_dropout(op: str, nd: int, input, p, training, inplace) -> Tensor:
    _check(op, input, p)
    shape = _feature_shape(op, input, nd)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _apply(input, input.detach() * 0.0, inplace)
    return _apply(input, _keep(input, p, shape) * (1.0 / (1.0 - p)), inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zeroes whole channels of (N, C, L) or (C, L) input, as torch.nn.functional.dropout1d."""
    return _feature_dropout("dropout1d", 1, input, p, training, inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zeroes whole channels of (N, C, H, W) or (C, H, W) input (torch's dropout2d)."""
    return _feature_dropout("dropout2d", 2, input, p, training, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input (torch's dropout3d)."""
    return _feature_dropout("dropout3d", 3, input, p, training, inplace)


def _alpha(input: Tensor, p: float, shape: tuple, inplace: bool) -> Tensor:
    """SELU-preserving dropout: dropped units take -alpha*scale, then an affine map keeps the
    mean and variance (PyTorch's _alpha_dropout formula)."""
    keep = _keep(input, p, shape)
    a = 1.0 / ((_ALPHA * _ALPHA * p + 1) * (1 - p)) ** 0.5
    b = (keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p
    if inplace:
        return input.mul_(keep * a).add_(b)
    return input * (keep * a) + b


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Alpha dropout for SELU networks, as torch.nn.functional.alpha_dropout."""
    _check("alpha_dropout", input, p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _apply(input, input.detach() * 0.0, inplace)
    return _alpha(input, p, tuple(input.shape), inplace)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels of (N, C, *) input (torch's feature_alpha_dropout)."""
    _check("feature_alpha_dropout", input, p)
    if not training or p == 0.0:
        return input
    if input.ndim < 2:
        raise RuntimeError(f"feature_alpha_dropout(): expected (N, C, *) input, got shape "
                           f"{tuple(input.shape)}")
    if p == 1.0:
        return _apply(input, input.detach() * 0.0, inplace)
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _alpha(input, p, shape, inplace)
