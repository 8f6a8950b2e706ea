"""Index arrays shared by indexing, scatter and masking: checking and moving index tensors,
bounds, the positions of a mask's True elements, and a last-writer-wins put written with the
standard only.

Boolean masks have a data-dependent number of elements: their positions come from `nonzero`, or
from a stable sort where the library leaves the size unknown (Dask; counting costs a compute).
"""

from __future__ import annotations

import builtins

from .. import dtypes as _dt
from ..grad_mode import STATE
from ..tensor import Tensor, _wrap


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
    """idx checked against a dimension of size n (negative values wrap when allowed).

    The check reads data: it runs now where that is free (`backend.cheap_checks`: NumPy,
    array-api-strict) or under `autograd.detect_anomaly()`; elsewhere the backend defers it to
    its compute (Dask) or skips it (CuPy, as PyTorch's CUDA kernels assert on the device)."""
    xp = dev.xp
    lo = -n if negative else 0
    bad = (idx < lo) | (idx >= n)
    b = dev.backend
    if b.cheap_checks or STATE.anomaly:
        if bool(xp.any(bad)):
            host = b.to_numpy(idx).reshape(-1).tolist()
            v = next(v for v in host if not lo <= v < n)
            raise exc(f"index {v} is out of bounds for dimension {dim} with size {n}")
    else:
        idx = b.deferred_check(idx, bad, lambda: exc(
            f"index out of bounds: an index is out of bounds for dimension {dim} with size {n}"))
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

