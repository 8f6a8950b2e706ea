"""Entries for the reduction family (arraygrad/core/ops/reduction.py)."""

from __future__ import annotations

import numpy as np

from ..table import ErrorInput, OpInfo, Sample, View, register
from ._samples import FLOAT_INT, FLOATS, NUMERIC, fixed


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


_NO_EMPTY_DIMS = [s for s in _INT_DIMS if s[2] != "0-d" and not s[2].startswith("empty")]
_DIM_ONLY = [s for s in _NO_EMPTY_DIMS if "dim" in s[1]]

register(
    OpInfo("sum", _red(np.sum), fixed(*_DIMS), dtypes=NUMERIC + ("bool",),
           out_dtype="int_or_same", grad=2, errors=_errors),
    OpInfo("mean", _red(np.mean), fixed(*_DIMS[:-1]), dtypes=FLOATS, grad=2, errors=_errors),
    OpInfo("prod", _red(np.prod), fixed(*_INT_DIMS, domain=(0.5, 1.5)), dtypes=NUMERIC,
           out_dtype="int_or_same", grad=2, errors=_int_errors),
    OpInfo("amax", _red(np.max), fixed(*_DIMS[:-1]), dtypes=NUMERIC, grad=1, errors=_errors),
    OpInfo("amin", _red(np.min), fixed(*_DIMS[:-1]), dtypes=NUMERIC, grad=1, errors=_errors),
    OpInfo("max", lambda x: np.max(x), fixed((((2, 3),), {}, "2-D"), (((),), {}, "0-d")),
           dtypes=NUMERIC, grad=1),
    OpInfo("min", lambda x: np.min(x), fixed((((2, 3),), {}, "2-D"), (((),), {}, "0-d")),
           dtypes=NUMERIC, grad=1),
    OpInfo("max_dim", _max_dim, fixed(*_DIM_ONLY), dtypes=NUMERIC, out_dtype=("same", "index"),
           grad=1, grad_outputs=(0,), call="ag.max({args})", errors=_int_errors),
    OpInfo("min_dim", _min_dim, fixed(*_DIM_ONLY), dtypes=NUMERIC, out_dtype=("same", "index"),
           grad=1, grad_outputs=(0,), call="ag.min({args})", errors=_int_errors),
    OpInfo("argmax", _arg(np.argmax), fixed(*_NO_EMPTY_DIMS, domain=(-9.0, 9.0)), dtypes=FLOATS,
           out_dtype="index", grad=0, errors=_int_errors),
    OpInfo("argmin", _arg(np.argmin), fixed(*_NO_EMPTY_DIMS, domain=(-9.0, 9.0)), dtypes=FLOATS,
           out_dtype="index", grad=0, errors=_int_errors),
    OpInfo("var", _var(np.var), fixed(*_SPREAD, (((2, 3),), {"dim": 1, "correction": 0},
                                                  "correction=0")),
           dtypes=FLOATS, grad=2, errors=_errors),
    OpInfo("std", _var(np.std), fixed(*_SPREAD), dtypes=FLOATS, grad=2, errors=_errors),
    OpInfo("var_mean", lambda x, dim=None, keepdim=False: (
        _var(np.var)(x, dim, keepdim), _red(np.mean)(x, dim, keepdim)), fixed(*_SPREAD),
        dtypes=FLOATS, grad=1),
    OpInfo("logsumexp", lambda x, dim, keepdim=False: np.log(np.sum(
        np.exp(x), axis=_ax(dim), keepdims=keepdim)), fixed(*_DIM_ONLY), dtypes=FLOATS, grad=2),
    OpInfo("norm", lambda x, p="fro", dim=None, keepdim=False: np.asarray(
        np.sum(np.abs(x) ** (2 if p == "fro" else p), axis=_ax(dim), keepdims=keepdim)
        ** (1 / (2 if p == "fro" else p))),
        fixed((((2, 3),), {}, "Frobenius"), (((2, 3),), {"p": 1, "dim": 1}, "p=1, dim=1"),
              (((3, 4),), {"p": 3, "dim": 0, "keepdim": True}, "p=3, dim=0, keepdim"),
              domain=lambda rng, s: rng.uniform(0.5, 2, s) * rng.choice([-1.0, 1.0], s)),
        dtypes=FLOATS, grad=2),
    OpInfo("cumsum", lambda x, dim: np.cumsum(x, axis=dim),
           fixed((((2, 3),), {"dim": 1}, "dim=1"), (((2, 3),), {"dim": 0}, "dim=0"),
                 (((4,),), {"dim": -1}, "1-D")), dtypes=NUMERIC, out_dtype="int_or_same",
           grad=2),
    OpInfo("cumprod", lambda x, dim: np.cumprod(x, axis=dim),
           fixed((((2, 3),), {"dim": 1}, "dim=1"), (((4,),), {"dim": 0}, "1-D"),
                 domain=lambda rng, s: rng.uniform(0.5, 1.5, s) * rng.choice([-1.0, 1.0], s)),
           dtypes=NUMERIC, out_dtype="int_or_same", grad=2),
    OpInfo("all", _red(np.all), fixed(*_DIMS), dtypes=("bool", "float64", "int64"),
           out_dtype="bool", grad=0),
    OpInfo("any", _red(np.any), fixed(*_DIMS), dtypes=("bool", "float64", "int64"),
           out_dtype="bool", grad=0),
    OpInfo("count_nonzero", lambda x, dim=None: np.asarray(np.count_nonzero(x, axis=dim)),
           fixed((((2, 3),), {}, "all"), (((2, 3),), {"dim": 1}, "dim=1"),
                 int_domain=(-1, 2)), dtypes=("float64", "int64", "bool"), out_dtype="index",
           grad=0),
    OpInfo("median", _lower_median, fixed((((2, 3),), {}, "even count"),
                                          (((5,),), {}, "odd count")), dtypes=FLOAT_INT, grad=1),
    OpInfo("aminmax", lambda x, dim=None, keepdim=False: (
        _red(np.min)(x, dim, keepdim), _red(np.max)(x, dim, keepdim)),
        fixed(*_DIMS[:2], _DIMS[3]), dtypes=NUMERIC, out_dtype=("same", "same"), grad=1),
    OpInfo("std_mean", lambda x, dim=None, keepdim=False: (
        _var(np.std)(x, dim, keepdim), _red(np.mean)(x, dim, keepdim)), fixed(*_SPREAD),
        dtypes=FLOATS, grad=1),
    OpInfo("nanmedian", lambda x: np.asarray(_lower_median(x[~np.isnan(x)])),
           lambda rng, dt: iter([next(_with_nans(rng, dt)), Sample(
               (rng.uniform(-2, 2, (5,)).astype(dt),), desc="no NaN, odd count")]), dtypes=FLOATS,
           grad=1),
    OpInfo("nansum", lambda x, dim=None, keepdim=False: np.asarray(
        np.nansum(x, axis=dim, keepdims=keepdim)), _with_nans, dtypes=FLOATS, grad=1),
    OpInfo("nanmean", lambda x, dim=None, keepdim=False: np.asarray(
        np.nanmean(x, axis=dim, keepdims=keepdim)), _with_nans, dtypes=FLOATS, grad=1),
)
