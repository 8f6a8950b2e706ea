"""Elementwise arithmetic and math: values against NumPy float64, gradients by finite differences
(`gradcheck`, float64, eps 1e-6, atol 1e-5, rtol 1e-3; fast mode on Dask), PyTorch's dtype
promotion, the pow fast paths, and error messages; rounding/sign conventions against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import arraygrad as ag
from tests._gradients import make_tensor as _t
from tests._gradients import to_numpy as _np
from arraygrad.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
X = RNG.uniform(-2, 2, (2, 3))
POS = RNG.uniform(0.2, 2, (2, 3))
UNIT = RNG.uniform(-0.8, 0.8, (2, 3))
BIG = RNG.uniform(1.2, 3, (2, 3))

# op -> (NumPy reference, input sample)
UNARY = {
    "neg": (np.negative, X), "positive": (np.positive, X), "abs": (np.abs, X),
    "exp": (np.exp, X), "exp2": (np.exp2, X), "expm1": (np.expm1, X), "log": (np.log, POS),
    "log2": (np.log2, POS), "log10": (np.log10, POS), "log1p": (np.log1p, POS),
    "sqrt": (np.sqrt, POS), "rsqrt": (lambda x: 1 / np.sqrt(x), POS), "sin": (np.sin, X),
    "cos": (np.cos, X), "tan": (np.tan, UNIT), "asin": (np.arcsin, UNIT),
    "acos": (np.arccos, UNIT), "atan": (np.arctan, X), "sinh": (np.sinh, X),
    "cosh": (np.cosh, X), "tanh": (np.tanh, X), "asinh": (np.arcsinh, X),
    "acosh": (np.arccosh, BIG), "atanh": (np.arctanh, UNIT),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), X), "relu": (lambda x: np.maximum(x, 0), X),
    "sign": (np.sign, X), "floor": (np.floor, X), "ceil": (np.ceil, X), "round": (np.round, X),
    "trunc": (np.trunc, X), "frac": (lambda x: x - np.trunc(x), X),
    "reciprocal": (lambda x: 1 / x, POS), "square": (np.square, X),
    "erf": (lambda x: np.vectorize(__import__("math").erf)(x), X),
    "rad2deg": (np.rad2deg, X), "deg2rad": (np.deg2rad, X),
}
ALIASES = {"negative": "neg", "absolute": "abs", "arcsin": "asin", "arccos": "acos",
           "arctan": "atan", "sgn": "sign", "fix": "trunc"}
# ops whose gradient is zero almost everywhere (step functions) or kinked at 0
STEP = {"sign", "floor", "ceil", "round", "trunc"}
FLOATING = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos",
            "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
            "sigmoid", "reciprocal", "erf", "rad2deg", "deg2rad"}
Y = RNG.uniform(0.5, 2, (3,)) * np.array([1, -1, 1])
BINARY = {
    "add": (np.add, X, Y), "sub": (np.subtract, X, Y), "subtract": (np.subtract, X, Y),
    "mul": (np.multiply, X, Y), "multiply": (np.multiply, X, Y), "div": (np.divide, X, Y),
    "divide": (np.divide, X, Y), "true_divide": (np.divide, X, Y),
    "floor_divide": (np.floor_divide, X, Y), "remainder": (np.remainder, X, Y),
    "fmod": (np.fmod, X, Y), "pow": (np.power, POS, Y), "float_power": (np.power, POS, Y),
    "atan2": (np.arctan2, X, Y), "arctan2": (np.arctan2, X, Y), "maximum": (np.maximum, X, Y),
    "minimum": (np.minimum, X, Y), "fmax": (np.fmax, X, Y), "fmin": (np.fmin, X, Y),
    "hypot": (np.hypot, X, Y), "logaddexp": (np.logaddexp, X, Y),
    "xlogy": (lambda a, b: a * np.log(b), X, np.abs(Y)),
}
NONDIFF_BINARY = {"floor_divide"}


def _gradcheck(fn, inputs, device):
    assert gradcheck(fn, inputs, fast_mode=device == "dask")


def test_every_op_in_all_is_covered():
    from arraygrad.core.ops import elementwise as E

    assert set(E.__all__) == set(UNARY) | set(ALIASES) | set(BINARY) | {"lerp"}


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64])
@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary_matches_numpy(device, op, dtype):
    ref, x = UNARY[op]
    out = getattr(ag, op)(_t(x, device, dtype))
    assert out.dtype is dtype
    tol = 1e-6 if dtype is ag.float32 else 1e-12
    np.testing.assert_allclose(_np(out), ref(x.astype(np.dtype(dtype.name))), rtol=tol, atol=tol)


@pytest.mark.parametrize("op", sorted(ALIASES))
def test_unary_aliases_are_the_same_function(op):
    assert getattr(ag, op) is getattr(ag, ALIASES[op])


@pytest.mark.parametrize("op", sorted(FLOATING))
def test_floating_unary_promotes_integers_to_the_default_dtype(device, op):
    ref, _ = UNARY[op]
    x = np.array([1, 2, 3]) if op not in ("asin", "acos", "atanh") else np.array([0, 0, 0])
    out = getattr(ag, op)(_t(x, device, ag.int64))
    assert out.dtype is ag.float32
    np.testing.assert_allclose(_np(out), ref(x.astype(np.float64)), rtol=1e-6)


@pytest.mark.parametrize("op", ["neg", "abs", "square", "sign", "floor", "relu"])
def test_integer_preserving_unary_keeps_integer_dtype(device, op):
    out = getattr(ag, op)(_t([-2, 0, 3], device, ag.int64))
    assert out.dtype is ag.int64
    np.testing.assert_array_equal(_np(out), UNARY[op][0](np.array([-2, 0, 3])))


@pytest.mark.parametrize("op", sorted(set(UNARY) - STEP))
def test_unary_gradient_matches_finite_differences(device, op):
    _, x = UNARY[op]
    if op in ("abs", "relu"):  # keep away from the kink at 0
        x = np.where(np.abs(x) < 0.1, 0.5, x)
    _gradcheck(getattr(ag, op), (_t(x, device, requires_grad=True),), device)


@pytest.mark.parametrize("op", sorted(STEP))
def test_step_functions_have_zero_gradient(device, op):
    x = _t(X, device, requires_grad=True)
    getattr(ag, op)(x).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), np.zeros_like(X))


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64])
@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_matches_numpy_with_broadcasting(device, op, dtype):
    ref, a, b = BINARY[op]
    out = getattr(ag, op)(_t(a, device, dtype), _t(b, device, dtype))
    want_dtype = ag.float64 if op == "float_power" else dtype
    assert out.dtype is want_dtype
    nd = np.dtype(want_dtype.name)
    tol = 1e-5 if want_dtype is ag.float32 else 1e-12
    np.testing.assert_allclose(_np(out), ref(a.astype(np.dtype(dtype.name)).astype(nd),
                                             b.astype(np.dtype(dtype.name)).astype(nd)),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("op", sorted(set(BINARY) - NONDIFF_BINARY))
def test_binary_gradient_matches_finite_differences(device, op):
    _, a, b = BINARY[op]
    if op in ("maximum", "minimum", "fmax", "fmin", "remainder", "fmod"):
        b = np.array([5.0, -5.0, 5.0]) if op in ("remainder", "fmod") else b
    _gradcheck(getattr(ag, op), (_t(a, device, requires_grad=True),
                                 _t(b, device, requires_grad=True)), device)


def test_lerp_matches_numpy_and_differentiates(device):
    a, b, w = X, X[::-1] * 0.5, np.full((2, 3), 0.3)
    np.testing.assert_allclose(_np(ag.lerp(_t(a, device), _t(b, device), _t(w, device))),
                               a + w * (b - a), rtol=1e-12)
    _gradcheck(ag.lerp, tuple(_t(v, device, requires_grad=True) for v in (a, b, w)), device)


SECOND = {"exp": (ag.exp, (X,)), "log": (ag.log, (POS,)), "sin": (ag.sin, (X,)),
          "tanh": (ag.tanh, (X,)), "sigmoid": (ag.sigmoid, (X,)),
          "pow": (ag.pow, (POS, Y)), "div": (ag.div, (X, Y)), "atan2": (ag.atan2, (X, Y)),
          "mul": (ag.mul, (X, Y))}


@pytest.mark.parametrize("op", sorted(SECOND))
def test_second_derivatives_match_finite_differences(device, op):
    fn, xs = SECOND[op]
    ins = tuple(_t(x, device, requires_grad=True) for x in xs)
    assert gradgradcheck(fn, ins, fast_mode=device == "dask")


# ---- promotion -----------------------------------------------------------------------------------
def test_float32_times_python_float_stays_float32(device):
    assert (_t([1.0, 2.0], device, ag.float32) * 2.0).dtype is ag.float32


def test_int_times_python_float_is_default_float(device):
    out = _t([1, 2], device, ag.int64) * 1.5
    assert out.dtype is ag.float32
    np.testing.assert_allclose(_np(out), [1.5, 3.0])


def test_int_divided_by_int_is_default_float(device):
    out = _t([7, -7], device, ag.int64) / _t([2, 2], device, ag.int64)
    assert out.dtype is ag.float32
    np.testing.assert_allclose(_np(out), [3.5, -3.5])


def test_zero_dim_float64_does_not_upcast_float32(device):
    out = _t([1.0, 2.0], device, ag.float32) + _t(0.5, device, ag.float64)
    assert out.dtype is ag.float32


def test_bool_plus_bool_is_logical_or(device):
    out = _t([True, False, False], device, ag.bool) + _t([True, True, False], device, ag.bool)
    assert out.dtype is ag.bool
    np.testing.assert_array_equal(_np(out), [True, True, False])


def test_bool_times_bool_is_logical_and(device):
    out = _t([True, False, True], device, ag.bool) * _t([True, True, False], device, ag.bool)
    assert out.dtype is ag.bool
    np.testing.assert_array_equal(_np(out), [True, False, False])


def test_bool_subtraction_raises(device):
    b = _t([True, False], device, ag.bool)
    with pytest.raises(RuntimeError, match="Subtraction.*bool"):
        b - b


def test_uint8_plus_int8_is_int16(device):
    out = _t([1, 200], device, ag.uint8) + _t([-1, 3], device, ag.int8)
    assert out.dtype is ag.int16
    np.testing.assert_array_equal(_np(out), [0, 203])


@pytest.mark.parametrize("expr, ref", [
    (lambda t: 3 + t, lambda a: 3 + a), (lambda t: 3 - t, lambda a: 3 - a),
    (lambda t: 3 * t, lambda a: 3 * a), (lambda t: 3 / t, lambda a: 3 / a),
    (lambda t: 2.0 ** t, lambda a: 2.0 ** a), (lambda t: t - 3, lambda a: a - 3),
    (lambda t: t / 4, lambda a: a / 4), (lambda t: 7.5 % t, lambda a: np.remainder(7.5, a)),
])
def test_python_scalars_on_either_side(device, expr, ref):
    out = expr(_t(POS, device, ag.float32))
    assert out.dtype is ag.float32
    np.testing.assert_allclose(_np(out), ref(POS.astype(np.float32)), rtol=1e-6)


@pytest.mark.parametrize("expr", [lambda t: 3 - t, lambda t: 3 / t, lambda t: 2.0 ** t])
def test_reflected_scalar_ops_differentiate(device, expr):
    _gradcheck(expr, (_t(POS, device, requires_grad=True),), device)


# ---- pow -----------------------------------------------------------------------------------------
PX = np.array([0.0, 1.5, -2.0, 0.3, -0.7])


@pytest.mark.parametrize("e", [0, 1, 2, 3, 4, 5, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
def test_pow_fast_path_matches_general_power(device, e):
    x = _t(PX, device, requires_grad=True)
    out = x ** e
    np.testing.assert_allclose(_np(out), np.power(PX, float(e)), rtol=1e-13, atol=1e-15)
    out.sum().backward()
    want = np.zeros_like(PX) if e == 0 else e * np.power(PX, float(e) - 1)
    np.testing.assert_allclose(_np(x.grad), want, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("e", [2, 3.0])
def test_pow_fast_path_keeps_float32(device, e):
    assert (_t(PX, device, ag.float32) ** e).dtype is ag.float32


def test_pow_square_root_exponent(device):
    x = _t(POS, device, requires_grad=True)
    np.testing.assert_allclose(_np(x ** 0.5), np.sqrt(POS), rtol=1e-14)
    _gradcheck(lambda t: t ** 0.5, (x,), device)


def test_integer_to_negative_integer_power_raises(device):
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        _t([1, 2], device, ag.int64) ** -1


@pytest.mark.parity
def test_integer_tensor_exponents_with_negatives_match_torch(device, torch):
    base, e = np.array([2, 1, -1, -1, 3, 0, -2]), np.array([-1, -3, -3, -2, 2, -1, -2])
    got = _t(base, device, ag.int64) ** _t(e, device, ag.int64)
    assert got.dtype is ag.int64
    np.testing.assert_array_equal(_np(got), (torch.tensor(base) ** torch.tensor(e)).numpy())
    np.testing.assert_array_equal(_np(2 ** _t(e, device, ag.int64)),
                                  (2 ** torch.tensor(e)).numpy())


def test_integer_pow_stays_integer(device):
    out = _t([2, -3], device, ag.int64) ** 3
    assert out.dtype is ag.int64
    np.testing.assert_array_equal(_np(out), [8, -27])


# ---- rounding division, remainder, fmod, maximum ties: against PyTorch -------------------------
DA = np.array([7, -7, 5, -5, 0])
DB = np.array([2, 2, -3, -3, 4])


@pytest.mark.parity
@pytest.mark.parametrize("mode", ["floor", "trunc"])
@pytest.mark.parametrize("kind", ["int64", "float32"])
def test_div_rounding_modes_match_torch(device, torch, mode, kind):
    got = ag.div(_t(DA, device, getattr(ag, kind)), _t(DB, device, getattr(ag, kind)),
                 rounding_mode=mode)
    want = torch.div(torch.tensor(DA, dtype=getattr(torch, kind)),
                     torch.tensor(DB, dtype=getattr(torch, kind)), rounding_mode=mode)
    assert got.dtype.name == str(want.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(_np(got), want.numpy())


@pytest.mark.parity
@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_div_rounding_mode_with_python_scalars_matches_torch(device, torch, mode):
    for other in (2, -2.5):
        got = ag.div(_t(DA, device, ag.int64), other, rounding_mode=mode)
        want = torch.div(torch.tensor(DA), other, rounding_mode=mode)
        assert got.dtype.name == str(want.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(_np(got), want.numpy())


@pytest.mark.parity
@pytest.mark.parametrize("op", ["remainder", "fmod"])
@pytest.mark.parametrize("kind", ["int64", "float64"])
def test_remainder_and_fmod_signs_match_torch(device, torch, op, kind):
    got = getattr(ag, op)(_t(DA, device, getattr(ag, kind)), _t(DB, device, getattr(ag, kind)))
    want = getattr(torch, op)(torch.tensor(DA, dtype=getattr(torch, kind)),
                              torch.tensor(DB, dtype=getattr(torch, kind)))
    assert got.dtype.name == kind
    np.testing.assert_array_equal(_np(got), want.numpy())
    got_s = getattr(ag, op)(_t(DA, device, getattr(ag, kind)), -3)
    np.testing.assert_array_equal(_np(got_s), getattr(torch, op)(
        torch.tensor(DA, dtype=getattr(torch, kind)), -3).numpy())


@pytest.mark.parity
@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_split_gradient_at_ties(device, torch, op):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])
    ta, tb = _t(a, device, requires_grad=True), _t(b, device, requires_grad=True)
    getattr(ag, op)(ta, tb).sum().backward()
    qa = torch.tensor(a, requires_grad=True)
    qb = torch.tensor(b, requires_grad=True)
    getattr(torch, op)(qa, qb).sum().backward()
    np.testing.assert_array_equal(_np(ta.grad), qa.grad.numpy())
    np.testing.assert_array_equal(_np(tb.grad), qb.grad.numpy())
    assert _np(ta.grad)[0] == 0.5


# ---- errors and warnings -------------------------------------------------------------------------
def test_broadcast_error_names_both_shapes(device):
    with pytest.raises(RuntimeError, match=r"add\(\).*\(2, 3\).*\(4,\)"):
        _t(np.zeros((2, 3)), device) + _t(np.zeros(4), device)


def test_two_devices_in_one_op_raise_naming_both(device):
    other = "array_api_strict:device1" if device != "array_api_strict:device1" else "cpu"
    a, b = _t([1.0, 2.0], device), _t([1.0, 2.0], other)
    with pytest.raises(RuntimeError, match="same device") as e:
        ag.mul(a, b)
    assert str(a.device) in str(e.value) and str(b.device) in str(e.value)


def test_numpy_array_operand_raises_type_error(device):
    t = _t([1.0, 2.0], device)
    with pytest.raises(TypeError, match=r"add\(\).*numpy\.ndarray.*arraygrad\.tensor"):
        t + np.array([1.0, 2.0])
    with pytest.raises(TypeError, match=r"mul\(\).*numpy\.ndarray"):
        ag.mul(np.array([1.0, 2.0]), t)


def test_division_by_zero_and_invalid_math_give_inf_nan_silently(device):
    x = _t([0.0, 1.0, -1.0], device)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(_np(1 / x), [np.inf, 1.0, -1.0])
        np.testing.assert_array_equal(_np(ag.log(x)), [-np.inf, 0.0, np.nan])
        np.testing.assert_array_equal(_np(ag.sqrt(x)), [0.0, 1.0, np.nan])
        assert np.isnan(_np(x / x)[0])


def test_xlogy_is_zero_where_input_is_zero(device):
    x = _t([0.0, 0.0, 2.0], device, requires_grad=True)
    y = _t([0.0, 3.0, 3.0], device, requires_grad=True)
    out = ag.xlogy(x, y)
    np.testing.assert_allclose(_np(out), [0.0, 0.0, 2 * np.log(3.0)], rtol=1e-14)
    out.sum().backward()
    # PyTorch's convention: d/dx is xlogy(x != 0, y), so 0 wherever x is 0
    np.testing.assert_allclose(_np(x.grad), [0.0, 0.0, np.log(3.0)], rtol=1e-14)
    assert np.isnan(_np(ag.xlogy(_t([0.0], device), _t([np.nan], device)))[0])


@pytest.mark.parametrize("op", [
    lambda a, b: a // b, lambda a, b: a % b, lambda a, b: ag.fmod(a, b),
    lambda a, b: ag.div(a, b, rounding_mode="trunc"),
    lambda a, b: ag.div(a, b, rounding_mode="floor"),
])
@pytest.mark.parametrize("divisor", ["tensor", "scalar"])
def test_integer_division_by_zero_raises_like_pytorch(device, op, divisor):
    a = ag.tensor([4, 5], device=device)
    b = ag.tensor([1, 0], device=device) if divisor == "tensor" else 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        op(a, b).tolist()  # Dask: when the result computes (no sync in the op)


def test_float_floor_division_by_zero_gives_inf(device):
    out = ag.tensor([4.0, -5.0], device=device) // 0
    np.testing.assert_array_equal(_np(out), [np.inf, -np.inf])


@pytest.mark.parity
def test_relu_keeps_nan_and_its_gradient_as_pytorch(torch, device):
    vals = [float("nan"), -1.0, 0.0, 2.0]
    x = ag.tensor(vals, dtype=ag.float64, device=device, requires_grad=True)
    t = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
    y, ty = ag.relu(x), torch.relu(t)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
