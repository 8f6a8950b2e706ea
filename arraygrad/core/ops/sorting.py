"""Sorting and searching: `sort`, `argsort`, `topk`, `kthvalue`, `msort`, `unique`,
`searchsorted`, `bucketize`.

Sorts are stable (ties keep their order; NaN sorts above every number, as in PyTorch). Values
are gathered through the sort's indices, and their gradient is scattered back through them.
"""

from __future__ import annotations

from .. import dtypes as _dt
from ..graph import record_multi
from ..tensor import Tensor, _dim, _wrap
from ._common import method
from .complex import no_complex_grad
from .comparison import _known_shape, _operands
from .reduction import _back, _index_array, _orderable, _return_type, _scatter_back

__all__ = ["sort", "argsort", "topk", "kthvalue", "msort", "unique", "searchsorted", "bucketize"]

_sort_rt = _return_type("sort", ("values", "indices"))
_topk_rt = _return_type("topk", ("values", "indices"))
_kthvalue_rt = _return_type("kthvalue", ("values", "indices"))


def _tensor_arg(op: str, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    return x


def _order(dev, d, axis: int, descending: bool):
    """Stable argsort along axis in the default integer dtype (bool sorted as uint8)."""
    o, _ = _orderable(dev, d)
    return _index_array(dev, dev.xp.argsort(o, axis=axis, descending=descending, stable=True))


def _take_first(a, axis: int, start: int, stop: int):
    return a[(slice(None),) * axis + (slice(start, stop), ...)]


def _picked_bw(K, n, s, g):
    (idx,) = s
    in_shape, axis, keepdim = n.ctx
    return (_scatter_back(K, g[0], idx, in_shape, axis, keepdim),)


def _select(x: Tensor, idx, axis: int, name: str, keepdim: bool = True):
    """(values, indices) for indices idx along axis: values gathered, gradient scattered back."""
    dev = x._dev
    o, back = _orderable(dev, x._data)  # bools gathered as uint8 (a one-hot gather sums them)
    vals = _back(dev, dev.K.gather(o, axis, idx), back)
    if not keepdim:
        shape = tuple(s for i, s in enumerate(idx.shape) if i != axis)
        vals, idx = dev.xp.reshape(vals, shape), dev.xp.reshape(idx, shape)
    return record_multi(dev, (vals, idx), name, _picked_bw, (x,), (idx,),
                        (x._data.shape, axis, keepdim), differentiable=(True, False))


def _scalar_pick(x: Tensor, name: str, rt):
    """sort/topk/kthvalue of a 0-d tensor: the value itself and index 0, as PyTorch."""
    dev = x._dev
    idx = dev.xp.zeros((), dtype=dev.native_dtype(dev.default_int), device=dev.native)
    return rt(*record_multi(dev, (x._data, idx), name, lambda K, n, s, g: (g[0],), (x,),
                            differentiable=(True, False)))


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """(values, indices) sorted along dim; always stable. Differentiable through the indices."""
    x = _tensor_arg("sort", input)
    no_complex_grad("sort", x)
    dev, d = x._dev, x._data
    ax = _dim(dim, d.ndim, "sort")
    if d.ndim == 0:
        return _scalar_pick(x, "SortBackward0", _sort_rt)
    idx = _order(dev, d, ax, descending)
    return _sort_rt(*_select(x, idx, ax, "SortBackward0"))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """The indices that sort input along dim (stable)."""
    x = _tensor_arg("argsort", input)
    dev = x._dev
    ax = _dim(dim, x.ndim, "argsort")
    if x.ndim == 0:
        return _wrap(dev.xp.zeros((), dtype=dev.native_dtype(dev.default_int), device=dev.native),
                     dev)
    return _wrap(_order(dev, x._data, ax, descending), dev)


def msort(input: Tensor) -> Tensor:
    """input sorted along dim 0 (the values only)."""
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """(values, indices) of the k largest (or smallest) along dim, in sorted order; among ties
    the earlier index comes first. Differentiable through the indices."""
    x = _tensor_arg("topk", input)
    no_complex_grad("topk", x)
    ax = _dim(dim, x.ndim, "topk")
    n = x.shape[ax] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk(): selected index k out of range: k={k} for dimension {ax} of "
                           f"size {n} (input shape {tuple(x.shape)})")
    if x.ndim == 0:
        return _scalar_pick(x, "TopkBackward0", _topk_rt)
    idx = _take_first(_order(x._dev, x._data, ax, largest), ax, 0, k)
    return _topk_rt(*_select(x, idx, ax, "TopkBackward0"))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """(values, indices) of the k-th smallest element (k from 1) along dim."""
    x = _tensor_arg("kthvalue", input)
    no_complex_grad("kthvalue", x)
    ax = _dim(dim, x.ndim, "kthvalue")
    n = x.shape[ax] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {ax}: k={k}, "
                           f"size {n} (input shape {tuple(x.shape)})")
    if x.ndim == 0:
        return _scalar_pick(x, "KthvalueBackward0", _kthvalue_rt)
    idx = _take_first(_order(x._dev, x._data, ax, False), ax, k - 1, k)
    return _kthvalue_rt(*_select(x, idx, ax, "KthvalueBackward0", keepdim=keepdim))


