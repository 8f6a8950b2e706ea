"""Reductions over dimensions (`sum`, `mean`, ...), with `dim` and `keepdim` as in PyTorch."""

from __future__ import annotations

from .. import dtypes as _dt
from ..autograd import record
from ..tensor import Tensor, _dim
from ._common import method

__all__ = ["sum", "mean"]


def _axes(dim, ndim: int, op: str):
    """dim (None, an int or a sequence) as a tuple of non-negative axes, or None for all."""
    if dim is None:
        return None
    if isinstance(dim, int):
        return (_dim(dim, ndim, op),) if ndim else ()
    axes = tuple(_dim(d, ndim, op) for d in dim)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}(): dim {tuple(dim)} appears multiple times in the list of dims")
    return axes if axes else None


def _expand_back(K, g, in_shape, axes, keepdim: bool):
    """g (a reduced gradient) broadcast back to in_shape."""
    if not keepdim:
        shape = list(in_shape)
        for a in (axes if axes is not None else range(len(in_shape))):
            shape[a] = 1
        g = K.reshape(g, tuple(shape))
    return K.broadcast_to(g, tuple(in_shape))


def _sum_bw(K, n, s, g):
    in_shape, axes, keepdim = n.ctx
    return (_expand_back(K, g, in_shape, axes, keepdim),)


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    x = input
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind <= _dt._INT:
        x = x.to(x._dev.default_int)
    d = x._data
    axes = _axes(dim, d.ndim, "sum")
    out = x._dev.xp.sum(d, axis=axes, keepdims=keepdim)
    return record(x._dev, out, "SumBackward0" if axes is None else "SumBackward1", _sum_bw, (x,),
                  (), (d.shape, axes, keepdim))


def _mean_bw(K, n, s, g):
    in_shape, axes, keepdim, count = n.ctx
    return (_expand_back(K, g / count, in_shape, axes, keepdim),)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    x = input if dtype is None else input.to(dtype)
    if x.dtype.kind < _dt._FLOAT:
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {x.dtype}")
    d = x._data
    axes = _axes(dim, d.ndim, "mean")
    count = 1
    for a in (axes if axes is not None else range(d.ndim)):
        count *= d.shape[a]
    out = x._dev.xp.mean(d, axis=axes, keepdims=keepdim)
    return record(x._dev, out, "MeanBackward0" if axes is None else "MeanBackward1", _mean_bw, (x,),
                  (), (d.shape, axes, keepdim, count))


method("sum")(sum)
method("mean")(mean)
