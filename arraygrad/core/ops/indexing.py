"""Indexing: `Tensor.__getitem__`/`__setitem__` with PyTorch's rules, and the gather/scatter family
(gather, scatter, scatter_add, index_select, index_add, index_copy, masked_fill, take, nonzero).

Every key is normalised into what the array API standard allows: a basic key naming every
dimension with in-bounds slices, then at most one `take` along one axis, with several index
tensors folded into one linear index over their (moved, flattened) axes. Gradients scatter back
with the backends' scatter-add kernels, so repeated indices accumulate.

Boolean masks have a data-dependent number of elements: indexing with one computes the mask
(on Dask too, where it costs a compute), and positions come from `nonzero`, or from a stable
sort where the library leaves the size unknown.
"""

from __future__ import annotations

import builtins
import operator

from .. import dtypes as _dt
from ..autograd import record
from ..grad_mode import STATE
from ..tensor import Tensor, _dim, _wrap
from ._common import method, unbroadcast
from .shape import _basic, _norm_slice, _prod, _unslice, _zeros, reshape

__all__ = [
    "gather", "scatter", "scatter_add", "index_select", "index_add", "index_copy", "index_fill",
    "index_put", "masked_fill", "masked_select", "take", "take_along_dim", "nonzero", "argwhere",
]


def _lift(like, arr, dev):
    """A raw index/mask array as a Tensor when the backward runs on Tensors (create_graph)."""
    return _wrap(arr, dev) if isinstance(like, Tensor) and not isinstance(arr, Tensor) else arr


def _int_native(dev):
    return dev.native_dtype(dev.default_int)


def _index_data(idx: Tensor, x: Tensor, op: str):
    """idx's array on x's device as the default integer dtype (CPU indices move, as in PyTorch)."""
    if not isinstance(idx, Tensor):
        raise TypeError(f"{op}(): index must be a Tensor, got {type(idx).__name__}")
    if idx.dtype.kind != _dt._INT:
        raise IndexError(f"{op}(): tensors used as indices must be long, int, byte or bool "
                         f"tensors, got {idx.dtype}")
    if idx._dev is not x._dev:
        if idx._dev.type != "cpu":
            raise RuntimeError(f"{op}(): indices should be either on cpu or on the same device as "
                               f"the indexed tensor ({x._dev}), got {idx._dev}")
        idx = idx.to(x._dev)
    d = idx._data
    nd = _int_native(x._dev)
    return d if d.dtype == nd else x._dev.xp.astype(d, nd)


def _bounds(dev, idx, n: int, dim: int, negative: bool, exc=IndexError):
    """idx checked against a dimension of size n (negative values wrap when allowed)."""
    xp = dev.xp
    lo = -n if negative else 0
    if bool(xp.any((idx < lo) | (idx >= n))):
        host = dev.backend.to_numpy(idx).reshape(-1).tolist()
        bad = next(v for v in host if not lo <= v < n)
        raise exc(f"index {bad} is out of bounds for dimension {dim} with size {n}")
    return xp.where(idx < 0, idx + n, idx) if negative else idx