# ---- unique --------------------------------------------------------------------------------------
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None):
    """The distinct values (or slices along dim), sorted; with the inverse indices (input's
    shape) and the counts when asked. Not differentiable.

    On Dask the number of distinct values is only known after computing: the results are
    computed on the host and moved back (a lazy graph of unknown size breaks every later op)."""
    x = _tensor_arg("unique", input)
    if dim is not None:
        return _unique_dim(x, dim, return_inverse, return_counts)
    dev, xp = x._dev, x._dev.xp
    flat = xp.reshape(x._data, (-1,))
    # the smallest standard function that gives what was asked (PyTorch has no unique_all)
    if return_inverse and return_counts:
        res = xp.unique_all(flat)
        vals, inv, counts = res.values, res.inverse_indices, res.counts
    elif return_inverse:
        vals, inv = xp.unique_inverse(flat)
        counts = None
    elif return_counts:
        vals, counts = xp.unique_counts(flat)
        inv = None
    else:
        vals, inv, counts = xp.unique_values(flat), None, None
    vals = _known_shape(dev, vals)
    # the standard leaves the order unspecified: sort, and renumber the inverse to match
    order = _order(dev, vals, 0, False)
    vals = xp.take(vals, order, axis=0)
    out = [_wrap(vals, dev)]
    if return_inverse:
        rank = _order(dev, order, 0, False)
        inv = xp.take(rank, _index_array(dev, _known_shape(dev, inv)), axis=0)
        out.append(_wrap(xp.reshape(inv, tuple(x.shape)), dev))
    if return_counts:
        counts = _index_array(dev, _known_shape(dev, counts))
        out.append(_wrap(xp.take(counts, order, axis=0), dev))
    return out[0] if len(out) == 1 else tuple(out)


