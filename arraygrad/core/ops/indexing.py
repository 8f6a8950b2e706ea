"""Indexing: `Tensor.__getitem__` and `__setitem__` with PyTorch's rules, and index_put.

Every key is normalised into what the array API standard allows: a basic key naming every
dimension with in-bounds slices, then at most one `take` along one axis, with several index
tensors folded into one linear index over their (moved, flattened) axes. Gradients scatter back
with the backends' index-add kernels, so repeated indices accumulate. Indexing with a boolean mask
computes the mask (on Dask too). The gather/scatter family lives in `scatter.py`, masked ops in
`masking.py`.
"""

from __future__ import annotations

import builtins
import math
import operator

from .. import dtypes as _dt
from ..graph import record
from ..grad_mode import STATE
from ..tensor import Tensor
from ..views import writes_through
from ._common import method, unbroadcast
from ._indices import _bounds, _index_data, _int_native, _lift, _positions, _put_flat, _value_for
from ._slicing import _as_int, _basic, _norm_slice, _reversed_slice, _unslice, _zeros
from .masking import masked_fill
from .shape import reshape

__all__ = ["index_put"]


# ---- parsing a key -------------------------------------------------------------------------------
class _Plan:
    """A key normalised: `basic` (ints, in-bounds slices, None; one entry per dimension of x)
    gives y = x[basic], reversed along the y axes `flips` (slices with a negative step, which the
    array API standard allows and PyTorch refuses); then the y axes `axes` are indexed by the
    linear index `lin` (1-D), giving dims `bshape`, placed in front (`front`) or where the first
    of `axes` was."""

    __slots__ = ("basic", "x_shape", "y_shape", "flips", "axes", "lin", "bshape", "front",
                 "out_shape")


def _key_items(key, x: Tensor) -> list:
    if not isinstance(key, tuple):
        key = (key,)
    from ..creation import tensor

    items = []
    for k in key:
        if k is None or k is Ellipsis or isinstance(k, (slice, bool)):
            items.append(k)
        elif isinstance(k, int):
            items.append(k)
        elif isinstance(k, Tensor):
            if k.dtype is _dt.bool and k.ndim == 0:
                items.append(builtins.bool(k))
            elif k.dtype.kind == _dt._INT and k.ndim == 0:
                items.append(int(k))
            elif k.dtype.kind > _dt._INT:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors "
                                 f"(got {k.dtype})")
            else:
                items.append(k)
        elif isinstance(k, (list, tuple)) or hasattr(k, "shape"):
            t = tensor(k, device=x._dev) if not (isinstance(k, (list, tuple)) and len(k) == 0) \
                else tensor(k, dtype=x._dev.default_int, device=x._dev)
            items.append(int(t) if t.ndim == 0 and t.dtype.kind == _dt._INT else t)
        elif hasattr(k, "__index__"):
            items.append(operator.index(k))
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(k).__name__})")
    return items


def _consumed(k) -> int:
    if k is None or isinstance(k, bool) or k is Ellipsis:
        return 0
    if isinstance(k, Tensor) and k.dtype is _dt.bool:
        return k.ndim
    return 1


def _plan(x: Tensor, key) -> _Plan:
    dev = x._dev
    shape = tuple(x.shape)
    items = _key_items(key, x)
    used = sum(_consumed(k) for k in items)
    ell = sum(1 for k in items if k is Ellipsis)
    if ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if used > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)} "
                         f"(got {used} indices for shape {list(shape)})")
    basic, adv, flips = [], [], []  # adv: (y axis, raw index array, size of that y axis)
    d = ax = 0
    for k in items:
        if k is Ellipsis:
            for _ in range(len(shape) - used):
                basic.append(slice(0, shape[d], 1))
                d += 1
                ax += 1
        elif k is None:
            basic.append(None)
            ax += 1
        elif isinstance(k, bool):  # a new axis of size 1, indexed by [0] (True) or [] (False)
            basic.append(None)
            adv.append((ax, dev.xp.zeros((1 if k else 0,), dtype=_int_native(dev),
                                         device=dev.native), 1))
            ax += 1
        elif isinstance(k, int):
            n = shape[d]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {d} with size {n}")
            basic.append(k % n)
            d += 1
        elif isinstance(k, slice):
            if k.step is not None and _as_int(k.step) < 0:
                k = _reversed_slice(k, shape[d])
                flips.append(ax)
            basic.append(_norm_slice(k, shape[d]))
            d += 1
            ax += 1
        elif k.dtype is _dt.bool:
            msh = tuple(k.shape)
            for i, s in enumerate(msh):
                if s not in (shape[d + i], 0):  # the standard lets a mask dimension be 0
                    raise IndexError(f"The shape of the mask {list(msh)} at index {i} does not "
                                     f"match the shape of the indexed tensor {list(shape)} at "
                                     f"index {d + i}")
            mk = k.to(dev) if k._dev is not dev else k
            for p in _positions(dev, mk._data):
                basic.append(slice(0, shape[d], 1))
                adv.append((ax, p, shape[d]))
                d += 1
                ax += 1
        else:
            n = shape[d]
            adv.append((ax, _bounds(dev, _index_data(k, x, "index"), n, d, True), n))
            basic.append(slice(0, n, 1))
            d += 1
            ax += 1
    basic += [slice(0, s, 1) for s in shape[d:]]
    p = _Plan()
    p.basic, p.x_shape, p.flips = tuple(basic), shape, tuple(flips)
    y_shape = []
    d = 0
    for e in p.basic:
        if e is None:
            y_shape.append(1)
            continue
        if isinstance(e, slice):
            y_shape.append(len(range(e.start, e.stop, e.step)))
        d += 1
    p.y_shape = tuple(y_shape)
    p.axes = tuple(a for a, _, _ in adv)
    if not adv:
        p.lin, p.bshape, p.front, p.out_shape = None, (), False, p.y_shape
        return p
    _fold(p, adv, dev)
    return p


