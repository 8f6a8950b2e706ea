"""Entries for the reduction family (arraygrad/core/ops/reduction.py)."""

from __future__ import annotations

import math

import numpy as np

from ..table import ErrorInput, OpInfo, Sample, View, register
from ._samples import FLOAT_INT, FLOATS, NUMERIC, fixed, with_edges


def _ax(dim):
    return tuple(dim) if isinstance(dim, list) else dim


def _red(f):
    """A NumPy reduction called PyTorch's way: f(x, dim=None, keepdim=False)."""
    return lambda x, dim=None, keepdim=False: np.asarray(f(x, axis=_ax(dim), keepdims=keepdim))


# the general case first: `--max-examples 2` keeps a full and a one-dimension reduction
_DIMS = [
    (((2, 3),), {}, "all elements"),
    (((2, 3),), {"dim": 1}, "dim=1"),
    (((2, 3, 4),), {"dim": (0, 2), "keepdim": True}, "dims (0, 2), keepdim"),
    (((2, 3),), {"dim": -1, "keepdim": True}, "dim=-1, keepdim"),
    (((),), {}, "0-d"),
    ((View((3, 2), "mT"),), {"dim": 0}, "transposed view, dim=0"),
    (((0, 3),), {"dim": 1}, "empty, reducing a non-empty dim"),
]
_INT_DIMS = [s for s in _DIMS if not isinstance(s[1].get("dim"), tuple)]
_SPREAD = [s for s in _DIMS if s[2] not in ("0-d", "empty, reducing a non-empty dim")]


def _errors():
    x = np.ones((2, 3))
    yield ErrorInput(Sample((x,), {"dim": 2}, "dim 2 of a 2-D tensor"), IndexError, "out of range")
    yield ErrorInput(Sample((x,), {"dim": (1, 1)}, "dim repeated"), RuntimeError, "")


def _int_errors():
    yield ErrorInput(Sample((np.ones((2, 3)),), {"dim": 2}, "dim 2 of a 2-D tensor"), IndexError,
                     "out of range")


def _max_dim(x, dim, keepdim=False):
    return (np.max(x, axis=dim, keepdims=keepdim), np.argmax(x, axis=dim, keepdims=keepdim))


def _min_dim(x, dim, keepdim=False):
    return (np.min(x, axis=dim, keepdims=keepdim), np.argmin(x, axis=dim, keepdims=keepdim))


def _arg(f):
    def ref(x, dim=None, keepdim=False):
        if dim is None:
            r = f(x.reshape(-1))
            return np.asarray(r).reshape((1,) * x.ndim if keepdim else ())
        return np.asarray(f(x, axis=dim, keepdims=keepdim))
    return ref


def _var(f):
    return lambda x, dim=None, keepdim=False, correction=1: np.asarray(
        f(x, axis=_ax(dim), keepdims=keepdim, ddof=correction))


