"""Entries for the shape family: views, joins, splits (arraygrad/core/ops/shape.py)."""

from __future__ import annotations

import numpy as np

from ..table import ErrorInput, OpInfo, Sample, View, register
from ._samples import FLOAT_INT, fixed

_T = FLOAT_INT  # structural ops: values move, dtypes stay


def _split(x, size, dim=0):
    n = x.shape[dim]
    return tuple(np.take(x, range(i, min(i + size, n)), axis=dim) for i in range(0, n, size))


def _chunk(x, chunks, dim=0):
    return _split(x, -(-x.shape[dim] // chunks), dim)


def _as_strided(x, size, stride, offset=0):
    flat = np.ascontiguousarray(x).reshape(-1)[offset:]
    return np.lib.stride_tricks.as_strided(flat, size, [s * x.itemsize for s in stride]).copy()


def _diag_embed(x):
    out = np.zeros(x.shape + x.shape[-1:], dtype=x.dtype)
    i = np.arange(x.shape[-1])
    out[..., i, i] = x
    return out


def _S(name, ref, *specs, call=None, grad=2, out="same", errors=None, dtypes=_T):
    return OpInfo(name, ref, fixed(*specs), dtypes=dtypes, out_dtype=out, grad=grad, call=call,
                  errors=errors)


def _reshape_errors():
    yield ErrorInput(Sample((np.ones((2, 3)), [4, 2]), desc="6 elements into (4, 2)"),
                     RuntimeError, "shape")


def _cat_errors():
    yield ErrorInput(Sample((np.ones((2, 3)), np.ones((2, 4))), {"dim": 0},
                            desc="(2, 3) and (2, 4) along dim 0"), RuntimeError, "")


register(
    _S("reshape", lambda x, s: np.reshape(x, s), (((2, 3), [3, 2]), {}, "(2, 3) to (3, 2)"),
       (((2, 3), [-1]), {}, "flatten with -1"), (((), [1, 1]), {}, "0-d to (1, 1)"),
       ((View((3, 2), "mT"), [6]), {}, "transposed view"), (((0, 3), [3, 0]), {}, "empty"),
       errors=_reshape_errors),
    _S("Tensor.view", lambda x, s: np.reshape(x, s), (((2, 3), [3, 2]), {}, "(2, 3) to (3, 2)"),
       call="{0}.view({1})"),
    _S("transpose", lambda x, a, b: np.swapaxes(x, a, b), (((2, 3, 4), 0, 2), {}, "dims 0, 2"),
       (((2, 3), -1, 0), {}, "negative dim")),
    _S("swapaxes", lambda x, a, b: np.swapaxes(x, a, b), (((2, 3), 0, 1), {}, "2-D")),
    _S("permute", lambda x, d: np.transpose(x, d), (((2, 3, 4), [2, 0, 1]), {}, "3-D")),
    _S("t", np.transpose, (((2, 3),), {}, "2-D"), (((3,),), {}, "1-D")),
    _S("adjoint", lambda x: np.swapaxes(x, -1, -2), (((2, 3),), {}, "2-D")),
    _S("Tensor.mT", lambda x: np.swapaxes(x, -1, -2), (((4, 2, 3),), {}, "batched"),
       call="{0}.mT"),
    _S("Tensor.T", lambda x: x.T, (((2, 3),), {}, "2-D"), call="{0}.T"),
    _S("unsqueeze", np.expand_dims, (((2, 3), 1), {}, "middle"), (((), 0), {}, "0-d"),
       (((2, 3), -1), {}, "last")),
    _S("squeeze", lambda x, dim=None: x if dim is not None and x.shape[dim] != 1 else
       np.squeeze(x, dim), (((2, 1, 3, 1),), {}, "all"),
       (((2, 1, 3),), {"dim": 1}, "dim=1"), (((2, 3),), {"dim": 0}, "not size 1: no-op")),
    _S("flatten", lambda x, s=0, e=-1: x.reshape(x.shape[:s] + (-1,) + x.shape[e:][1:]
                                                 if e != -1 else x.shape[:s] + (-1,)),
       (((2, 3, 4),), {}, "all"), (((2, 3, 4), 1), {}, "from dim 1"),
       (((),), {}, "0-d")),
    _S("unflatten", lambda x, d, s: x.reshape(x.shape[:d] + tuple(s) + x.shape[d + 1:]),
       (((2, 6), 1, [2, 3]), {}, "(2, 6) to (2, 2, 3)")),
    _S("broadcast_to", lambda x, s: np.broadcast_to(x, s), (((3,), [2, 3]), {}, "(3,) to (2, 3)"),
       (((2, 1), [2, 4]), {}, "(2, 1) to (2, 4)"), (((), [2]), {}, "0-d")),
    _S("broadcast_tensors", np.broadcast_arrays, (((2, 1), (3,)), {}, "(2, 1) and (3,)")),
    _S("cat", lambda a, b, dim=0: np.concatenate([a, b], axis=dim),
       (((2, 3), (1, 3)), {}, "dim 0"), (((2, 3), (2, 2)), {"dim": 1}, "dim 1"),
       (((0, 3), (2, 3)), {}, "with an empty tensor"),
       ((View((3, 2), "mT"), (2, 3)), {"dim": -1}, "a view, dim -1"),
       call="ag.cat([{0}, {1}], {kw})", errors=_cat_errors),
    _S("stack", lambda a, b, dim=0: np.stack([a, b], axis=dim), (((2, 3), (2, 3)), {}, "dim 0"),
       (((2, 3), (2, 3)), {"dim": 2}, "dim 2"), (((), ()), {}, "0-d"),
       call="ag.stack([{0}, {1}], {kw})"),
    _S("hstack", lambda a, b: np.hstack([a, b]), (((2, 3), (2, 1)), {}, "2-D"),
       call="ag.hstack([{0}, {1}])"),
    _S("vstack", lambda a, b: np.vstack([a, b]), (((3,), (3,)), {}, "1-D"),
       call="ag.vstack([{0}, {1}])"),
    _S("split", _split, (((5, 2), 2), {}, "sizes 2, 2, 1"), (((2, 6), 3), {"dim": 1}, "dim 1")),
    _S("chunk", _chunk, (((5, 2), 3), {}, "3 chunks of 5"), (((2, 6), 2), {"dim": 1}, "dim 1")),
    _S("unbind", lambda x, dim=0: tuple(np.moveaxis(x, dim, 0)), (((3, 2),), {}, "dim 0"),
       (((3, 2),), {"dim": 1}, "dim 1")),
    _S("flip", lambda x, d: np.flip(x, d), (((2, 3), [0, 1]), {}, "both"),
       (((2, 3, 4), [-1]), {}, "last")),
    _S("fliplr", np.fliplr, (((2, 3),), {}, "2-D")),
    _S("flipud", np.flipud, (((2, 3),), {}, "2-D")),
    _S("roll", lambda x, s, dims=None: np.roll(x, s, dims), (((2, 3), 1), {"dims": 1}, "dim 1"),
       (((2, 3), 2), {}, "flattened"), (((2, 3), [1, -1]), {"dims": [0, 1]}, "two dims")),
    _S("tile", lambda x, d: np.tile(x, d), (((2, 3), [2, 1]), {}, "(2, 1)"),
       (((3,), [2, 2]), {}, "more reps than dims")),
    _S("narrow", lambda x, d, s, n: np.take(x, range(s, s + n), axis=d),
       (((4, 3), 0, 1, 2), {}, "rows 1-2"), (((4, 3), 1, 0, 1), {}, "first column")),
    _S("select", lambda x, d, i: np.take(x, i, axis=d), (((4, 3), 0, 2), {}, "row 2"),
       (((4, 3), 1, -1), {}, "last column")),
    _S("movedim", lambda x, s, d: np.moveaxis(x, s, d), (((2, 3, 4), 0, 2), {}, "0 to 2")),
    _S("diagonal", lambda x, offset=0, dim1=0, dim2=1: np.diagonal(x, offset, dim1, dim2),
       (((3, 4),), {}, "main"), (((3, 4),), {"offset": 1}, "offset 1"),
       (((2, 3, 3),), {"dim1": 1, "dim2": 2}, "batched")),
    _S("as_strided", _as_strided, (((3, 4), [2, 2], [1, 4]), {}, "columns of rows"),
       (((6,), [2, 3], [1, 1], 1), {}, "overlapping windows, offset 1")),
    _S("diag", lambda x, diagonal=0: np.diag(x, diagonal), (((3,),), {}, "1-D to 2-D"),
       (((3, 3),), {"diagonal": -1}, "2-D to 1-D, below")),
    _S("diag_embed", _diag_embed, (((2, 3),), {}, "batched")),
    _S("tril", lambda x, diagonal=0: np.tril(x, diagonal), (((3, 4),), {}, "main"),
       (((2, 3, 3),), {"diagonal": 1}, "batched, above")),
    _S("triu", lambda x, diagonal=0: np.triu(x, diagonal), (((3, 4),), {}, "main"),
       (((2, 3, 3),), {"diagonal": -1}, "batched, below")),
    _S("clone", np.copy, (((2, 3),), {}, "2-D"), ((View((3, 2), "mT"),), {}, "a view")),
    _S("meshgrid", lambda a, b, indexing="ij": tuple(np.meshgrid(a, b, indexing=indexing)),
       (((2,), (3,)), {"indexing": "ij"}, "ij"), (((2,), (3,)), {"indexing": "xy"}, "xy")),
    _S("atleast_1d", np.atleast_1d, (((),), {}, "0-d"), (((2, 3),), {}, "2-D")),
    _S("atleast_2d", np.atleast_2d, (((3,),), {}, "1-D"), (((),), {}, "0-d")),
    _S("atleast_3d", np.atleast_3d, (((3,),), {}, "1-D"), (((2, 3),), {}, "2-D")),
    _S("tensor_split", lambda x, n, dim=0: tuple(np.array_split(x, n, axis=dim)),
       (((5, 2), 3), {}, "3 parts of 5"), (((2, 7), [2, 5]), {"dim": 1}, "at indices")),
    _S("broadcast_shapes", lambda a, b: np.array(np.broadcast_shapes(a.shape, b.shape)),
       (((2, 1), (3,)), {}, "(2, 1) and (3,)"), grad=0, out="index",
       call="ag.tensor(list(ag.broadcast_shapes({0}.shape, {1}.shape)), device={0}.device)"),
)
