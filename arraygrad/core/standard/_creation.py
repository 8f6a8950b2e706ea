"""The standard's creation functions: arange, asarray, empty, eye, from_dlpack, full, linspace,
meshgrid, ones, zeros (and their *_like forms), tril, triu.

Python floats take the default float dtype and Python ints the device's default integer dtype;
every array is created with both dtype= and device= (array-api-strict checks the device).
"""

from __future__ import annotations

import builtins

from . import _torch as _ag

from .. import dtypes as _dt
from ..ops.elementwise import _cast
from ..tensor import Tensor, _wrap
from ._common import _dev, _dtype, _native, _shape


def _default_for(value, dev) -> _dt.dtype:
    if isinstance(value, builtins.bool):
        return _dt.bool
    if isinstance(value, builtins.int):
        return dev.default_int
    if isinstance(value, complex):
        return _dt._complex_of(_dt.get_default_dtype())
    return _dt.get_default_dtype()


def arange(start, /, stop=None, step=1, *, dtype=None, device=None) -> Tensor:
    dev = _dev(device)
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = dev.default_int if builtins.all(
            isinstance(v, builtins.int) for v in (start, stop, step)) else _dt.get_default_dtype()
    if step != 0 and (stop - start) * step < 0:  # the standard's empty range; torch.arange raises
        stop = start
    return _ag.arange(start, stop, step, dtype=_dtype(dtype, dev), device=dev)


def asarray(obj, /, *, dtype=None, device=None, copy=None) -> Tensor:
    """obj as a Tensor (a Tensor given is returned as is unless a copy, dtype or device says
    otherwise); Python floats take the default float dtype."""
    if isinstance(obj, Tensor):
        out = obj if device is None else obj.to(_dev(device))
        if dtype is not None and _dtype(dtype, out._dev) is not out.dtype:
            if copy is False:
                raise ValueError("asarray(): copy=False but a cast to another dtype needs a copy")
            return _cast(out, _dtype(dtype, out._dev), "asarray")
        if copy and out is obj:
            return _ag.clone(obj)
        return out
    if copy is False and not hasattr(obj, "__dlpack__"):
        raise ValueError("asarray(): copy=False is impossible for a Python object; its values "
                         "must be copied into a new array")
    return _ag.asarray(obj, dtype=_dtype(dtype), device=device, copy=copy)


def empty(shape, *, dtype=None, device=None) -> Tensor:
    return zeros(shape, dtype=dtype, device=device)


def empty_like(x: Tensor, /, *, dtype=None, device=None) -> Tensor:
    return zeros_like(x, dtype=dtype, device=device)


def eye(n_rows: int, n_cols: int | None = None, /, *, k: int = 0, dtype=None,
        device=None) -> Tensor:
    dev = _dev(device)
    d = _native(_dtype(dtype, dev) or _dt.get_default_dtype(), dev, "eye")
    return _wrap(dev.K.eye(n_rows, n_cols, k=k, dtype=d, device=dev.native), dev)


def from_dlpack(x, /, *, device=None, copy=None) -> Tensor:
    """An array from any object with __dlpack__ (another library's array, or a Tensor)."""
    if isinstance(x, Tensor):
        return asarray(x, device=device, copy=copy)
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"from_dlpack(): {type(x).__name__} does not implement __dlpack__")
    return _ag.asarray(x, device=device, copy=copy)


def full(shape, fill_value, *, dtype=None, device=None) -> Tensor:
    dev = _dev(device)
    d = _dtype(dtype, dev) or _default_for(fill_value, dev)
    return _wrap(dev.xp.full(_shape(shape), fill_value, dtype=_native(d, dev, "full"),
                             device=dev.native), dev)


def full_like(x: Tensor, /, fill_value, *, dtype=None, device=None) -> Tensor:
    dev = x._dev if device is None else _dev(device)
    return full(x.shape, fill_value, dtype=_dtype(dtype, dev) or x.dtype, device=dev)


def linspace(start, stop, /, num: int, *, dtype=None, device=None,
             endpoint: builtins.bool = True) -> Tensor:
    dev = _dev(device)
    d = _dtype(dtype, dev) or (_dt._complex_of(_dt.get_default_dtype())
                               if isinstance(start, complex) or isinstance(stop, complex)
                               else _dt.get_default_dtype())
    return _wrap(dev.xp.linspace(start, stop, num, dtype=_native(d, dev, "linspace"),
                                 device=dev.native, endpoint=endpoint), dev)


def meshgrid(*arrays: Tensor, indexing: str = "xy") -> list:
    """Coordinate grids from 1-D arrays (differentiable: reshapes and broadcasts)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid(): indexing must be 'xy' or 'ij', got {indexing!r}")
    return list(_ag.meshgrid(*arrays, indexing=indexing))


def ones(shape, *, dtype=None, device=None) -> Tensor:
    dev = _dev(device)
    d = _dtype(dtype, dev) or _dt.get_default_dtype()
    return _wrap(dev.xp.ones(_shape(shape), dtype=_native(d, dev, "ones"), device=dev.native), dev)


def ones_like(x: Tensor, /, *, dtype=None, device=None) -> Tensor:
    dev = x._dev if device is None else _dev(device)
    return ones(x.shape, dtype=_dtype(dtype, dev) or x.dtype, device=dev)


def zeros(shape, *, dtype=None, device=None) -> Tensor:
    dev = _dev(device)
    d = _native(_dtype(dtype, dev) or _dt.get_default_dtype(), dev, "zeros")
    return _wrap(dev.xp.zeros(_shape(shape), dtype=d, device=dev.native), dev)


def zeros_like(x: Tensor, /, *, dtype=None, device=None) -> Tensor:
    dev = x._dev if device is None else _dev(device)
    return zeros(x.shape, dtype=_dtype(dtype, dev) or x.dtype, device=dev)


def tril(x: Tensor, /, *, k: int = 0) -> Tensor:
    return _ag.tril(x, k)


def triu(x: Tensor, /, *, k: int = 0) -> Tensor:
    return _ag.triu(x, k)