def _lower_median(x):
    s = np.sort(x.reshape(-1))
    return np.asarray(s[(s.size - 1) // 2])


def _with_nans(rng, dtype):
    x = rng.uniform(-2, 2, (3, 4)).astype(dtype)
    x[0, 1] = x[2, 3] = np.nan
    yield Sample((x,), {}, "NaNs, all elements", False)
    yield Sample((x,), {"dim": 1}, "NaNs, dim=1", False)
    yield Sample((rng.uniform(-2, 2, (2, 3)).astype(dtype),), {"dim": 0}, "no NaN, dim=0")


_NAN, _INF = math.nan, math.inf
_T = 1 / 3
# PyTorch's gradients of sum(outputs) where finite differences cannot judge (ties, NaNs, zeros)
_STD0 = (([[2, 2, 2], [1, 2, 3]],), ([[0, 0, 0], [-0.5, 0, 0.5]],), {"dim": 1}, "a zero std")
_STD0_ALL = (([2, 2, 2],), ([0, 0, 0],), "every element equal")
_VAR_MEAN0 = (([[2, 2, 2], [1, 2, 3]],), ([[_T, _T, _T], [-2 / 3, _T, 4 / 3]],), {"dim": 1},
              "a zero variance")
_STD_MEAN0 = (([[2, 2, 2], [1, 2, 3]],), ([[_T, _T, _T], [-1 / 6, _T, 5 / 6]],), {"dim": 1},
              "a zero std")
_AMAX_TIES = (([[1, 3, 3], [2, 2, 2]],), ([[0, 0.5, 0.5], [_T, _T, _T]],), {"dim": 1}, "ties")
_AMIN_TIES = (([[1, 1, 3], [2, 2, 2]],), ([[0.5, 0.5, 0], [_T, _T, _T]],), {"dim": 1}, "ties")
_AMAX_NAN = (([[1, _NAN, 3], [2, 2, 1]],), ([[_NAN, _NAN, _NAN], [0.5, 0.5, 0]],), {"dim": 1},
             "a NaN (a NaN gradient row, as PyTorch)")

_NO_EMPTY_DIMS = [s for s in _INT_DIMS if s[2] != "0-d" and not s[2].startswith("empty")]
_DIM_ONLY = [s for s in _NO_EMPTY_DIMS if "dim" in s[1]]

register(
    OpInfo("sum", _red(np.sum), fixed(*_DIMS), dtypes=NUMERIC + ("bool",),
           out_dtype="int_or_same", grad=2, errors=_errors),
    OpInfo("mean", _red(np.mean), fixed(*_DIMS[:-1]), dtypes=FLOATS, grad=2, errors=_errors),
    OpInfo("prod", _red(np.prod), with_edges(
        fixed(*_INT_DIMS, domain=(0.5, 1.5)), (([0, 2, 0, 3],), ([0, 0, 0, 0],), "two zeros"),
        (([0, 2, 3],), ([6, 0, 0],), "one zero"),
        (([[0, 2], [0, 0], [1, 2]],), ([[2, 0], [0, 0], [2, 1]],), {"dim": 1}, "zeros, dim=1")),
        dtypes=NUMERIC, out_dtype="int_or_same", grad=2, errors=_int_errors),
    OpInfo("amax", _red(np.max), with_edges(fixed(*_DIMS[:-1]), _AMAX_TIES, _AMAX_NAN),
           dtypes=NUMERIC, grad=1, errors=_errors),
    OpInfo("amin", _red(np.min), with_edges(fixed(*_DIMS[:-1]), _AMIN_TIES), dtypes=NUMERIC,
           grad=1, errors=_errors),
    OpInfo("max", lambda x: np.max(x), with_edges(
        fixed((((2, 3),), {}, "2-D"), (((),), {}, "0-d")),
        (([1, 3, 3, 2],), ([0, 0.5, 0.5, 0],), "ties (split evenly)"),
        (([1, _NAN, 3, _NAN],), ([0, 0.5, 0, 0.5],), "NaNs (split among them)")),
        dtypes=NUMERIC, grad=1),
    OpInfo("min", lambda x: np.min(x), with_edges(
        fixed((((2, 3),), {}, "2-D"), (((),), {}, "0-d")),
        (([1, 1, 3],), ([0.5, 0.5, 0],), "ties (split evenly)")), dtypes=NUMERIC, grad=1),
    OpInfo("max_dim", _max_dim, with_edges(
        fixed(*_DIM_ONLY), (([[1, 3, 3], [2, 2, 2]],), ([[0, 1, 0], [1, 0, 0]],), {"dim": 1},
                            "ties (the first index)"),
        (([[1, _NAN, 3], [_NAN, 2, _NAN]],), ([[0, 1, 0], [1, 0, 0]],), {"dim": 1},
         "NaNs (the first NaN)")), dtypes=NUMERIC, out_dtype=("same", "index"),
        grad=1, grad_outputs=(0,), call="ag.max({args})", errors=_int_errors),
    OpInfo("min_dim", _min_dim, with_edges(
        fixed(*_DIM_ONLY), (([[1, 1, 3], [2, 2, 2]],), ([[1, 0, 0], [1, 0, 0]],), {"dim": 1},
                            "ties (the first index)")), dtypes=NUMERIC,
        out_dtype=("same", "index"), grad=1, grad_outputs=(0,), call="ag.min({args})",
        errors=_int_errors),
    OpInfo("argmax", _arg(np.argmax), fixed(*_NO_EMPTY_DIMS, domain=(-9.0, 9.0)), dtypes=FLOATS,
           out_dtype="index", grad=0, errors=_int_errors),
    OpInfo("argmin", _arg(np.argmin), fixed(*_NO_EMPTY_DIMS, domain=(-9.0, 9.0)), dtypes=FLOATS,
           out_dtype="index", grad=0, errors=_int_errors),
    OpInfo("var", _var(np.var), fixed(*_SPREAD, (((2, 3),), {"dim": 1, "correction": 0},
                                                  "correction=0")),
           dtypes=FLOATS, grad=2, errors=_errors),
    OpInfo("std", _var(np.std), with_edges(fixed(*_SPREAD), _STD0, _STD0_ALL), dtypes=FLOATS,
           grad=2, errors=_errors),
    OpInfo("var_mean", lambda x, dim=None, keepdim=False: (
        _var(np.var)(x, dim, keepdim), _red(np.mean)(x, dim, keepdim)),
        with_edges(fixed(*_SPREAD), _VAR_MEAN0), dtypes=FLOATS, grad=1),
    OpInfo("logsumexp", lambda x, dim, keepdim=False: np.log(np.sum(
        np.exp(x), axis=_ax(dim), keepdims=keepdim)), fixed(*_DIM_ONLY), dtypes=FLOATS, grad=2),
    OpInfo("norm", lambda x, p="fro", dim=None, keepdim=False: np.asarray(
        np.sum(np.abs(x) ** (2 if p == "fro" else p), axis=_ax(dim), keepdims=keepdim)
        ** (1 / (2 if p == "fro" else p))), with_edges(
        fixed((((2, 3),), {}, "Frobenius"), (((2, 3),), {"p": 1, "dim": 1}, "p=1, dim=1"),
              (((3, 4),), {"p": 3, "dim": 0, "keepdim": True}, "p=3, dim=0, keepdim"),
              domain=lambda rng, s: rng.uniform(0.5, 2, s) * rng.choice([-1.0, 1.0], s)),
        (([[0, 0], [0, 0]],), ([[0, 0], [0, 0]],), "the zero vector"),
        (([[0, 1, -1]],), ([[0, 1, -1]],), {"p": 1, "dim": 1}, "p=1 at zero"),
        (([0, 1, -2],), ([0, 0.2311204247835449, -0.9244816991341795],), {"p": 3}, "p=3, a zero"),
        (([0, 0],), ([0, 0],), {"p": 3}, "p=3, the zero vector")),
        dtypes=FLOATS, grad=2),
    OpInfo("cumsum", lambda x, dim: np.cumsum(x, axis=dim),
           fixed((((2, 3),), {"dim": 1}, "dim=1"), (((2, 3),), {"dim": 0}, "dim=0"),
                 (((4,),), {"dim": -1}, "1-D")), dtypes=NUMERIC, out_dtype="int_or_same",
           grad=2),
    OpInfo("cumprod", lambda x, dim: np.cumprod(x, axis=dim),
           with_edges(fixed((((2, 3),), {"dim": 1}, "dim=1"), (((4,),), {"dim": 0}, "1-D"),
                 domain=lambda rng, s: rng.uniform(0.5, 1.5, s) * rng.choice([-1.0, 1.0], s)),
                 (([2, 0, 3, 0, 4],), ([1, 8, 0, 0, 0],), {"dim": 0}, "two zeros"),
                 (([2, 0, 3, 4],), ([1, 32, 0, 0],), {"dim": 0}, "one zero")),
           dtypes=NUMERIC, out_dtype="int_or_same", grad=2),
    OpInfo("all", _red(np.all), fixed(*_DIMS), dtypes=("bool", "float64", "int64"),
           out_dtype="bool", grad=0),
    OpInfo("any", _red(np.any), fixed(*_DIMS), dtypes=("bool", "float64", "int64"),
           out_dtype="bool", grad=0),
    OpInfo("count_nonzero", lambda x, dim=None: np.asarray(np.count_nonzero(x, axis=dim)),
           fixed((((2, 3),), {}, "all"), (((2, 3),), {"dim": 1}, "dim=1"),
                 int_domain=(-1, 2)), dtypes=("float64", "int64", "bool"), out_dtype="index",
           grad=0),
    OpInfo("median", _lower_median, with_edges(
        fixed((((2, 3),), {}, "even count"), (((5,),), {}, "odd count")),
        (([1, 2, 2, 2, 3],), ([0, _T, _T, _T, 0],), "ties (split evenly)")), dtypes=FLOAT_INT,
        grad=1),
    OpInfo("aminmax", lambda x, dim=None, keepdim=False: (
        _red(np.min)(x, dim, keepdim), _red(np.max)(x, dim, keepdim)),
        with_edges(fixed(*_DIMS[:2], _DIMS[3]),
                   (([[1, 3, 3], [1, 2, 2]],), ([[0.5, 0.5, 0.5], [0.5, 0, 0]],), "ties")),
        dtypes=NUMERIC, out_dtype=("same", "same"), grad=1),
    OpInfo("std_mean", lambda x, dim=None, keepdim=False: (
        _var(np.std)(x, dim, keepdim), _red(np.mean)(x, dim, keepdim)),
        with_edges(fixed(*_SPREAD), _STD_MEAN0), dtypes=FLOATS, grad=1),
    OpInfo("nanmedian", lambda x: np.asarray(_lower_median(x[~np.isnan(x)])),
           lambda rng, dt: iter([next(_with_nans(rng, dt)), Sample(
               (rng.uniform(-2, 2, (5,)).astype(dt),), desc="no NaN, odd count")]), dtypes=FLOATS,
           grad=1),
    OpInfo("nansum", lambda x, dim=None, keepdim=False: np.asarray(
        np.nansum(x, axis=dim, keepdims=keepdim)), _with_nans, dtypes=FLOATS, grad=1),
    OpInfo("nanmean", lambda x, dim=None, keepdim=False: np.asarray(
        np.nanmean(x, axis=dim, keepdims=keepdim)), _with_nans, dtypes=FLOATS, grad=1),
)