def _positions(dev, mask) -> tuple:
    """The coordinates of mask's True elements, one 1-D integer array per dimension."""
    xp = dev.xp
    nz = xp.nonzero(mask)
    if all(isinstance(s, int) for a in nz for s in a.shape):
        it = _int_native(dev)
        return tuple(a if a.dtype == it else xp.astype(a, it) for a in nz)
    # a lazy library leaves the count unknown: count, then take the True positions, in order,
    # from a stable sort of the flattened mask
    count = int(xp.sum(xp.astype(mask, _int_native(dev))))
    flat = xp.reshape(mask, (-1,))
    order = xp.argsort(xp.astype(xp.logical_not(flat), dev.native_dtype(_dt.int8)), stable=True)
    lin = order[:count]
    out, stride = [], 1
    for s in reversed(mask.shape):
        out.append((lin // stride) % s)
        stride *= s
    return tuple(reversed(out))


# ---- parsing a key -------------------------------------------------------------------------------
class _Plan:
    """A key normalised: `basic` (ints, in-bounds slices, None; one entry per dimension of x)
    gives y = x[basic]; then the y axes `axes` are indexed by the linear index `lin` (1-D),
    giving dims `bshape`, placed in front (`front`) or where the first of `axes` was."""

    __slots__ = ("basic", "x_shape", "y_shape", "axes", "lin", "bshape", "front", "out_shape")


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
    basic, adv = [], []  # adv: (y axis, raw index array, size of that y axis)
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
            basic.append(_norm_slice(k, shape[d]))
            d += 1
            ax += 1
        elif k.dtype is _dt.bool:
            msh = tuple(k.shape)
            for i, s in enumerate(msh):
                if s != shape[d + i]:
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
    p.basic, p.x_shape = tuple(basic), shape
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
        y = K.reshape(y, (_prod(p.y_shape[i] for i in axes),) + rest_shape)
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
        g = K.reshape(g, (_prod(p.bshape),) + rest_shape)
        sizes = tuple(p.y_shape[i] for i in axes)
        z = _zeros(K, (_prod(sizes),) + rest_shape, g, dev)
        g = K.index_add(z, 0, _lift(g, p.lin, dev), g)
        g = K.reshape(g, sizes + rest_shape)
        perm = axes + rest
        if perm != tuple(range(nd)):
            g = K.permute_dims(g, tuple(sorted(range(nd), key=perm.__getitem__)))
    return _unslice(K, g, p.basic, p.x_shape, dev)


def _index_bw(K, n, s, g):
    return (_adjoint(K, g, n.ctx, n.dev),)


def _getitem(self: Tensor, key) -> Tensor:
    p = _plan(self, key)
    if not p.axes:
        return _basic(self, p.basic, "SliceBackward0" if any(
            isinstance(e, slice) for e in p.basic) else "SelectBackward0")
    dev = self._dev
    return record(dev, _apply(dev.xp, self._data, p, dev), "IndexBackward0", _index_bw, (self,),
                  (), p)


Tensor.__getitem__ = _getitem


# ---- writing through a plan ----------------------------------------------------------------------
def _put_flat(dev, xf, pos, vf):
    """xf (1-D) with vf written at positions pos (1-D); the last write wins on repeats.
    Returns (result, mask of the written positions). Written with the standard only: a stable
    sort finds the last writer of each position, an index-add scatters its number."""
    xp = dev.xp
    if pos.shape[0] == 0:
        return xf, xp.zeros(xf.shape, dtype=dev.native_dtype(_dt.bool), device=dev.native)
    it = _int_native(dev)
    order = xp.argsort(pos, stable=True)
    sp = xp.take(pos, order, axis=0)
    last = xp.concat([sp[1:] != sp[:-1], sp[-1:] == sp[-1:]], axis=0)
    who = xp.where(last, order + 1, xp.zeros_like(order))
    win = dev.K.index_add(xp.zeros(xf.shape, dtype=it, device=dev.native), 0, sp, who)
    hit = win > 0
    vals = xp.take(vf, xp.where(hit, win - 1, xp.zeros_like(win)), axis=0)
    return xp.where(hit, vals, xf), hit


def _flat_positions(dev, p: _Plan):
    xp = dev.xp
    n = _prod(p.x_shape)
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


def _value_for(x: Tensor, value, op: str) -> Tensor:
    """value (a number or a Tensor) as a Tensor of x's dtype on x's device."""
    from ..creation import scalar_tensor, tensor

    if isinstance(value, Tensor):
        if value._dev is not x._dev:
            value = value.to(x._dev)
        return value if value.dtype is x.dtype else value.to(x.dtype)
    if isinstance(value, (bool, int, float, complex)):
        return scalar_tensor(_py_cast(value, x.dtype), dtype=x.dtype, device=x._dev)
    return tensor(value, dtype=x.dtype, device=x._dev)


def _py_cast(value, d: _dt.dtype):
    if d.kind == _dt._BOOL:
        return builtins.bool(value)
    if d.kind == _dt._INT:
        return int(value)
    if d.kind == _dt._FLOAT and not isinstance(value, complex):
        return float(value)
    return value


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
    if not recording and not p.axes and self._dev.backend.writable(self._data):
        self._data[p.basic + (Ellipsis,)] = self._dev.xp.broadcast_to(v._data, p.out_shape)
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


# ---- axis-level primitives (the create_graph kernels K.scatter_add, K.index_add, K.gather) -----
def _raw_index(index, dev):
    return index._data if isinstance(index, Tensor) else index


def _src_part(src, index_shape: tuple):
    """The leading index_shape block of src (scatter reads only that much of a larger src)."""
    if tuple(src.shape) == index_shape:
        return src
    return src[tuple(slice(0, s) for s in index_shape) + (Ellipsis,)]


def _scatter_add_bw(K, n, s, g):
    axis, idx, src_shape = n.ctx
    gs = None
    if n.needs[1]:
        gs = K.gather(g, axis, _lift(g, idx, n.dev))
        if tuple(gs.shape) != src_shape:
            key = tuple(slice(0, s, 1) for s in gs.shape)
            gs = _unslice(K, gs, key, src_shape, n.dev)
    return (g if n.needs[0] else None, gs)


def _scatter_add_axis(target: Tensor, axis: int, index, src: Tensor) -> Tensor:
    """target plus src's elements added at index along axis (torch.scatter_add; repeats add)."""
    dev = target._dev
    idx = _raw_index(index, dev)
    part = _src_part(src._data, tuple(idx.shape))
    out = dev.K.scatter_add(target._data, axis, idx, part)
    return record(dev, out, "ScatterAddBackward0", _scatter_add_bw, (target, src), (),
                  (axis, idx, tuple(src.shape)))


def _index_add_bw(K, n, s, g):
    axis, idx = n.ctx
    return (g if n.needs[0] else None,
            K.take(g, _lift(g, idx, n.dev), axis=axis) if n.needs[1] else None)


def _index_add_axis(target: Tensor, axis: int, index, src: Tensor) -> Tensor:
    """target with src's slices added at positions index (1-D) along axis; repeats add."""
    dev = target._dev
    idx = _raw_index(index, dev)
    out = dev.K.index_add(target._data, axis, idx, src._data)
    return record(dev, out, "IndexAddBackward0", _index_add_bw, (target, src), (), (axis, idx))


def _gather_bw(K, n, s, g):
    axis, idx, x_shape = n.ctx
    return (K.scatter_add(_zeros(K, x_shape, g, n.dev), axis, _lift(g, idx, n.dev), g),)


def _gather_axis(x: Tensor, axis: int, index) -> Tensor:
    """out[i][j] = x[i][index[i][j]] along axis (torch.gather; index may be smaller than x)."""
    dev = x._dev
    idx = _raw_index(index, dev)
    return record(dev, dev.K.gather(x._data, axis, idx), "GatherBackward0", _gather_bw, (x,), (),
                  (axis, idx, tuple(x.shape)))


def _take_bw(K, n, s, g):
    axis, idx, x_shape = n.ctx
    return (K.index_add(_zeros(K, x_shape, g, n.dev), axis, _lift(g, idx, n.dev), g),)


def _take_axis(x: Tensor, axis: int, idx, name: str) -> Tensor:
    dev = x._dev
    return record(dev, dev.xp.take(x._data, idx, axis=axis), name, _take_bw, (x,), (),
                  (axis, idx, tuple(x.shape)))


# ---- the public gather/scatter family ------------------------------------------------------------
def _scatter_index(op: str, x: Tensor, dim: int, index: Tensor, src=None):
    """(axis, checked index array) for gather/scatter: same rank, sizes within x's (and src's)."""
    nd = x.ndim
    axis = _dim(dim, nd, op)
    idx = _index_data(index, x, op)
    if index.ndim != nd:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"input tensor (index shape {list(index.shape)}, input shape "
                           f"{list(x.shape)})")
    for a in range(index.ndim):
        if a != axis and index.shape[a] > x.shape[a]:
            raise RuntimeError(f"{op}(): Size does not match at dimension {a} expected index "
                               f"{list(index.shape)} to be smaller than self {list(x.shape)} "
                               f"apart from dimension {axis}")
        if src is not None and index.shape[a] > src.shape[a]:
            raise RuntimeError(f"{op}(): Expected index {list(index.shape)} to be smaller than "
                               f"self {list(x.shape)} apart from dimension {axis} and to be "
                               f"smaller size than src {list(src.shape)}")
    return axis, _bounds(x._dev, idx, x.shape[axis], axis, False, RuntimeError)


def _as_1d(fn):
    """fn on 0-d tensors through 1-element views (gather/scatter of scalars, as PyTorch allows)."""
    def wrapped(input, dim, index, *args, **kwargs):
        if input.ndim == 0 and isinstance(index, Tensor) and index.ndim == 0:
            args = tuple(reshape(a, (1,)) if isinstance(a, Tensor) and a.ndim == 0 else a
                         for a in args)
            return reshape(fn(reshape(input, (1,)), 0, reshape(index, (1,)), *args, **kwargs), ())
        return fn(input, dim, index, *args, **kwargs)
    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


@_as_1d
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    axis, idx = _scatter_index("gather", input, dim, index)
    return _gather_axis(input, axis, idx)


def _src_tensor(op: str, x: Tensor, src, value, index: Tensor) -> Tensor:
    if src is None and value is None:
        raise TypeError(f"{op}(): expected src (a Tensor) or value (a number)")
    if isinstance(src, Tensor):
        if src._dev is not x._dev:
            raise RuntimeError(f"{op}(): expected self and src to be on the same device, got "
                               f"{x._dev} and {src._dev}")
        if src.dtype is not x.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (got "
                               f"{x.dtype} and {src.dtype})")
        return src
    val = src if src is not None else value
    from ..creation import full

    return full(tuple(index.shape), _py_cast(val, x.dtype), dtype=x.dtype, device=x._dev)


def _scatter_bw(K, n, s, g):
    axis, idx, hit, src_shape = n.ctx
    gx = gs = None
    if n.needs[0]:
        gx = K.where(_lift(g, hit, n.dev), K.zeros_like(g), g)
    if n.needs[1]:
        gs = K.gather(g, axis, _lift(g, idx, n.dev))
        if tuple(gs.shape) != src_shape:
            gs = _unslice(K, gs, tuple(slice(0, s, 1) for s in gs.shape), src_shape, n.dev)
    return gx, gs


def _scatter_positions(dev, x_shape: tuple, axis: int, idx):
    """Flat positions in an array of x_shape of the elements index (gather/scatter layout) names."""
    xp = dev.xp
    it = _int_native(dev)
    pos, stride = None, 1
    nd = len(idx.shape)
    for a in range(nd - 1, -1, -1):
        if a == axis:
            c = idx
        else:
            shp = [1] * nd
            shp[a] = idx.shape[a]
            c = xp.reshape(xp.arange(idx.shape[a], dtype=it, device=dev.native), tuple(shp))
        term = c * stride if stride != 1 else c
        pos = term if pos is None else pos + term
        stride *= x_shape[a]
    return xp.reshape(xp.broadcast_to(pos, tuple(idx.shape)), (-1,))


def _scatter_replace(x: Tensor, axis: int, idx, src: Tensor, name: str) -> Tensor:
    dev, xp = x._dev, x._dev.xp
    pos = _scatter_positions(dev, tuple(x.shape), axis, idx)
    part = _src_part(src._data, tuple(idx.shape))
    out, hit = _put_flat(dev, xp.reshape(x._data, (-1,)), pos, xp.reshape(part, (-1,)))
    return record(dev, xp.reshape(out, tuple(x.shape)), name, _scatter_bw, (x, src), (),
                  (axis, idx, xp.reshape(hit, tuple(x.shape)), tuple(src.shape)))


@_as_1d
def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None,
            reduce: str | None = None) -> Tensor:
    """input with src's elements (or value) written at index along dim (repeats: one wins)."""
    s = _src_tensor("scatter", input, src, value, index)
    axis, idx = _scatter_index("scatter", input, dim, index, s)
    if reduce is not None:
        if reduce != "add":
            raise ValueError(f"scatter(): reduce={reduce!r} is not supported; use 'add' or "
                             "scatter_reduce")
        return _scatter_add_axis(input, axis, idx, s)
    return _scatter_replace(input, axis, idx, s, "ScatterBackward0")


