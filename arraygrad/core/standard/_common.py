"""Helpers shared by the array API modules: dtype and device arguments, axes, device checks."""

from __future__ import annotations

import builtins

from .. import dtypes as _dt
from ..device import as_device, get_default_device
from ..ops._common import devices_differ
from ..tensor import Tensor

_PY = (builtins.bool, builtins.int, builtins.float, complex)


def _dtype(d, dev=None):
    """An arraygrad dtype from an arraygrad dtype or a backend's native dtype (what backward
    formulas pass when they run on raw arrays)."""
    if d is None or isinstance(d, _dt.dtype):
        return d
    if dev is not None and d in dev.to_ag:
        return dev.to_ag[d]
    return _dt.from_name(getattr(d, "name", None) or str(d).rsplit(".", 1)[-1])


def _dev(device):
    return get_default_device() if device is None else as_device(device)


def _native(d, dev, op):
    return dev.native_dtype(d, op)


def _shape(shape) -> tuple:
    return (shape,) if isinstance(shape, builtins.int) else tuple(shape)


def _same_device(op: str, a: Tensor, b: Tensor):
    if a._dev is not b._dev:
        raise devices_differ(op, a, b)
    return a._dev


def _axis_tuple(axis, ndim: int):
    if axis is None:
        return None
    return (axis,) if isinstance(axis, builtins.int) else tuple(axis)


