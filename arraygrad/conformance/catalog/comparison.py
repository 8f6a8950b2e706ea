"""Entries for comparisons, logical and bitwise ops, where, clamp and the is* tests
(arraygrad/core/ops/comparison.py)."""

from __future__ import annotations

import math

import numpy as np

from ..checks import _operands, torch_result_type
from ..table import OpInfo, Sample, View, register
from ._samples import (FLOATS, NUMERIC, Mask, binary, binary_errors, fixed, unary, unary_errors,
                       with_edges)

_LOGIC = ("bool", "float64", "int64")
_BITS = ("int64", "int32", "bool")


def _where_dtype(sample, dev):
    """where(cond, a, b) promotes a and b only."""
    return _promoted(Sample(sample.args[1:]))


def _clamp_dtype(sample, dev):
    """clamp promotes its input with min and max (an int tensor clamped at 0.5 becomes float)."""
    bounds = tuple(v for k, v in sample.kwargs.items() if k in ("min", "max") and v is not None)
    return _promoted(Sample(sample.args + bounds))


def _promoted(sample):
    import arraygrad as ag

    return torch_result_type(_operands(sample), ag.get_default_dtype().name)


def _special(rng, dtype):
    x = np.array([[0.0, -1.5, np.inf], [np.nan, -np.inf, 2.0]], dtype=dtype)
    yield Sample((x,), desc="NaN, infinities, zeros", grad=False)
    yield Sample((rng.uniform(-2, 2, (3,)).astype(dtype),), desc="finite")


def _ties(rng, dtype):
    """Comparisons: operands with many equal elements (small integers), then the usual ones."""
    a = np.asarray(rng.integers(-2, 3, (2, 3)), dtype=dtype)
    yield Sample((a, np.asarray(rng.integers(-2, 3, (2, 3)), dtype=dtype)), desc="ties")
    yield from binary(int_a=(-2, 3), int_b=(-2, 3))(rng, dtype)


def _near(rng, dtype):
    a = rng.uniform(-2, 2, (2, 3)).astype(dtype)
    b = a + rng.choice([0.0, 1e-9, 1e-3], a.shape)
    yield Sample((a, b.astype(dtype)), desc="near and far")
    c = a.copy()
    c[0, 0] = np.nan
    yield Sample((c, c.copy()), {"equal_nan": True}, "NaN with equal_nan")


def _cmp(name, f):
    return OpInfo(name, f, _ties, dtypes=NUMERIC, out_dtype="bool", grad=0,
                  errors=binary_errors())


def _sample_from(rng, dtype, shape):
    return rng.uniform(-2, 2, shape).astype(dtype) if dtype in FLOATS else \
        np.asarray(rng.integers(-4, 5, shape), dtype=dtype)


