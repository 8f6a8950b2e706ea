"""Rearranging copies: flip, fliplr, flipud, roll, repeat, tile, diag_embed, diag, tril, triu,
clone, meshgrid.

Unlike the views in `shape.py`, each result here has its own storage and version counter; the
backward formulas undo the rearrangement with the array API's own functions through `K`.
"""

from __future__ import annotations

import warnings

from ..graph import record
from ..tensor import Tensor, _dim
from ._common import method
from ._slicing import _unslice
from .shape import _diag_span, _ints, expand, movedim, reshape, transpose
from .shape import diagonal as _diagonal

__all__ = [
    "flip", "fliplr", "flipud", "roll", "tile", "diag", "diag_embed", "tril", "triu", "clone",
    "meshgrid",
]
# repeat is a Tensor method only, as in PyTorch.


def _flip_bw(K, n, s, g):
    return (K.flip(g, axis=n.ctx),)


def flip(input: Tensor, *dims) -> Tensor:
    dims = _ints(dims, "flip")
    axes = tuple(_dim(d, input.ndim, "flip") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"flip(): dims {list(dims)} has duplicates")
    if not axes:
        return clone(input)
    return record(input._dev, input._dev.xp.flip(input._data, axis=axes), "FlipBackward0",
                  _flip_bw, (input,), (), axes)


def fliplr(input: Tensor) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def _roll_bw(K, n, s, g):
    shifts, axes = n.ctx
    return (K.roll(g, shift=tuple(-x for x in shifts) if axes is not None else -shifts[0],
                   axis=axes),)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    shifts = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll(): shifts {list(shifts)} need dims of the same length")
        axes = None
        data = input._dev.xp.roll(input._data, shift=shifts[0])
    else:
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        if len(dims) != len(shifts):
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims: {len(dims)}")
        axes = tuple(_dim(d, input.ndim, "roll") for d in dims)
        data = input._dev.xp.roll(input._data, shift=shifts, axis=axes)
    return record(input._dev, data, "RollBackward0", _roll_bw, (input,), (), (shifts, axes))


def _repeat_bw(K, n, s, g):
    reps, padded, shape = n.ctx
    inter = []
    for r, p in zip(reps, padded, strict=True):
        inter += [r, p]
    g = K.sum(K.reshape(g, tuple(inter)), axis=tuple(range(0, len(inter), 2)))
    return (K.reshape(g, shape),)


@method()
def repeat(self: Tensor, *sizes) -> Tensor:
    """self tiled sizes[i] times along each dimension (PyTorch's repeat: numpy's tile)."""
    reps = _ints(sizes, "repeat")
    shape = tuple(self.shape)
    if len(reps) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           f"dimensions of tensor (repeats {list(reps)}, tensor shape "
                           f"{list(shape)})")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat(): repeats can not be negative, got {list(reps)}")
    padded = (1,) * (len(reps) - len(shape)) + shape
    xp = self._dev.xp
    data = xp.tile(xp.reshape(self._data, padded), reps)
    return record(self._dev, data, "RepeatBackward0", _repeat_bw, (self,), (),
                  (reps, padded, shape))


def tile(input: Tensor, dims) -> Tensor:
    dims = _ints((dims,), "tile")
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


# ---- diagonals and triangles ---------------------------------------------------------------------
def _embed_bw(K, n, s, g):
    lead, size, span = n.ctx
    flat = K.reshape(g, lead + (size * size,))
    return (flat[(slice(None),) * len(lead) + (span,)],)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices with input's last dimension on their diagonal `offset`, in dims dim1, dim2."""
    lead, k = tuple(input.shape[:-1]), input.shape[-1]
    size = k + abs(offset)
    span = _diag_span(size, size, offset)
    dev = input._dev
    key = tuple(slice(0, x, 1) for x in lead) + (span,)
    flat = _unslice(dev.xp, input._data, key, lead + (size * size,), dev)
    out = record(dev, dev.xp.reshape(flat, lead + (size, size)), "DiagEmbedBackward0", _embed_bw,
                 (input,), (), (lead, size, span))
    nd = out.ndim
    a, b = _dim(dim1, nd, "diag_embed"), _dim(dim2, nd, "diag_embed")
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if (a, b) != (nd - 2, nd - 1):
        out = movedim(out, (nd - 2, nd - 1), (a, b))
    return out


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D input as a square matrix with it on the diagonal; a 2-D input's diagonal."""
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return clone(_diagonal(input, diagonal))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def _tri(op: str, name: str):
    def bw(K, n, s, g):
        return (getattr(K, op)(g, k=n.ctx),)

    def fn(input: Tensor, diagonal: int = 0) -> Tensor:
        if input.ndim < 2:
            raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
        return record(input._dev, getattr(input._dev.xp, op)(input._data, k=diagonal), name, bw,
                      (input,), (), diagonal)
    fn.__name__ = op
    return fn


tril = _tri("tril", "TrilBackward0")
triu = _tri("triu", "TriuBackward0")


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A differentiable copy (its own storage and version counter)."""
    return record(input._dev, input._dev.xp.asarray(input._data, copy=True), "CloneBackward0",
                  lambda K, n, s, g: (g,), (input,))


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors ("ij": matrix indexing, the default; "xy": Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f'meshgrid(): indexing must be "ij" or "xy", got "{indexing}"')
    for x in tensors:
        if x.ndim > 1:
            raise RuntimeError(f"meshgrid(): expects all tensors to be 0- or 1-dimensional, got "
                               f"shape {list(x.shape)}")
    flat = [reshape(x, (-1,)) for x in tensors]
    shape = tuple(x.shape[0] for x in flat)
    grids = []
    for i, x in enumerate(flat):
        view_shape = [1] * len(flat)
        view_shape[i] = shape[i]
        grids.append(expand(reshape(x, tuple(view_shape)), shape))
    if indexing == "xy" and len(grids) >= 2:
        grids = [transpose(g, 0, 1) for g in grids]
    return tuple(grids)


for _f in (flip, fliplr, flipud, roll, tile, diag, diag_embed, tril, triu, clone):
    method(_f.__name__)(_f)
del _f
