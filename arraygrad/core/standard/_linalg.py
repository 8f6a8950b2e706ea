"""The standard's utility functions (all, any, diff), linear algebra in the main namespace
(matmul, matrix_transpose, tensordot, vecdot) and indexing functions (take, take_along_axis)."""

from __future__ import annotations

import builtins

from . import _torch as _ag

from ..ops import linalg as _la
from ..tensor import Tensor, _wrap
from ._common import _axis_tuple
from ._data_types import _operands, result_type
from ._elementwise import conj, multiply
from ._manipulation import concat, permute_dims
from ._statistical import sum


# ---- utility -------------------------------------------------------------------------------------
def all(x: Tensor, /, *, axis=None, keepdims: builtins.bool = False) -> Tensor:  # noqa: A001
    return _wrap(x._dev.xp.all(x._data, axis=_axis_tuple(axis, x.ndim), keepdims=keepdims), x._dev)


def any(x: Tensor, /, *, axis=None, keepdims: builtins.bool = False) -> Tensor:  # noqa: A001
    return _wrap(x._dev.xp.any(x._data, axis=_axis_tuple(axis, x.ndim), keepdims=keepdims), x._dev)


def diff(x: Tensor, /, *, axis: int = -1, n: int = 1, prepend=None, append=None) -> Tensor:
    """n-th forward differences along axis (differentiable: slices and a subtraction)."""
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = concat(parts, axis=axis)
    ax = axis % x.ndim
    for _ in range(n):
        m = x.shape[ax]
        hi = tuple(slice(1, m) if i == ax else slice(None) for i in range(x.ndim))
        lo = tuple(slice(0, m - 1) if i == ax else slice(None) for i in range(x.ndim))
        x = x[hi] - x[lo]
    return x


# ---- linear algebra in the main namespace --------------------------------------------------------
def matmul(x1: Tensor, x2: Tensor, /) -> Tensor:
    """x1 @ x2 (operands promoted by the standard's rules first)."""
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1._data.dtype != x2._data.dtype:
        x1, x2 = _operands("matmul", x1, x2)
    return _la.matmul(x1, x2)


def matrix_transpose(x: Tensor, /) -> Tensor:
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose(): expected at least 2 dimensions, got shape "
                         f"{tuple(x.shape)}")
    n = x.ndim
    return permute_dims(x, tuple(range(n - 2)) + (n - 1, n - 2))


def tensordot(x1: Tensor, x2: Tensor, /, *, axes=2) -> Tensor:
    if x1._data.dtype != x2._data.dtype:
        x1, x2 = _operands("tensordot", x1, x2)
    return _la.tensordot(x1, x2, dims=axes)


def vecdot(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """sum(conj(x1) * x2) over axis, the other dimensions broadcast."""
    a, b = _operands("vecdot", x1, x2)
    if a.shape[axis] != b.shape[axis]:
        raise ValueError(f"vecdot(): axis {axis} has size {a.shape[axis]} in x1 (shape "
                         f"{tuple(a.shape)}) but {b.shape[axis]} in x2 (shape {tuple(b.shape)})")
    # the standard's type promotion (int8 . int8 is int8), not sum's widened accumulation
    return sum(multiply(conj(a), b), axis=axis, dtype=result_type(a, b))


# ---- indexing ------------------------------------------------------------------------------------
def take(x: Tensor, indices: Tensor, /, *, axis: int | None = None) -> Tensor:
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"take(): axis is required for a {x.ndim}-D array")
        axis = 0
    return _ag.index_select(x, axis, _wrap_negative(indices, x.shape[axis]))


def take_along_axis(x: Tensor, indices: Tensor, /, *, axis: int = -1) -> Tensor:
    return _ag.take_along_dim(x, _wrap_negative(indices, x.shape[axis]), axis)


def _wrap_negative(indices: Tensor, n: int) -> Tensor:
    """The standard counts a negative index from the end (torch's index_select and gather
    refuse one); computed on the device, no host read."""
    if not indices.dtype.is_signed:
        return indices
    return _ag.where(indices < 0, indices + n, indices)