def _unique_dim(x: Tensor, dim: int, return_inverse: bool, return_counts: bool):
    """unique over the slices along dim: a lexicographic sort of the rows (stable sorts from
    the last column to the first), then the first row of each run of equal rows."""
    dev, xp = x._dev, x._dev.xp
    ax = _dim(dim, x.ndim, "unique")
    d = xp.moveaxis(x._data, ax, 0)
    rest = tuple(d.shape[1:])
    n = d.shape[0]
    rows = xp.reshape(d, (n, -1))
    keys, _ = _orderable(dev, rows)
    order = _index_array(dev, xp.arange(n, device=dev.native))
    for j in range(rows.shape[1] - 1, -1, -1):
        col = xp.take(keys[:, j], order, axis=0)
        order = xp.take(order, _order(dev, col, 0, False), axis=0)
    srt = xp.take(rows, order, axis=0)
    if rows.shape[1]:
        differs = xp.any(srt[1:, :] != srt[:-1, :], axis=1)
    else:  # slices of no elements are all equal
        differs = _zeros_bool(dev, max(n - 1, 0))
    new = xp.concat([_ones_bool(dev, min(n, 1)), differs])  # where a run of equal rows starts
    first = _index_array(dev, _known_shape(dev, xp.nonzero(new)[0]))
    vals = xp.take(srt, first, axis=0)
    vals = xp.moveaxis(xp.reshape(vals, (vals.shape[0],) + rest), 0, ax)
    out = [_wrap(vals, dev)]
    if return_inverse:
        group = xp.cumulative_sum(xp.astype(new, order.dtype)) - 1
        out.append(_wrap(xp.take(group, _order(dev, order, 0, False), axis=0), dev))
    if return_counts:
        ends = xp.concat([first[1:], xp.full((1,), n, dtype=first.dtype, device=dev.native)])
        out.append(_wrap(ends - first, dev))
    return out[0] if len(out) == 1 else tuple(out)


def _ones_bool(dev, n: int):
    return dev.xp.ones((n,), dtype=dev.native_dtype(_dt.bool), device=dev.native)


def _zeros_bool(dev, n: int):
    return dev.xp.zeros((n,), dtype=dev.native_dtype(_dt.bool), device=dev.native)


# ---- searching -----------------------------------------------------------------------------------
def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """For each value, the index where it would be inserted into sorted_sequence's last
    dimension to keep it sorted (after equal elements with right=True or side='right')."""
    seq = _tensor_arg("searchsorted", sorted_sequence)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"searchsorted(): side can only be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise RuntimeError("searchsorted(): side and right can't be set to opposites, got side "
                               "of left while right was True")
    side = side or ("right" if right else "left")
    if seq.ndim == 0:
        raise RuntimeError("searchsorted(): boundaries tensor should have positive dimension, but "
                           "got 0 dimension")
    scalar = not isinstance(input, Tensor)
    dev, s, v = _operands("searchsorted", seq, input)
    xp = dev.xp
    if scalar:
        v = xp.full((), v, dtype=s.dtype, device=dev.native)
    s, _ = _orderable(dev, s)
    v, _ = _orderable(dev, v)
    if sorter is not None:
        if tuple(sorter.shape) != tuple(seq.shape):
            raise RuntimeError(f"searchsorted(): sorter must have the shape of sorted_sequence "
                               f"{tuple(seq.shape)}, got {tuple(sorter.shape)}")
        if seq.ndim == 1:
            s = xp.take(s, sorter._data, axis=0)
        else:
            s = dev.K.gather(s, s.ndim - 1, sorter._data)
    if seq.ndim == 1:
        out = dev.K.searchsorted(s, v, side=side)
    else:
        if tuple(s.shape[:-1]) != tuple(v.shape[:-1]):
            raise RuntimeError(
                f"searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                f"dimensions of boundaries tensor and input value tensor must match, but we got "
                f"boundaries tensor {tuple(s.shape)} and input value tensor {tuple(v.shape)}")
        below = s[..., None, :] <= v[..., :, None] if side == "right" else (
            s[..., None, :] < v[..., :, None])
        out = xp.sum(xp.astype(below, dev.native_dtype(dev.default_int)), axis=-1)
    od = dev.native_dtype(_dt.int32 if out_int32 else dev.default_int)
    return _wrap(out if out.dtype == od else xp.astype(out, od), dev)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each input value: i with boundaries[i-1] < x <= boundaries[i] (right=False)
    or boundaries[i-1] <= x < boundaries[i] (right=True)."""
    b = _tensor_arg("bucketize", boundaries)
    if b.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim("
                           f"{b.ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right)


for _fn in (sort, argsort, topk, kthvalue, msort, unique):
    method(_fn.__name__)(_fn)
