"""The standard's statistical functions: sum, prod, mean, max, min, var, std, cumulative_sum,
cumulative_prod (all differentiable).

Integers accumulate in the default integer dtype, as the standard asks; axis=() reduces nothing
and returns a copy.
"""

from __future__ import annotations

import builtins
import math

from . import _torch as _ag

from .. import dtypes as _dt
from ..ops.elementwise import _cast
from ..tensor import Tensor
from ._common import _axis_tuple, _dtype
from ._creation import full
from ._manipulation import concat, reshape


def _sum_dtype(x: Tensor, dtype):
    """The standard's accumulation dtype: integers narrower than the default integer dtype
    widen to it (unsigned ones to the unsigned dtype of that width); floats keep theirs."""
    dev = x._dev
    if dtype is not None:
        return _dtype(dtype, dev)
    d, di = x.dtype, dev.default_int
    if d.kind == _dt._BOOL:
        return di
    if d.kind == _dt._INT and d.itemsize < di.itemsize:
        if d.is_signed:
            return di
        u = {4: _dt.uint32, 8: _dt.uint64}[di.itemsize]
        return u if u in dev.to_native else d
    return d


def _accumulating(x: Tensor, dtype, op: str) -> Tensor:
    """x cast (differentiably) to the dtype it accumulates in (`_sum_dtype`)."""
    d = _sum_dtype(x, dtype)
    return x if d is x.dtype else _cast(x, d, op)


def _as(out: Tensor, d, op: str) -> Tensor:
    """out in dtype d: arraygrad's ops widen integers as PyTorch does (uint16 -> int64) and some
    libraries' kernels to 64 bits; integer sums and products wrap modulo 2**bits either way, so
    casting the result back is exact."""
    return out if out.dtype is d else _cast(out, d, op)


def sum(x: Tensor, /, *, axis=None, dtype=None, keepdims: builtins.bool = False) -> Tensor:  # noqa: A001
    """Sum over axis (all when None; none when ()); integers sum in the default integer dtype
    (unsigned ones in the unsigned one) unless dtype= says otherwise."""
    x = _accumulating(x, dtype, "sum")
    axes = _axis_tuple(axis, x.ndim)
    if axes == ():
        return _ag.clone(x)
    return _as(_ag.sum(x, axes, keepdims, dtype=x.dtype), x.dtype, "sum")


def prod(x: Tensor, /, *, axis=None, dtype=None, keepdims: builtins.bool = False) -> Tensor:
    """Product over axis, in the dtype `sum` would accumulate in."""
    x = _accumulating(x, dtype, "prod")
    d = x.dtype
    axes = _axis_tuple(axis, x.ndim)
    if axes == ():
        return _ag.clone(x)
    if axes is None:
        out = _as(_ag.prod(reshape(x, (-1,)), 0, dtype=d), d, "prod")
        return reshape(out, (1,) * x.ndim) if keepdims else out
    for a in sorted((a % x.ndim for a in axes), reverse=True):
        x = _as(_ag.prod(x, a, keepdim=keepdims, dtype=d), d, "prod")
    return x


def mean(x: Tensor, /, *, axis=None, keepdims: builtins.bool = False) -> Tensor:
    axes = _axis_tuple(axis, x.ndim)
    if axes == ():
        return _ag.clone(x)
    return _ag.mean(x, axes, keepdims)


def _minmax(name: str, torch_name: str):
    def f(x: Tensor, /, *, axis=None, keepdims: builtins.bool = False) -> Tensor:
        axes = _axis_tuple(axis, x.ndim)
        if axes == ():
            return _ag.clone(x)
        if axes is None:
            axes = tuple(range(x.ndim))
            if not axes:
                return _ag.clone(x)
        return getattr(_ag, torch_name)(x, axes, keepdims)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The standard's {name} over axis (gradient to the extreme elements)."
    return f


max = _minmax("max", "amax")  # noqa: A001
min = _minmax("min", "amin")  # noqa: A001


def var(x: Tensor, /, *, axis=None, correction=0.0, keepdims: builtins.bool = False) -> Tensor:
    axes = _axis_tuple(axis, x.ndim)
    if axes == ():  # no axis reduced: one sample per element (torch reads dim=() as every axis)
        return (x - x) ** 2 / builtins.max(1 - correction, 0)
    return _ag.var(x, axes, correction=correction, keepdim=keepdims)


def std(x: Tensor, /, *, axis=None, correction=0.0, keepdims: builtins.bool = False) -> Tensor:
    axes = _axis_tuple(axis, x.ndim)
    if axes == ():  # zero, with the zero gradient torch's std has where std is 0
        return _ag.abs(x - x) / math.sqrt(builtins.max(1 - correction, 0))
    return _ag.std(x, axes, correction=correction, keepdim=keepdims)


def _cumulative(name: str, torch_name: str, initial):
    def f(x: Tensor, /, *, axis=None, dtype=None, include_initial: builtins.bool = False) -> Tensor:
        if axis is None:
            if x.ndim > 1:
                raise ValueError(f"{name}(): axis is required for a {x.ndim}-D array")
            axis = 0
        x = _accumulating(x, dtype, name)
        out = _as(getattr(_ag, torch_name)(x, axis, dtype=x.dtype), x.dtype, name) if x.ndim \
            else x
        if include_initial:
            shape = list(x.shape)
            shape[axis] = 1
            out = concat([full(tuple(shape), initial, dtype=out.dtype, device=x._dev), out],
                         axis=axis)
        return out
    f.__name__ = f.__qualname__ = name
    return f


cumulative_sum = _cumulative("cumulative_sum", "cumsum", 0)
cumulative_prod = _cumulative("cumulative_prod", "cumprod", 1)


