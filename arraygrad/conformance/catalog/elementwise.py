"""Entries for the elementwise family (arraygrad/core/ops/elementwise.py)."""

from __future__ import annotations

import math

import numpy as np

from ..table import OpInfo, Sample, register
from ._samples import (FLOAT_INT, FLOATS, NUMERIC, binary, binary_errors, int_nonzero, nonzero,
                       unary, unary_errors)

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _u(name, ref, domain=(-2.0, 2.0), dtypes=FLOAT_INT, out="float", grad=2, int_domain=(-4, 5),
       **kw):
    return OpInfo(name, ref, unary(domain, int_domain), dtypes=dtypes, out_dtype=out, grad=grad,
                  errors=unary_errors, **kw)


def _b(name, ref, da=(-2.0, 2.0), db=(-2.0, 2.0), dtypes=NUMERIC, out="promote", grad=2,
       ia=(-4, 5), ib=(-4, 5), **kw):
    return OpInfo(name, ref, binary(da, db, ia, ib), dtypes=dtypes, out_dtype=out, grad=grad,
                  errors=binary_errors(), **kw)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _xlogy(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(y))


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


def _minmax_ties(rng, dtype):
    yield from binary(scalars=False)(rng, dtype)
    a = np.array([1, 2, 3], dtype=dtype)
    yield Sample((a, np.array([1, 0, 3], dtype=dtype)), desc="ties", grad=False)


def _nan_pair(rng, dtype):
    yield from binary(scalars=False)(rng, dtype)
    if dtype in FLOATS:
        a = np.array([np.nan, 1.0, np.nan], dtype=dtype)
        b = np.array([2.0, np.nan, np.nan], dtype=dtype)
        yield Sample((a, b), desc="NaNs", grad=False)


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
    _b("atan2", np.arctan2, db=nonzero(), out="promote_float", dtypes=FLOAT_INT),
    OpInfo("maximum", np.maximum, _minmax_ties, dtypes=NUMERIC, out_dtype="promote", grad=1,
           errors=binary_errors()),
    OpInfo("minimum", np.minimum, _minmax_ties, dtypes=NUMERIC, out_dtype="promote", grad=1,
           errors=binary_errors()),
    OpInfo("fmax", np.fmax, _nan_pair, dtypes=FLOATS, out_dtype="promote", grad=1),
    OpInfo("fmin", np.fmin, _nan_pair, dtypes=FLOATS, out_dtype="promote", grad=1),
    _b("hypot", np.hypot, dtypes=FLOATS, out="promote"),
    _b("logaddexp", np.logaddexp, dtypes=FLOATS, out="promote"),
    OpInfo("xlogy", _xlogy, binary((-2.0, 2.0), (0.5, 3.0), scalars=False), dtypes=FLOATS,
           out_dtype="promote", grad=2),
    OpInfo("lerp", lambda a, b: a + 0.25 * (b - a), binary(scalars=False, promotion=False),
           dtypes=FLOATS, out_dtype="promote", grad=2, call="ag.lerp({0}, {1}, 0.25)"),
    # unary
    _u("neg", np.negative, dtypes=NUMERIC, out="same"),
    _u("positive", np.positive, dtypes=NUMERIC, out="same", grad=1),
    _u("abs", np.abs, dtypes=NUMERIC, out="same", grad=1),
    _u("exp", np.exp),
    _u("exp2", np.exp2),
    _u("expm1", np.expm1),
    _u("log", np.log, domain=(0.1, 3.0), int_domain=(1, 6)),
    _u("log2", np.log2, domain=(0.1, 3.0), int_domain=(1, 6)),
    _u("log10", np.log10, domain=(0.1, 3.0), int_domain=(1, 6)),
    _u("log1p", np.log1p, domain=(-0.5, 3.0), int_domain=(0, 6)),
    _u("sqrt", np.sqrt, domain=(0.1, 3.0), int_domain=(1, 6)),
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
    _u("relu", lambda x: np.maximum(x, 0).astype(x.dtype), dtypes=NUMERIC, out="same", grad=1),
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
