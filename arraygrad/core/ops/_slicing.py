"""Basic slicing as a view, and its adjoint: x[key] for a normalised basic key (ints, in-bounds
slices with positive steps, None), and the zero padding that puts a gradient back in place.

Shared by the shape ops (narrow, select, split, diagonal) and indexing (`x[...]`). Every result
is a view of its input (core/views.py): it shares the version counter, and an in-place op on it
writes into the base. Gradients of slices are padded back with zeros by concatenation, which every
backend (and the differentiable namespace) can do.
"""

from __future__ import annotations

from ..graph import record
from ..tensor import Tensor
from ..views import PAD, Step, geometry, key_geometry, make_view


# ---- zero padding (the backward of every slice, written with K only) -----------------------------
def _zeros(K, shape: tuple, like, dev):
    """Zeros of like's dtype on its device: raw arrays (dev's native device) or Tensors."""
    if isinstance(like, Tensor):
        return K.zeros(shape, dtype=like.dtype, device=like.device)
    return K.zeros(shape, dtype=like.dtype, device=dev.native)


def _pad(K, g, axis: int, before: int, after: int, dev):
    """g with `before` zeros in front of and `after` zeros behind it along axis."""
    if not before and not after:
        return g
    shape = tuple(g.shape)
    parts = []
    if before:
        parts.append(_zeros(K, shape[:axis] + (before,) + shape[axis + 1:], g, dev))
    parts.append(g)
    if after:
        parts.append(_zeros(K, shape[:axis] + (after,) + shape[axis + 1:], g, dev))
    return K.concat(parts, axis=axis)


def _spread(K, g, axis: int, step: int, dev):
    """g with step-1 zeros after each element along axis (the last trailing zeros dropped)."""
    m = g.shape[axis]
    if step == 1 or m == 0:
        return g
    shape = tuple(g.shape)
    g = K.expand_dims(g, axis=axis + 1)
    z = _zeros(K, shape[:axis + 1] + (step - 1,) + shape[axis + 1:], g, dev)
    g = K.reshape(K.concat([g, z], axis=axis + 1), shape[:axis] + (m * step,) + shape[axis + 1:])
    full = (slice(None),) * axis + (slice(0, (m - 1) * step + 1),)
    return g[full + (Ellipsis,)]


def _unslice(K, g, key: tuple, in_shape: tuple, dev):
    """The array of in_shape that is g where `key` selects and zero elsewhere: the adjoint of
    x[key] for a normalised basic key (ints, in-bounds slices with positive steps, None)."""
    ax = d = 0
    for e in key:
        if e is None:
            g = K.squeeze(g, axis=ax)
            continue
        n = in_shape[d]
        if isinstance(e, int):
            g = _pad(K, K.expand_dims(g, axis=ax), ax, e, n - e - 1, dev)
        else:
            start, step = e.start, e.step
            m = g.shape[ax]
            g = _spread(K, g, ax, step, dev)
            used = (m - 1) * step + 1 if m else 0
            g = _pad(K, g, ax, start if m else n, n - start - used if m else 0, dev)
        ax += 1
        d += 1
    return g


# ---- basic keys and the views they give ---------------------------------------------------------
def _norm_slice(s: slice, n: int) -> slice:
    """s over a dimension of size n as an in-bounds slice with a positive step (PyTorch's rules)."""
    if s.step is not None and _as_int(s.step) <= 0:
        if _as_int(s.step) == 0:
            raise ValueError("slice step cannot be zero")
        raise ValueError("step must be greater than zero")
    start, stop, step = slice(_as_int(s.start), _as_int(s.stop), _as_int(s.step)).indices(n)
    return slice(start, max(start, stop), step)


def _reversed_slice(s: slice, n: int) -> slice:
    """The positive-step slice over the elements a negative-step slice s picks (in reverse)."""
    r = range(*slice(_as_int(s.start), _as_int(s.stop), _as_int(s.step)).indices(n))
    return slice(r[-1], r[0] + 1, -r.step) if len(r) else slice(0, 0, 1)


def _as_int(v):
    return v if v is None or isinstance(v, int) else int(v)


def _basic_bw(K, n, s, g):
    key, in_shape = n.ctx
    return (_unslice(K, g, key, in_shape, n.dev),)


def _basic(x: Tensor, key: tuple, name: str) -> Tensor:
    """x[key] as a view, for a normalised basic key that names every dimension."""
    full = key + (Ellipsis,)
    shape = tuple(x._data.shape)
    dev = x._dev
    out = record(dev, x._data[full], name, _basic_bw, (x,), (), (key, shape))
    strides, offset = key_geometry(shape, *geometry(x), key)
    return make_view(out, x, Step(lambda K, a: a[full], _basic_bw, (key, shape), dev, PAD, name),
                     strides, offset)


def _slice_dim(x: Tensor, dim: int, start: int, stop: int, name: str, step: int = 1) -> Tensor:
    key = (slice(None),) * dim + (slice(start, stop, step),)
    key = tuple(slice(0, x.shape[i], 1) if i != dim else k for i, k in enumerate(key))
    return _basic(x, key + tuple(slice(0, s, 1) for s in x.shape[dim + 1:]), name)
