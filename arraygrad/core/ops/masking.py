"""Masked ops: masked_fill (and masked_fill_), masked_select, nonzero, argwhere.

A mask broadcasts against its input; selecting with one gives a data-dependent number of
elements (computed on Dask too), and nonzero's positions come from `_indices._positions`.
"""

from __future__ import annotations

from .. import dtypes as _dt
from ..graph import record
from ..tensor import Tensor, _wrap
from ._common import method, unbroadcast
from ._indices import _int_native, _lift, _positions, _value_for
from .shape import broadcast_shapes, expand, reshape

__all__ = ["masked_fill", "masked_select", "nonzero", "argwhere"]


# ---- masks ---------------------------------------------------------------------------------------
def _masked_fill_bw(K, n, s, g):
    mask, in_shape = n.ctx
    m = _lift(g, mask, n.dev)
    zero = K.zeros_like(g)
    gx = unbroadcast(K, K.where(m, zero, g), in_shape) if n.needs[0] else None
    gv = K.sum(K.where(m, g, zero)) if n.needs[1] else None
    return gx, gv


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """input with value (a number or a 0-d tensor) where mask (broadcast) is True."""
    if not isinstance(mask, Tensor) or mask.dtype is not _dt.bool:
        got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{got}")
    dev, xp = input._dev, input._dev.xp
    if mask._dev is not dev:
        mask = mask.to(dev)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        vt = _value_for(input, value, "masked_fill")
    else:
        vt = None
        value = _value_for(input, value, "masked_fill")
    shape = tuple(broadcast_shapes(input.shape, mask.shape))
    m = xp.broadcast_to(mask._data, shape)
    vd = (vt if vt is not None else value)._data
    data = xp.where(m, vd, xp.broadcast_to(input._data, shape))
    return record(dev, data, "MaskedFillBackward0", _masked_fill_bw, (input, vt), (),
                  (m, tuple(input.shape)))


@method()
def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    from .inplace import apply_inplace

    return apply_inplace(self, lambda s: masked_fill(s, mask, value), "masked_fill_")


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of input where mask (both broadcast) is True, as a 1-D tensor."""
    if not isinstance(mask, Tensor) or mask.dtype is not _dt.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = tuple(broadcast_shapes(input.shape, mask.shape))
    x = expand(input, shape)
    if not shape:
        x, mask = reshape(x, (1,)), reshape(mask, (1,))
    return reshape(x, (-1,))[reshape(expand(mask, shape) if shape else mask, (-1,))]


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """The indices of input's non-zero elements: (count, ndim), or one 1-D tensor per dim."""
    dev, xp = input._dev, input._dev.xp
    d = input._data
    m = d if input.dtype is _dt.bool else d != 0
    if input.ndim == 0:
        m = xp.reshape(m, (1,))
    cols = _positions(dev, m)
    if as_tuple:
        if input.ndim == 0:
            return (_wrap(cols[0], dev),)
        return tuple(_wrap(c, dev) for c in cols)
    if input.ndim == 0:
        return _wrap(xp.zeros((cols[0].shape[0], 0), dtype=_int_native(dev), device=dev.native),
                     dev)
    return _wrap(xp.stack(cols, axis=1), dev)


def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


for _f in (masked_fill, masked_select, nonzero, argwhere):
    method(_f.__name__)(_f)
del _f
