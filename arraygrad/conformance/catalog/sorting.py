"""Entries for sorting and searching (arraygrad/core/ops/sorting.py)."""

from __future__ import annotations

import numpy as np

from ..table import OpInfo, Sample, register
from ._samples import FLOAT_INT, FLOATS, fixed

# distinct values (no ties), so indices are unambiguous
_DISTINCT = lambda rng, shape: rng.permutation(int(np.prod(shape)) or 1)[:int(np.prod(shape))] \
    .reshape(shape) * 0.5 - 2.0


def _sort(x, dim=-1, descending=False):
    i = np.argsort(-x if descending else x, axis=dim, kind="stable")
    return np.take_along_axis(x, i, dim), i


def _topk(x, k, dim=-1, largest=True):
    v, i = _sort(x, dim, descending=largest)
    return np.take(v, range(k), axis=dim), np.take(i, range(k), axis=dim)


def _kth(x, k, dim=-1):
    v, i = _sort(x, dim)
    return np.take(v, k - 1, axis=dim), np.take(i, k - 1, axis=dim)


def _sorted_seq(rng, dtype):
    seq = np.sort(rng.uniform(-2, 2, (5,))).astype(dtype)
    yield Sample((seq, rng.uniform(-3, 3, (2, 3)).astype(dtype)), desc="1-D sequence")
    yield Sample((seq, seq[1:3].copy()), {"right": True}, "values on boundaries, right")


def _D(name, ref, *specs, call=None, grad=1, out="same", grad_outputs=None, dtypes=FLOAT_INT):
    return OpInfo(name, ref, fixed(*specs, domain=_DISTINCT, int_domain=_DISTINCT), dtypes=dtypes,
                  out_dtype=out, grad=grad, call=call, grad_outputs=grad_outputs)


register(
    _D("sort", _sort, (((3, 4),), {}, "last dim"), (((3, 4),), {"dim": 0}, "dim 0"),
       (((5,),), {"descending": True}, "descending"), (((0, 3),), {}, "empty"),
       out=("same", "index"), grad_outputs=(0,)),
    _D("argsort", lambda x, dim=-1, descending=False: _sort(x, dim, descending)[1],
       (((3, 4),), {}, "last dim"), (((5,),), {"descending": True}, "descending"),
       out="index", grad=0),
    _D("topk", _topk, (((3, 5), 2), {}, "k=2"), (((6,), 3), {"largest": False}, "smallest"),
       out=("same", "index"), grad_outputs=(0,)),
    _D("kthvalue", _kth, (((3, 5), 2), {}, "k=2"), (((6,), 1), {}, "1-D, k=1"),
       out=("same", "index"), grad_outputs=(0,)),
    _D("msort", lambda x: np.sort(x, axis=0), (((4, 3),), {}, "2-D")),
    OpInfo("unique", lambda x: np.unique(x), fixed((((3, 4),), {}, "2-D"), int_domain=(-2, 3)),
           dtypes=("int64", "float64"), grad=0),
    OpInfo("unique_counts", lambda x: np.unique(x, return_counts=True),
           fixed((((3, 4),), {}, "2-D"), int_domain=(-2, 3)), dtypes=("int64",), grad=0,
           out_dtype=("same", "index"), call="ag.unique({0}, return_counts=True)"),
    OpInfo("searchsorted", lambda s, v, right=False: np.searchsorted(
        s, v, side="right" if right else "left"), _sorted_seq, dtypes=FLOATS, out_dtype="index",
        grad=0),
    OpInfo("bucketize", lambda v, b, right=False: np.searchsorted(
        b, v, side="right" if right else "left"),
        lambda rng, dt: ((Sample((s.args[1], s.args[0]), s.kwargs, s.desc))
                         for s in _sorted_seq(rng, dt)),
        dtypes=FLOATS, out_dtype="index", grad=0),
)