@_as_1d
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """input plus src's elements added at index along dim; repeated indices accumulate."""
    s = _src_tensor("scatter_add", input, src, None, index)
    axis, idx = _scatter_index("scatter_add", input, dim, index, s)
    return _scatter_add_axis(input, axis, idx, s)


def _vector_index(op: str, x: Tensor, dim: int, index: Tensor):
    nd = x.ndim
    axis = _dim(dim, nd, op)
    if index.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape {list(index.shape)}")
    idx = _index_data(index, x, op)
    if index.ndim == 0:
        idx = x._dev.xp.reshape(idx, (1,))
    n = x.shape[axis] if nd else 1
    return axis, _bounds(x._dev, idx, n, axis, False)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    axis, idx = _vector_index("index_select", input, dim, index)
    if input.ndim == 0:
        return _take_axis(reshape(input, (1,)), 0, idx, "IndexSelectBackward0")
    return _take_axis(input, axis, idx, "IndexSelectBackward0")


def _source_for(op: str, x: Tensor, axis: int, idx, source: Tensor) -> None:
    want = list(x.shape)
    if want:
        want[axis] = idx.shape[0]
    if source.ndim and list(source.shape) != want:
        raise RuntimeError(f"{op}(): source shape {list(source.shape)} does not match the "
                           f"expected shape {want} (self {list(x.shape)} with index of length "
                           f"{idx.shape[0]} along dim {axis})")
    if source.dtype is not x.dtype:
        raise RuntimeError(f"{op}(): self ({x.dtype}) and source ({source.dtype}) must have the "
                           "same scalar type")


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """input with source's slices added at index along dim; repeated indices accumulate."""
    axis, idx = _vector_index("index_add", input, dim, index)
    _source_for("index_add", input, axis, idx, source)
    if alpha != 1:
        source = source * alpha
    if input.ndim == 0:
        return reshape(_index_add_axis(reshape(input, (1,)), 0, idx, reshape(source, (1,))), ())
    return _index_add_axis(input, axis, idx, source)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """input with its slices at index along dim replaced by source's."""
    axis, idx = _vector_index("index_copy", input, dim, index)
    _source_for("index_copy", input, axis, idx, source)
    xp = input._dev.xp
    if input.ndim == 0:
        return _scatter_replace(input, 0, idx, source, "IndexCopyBackward0")
    shp = [1] * input.ndim
    shp[axis] = idx.shape[0]
    full = xp.broadcast_to(xp.reshape(idx, tuple(shp)), tuple(source.shape))
    return _scatter_replace(input, axis, full, source, "IndexCopyBackward0")


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """input with its slices at index along dim set to value (a number or a 0-d tensor)."""
    axis, idx = _vector_index("index_fill", input, dim, index)
    dev, xp = input._dev, input._dev.xp
    n = input.shape[axis] if input.ndim else 1
    it = _int_native(dev)
    rows = dev.K.index_add(xp.zeros((n,), dtype=it, device=dev.native), 0, idx,
                           xp.ones(idx.shape, dtype=it, device=dev.native)) > 0
    shp = [1] * input.ndim
    if shp:
        shp[axis] = n
    mask = _wrap(xp.reshape(rows, tuple(shp)), dev)
    return masked_fill(input, mask, value)


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
    from .shape import broadcast_shapes

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
    from .shape import broadcast_shapes, expand

    shape = tuple(broadcast_shapes(input.shape, mask.shape))
    x = expand(input, shape)
    if not shape:
        x, mask = reshape(x, (1,)), reshape(mask, (1,))
    return reshape(x, (-1,))[reshape(expand(mask, shape) if shape else mask, (-1,))]


