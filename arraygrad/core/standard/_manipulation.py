"""The standard's manipulation functions: broadcast_arrays, broadcast_to, concat, expand_dims,
flip, moveaxis, permute_dims, repeat, reshape, roll, squeeze, stack, tile, unstack.

All differentiable, built on arraygrad's shape ops; joins promote by the standard's rules.
"""

from __future__ import annotations

import builtins

from . import _torch as _ag

from ..ops.elementwise import _cast
from ..tensor import Tensor
from ._common import _axis_tuple
from ._data_types import result_type


def broadcast_arrays(*arrays: Tensor) -> list:
    shapes = [tuple(a.shape) for a in arrays]
    try:
        shape = tuple(_ag.broadcast_shapes(*shapes))
    except RuntimeError:
        raise ValueError(f"broadcast_arrays(): shapes {shapes} cannot be broadcast "
                         "together") from None
    return [broadcast_to(a, shape) for a in arrays]


def broadcast_to(x: Tensor, /, shape) -> Tensor:
    shape = tuple(shape)
    if tuple(x.shape) == shape:
        return x
    return _ag.broadcast_to(x, shape)


def concat(arrays, /, *, axis: int | None = 0) -> Tensor:
    arrays = list(arrays)
    if axis is None:
        arrays, axis = [reshape(a, (-1,)) for a in arrays], 0
    d = result_type(*arrays)
    arrays = [a if a.dtype is d else _cast(a, d, "concat") for a in arrays]
    return _ag.cat(arrays, axis)


def expand_dims(x: Tensor, /, axis: int = 0) -> Tensor:
    n = x.ndim + 1
    if not -n <= axis < n:
        raise IndexError(f"expand_dims(): axis {axis} is out of range for a {x.ndim}-D array")
    return _ag.unsqueeze(x, axis)


def flip(x: Tensor, /, *, axis=None) -> Tensor:
    axes = tuple(range(x.ndim)) if axis is None else _axis_tuple(axis, x.ndim)
    return _ag.flip(x, axes)


def moveaxis(x: Tensor, source, destination, /) -> Tensor:
    return _ag.movedim(x, source, destination)


def permute_dims(x: Tensor, /, axes) -> Tensor:
    axes = tuple(axes)
    if axes == tuple(range(x.ndim)):
        return x
    return _ag.permute(x, axes)


def repeat(x: Tensor, repeats, /, *, axis: int | None = None) -> Tensor:
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    return _ag.repeat_interleave(x, repeats, axis)


def reshape(x: Tensor, /, shape, *, copy: builtins.bool | None = None) -> Tensor:
    shape = tuple(shape)
    if tuple(x.shape) == shape and not copy:
        return x
    out = _ag.reshape(x, shape)
    return _ag.clone(out) if copy else out


def roll(x: Tensor, /, shift, *, axis=None) -> Tensor:
    if axis is None:
        return reshape(_ag.roll(reshape(x, (-1,)), shift, 0), x.shape)
    return _ag.roll(x, shift, axis)


def squeeze(x: Tensor, /, axis) -> Tensor:
    axes = _axis_tuple(axis, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze(): axis {a} of an array of shape {tuple(x.shape)} has size "
                             f"{x.shape[a]}, not 1")
    return _ag.squeeze(x, axes)


def stack(arrays, /, *, axis: int = 0) -> Tensor:
    arrays = list(arrays)
    d = result_type(*arrays)
    return _ag.stack([a if a.dtype is d else _cast(a, d, "stack") for a in arrays], axis)


def tile(x: Tensor, repetitions, /) -> Tensor:
    return _ag.tile(x, tuple(repetitions))


def unstack(x: Tensor, /, *, axis: int = 0) -> tuple:
    return tuple(_ag.unbind(x, axis))