register(
    _cmp("eq", np.equal), _cmp("ne", np.not_equal), _cmp("lt", np.less),
    _cmp("le", np.less_equal), _cmp("gt", np.greater), _cmp("ge", np.greater_equal),
    OpInfo("Tensor.__lt__", np.less, _ties, dtypes=NUMERIC, out_dtype="bool", grad=0,
           call="{0} < {1}"),
    OpInfo("Tensor.__eq__", np.equal, _ties, dtypes=NUMERIC, out_dtype="bool", grad=0,
           call="{0} == {1}"),
    OpInfo("logical_and", np.logical_and, _ties, dtypes=_LOGIC, out_dtype="bool", grad=0),
    OpInfo("logical_or", np.logical_or, _ties, dtypes=_LOGIC, out_dtype="bool", grad=0),
    OpInfo("logical_xor", np.logical_xor, _ties, dtypes=_LOGIC, out_dtype="bool", grad=0),
    OpInfo("logical_not", np.logical_not, unary(int_domain=(-1, 2)), dtypes=_LOGIC,
           out_dtype="bool", grad=0),
    OpInfo("bitwise_and", np.bitwise_and, binary(promotion=False), dtypes=_BITS,
           out_dtype="promote", grad=0),
    OpInfo("bitwise_or", np.bitwise_or, binary(promotion=False), dtypes=_BITS,
           out_dtype="promote", grad=0),
    OpInfo("bitwise_xor", np.bitwise_xor, binary(promotion=False), dtypes=_BITS,
           out_dtype="promote", grad=0),
    OpInfo("bitwise_not", np.invert, unary(), dtypes=_BITS, out_dtype="same", grad=0),
    OpInfo("bitwise_left_shift", np.left_shift,
           binary(int_a=(-8, 9), int_b=(0, 4), promotion=False), dtypes=("int64", "int32"),
           out_dtype="promote", grad=0),
    OpInfo("bitwise_right_shift", np.right_shift,
           binary(int_a=(-8, 9), int_b=(0, 4), promotion=False), dtypes=("int64", "int32"),
           out_dtype="promote", grad=0),
    OpInfo("isnan", np.isnan, _special, dtypes=FLOATS, out_dtype="bool", grad=0,
           errors=unary_errors),
    OpInfo("isinf", np.isinf, _special, dtypes=FLOATS, out_dtype="bool", grad=0),
    OpInfo("isfinite", np.isfinite, _special, dtypes=FLOATS, out_dtype="bool", grad=0),
    OpInfo("isposinf", np.isposinf, _special, dtypes=FLOATS, out_dtype="bool", grad=0),
    OpInfo("isneginf", np.isneginf, _special, dtypes=FLOATS, out_dtype="bool", grad=0),
    OpInfo("isreal", np.isreal, _special, dtypes=FLOATS, out_dtype="bool", grad=0),
    OpInfo("signbit", np.signbit, _special, dtypes=FLOATS, out_dtype="bool", grad=0),
    # float64 only: the default replacements are the dtype's extremes, which the float64
    # reference cannot know for float32 (nan_to_num_values covers float32)
    OpInfo("nan_to_num", lambda x, **kw: np.nan_to_num(x, **kw), _special, dtypes=("float64",),
           out_dtype="same", grad=1),
    OpInfo("nan_to_num_values", lambda x: np.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0),
           _special, dtypes=FLOATS, out_dtype="same", grad=1,
           call="ag.nan_to_num({0}, nan=1.5, posinf=9.0, neginf=-9.0)"),
    OpInfo("where", np.where, fixed(
        ((Mask((2, 3)), (2, 3), (2, 3)), {}, "same shapes"),
        ((Mask((2, 1)), (1, 3), (2, 3)), {}, "broadcasting"),
        ((Mask(()), (), ()), {}, "0-d"),
        ((Mask((2, 3)), View((3, 2), "mT"), 0.5), {}, "view and a Python scalar")),
        dtypes=NUMERIC, out_dtype=_where_dtype, grad=2),
    OpInfo("clamp", lambda x, min=None, max=None: np.clip(x, min, max), with_edges(fixed(
        (((2, 3),), {"min": -0.5, "max": 1}, "min and max"),
        (((2, 3),), {"min": 0}, "min only"), (((),), {"max": 0}, "0-d, max only")),
        (([0, 1, 0.5, -1, 2, math.nan],), ([1, 1, 1, 0, 0, 0],), {"min": 0.0, "max": 1.0},
         "on the bounds, NaN")), dtypes=NUMERIC, out_dtype=_clamp_dtype, grad=1),
    OpInfo("clamp_min", lambda x: np.maximum(x, 0), unary(), dtypes=NUMERIC, grad=1,
           call="ag.clamp_min({0}, 0)"),
    OpInfo("clamp_max", lambda x: np.minimum(x, 1), unary(), dtypes=NUMERIC, grad=1,
           call="ag.clamp_max({0}, 1)"),
    OpInfo("isclose", lambda a, b, **kw: np.isclose(a, b, rtol=1e-5, atol=1e-8, **kw), _near,
           dtypes=FLOATS, out_dtype="bool", grad=0),
    OpInfo("allclose", lambda a, b, **kw: np.asarray(np.allclose(a, b, 1e-5, 1e-8, **kw)),
           _near, dtypes=FLOATS, out_dtype="bool", grad=0,
           call="ag.tensor(ag.allclose({args}), device={0}.device)"),
    OpInfo("equal", lambda a, b: np.asarray(np.array_equal(a, b)),
           binary(int_a=(-1, 2), int_b=(-1, 2), scalars=False), dtypes=NUMERIC,
           out_dtype="bool", grad=0, call="ag.tensor(ag.equal({0}, {1}), device={0}.device)"),
    OpInfo("heaviside", np.heaviside, binary(scalars=False, promotion=False, int_a=(-1, 2)),
           dtypes=NUMERIC, out_dtype="promote", grad=0),
)
