"""Margin and embedding losses (PyTorch's `torch.nn.functional` forms): margin ranking, hinge
embedding, multi-label and multi-class margin, cosine embedding and triplet losses.

Hinges use relu where PyTorch's kernels test `z > 0` (no gradient at a tie) and clamp_min where
PyTorch composes with `clamp_min` (gradient 1 at a tie), so subgradients match PyTorch's.
"""

from __future__ import annotations

from ...core import dtypes as _dt
from ...core.ops import elementwise as _E
from ...core.ops.comparison import clamp as _clamp
from ...core.ops.comparison import where as _where
from ...core.ops.scatter import _gather_axis
from ...core.tensor import Tensor, _wrap
from ._distance import pairwise_distance
from ._loss import _check_reduction, _checks_on, _legacy_reduction, _reduce

__all__ = [
    "margin_ranking_loss", "hinge_embedding_loss", "multilabel_margin_loss",
    "cosine_embedding_loss", "multi_margin_loss", "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss(): All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    return _reduce(_clamp(-target * (input1 - input2) + margin, min=0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """input where target is 1, max(0, margin - input) where target is -1."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    zeros = input * 0
    hinge = _where(target != 1, _clamp(margin - input, min=0), zeros)
    return _reduce(hinge + _where(target != -1, input, zeros), reduction)


def _int_target(op: str, target: Tensor) -> None:
    if not isinstance(target, Tensor) or target.dtype.kind != _dt._INT:
        got = target.dtype if isinstance(target, Tensor) else type(target).__name__
        raise RuntimeError(f"{op}(): expected an integer (Long) target, got {got}")


def _in_range(op: str, y, lo: int, hi: int, dev) -> None:
    if _checks_on(dev) and y.size and bool(dev.xp.any((y < lo) | (y >= hi))):
        raise IndexError(f"{op}(): target out of range: expected values in [{lo}, {hi}), as the "
                         f"input has {hi} classes")


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """sum over target classes j (the prefix of target before the first -1) and non-target
    classes i of max(0, 1 - (x[j] - x[i])), divided by the number of classes."""
    op = "multilabel_margin_loss"
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    _int_target(op, target)
    if input.ndim > 2 or tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}(): inconsistent target size: {target.shape} for input of size: "
                           f"{input.shape}")
    squeeze = input.ndim < 2
    x = input.reshape((1, -1)) if squeeze else input
    dev, xp = x._dev, x._dev.xp
    c = x.shape[1]
    y = xp.reshape(target._data, tuple(x.shape))
    _in_range(op, y, -1, c, dev)
    valid = xp.cumulative_prod(xp.astype(y != -1, y.dtype), axis=1) > 0  # before the first -1
    ys = xp.where(valid, y, xp.zeros_like(y))
    classes = xp.arange(c, dtype=y.dtype, device=dev.native)
    hit = (xp.expand_dims(ys, axis=2) == classes) & xp.expand_dims(valid, axis=2)  # (N, J, C)
    is_target = xp.any(hit, axis=1)  # (N, C)
    keep = xp.expand_dims(valid, axis=2) & xp.expand_dims(~is_target, axis=1)
    xt = _gather_axis(x, 1, ys)  # (N, J)
    z = 1 - xt.unsqueeze(2) + x.unsqueeze(1)  # (N, J, C)
    hinge = _where(_wrap(keep, dev), _E.relu(z), z * 0)
    loss = hinge.sum(dim=(1, 2)) / c
    return _reduce(loss.reshape(()) if squeeze else loss, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight=None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """sum over classes i != target of max(0, margin - x[target] + x[i])^p * weight[target],
    divided by the number of classes (p is 1 or 2)."""
    op = "multi_margin_loss"
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if p not in (1, 2):
        raise ValueError(f"{op}(): only p == 1 and p == 2 supported, got p={p}")
    _int_target(op, target)
    squeeze = input.ndim < 2
    x = input.reshape((1, -1)) if squeeze else input
    if input.ndim > 2 or target.numel() != x.shape[0] or target.ndim > 1:
        raise RuntimeError(f"{op}(): inconsistent target size: {target.shape} for input of size: "
                           f"{input.shape}")
    dev, xp = x._dev, x._dev.xp
    c = x.shape[1]
    y = xp.reshape(target._data, (x.shape[0], 1))
    _in_range(op, y, 0, c, dev)
    xt = _gather_axis(x, 1, y)  # (N, 1)
    z = _E.relu(margin - xt + x)
    if p == 2:
        z = z * z
    if weight is not None:
        if weight.ndim != 1 or weight.shape[0] != c:
            raise RuntimeError(f"{op}(): weight must be a 1-D tensor of {c} elements, got shape "
                               f"{tuple(weight.shape)}")
        z = z * _gather_axis(weight.reshape((1, c)).expand((x.shape[0], c)), 1, y)
    others = _wrap(xp.reshape(xp.arange(c, dtype=y.dtype, device=dev.native), (1, c)) != y, dev)
    loss = _where(others, z, z * 0).sum(dim=1) / c
    return _reduce(loss.reshape(()) if squeeze else loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where target is -1."""
    op = "cosine_embedding_loss"
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    td = target.ndim
    if td == 1 and not (input1.ndim == 2 and input2.ndim == 2):
        raise RuntimeError(f"{op}(): 1D target tensor expects 2D input tensors, but found inputs "
                           f"with sizes {list(input1.shape)} and {list(input2.shape)}.")
    if td == 0 and not (input1.ndim == 1 and input2.ndim == 1):
        raise RuntimeError(f"{op}(): 0D target tensor expects 1D input tensors, but found inputs "
                           f"with sizes {list(input1.shape)} and {list(input2.shape)}.")
    if td > 1:
        raise RuntimeError(f"{op}(): 0D or 1D target tensor expected, multi-target not "
                           f"supported (target shape {list(target.shape)})")
    d = td
    eps = 1e-12
    prod = (input1 * input2).sum(dim=d)
    m1 = (input1 * input1).sum(dim=d) + eps
    m2 = (input2 * input2).sum(dim=d) + eps
    cos = prod / _E.sqrt(m1 * m2)
    zeros = cos * 0
    pos = _where(target == 1, 1 - cos, zeros)
    neg = _where(target == -1, _clamp(cos - margin, min=0), zeros)
    return _reduce(pos + neg, reduction)


def _triplet_dims(op: str, a: Tensor, p: Tensor, n: Tensor) -> None:
    if not a.ndim == p.ndim == n.ndim:
        raise RuntimeError(f"{op}(): The anchor, positive, and negative tensors are expected to "
                           f"have the same number of dimensions, but got: anchor {a.ndim}D, "
                           f"positive {p.ndim}D, and negative {n.ndim}D inputs")


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with d the p-norm distance;
    `swap` uses min(d(a, n), d(p, n)) as the negative distance."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    _triplet_dims("triplet_margin_loss", anchor, positive, negative)
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_an = _E.minimum(d_an, pairwise_distance(positive, negative, p, eps))
    return _reduce(_clamp(margin + d_ap - d_an, min=0), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """triplet_margin_loss with any distance function (default: pairwise_distance)."""
    reduction = _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: expected margin to be greater "
                         f"than 0, got {margin} instead")
    _triplet_dims("triplet_margin_with_distance_loss", anchor, positive, negative)
    dist = distance_function if distance_function is not None else pairwise_distance
    d_ap, d_an = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_an = _E.minimum(d_an, dist(positive, negative))
    return _reduce(_clamp(margin + d_ap - d_an, min=0), reduction)
