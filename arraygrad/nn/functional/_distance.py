"""Distances between vectors: `pairwise_distance`, `cosine_similarity` and `normalize` (PyTorch's
functional forms), used by the embedding losses."""

from __future__ import annotations

from ...core.ops.comparison import clamp as _clamp
from ...core.ops.reduction import norm as _norm
from ...core.tensor import Tensor, _dim

__all__ = ["pairwise_distance", "cosine_similarity", "normalize"]


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dimension (eps keeps the norm differentiable at 0)."""
    nd = max(x1.ndim, x2.ndim)
    if nd == 0:
        raise RuntimeError("pairwise_distance(): expected at least 1-D inputs, got two 0-D "
                           "tensors")
    return _norm(x1 - x2 + eps, p, nd - 1, keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along dim (broadcast together)."""
    nd = max(x1.ndim, x2.ndim)
    d = _dim(dim, nd, "cosine_similarity")
    n1 = _clamp(_norm(x1, 2, d, True), min=eps)
    n2 = _clamp(_norm(x2, 2, d, True), min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=d)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out=None) -> Tensor:
    """input / max(||input||_p, eps) along dim, so each slice has unit p-norm."""
    if out is not None:
        raise TypeError("normalize(): the out= argument is not supported; assign the result")
    d = _dim(dim, max(input.ndim, 1), "normalize")
    return input / _clamp(_norm(input, p, d, True), min=eps)