def take(input: Tensor, index: Tensor) -> Tensor:
    """input, read as 1-D, at index (negative values count from the end); index's shape."""
    idx = _index_data(index, input, "take")
    n = input.numel()
    idx = _bounds(input._dev, input._dev.xp.reshape(idx, (-1,)), n, 0, True)
    out = _take_axis(reshape(input, (-1,)), 0, idx, "TakeBackward0")
    return reshape(out, tuple(index.shape))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """numpy.take_along_axis: indices broadcast against input except along dim."""
    if dim is None:
        return take(input, reshape(indices, (-1,)))
    from .shape import broadcast_shapes, expand

    nd = input.ndim
    axis = _dim(dim, nd, "take_along_dim")
    if indices.ndim != nd:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {nd} dimensions for input, and {indices.ndim} "
                           "dimensions for indices")
    xs, ix = list(input.shape), list(indices.shape)
    xs[axis] = ix[axis] = 1
    b = list(broadcast_shapes(tuple(xs), tuple(ix)))
    bx, bi = list(b), list(b)
    bx[axis], bi[axis] = input.shape[axis], indices.shape[axis]
    return gather(expand(input, tuple(bx)), axis, expand(indices, tuple(bi)))


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


def _inplace(name: str, fn):
    def method_(self: Tensor, *args, **kwargs) -> Tensor:
        from .inplace import apply_inplace

        return apply_inplace(self, lambda s: fn(s, *args, **kwargs), name)
    method_.__name__ = name
    return method_


for _f in (gather, scatter, scatter_add, index_select, index_add, index_copy, index_fill,
           index_put, masked_fill, masked_select, take, take_along_dim, nonzero, argwhere):
    method(_f.__name__)(_f)
for _f in (scatter, scatter_add, index_add, index_copy, index_fill):
    setattr(Tensor, _f.__name__ + "_", _inplace(_f.__name__ + "_", _f))
del _f
