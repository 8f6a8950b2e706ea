"""Entries for the elementwise family (arraygrad/core/ops/elementwise.py)."""

from __future__ import annotations

import math

import numpy as np

from ..table import OpInfo, Sample, register
from ._samples import (FLOAT_INT, FLOATS, NUMERIC, _edges, binary, binary_errors, int_nonzero,
                       nonzero, unary, unary_errors, with_edges)

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _u(name, ref, domain=(-2.0, 2.0), dtypes=FLOAT_INT, out="float", grad=2, int_domain=(-4, 5),
       edges=(), **kw):
    return OpInfo(name, ref, with_edges(unary(domain, int_domain), *edges), dtypes=dtypes,
                  out_dtype=out, grad=grad, errors=unary_errors, **kw)


def _b(name, ref, da=(-2.0, 2.0), db=(-2.0, 2.0), dtypes=NUMERIC, out="promote", grad=2,
       ia=(-4, 5), ib=(-4, 5), edges=(), **kw):
    return OpInfo(name, ref, with_edges(binary(da, db, ia, ib), *edges), dtypes=dtypes,
                  out_dtype=out, grad=grad, errors=binary_errors(), **kw)


_NAN, _INF = math.nan, math.inf
_LN2, _LN3 = math.log(2.0), math.log(3.0)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _xlogy(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((x == 0) & ~np.isnan(y), 0.0, x * np.log(y))


def _float_power_dtype(sample, dev):
    return "float64"


def _pow_samples(rng, dtype):
    """Positive bases (real powers); integer exponents as Python ints and tensors."""
    yield from binary((0.5, 2.0), (-2.0, 2.0), (1, 4), (0, 4))(rng, dtype)
    base = rng.uniform(0.5, 2.0, (2, 3)).astype(dtype) if dtype in FLOATS else \
        rng.integers(-3, 4, (2, 3)).astype(dtype)
    for e in (0, 1, 2, 3, 7):
        yield Sample((base, e), desc=f"Python int exponent {e}")
    if dtype in FLOATS:
        yield Sample((base, 0.5), desc="exponent 0.5")
        yield Sample((2.0, base), desc="Python float base")
        yield from _edges(dtype, (
            ([0, 0, 0, 2, -2, -2, 0, 1], [0, 1, 2, 0, 2, 0.5, -1, 0]),
            ([0, 1, 0, 0, -4, _NAN, -_INF, 0], [0, 0, 0, _LN2, _NAN, _NAN, -_INF, 0]),
            "0 ** 0, negative bases, 0 ** -1"))


def _minmax_ties(largest: bool):
    """Ties (half the gradient to each) and NaNs (all of it to both), as PyTorch."""
    def gen(rng, dtype):
        yield from binary(scalars=False)(rng, dtype)
        a = np.array([1, 2, 3], dtype=dtype)
        win = [1.0, 0.0] if largest else [0.0, 1.0]
        yield Sample((a, np.array([1, 0, 3], dtype=dtype)), desc="ties", grad=False,
                     grad_ref=([0.5, win[0], 0.5], [0.5, win[1], 0.5]))
        yield from _edges(dtype, (([_NAN, 1, _NAN, 2], [2, _NAN, _NAN, 1]),
                                  ([1, 1, 1, win[0]], [1, 1, 1, win[1]]), "NaNs"))
    return gen


def _nan_pair(largest: bool):
    """fmax/fmin: the gradient to the operand chosen (the non-NaN one), ties to input."""
    def gen(rng, dtype):
        yield from binary(scalars=False)(rng, dtype)
        last = [1.0, 0.0] if largest else [0.0, 1.0]
        yield from _edges(dtype, (([_NAN, 1, _NAN, 2, 3], [2, _NAN, _NAN, 2, 1]),
                                  ([0, 1, 1, 1, last[0]], [1, 0, 0, 0, last[1]]), "NaNs, a tie"))
    return gen


register(
    # arithmetic
    _b("add", np.add),
    _b("sub", np.subtract),
    _b("mul", np.multiply),
    OpInfo("add_alpha", lambda a, b: a + 2.5 * b, binary(scalars=False), dtypes=FLOATS,
           out_dtype="promote", grad=2, call="ag.add({0}, {1}, alpha=2.5)"),
    _b("div", np.true_divide, db=nonzero(), ib=int_nonzero(), out="promote_float"),
    OpInfo("div_floor", np.floor_divide, binary((-2.0, 2.0), nonzero(), (-4, 5), int_nonzero()),
           dtypes=NUMERIC, out_dtype="promote", grad=0,
           call="ag.div({0}, {1}, rounding_mode='floor')"),
    OpInfo("div_trunc", lambda a, b: np.trunc(np.true_divide(a, b)).astype(np.result_type(a, b)),
           binary((-2.0, 2.0), nonzero(), (-4, 5), int_nonzero(), scalars=False, promotion=False),
           dtypes=NUMERIC, out_dtype="promote", grad=0,
           call="ag.div({0}, {1}, rounding_mode='trunc')"),
    OpInfo("floor_divide", np.floor_divide,
           binary((-2.0, 2.0), nonzero(), (-4, 5), int_nonzero()), dtypes=NUMERIC,
           out_dtype="promote", grad=0, errors=binary_errors()),
    _b("remainder", np.remainder, db=nonzero(), ib=int_nonzero(), grad=1),
    _b("fmod", np.fmod, db=nonzero(), ib=int_nonzero(), grad=1),
    OpInfo("pow", np.power, _pow_samples, dtypes=NUMERIC, out_dtype="promote", grad=2,
           errors=binary_errors()),
    OpInfo("float_power", lambda a, b: np.power(np.float64(a), np.float64(b)),
           binary((0.5, 2.0), (-2.0, 2.0), (1, 4), (0, 3), promotion=False), dtypes=FLOAT_INT,
           out_dtype=_float_power_dtype, grad=2),
    _b("atan2", np.arctan2, db=nonzero(), out="promote_float", dtypes=FLOAT_INT,
       edges=((([0, 1], [0, 1]), ([0, 0.5], [0, -0.5]), "(0, 0)"),)),
    OpInfo("maximum", np.maximum, _minmax_ties(True), dtypes=NUMERIC, out_dtype="promote",
           grad=1, errors=binary_errors()),
    OpInfo("minimum", np.minimum, _minmax_ties(False), dtypes=NUMERIC, out_dtype="promote",
           grad=1, errors=binary_errors()),
    OpInfo("fmax", np.fmax, _nan_pair(True), dtypes=FLOATS, out_dtype="promote", grad=1),
    OpInfo("fmin", np.fmin, _nan_pair(False), dtypes=FLOATS, out_dtype="promote", grad=1),
    _b("hypot", np.hypot, dtypes=FLOATS, out="promote"),
    _b("logaddexp", np.logaddexp, dtypes=FLOATS, out="promote"),
    OpInfo("xlogy", _xlogy, with_edges(binary((-2.0, 2.0), (0.5, 3.0), scalars=False), (
        ([0, 0, 1, 0, 2], [0, 1, 0, _NAN, 3]),
        ([0, 0, -_INF, _NAN, _LN3], [_NAN, 0, _INF, _NAN, 2 / 3]), "zeros and NaN")),
        dtypes=FLOATS, out_dtype="promote", grad=2),
    OpInfo("lerp", lambda a, b: a + 0.25 * (b - a), binary(scalars=False, promotion=False),
           dtypes=FLOATS, out_dtype="promote", grad=2, call="ag.lerp({0}, {1}, 0.25)"),
    # unary
    _u("neg", np.negative, dtypes=NUMERIC, out="same"),
    _u("positive", np.positive, dtypes=NUMERIC, out="same", grad=1),
    _u("abs", np.abs, dtypes=NUMERIC, out="same", grad=1,
       edges=((([0, -0.0, 1, -1, _NAN],), ([0, 0, 1, -1, 0],), "zeros and NaN"),)),
    _u("exp", np.exp),
    _u("exp2", np.exp2),
    _u("expm1", np.expm1),
    _u("log", np.log, domain=(0.1, 3.0), int_domain=(1, 6)),
    _u("log2", np.log2, domain=(0.1, 3.0), int_domain=(1, 6)),
    _u("log10", np.log10, domain=(0.1, 3.0), int_domain=(1, 6)),
    _u("log1p", np.log1p, domain=(-0.5, 3.0), int_domain=(0, 6)),
    _u("sqrt", np.sqrt, domain=(0.1, 3.0), int_domain=(1, 6),
       edges=((([0, 1, 4],), ([_INF, 0.5, 0.25],), "zero"),)),
    _u("rsqrt", lambda x: 1.0 / np.sqrt(x), domain=(0.1, 3.0), int_domain=(1, 6)),
    _u("sin", np.sin),
    _u("cos", np.cos),
    _u("tan", np.tan, domain=(-1.2, 1.2), int_domain=(-1, 2)),
    _u("asin", np.arcsin, domain=(-0.9, 0.9), int_domain=(0, 1)),
    _u("acos", np.arccos, domain=(-0.9, 0.9), int_domain=(0, 1)),
    _u("atan", np.arctan),
    _u("sinh", np.sinh),
    _u("cosh", np.cosh),
    _u("tanh", np.tanh),
    _u("asinh", np.arcsinh),
    _u("acosh", np.arccosh, domain=(1.1, 3.0), int_domain=(2, 6)),
    _u("atanh", np.arctanh, domain=(-0.9, 0.9), int_domain=(0, 1)),
    _u("sigmoid", _sigmoid),
    _u("relu", lambda x: np.maximum(x, 0).astype(x.dtype), dtypes=NUMERIC, out="same", grad=1,
       edges=((([0, -1, 2],), ([0, 0, 1],), "zero"),)),
    _u("sign", np.sign, dtypes=NUMERIC, out="same", grad=1),
    _u("floor", np.floor, dtypes=NUMERIC, out="same", grad=1),
    _u("ceil", np.ceil, dtypes=NUMERIC, out="same", grad=1),
    _u("trunc", np.trunc, dtypes=NUMERIC, out="same", grad=1),
    _u("round", np.round, dtypes=NUMERIC, out="same", grad=1),
    OpInfo("round_decimals", lambda x: np.round(x, 2), unary(), dtypes=FLOATS, grad=1,
           call="ag.round({0}, decimals=2)"),
    _u("frac", lambda x: x - np.trunc(x), dtypes=FLOATS, out="same"),
    _u("reciprocal", lambda x: 1.0 / x, domain=nonzero(), int_domain=int_nonzero()),
    _u("square", np.square, dtypes=NUMERIC, out="same"),
    _u("erf", _erf, domain=(-3.0, 3.0)),
    _u("rad2deg", np.rad2deg, dtypes=FLOATS, out="same", grad=1),
    _u("deg2rad", np.deg2rad, dtypes=FLOATS, out="same", grad=1),
    # operators (the same ops reached through Tensor's dunder methods)
    OpInfo("Tensor.__add__", np.add, binary(), dtypes=NUMERIC, out_dtype="promote",
           call="{0} + {1}"),
    OpInfo("Tensor.__sub__", np.subtract, binary(), dtypes=NUMERIC, out_dtype="promote",
           call="{0} - {1}"),
    OpInfo("Tensor.__truediv__", np.true_divide, binary(domain_b=nonzero(), int_b=int_nonzero()),
           dtypes=NUMERIC, out_dtype="promote_float", call="{0} / {1}"),
    OpInfo("Tensor.__pow__", np.power, binary((0.5, 2.0), (-2.0, 2.0), (1, 4), (0, 4)),
           dtypes=NUMERIC, out_dtype="promote", call="{0} ** {1}"),
    OpInfo("Tensor.__neg__", np.negative, unary(), dtypes=NUMERIC, call="-{0}"),
)