def _fold(p: _Plan, adv: list, dev) -> None:
    """The index arrays broadcast together and folded into one linear index over their axes."""
    xp = dev.xp
    shapes = [tuple(a.shape) for _, a, _ in adv]
    try:
        arrays = xp.broadcast_arrays(*(a for _, a, _ in adv)) if len(adv) > 1 else [adv[0][1]]
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         f"shapes {', '.join(str(list(s)) for s in shapes)}") from None
    bshape = tuple(arrays[0].shape)
    lin, stride = None, 1
    for (_, _, n), a in zip(reversed(adv), reversed(arrays), strict=True):
        term = a if stride == 1 else a * stride
        lin = term if lin is None else lin + term
        stride *= n
    p.lin = xp.reshape(lin, (-1,))
    p.bshape = bshape
    axes = p.axes
    p.front = axes[-1] - axes[0] + 1 != len(axes)
    rest = tuple(s for i, s in enumerate(p.y_shape) if i not in axes)
    if p.front or axes[0] == 0:
        p.out_shape = bshape + rest
    else:
        p.out_shape = rest[:axes[0]] + bshape + rest[axes[0]:]


# ---- applying a plan (forward) and its adjoint (backward), on arrays or Tensors ------------------
def _apply(K, x, p: _Plan, dev):
    """x[key] for the plan p, with K's functions (raw arrays or, under create_graph, Tensors)."""
    y = x[p.basic + (Ellipsis,)]
    if p.flips:
        y = K.flip(y, axis=p.flips)
    if not p.axes:
        return y
    axes, nd = p.axes, len(p.y_shape)
    k = len(axes)
    rest = tuple(i for i in range(nd) if i not in axes)
    perm = axes + rest
    if perm != tuple(range(nd)):
        y = K.permute_dims(y, perm)
    rest_shape = tuple(p.y_shape[i] for i in rest)
    if k != 1:
        y = K.reshape(y, (math.prod(p.y_shape[i] for i in axes),) + rest_shape)
    out = K.take(y, _lift(x, p.lin, dev), axis=0)
    if p.bshape != (out.shape[0],):
        out = K.reshape(out, p.bshape + rest_shape)
    if not p.front and axes[0]:
        nb, a0 = len(p.bshape), axes[0]
        out = K.permute_dims(out, tuple(range(nb, nb + a0)) + tuple(range(nb)) +
                             tuple(range(nb + a0, nb + len(rest))))
    return out


def _adjoint(K, g, p: _Plan, dev):
    """The array of x's shape that sums g into the places x[key] read from (repeats add up)."""
    if p.axes:
        axes, nd = p.axes, len(p.y_shape)
        rest = tuple(i for i in range(nd) if i not in axes)
        rest_shape = tuple(p.y_shape[i] for i in rest)
        nb = len(p.bshape)
        if not p.front and axes[0]:
            a0 = axes[0]
            perm = tuple(range(a0, a0 + nb)) + tuple(range(a0)) + tuple(range(a0 + nb, g.ndim))
            g = K.permute_dims(g, perm)
        g = K.reshape(g, (math.prod(p.bshape),) + rest_shape)
        sizes = tuple(p.y_shape[i] for i in axes)
        z = _zeros(K, (math.prod(sizes),) + rest_shape, g, dev)
        g = K.index_add(z, 0, _lift(g, p.lin, dev), g)
        g = K.reshape(g, sizes + rest_shape)
        perm = axes + rest
        if perm != tuple(range(nd)):
            g = K.permute_dims(g, tuple(sorted(range(nd), key=perm.__getitem__)))
    if p.flips:
        g = K.flip(g, axis=p.flips)
    return _unslice(K, g, p.basic, p.x_shape, dev)


def _index_bw(K, n, s, g):
    return (_adjoint(K, g, n.ctx, n.dev),)


def _getitem(self: Tensor, key) -> Tensor:
    p = _plan(self, key)
    if not p.axes and not p.flips:
        return _basic(self, p.basic, "SliceBackward0" if any(
            isinstance(e, slice) for e in p.basic) else "SelectBackward0")
    dev = self._dev
    return record(dev, _apply(dev.xp, self._data, p, dev), "IndexBackward0", _index_bw, (self,),
                  (), p)


