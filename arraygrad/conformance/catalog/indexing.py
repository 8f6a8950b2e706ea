"""Entries for indexing: getitem, gather/scatter, index_*, masks (arraygrad/core/ops/indexing.py
and Tensor.__getitem__)."""

from __future__ import annotations

import numpy as np

from ..table import ErrorInput, OpInfo, Sample, View, register
from ._samples import FLOAT_INT, Idx, Mask, fixed


def _scatter_add(x, dim, index, src):
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        tgt = list(pos)
        tgt[dim] = index[pos]
        out[tuple(tgt)] += src[pos]
    return out


def _scatter(x, dim, index, src):
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        tgt = list(pos)
        tgt[dim] = index[pos]
        out[tuple(tgt)] = src[pos]
    return out


def _index_add(x, dim, index, src, alpha=1):
    out = np.moveaxis(x.copy(), dim, 0)
    s = np.moveaxis(src, dim, 0)
    for i, j in enumerate(index):
        out[j] += alpha * s[i]
    return np.moveaxis(out, 0, dim)


def _index_copy(x, dim, index, src):
    out = np.moveaxis(x.copy(), dim, 0)
    out[index] = np.moveaxis(src, dim, 0)
    return np.moveaxis(out, 0, dim)


def _index_put_acc(x, idx, v):
    out = x.copy()
    np.add.at(out, idx, v)
    return out


def _gather_errors():
    yield ErrorInput(Sample((np.ones((2, 3)), 1, np.array([[0, 5]])), desc="index 5 of size 3"),
                     (RuntimeError, IndexError), "")


def _getitem_errors():
    yield ErrorInput(Sample((np.ones((2, 3)), np.array([0, 2])), desc="row 2 of 2"),
                     IndexError, "")


def _I(name, ref, *specs, call=None, grad=2, out="same", errors=None, dtypes=FLOAT_INT):
    return OpInfo(name, ref, fixed(*specs), dtypes=dtypes, out_dtype=out, grad=grad, call=call,
                  errors=errors)


register(
    _I("Tensor.__getitem__(int)", lambda x: x[1], (((3, 4),), {}, "2-D"),
       (((3,),), {}, "1-D to 0-d"), call="{0}[1]"),
    _I("Tensor.__getitem__(slices)", lambda x: x[:, 1:3], (((3, 4),), {}, "2-D"),
       ((View((4, 3), "mT"),), {}, "a view"), call="{0}[:, 1:3]"),
    _I("Tensor.__getitem__(step)", lambda x: x[..., ::2], (((3, 5),), {}, "2-D"),
       call="{0}[..., ::2]"),
    _I("Tensor.__getitem__(None)", lambda x: x[None, :, 0], (((3, 4),), {}, "2-D"),
       call="{0}[None, :, 0]"),
    _I("Tensor.__getitem__(tensor)", lambda x, i: x[i], (((5, 3), Idx((4,), 5)), {}, "rows"),
       (((5,), Idx((2, 2), 5)), {}, "a 2-D index"), call="{0}[{1}]", errors=_getitem_errors),
    _I("Tensor.__getitem__(mask)", lambda x, m: x[m], (((2, 3), Mask((2, 3))), {}, "2-D"),
       call="{0}[{1}]"),
    _I("gather", lambda x, d, i: np.take_along_axis(x, i, d),
       (((3, 4), 1, Idx((3, 2), 4)), {}, "dim 1"), (((3, 4), 0, Idx((2, 4), 3)), {}, "dim 0"),
       errors=_gather_errors),
    _I("take_along_dim", lambda x, i, dim: np.take_along_axis(x, i, dim),
       (((3, 4), Idx((3, 2), 4)), {"dim": 1}, "dim 1")),
    _I("scatter", _scatter, (((3, 5), 1, Idx((3, 2), 5, unique=True), (3, 2)), {}, "dim 1")),
    _I("scatter_add", _scatter_add, (((3, 5), 1, Idx((3, 4), 5), (3, 4)), {}, "duplicates"),
       (((4, 2), 0, Idx((3, 2), 4), (3, 2)), {}, "dim 0")),
    _I("index_select", lambda x, d, i: np.take(x, i, axis=d),
       (((4, 3), 0, Idx((5,), 4)), {}, "rows, repeated"), (((4, 3), 1, Idx((2,), 3)), {}, "cols")),
    _I("index_add", _index_add, (((5, 3), 0, Idx((4,), 5), (4, 3)), {}, "duplicates"),
       (((2, 4), 1, Idx((2,), 4), (2, 2)), {"alpha": 2}, "dim 1, alpha")),
    _I("index_copy", _index_copy, (((5, 3), 0, Idx((2,), 5, unique=True), (2, 3)), {}, "rows")),
    _I("index_fill", lambda x, d, i: _index_copy(x, d, i, np.full(
        x.shape[:d] + (len(i),) + x.shape[d + 1:], -1, x.dtype)),
       (((4, 3), 0, Idx((2,), 4)), {}, "rows"), call="ag.index_fill({0}, {1}, {2}, -1)"),
    _I("index_put_accumulate", _index_put_acc, (((5,), Idx((4,), 5), (4,)), {}, "duplicates"),
       call="ag.index_put({0}, ({1},), {2}, accumulate=True)"),
    _I("masked_fill", lambda x, m: np.where(m, 0.5 if x.dtype.kind == "f" else 3, x),
       (((2, 3), Mask((2, 3))), {}, "same shape"), (((2, 3), Mask((3,))), {}, "broadcast mask"),
       call="ag.masked_fill({0}, {1}, 0.5 if {0}.is_floating_point() else 3)"),
    _I("masked_select", lambda x, m: x[np.broadcast_to(m, x.shape)],
       (((2, 3), Mask((2, 3))), {}, "2-D")),
    _I("take", lambda x, i: np.take(x.reshape(-1), i), (((2, 3), Idx((4,), 6)), {}, "flat")),
    _I("nonzero", lambda x: np.argwhere(x), (((3, 4),), {}, "2-D"), grad=0, out="index",
       dtypes=("int64", "bool")),
    _I("argwhere", lambda x: np.argwhere(x), (((5,),), {}, "1-D"), grad=0, out="index",
       dtypes=("int64", "bool")),
)
