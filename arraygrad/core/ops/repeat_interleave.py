"""repeat_interleave (torch.repeat_interleave and Tensor.repeat_interleave): each element, or each
slice along dim, repeated by one count or by a tensor of counts. Differentiable: the copies are
gathered with index_select, whose backward sums the gradients of the copies (index_add).

With a tensor of counts the output's length is their sum, which must be read from the device
(as PyTorch does) unless output_size gives it.
"""

from __future__ import annotations

from .. import dtypes as _dt
from ..tensor import Tensor, _dim, _wrap
from ._common import method
from .scatter import index_select
from .shape import reshape

__all__ = ["repeat_interleave"]


def _counts(repeats, dev):
    """repeats as a native 1-D integer array on dev (None for a Python int)."""
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind != _dt._INT:
            raise RuntimeError(f"repeat_interleave(): repeats must be an integer tensor, got "
                               f"{repeats.dtype}")
        if repeats.ndim > 1:
            raise RuntimeError(f"repeat_interleave(): repeats must be 0-d or 1-d tensor, got "
                               f"shape {tuple(repeats.shape)}")
        r = repeats.to(dev) if repeats._dev is not dev else repeats
        return dev.xp.reshape(r._data, (-1,))
    if isinstance(repeats, bool) or not isinstance(repeats, int):
        raise TypeError(f"repeat_interleave(): repeats must be an int or a Tensor, got "
                        f"{type(repeats).__name__}")
    if repeats < 0:
        raise RuntimeError("repeat_interleave(): repeats can not be negative")
    return None


def _positions(counts, total: int | None, dev):
    """For counts c (1-D), the index i repeated c[i] times: searchsorted of 0..total-1 in the
    running sums (no Python loop, no host round trip when total is given)."""
    xp = dev.xp
    if total is None:
        if counts.shape[0] and int(xp.min(counts)) < 0:
            raise RuntimeError("repeat_interleave(): repeats can not be negative")
        total = int(xp.sum(counts))
    cum = xp.cumulative_sum(counts)
    pos = xp.arange(total, dtype=cum.dtype, device=dev.native)
    return xp.astype(xp.searchsorted(cum, pos, side="right"),
                     dev.native_dtype(dev.default_int))


@method()
def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """torch.repeat_interleave: input's elements (flattened when dim is None) or slices along dim,
    each repeated `repeats` times (an int, or a tensor with one count per slice); with only a
    tensor of counts, the indices 0..n-1 each repeated by its count."""
    if repeats is None:  # repeat_interleave(repeats): the indices repeated by their counts
        if not isinstance(input, Tensor):
            raise TypeError(f"repeat_interleave(): expected a Tensor of counts, got "
                            f"{type(input).__name__}")
        dev = input._dev
        return _wrap(_positions(_counts(input, dev), output_size, dev), dev)
    if not isinstance(input, Tensor):
        raise TypeError(f"repeat_interleave(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")
    x = input
    if dim is None:
        x, axis = reshape(x, (-1,)), 0
    else:
        axis = _dim(dim, x.ndim, "repeat_interleave")
        if x.ndim == 0:
            x = reshape(x, (1,))
    dev, xp = x._dev, x._dev.xp
    n = x.shape[axis]
    counts = _counts(repeats, dev)
    if counts is not None and counts.shape[0] == 1:  # one count for every slice
        counts = xp.broadcast_to(counts, (n,))
    if counts is None:
        total = n * repeats
        if output_size is not None and output_size != total:
            raise RuntimeError(f"repeat_interleave(): output_size {output_size} does not match "
                               f"the required size {total}")
        itype = dev.native_dtype(dev.default_int)
        idx = xp.arange(total, dtype=itype, device=dev.native) // max(repeats, 1)
    else:
        if counts.shape[0] != n:
            raise RuntimeError(f"repeat_interleave(): repeats must have the same size as input "
                               f"along dim {axis}: {counts.shape[0]} against {n} (input shape "
                               f"{tuple(input.shape)})")
        idx = _positions(counts, output_size, dev)
    return index_select(x, axis, _wrap(idx, dev))