Tensor.__getitem__ = _getitem


# ---- writing through a plan ----------------------------------------------------------------------
def _flat_positions(dev, p: _Plan):
    xp = dev.xp
    n = math.prod(p.x_shape)
    ar = xp.reshape(xp.arange(n, dtype=_int_native(dev), device=dev.native), p.x_shape)
    return xp.reshape(_apply(xp, ar, p, dev), (-1,))


def _put_bw(K, n, s, g):
    p, mask, accumulate, v_shape = n.ctx
    gx = gv = None
    if n.needs[0]:
        gx = g if accumulate else K.where(_lift(g, mask, n.dev), K.zeros_like(g), g)
    if n.needs[1]:
        gv = unbroadcast(K, _apply(K, g, p, n.dev), v_shape)
    return gx, gv


def _index_put(x: Tensor, p: _Plan, v: Tensor, accumulate: bool) -> Tensor:
    """x with v (broadcast to the indexed shape) written, or added, where the plan points."""
    dev, xp = x._dev, x._dev.xp
    vb = xp.broadcast_to(v._data, p.out_shape)
    xd = x._data
    if not p.axes:
        if p.flips:
            vb = xp.flip(vb, axis=p.flips)
        full = _unslice(xp, vb, p.basic, p.x_shape, dev)
        if accumulate:
            out, mask = xd + full, None
        else:
            ones = xp.ones(p.out_shape, dtype=dev.native_dtype(_dt.bool), device=dev.native)
            mask = _unslice(xp, ones, p.basic, p.x_shape, dev)
            if dev.backend.writable(xd):
                out = xp.asarray(xd, copy=True)
                out[p.basic + (Ellipsis,)] = vb
            else:
                out = xp.where(mask, full, xd)
    else:
        pos = _flat_positions(dev, p)
        xf, vf = xp.reshape(xd, (-1,)), xp.reshape(vb, (-1,))
        if accumulate:
            out, mask = dev.K.index_add(xf, 0, pos, vf), None
        else:
            out, mask = _put_flat(dev, xf, pos, vf)
            mask = xp.reshape(mask, p.x_shape)
        out = xp.reshape(out, p.x_shape)
    return record(dev, out, "IndexPutBackward0", _put_bw, (x, v), (),
                  (p, mask, accumulate, tuple(v.shape)))


def _fit_value(v: Tensor, out_shape: tuple) -> Tensor:
    """v without the leading size-1 dims that the indexed shape lacks, checked to broadcast."""
    vs = tuple(v.shape)
    while len(vs) > len(out_shape) and vs[0] == 1:
        vs = vs[1:]
    ok = len(vs) <= len(out_shape) and all(
        a == b or a == 1 for a, b in zip(reversed(vs), reversed(out_shape), strict=False))
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(out_shape)}")
    return v if vs == tuple(v.shape) else reshape(v, vs)


def _single_mask(key, x: Tensor):
    """The boolean mask when key is one mask over x's leading dims (x[mask] = value)."""
    k = key[0] if isinstance(key, tuple) and len(key) == 1 else key
    if isinstance(k, Tensor) and k.dtype is _dt.bool and 0 < k.ndim <= x.ndim and \
            tuple(k.shape) == tuple(x.shape[:k.ndim]):
        return k.to(x._dev) if k._dev is not x._dev else k
    return None


def _setitem(self: Tensor, key, value) -> None:
    from .inplace import apply_inplace

    recording = STATE.enabled and (self._rg or (isinstance(value, Tensor) and value._rg))
    mask = _single_mask(key, self)
    if mask is not None and (not isinstance(value, Tensor) or value.numel() == 1):
        v = _value_for(self, value, "setitem")
        m = reshape(mask, tuple(mask.shape) + (1,) * (self.ndim - mask.ndim))
        v = reshape(v, ())
        apply_inplace(self, lambda s: masked_fill(s, m, v), "setitem")
        return
    p = _plan(self, key)
    v = _fit_value(_value_for(self, value, "setitem"), p.out_shape)
    view = self._view
    if not recording and not p.axes and self._dev.backend.writable(self._data) and (
            view is None or writes_through(self) and not STATE.enabled):
        xp = self._dev.xp
        vb = xp.broadcast_to(v._data, p.out_shape)
        self._data[p.basic + (Ellipsis,)] = xp.flip(vb, axis=p.flips) if p.flips else vb
        self._bump()
        return
    apply_inplace(self, lambda s: _index_put(s, p, v, False), "setitem")


Tensor.__setitem__ = _setitem


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """input with values written (or added, accumulate=True) at input[indices]."""
    p = _plan(input, tuple(indices))
    v = _fit_value(_value_for(input, values, "index_put"), p.out_shape)
    return _index_put(input, p, v, accumulate)


@method()
def index_put_(self: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    from .inplace import apply_inplace

    p = _plan(self, tuple(indices))
    v = _fit_value(_value_for(self, values, "index_put_"), p.out_shape)
    return apply_inplace(self, lambda s: _index_put(s, p, v, accumulate), "index_put_")


method("index_put")(index_put)
