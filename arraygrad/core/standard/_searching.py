"""The standard's searching, sorting and set functions: argmax, argmin, count_nonzero, nonzero,
searchsorted, where, argsort, sort, unique_*.

Only where and sort carry a gradient; the others return indices or counts from the backend.
"""

from __future__ import annotations

import builtins

from . import _torch as _ag

from ..tensor import Tensor, _wrap
from ._common import _axis_tuple, _native, _same_device
from ._creation import full
from ._data_types import _operands


def argmax(x: Tensor, /, *, axis: int | None = None, keepdims: builtins.bool = False) -> Tensor:
    return _wrap(x._dev.xp.argmax(x._data, axis=axis, keepdims=keepdims), x._dev)


def argmin(x: Tensor, /, *, axis: int | None = None, keepdims: builtins.bool = False) -> Tensor:
    return _wrap(x._dev.xp.argmin(x._data, axis=axis, keepdims=keepdims), x._dev)


def count_nonzero(x: Tensor, /, *, axis=None, keepdims: builtins.bool = False) -> Tensor:
    xp = x._dev.xp
    nz = xp.astype(x._data != 0, _native(x._dev.default_int, x._dev, "count_nonzero"))
    return _wrap(xp.sum(nz, axis=_axis_tuple(axis, x.ndim), keepdims=keepdims), x._dev)


def nonzero(x: Tensor, /) -> tuple:
    if x.ndim == 0:
        raise ValueError("nonzero(): a 0-d array has no indices; use a 1-D array")
    return tuple(_wrap(i, x._dev) for i in x._dev.xp.nonzero(x._data))


def searchsorted(x1: Tensor, x2: Tensor, /, *, side: str = "left", sorter=None) -> Tensor:
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted(): side must be 'left' or 'right', got {side!r}")
    dev = _same_device("searchsorted", x1, x2)
    return _wrap(dev.xp.searchsorted(x1._data, x2._data, side=side,
                                     sorter=None if sorter is None else sorter._data), dev)


def where(condition: Tensor, x1, x2, /) -> Tensor:
    """x1 where condition else x2 (the standard's promotion of x1 and x2), differentiable."""
    a, b = _operands("where", x1, x2)
    like = a if isinstance(a, Tensor) else b
    a = a if isinstance(a, Tensor) else full((), a, dtype=like.dtype, device=like._dev)
    b = b if isinstance(b, Tensor) else full((), b, dtype=like.dtype, device=like._dev)
    return _ag.where(condition, a, b)


def argsort(x: Tensor, /, *, axis: int = -1, descending: builtins.bool = False,
            stable: builtins.bool = True) -> Tensor:
    out = x._dev.xp.argsort(x._data, axis=axis, descending=descending, stable=stable)
    return _wrap(out, x._dev)


def sort(x: Tensor, /, *, axis: int = -1, descending: builtins.bool = False,
         stable: builtins.bool = True) -> Tensor:
    """The sorted values only (the standard's sort); differentiable through the permutation."""
    return _ag.sort(x, dim=axis, descending=descending, stable=stable)[0]


def _set(name: str, fields: tuple):
    from collections import namedtuple

    cls = name.title().replace("_", "") + "Result"
    result = namedtuple(cls, fields) if len(fields) > 1 else None

    def f(x: Tensor, /):
        out = getattr(x._dev.xp, name)(x._data)
        if result is None:
            return _wrap(out, x._dev)
        return result(*(_wrap(o, x._dev) for o in out))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The standard's {name} (no gradient)."
    return f


unique_all = _set("unique_all", ("values", "indices", "inverse_indices", "counts"))
unique_counts = _set("unique_counts", ("values", "counts"))
unique_inverse = _set("unique_inverse", ("values", "inverse_indices"))
unique_values = _set("unique_values", ("values",))


