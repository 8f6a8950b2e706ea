"""Comparisons, logical and bitwise ops, value classification, where, clamp and closeness:
values against NumPy, gradients by finite differences (float64, eps 1e-6, atol 1e-5, rtol 1e-3),
dtypes and boundary gradients against PyTorch in the parity tests."""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest

import arraygrad as ag
from tests._gradients import check_grads
from tests._gradients import make_tensor as _t
from tests._gradients import to_numpy as _np


A = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -2.5]])
B = np.array([0.5, 1.0, -2.5])

OPS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
       "gt": np.greater, "ge": np.greater_equal}


# ---- comparisons ---------------------------------------------------------------------------------
@pytest.mark.parametrize("op", sorted(OPS))
def test_comparisons_broadcast_and_match_numpy(device, op):
    out = getattr(ag, op)(_t(A, device), _t(B, device))
    assert out.dtype is ag.bool
    np.testing.assert_array_equal(_np(out), OPS[op](A, B))


@pytest.mark.parametrize("op", sorted(OPS))
def test_comparison_operators_with_python_scalars(device, op):
    t = _t(A, device)
    py = getattr(operator, op)
    np.testing.assert_array_equal(_np(py(t, 0.5)), OPS[op](A, 0.5))
    np.testing.assert_array_equal(_np(py(0.5, t)), OPS[op](0.5, A))


@pytest.mark.parametrize("alias,op", [("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
                                      ("less_equal", "le"), ("not_equal", "ne")])
def test_comparison_aliases(device, alias, op):
    a, b = _t(A, device), _t(B, device)
    np.testing.assert_array_equal(_np(getattr(ag, alias)(a, b)), _np(getattr(ag, op)(a, b)))
    np.testing.assert_array_equal(_np(getattr(a, alias)(b)), _np(getattr(ag, op)(a, b)))


def test_integer_tensor_compared_with_a_float_promotes(device):
    t = ag.tensor([1, 2, 3], device=device)
    np.testing.assert_array_equal(_np(t < 2.5), [True, True, False])
    np.testing.assert_array_equal(_np(t == ag.tensor([1.0, 2.5, 3.0], device=device)),
                                  [True, False, True])


def test_bool_tensors_are_ordered(device):
    a = ag.tensor([True, False, True], device=device)
    b = ag.tensor([False, False, True], device=device)
    np.testing.assert_array_equal(_np(a > b), [True, False, False])
    np.testing.assert_array_equal(_np(a <= True), [True, True, True])


def test_comparisons_have_no_gradient(device):
    t = _t(A, device, requires_grad=True)
    out = t > 0
    assert not out.requires_grad and out.grad_fn is None


def test_eq_with_a_non_number_returns_not_implemented(device):
    t = _t(A, device)
    assert (t == None) is False  # noqa: E711
    assert (t != "text") is True
    assert t.__eq__(object()) is NotImplemented


def test_comparison_of_unbroadcastable_shapes_raises(device):
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        ag.lt(_t(A, device), _t([1.0, 2.0], device))


def test_nan_compares_unequal(device):
    t = _t([math.nan, 1.0], device)
    np.testing.assert_array_equal(_np(t == t), [False, True])
    np.testing.assert_array_equal(_np(t != t), [True, False])


# ---- logical and bitwise -------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["logical_and", "logical_or", "logical_xor"])
def test_logical_ops_match_numpy(device, op):
    a, b = np.array([[0.0, 1.5, -2.0]]), np.array([[3.0], [0.0]])
    out = getattr(ag, op)(_t(a, device), _t(b, device))
    assert out.dtype is ag.bool
    np.testing.assert_array_equal(_np(out), getattr(np, op)(a, b))
    np.testing.assert_array_equal(_np(getattr(_t(a, device), op)(True)), getattr(np, op)(a, True))


def test_logical_not_matches_numpy(device):
    x = np.array([0, 3, -1])
    np.testing.assert_array_equal(_np(ag.logical_not(ag.tensor(x, device=device))),
                                  np.logical_not(x))


@pytest.mark.parametrize("op,py", [("bitwise_and", operator.and_), ("bitwise_or", operator.or_),
                                   ("bitwise_xor", operator.xor)])
def test_bitwise_ops_on_integers_and_bools(device, op, py):
    a, b = np.array([12, 5, -3]), np.array([10, 3, 7])
    ta, tb = ag.tensor(a, device=device), ag.tensor(b, device=device)
    ref = getattr(np, op)(a, b)
    np.testing.assert_array_equal(_np(getattr(ag, op)(ta, tb)), ref)
    np.testing.assert_array_equal(_np(py(ta, tb)), ref)
    np.testing.assert_array_equal(_np(py(ta, 6)), getattr(np, op)(a, 6))
    np.testing.assert_array_equal(_np(py(6, ta)), getattr(np, op)(6, a))
    pa, pb = np.array([True, True, False]), np.array([True, False, False])
    out = py(ag.tensor(pa, device=device), ag.tensor(pb, device=device))
    assert out.dtype is ag.bool
    np.testing.assert_array_equal(_np(out), getattr(np, op)(pa, pb))


def test_bitwise_not_and_invert(device):
    x = np.array([0, 5, -3])
    np.testing.assert_array_equal(_np(~ag.tensor(x, device=device)), ~x)
    np.testing.assert_array_equal(_np(ag.bitwise_not(ag.tensor([True, False], device=device))),
                                  [False, True])


def test_shifts(device):
    x = ag.tensor([1, 2, 8], device=device)
    np.testing.assert_array_equal(_np(x << 2), [4, 8, 32])
    np.testing.assert_array_equal(_np(ag.bitwise_right_shift(x, 1)), [0, 1, 4])


def test_bitwise_and_of_floats_raises(device):
    with pytest.raises(NotImplementedError, match="bitwise_and"):
        _t(A, device) & _t(A, device)
    with pytest.raises(NotImplementedError, match="bitwise_or"):
        ag.tensor([1, 2], device=device) | 1.5


def test_invert_of_floats_raises_type_error(device):
    with pytest.raises(TypeError, match="bitwise_not"):
        ~_t(A, device)


def test_bitwise_ops_promote_integer_dtypes(device):
    a = ag.tensor([3, 5], dtype=ag.int8, device=device)
    b = ag.tensor([1, 4], dtype=ag.int32, device=device)
    assert (a & b).dtype is ag.int32
    assert (ag.tensor([True, False], device=device) & 3).dtype is ag.int64


# ---- classification ------------------------------------------------------------------------------
SPECIAL = np.array([1.0, -0.0, math.nan, math.inf, -math.inf, -2.5])


@pytest.mark.parametrize("op,ref", [
    ("isnan", np.isnan), ("isinf", np.isinf), ("isfinite", np.isfinite),
    ("isposinf", np.isposinf), ("isneginf", np.isneginf), ("signbit", np.signbit)])
def test_classification_matches_numpy(device, op, ref):
    out = getattr(ag, op)(_t(SPECIAL, device))
    assert out.dtype is ag.bool
    np.testing.assert_array_equal(_np(out), ref(SPECIAL))
    ints = np.array([-3, 0, 4])
    np.testing.assert_array_equal(_np(getattr(ag.tensor(ints, device=device), op)()), ref(ints))


def test_isreal_of_real_tensors_is_all_true(device):
    np.testing.assert_array_equal(_np(ag.isreal(_t(SPECIAL, device))), np.ones(6, bool))


# ---- where ---------------------------------------------------------------------------------------
def test_where_matches_numpy_with_broadcasting(device):
    c = np.array([[True], [False]])
    out = ag.where(ag.tensor(c, device=device), _t(A, device), _t(B, device))
    np.testing.assert_array_equal(_np(out), np.where(c, A, B))


def test_where_with_python_scalars_keeps_the_tensor_dtype(device):
    c = ag.tensor([True, False, True], device=device)
    x = ag.tensor([1.0, 2.0, 3.0], device=device)
    out = ag.where(c, x, 0.0)
    assert out.dtype is ag.float32
    np.testing.assert_array_equal(_np(out), [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(_np(ag.where(c, -1, x)), [-1.0, 2.0, -1.0])
    both = ag.where(c, 1.0, 0.0)
    assert both.dtype is ag.float32 and both.device == x.device
    assert ag.where(c, 1, 0).dtype is ag.int64


def test_where_promotes_tensor_operands(device):
    c = ag.tensor([True, False], device=device)
    out = ag.where(c, ag.tensor([1, 2], device=device), ag.tensor([0.5, 1.5], device=device))
    assert out.dtype is ag.float32
    np.testing.assert_array_equal(_np(out), [1.0, 1.5])


def test_where_gradient_matches_finite_differences(device):
    c = ag.tensor([[True, False, True], [False, False, True]], device=device)
    check_grads(lambda a, b: ag.where(c, a, b), [A, B], device)
    check_grads(lambda a: ag.where(c, a * a, 2.0), [A], device)


def test_where_with_a_non_bool_condition_raises(device):
    with pytest.raises(RuntimeError, match="boolean"):
        ag.where(_t([1.0, 0.0], device), _t([1.0, 2.0], device), 0.0)


def test_where_of_the_condition_alone_is_nonzero(device):
    c = np.array([[True, False, True], [False, True, False]])
    rows, cols = ag.where(ag.tensor(c, device=device))
    ref = np.nonzero(c)
    assert rows.dtype is ag.int64 and tuple(rows.shape) == (3,)
    np.testing.assert_array_equal(_np(rows), ref[0])
    np.testing.assert_array_equal(_np(cols), ref[1])


def test_tensor_where_method(device):
    x = _t(A, device)
    np.testing.assert_array_equal(_np(x.where(x > 0, 0.0)), np.where(A > 0, A, 0.0))


# ---- clamp ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("lo,hi", [(-1.0, 1.0), (None, 0.5), (0.0, None), (2.0, 1.0)])
def test_clamp_with_numbers_matches_numpy(device, lo, hi):
    out = ag.clamp(_t(A, device), lo, hi)
    ref = A if lo is None else np.maximum(A, lo)
    ref = ref if hi is None else np.minimum(ref, hi)
    np.testing.assert_array_equal(_np(out), ref)


def test_clamp_with_tensor_bounds_broadcasts(device):
    lo, hi = np.array([-1.0, 0.0, -3.0]), np.array([[0.0], [1.0]])
    out = _t(A, device).clamp(_t(lo, device), _t(hi, device))
    np.testing.assert_array_equal(_np(out), np.minimum(np.maximum(A, lo), hi))


def test_clamp_without_bounds_raises(device):
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        ag.clamp(_t(A, device))


def test_clamp_of_integers_with_a_float_bound_promotes(device):
    out = ag.tensor([1, 2, 3], device=device).clamp(min=1.5)
    assert out.dtype is ag.float32
    np.testing.assert_array_equal(_np(out), [1.5, 2.0, 3.0])
    assert ag.tensor([1, 5], device=device).clamp(0, 3).dtype is ag.int64


def test_clamp_gradient_is_one_inside_the_closed_interval(device):
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    t = _t(x, device, requires_grad=True)
    ag.clamp(t, -1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(_np(t.grad), ((x >= -1.0) & (x <= 1.0)).astype(float))


def test_clamp_gradient_matches_finite_differences(device):
    x = np.array([[-2.0, -0.3, 0.4], [1.7, 0.9, -1.4]])
    check_grads(lambda t: ag.clip(t, -1.0, 1.0), [x], device)
    lo, hi = np.array([-1.0, 0.0, 0.1]), np.array([1.0, 0.5, 2.0])
    check_grads(lambda t, a, b: t.clamp(a, b), [x, lo, hi], device)
    check_grads(lambda t, a: ag.clamp_min(t, a), [x, lo], device)
    check_grads(lambda t, b: ag.clamp_max(t, b), [x, hi], device)


def test_clamp_propagates_nan(device):
    assert math.isnan(_np(_t([math.nan], device).clamp(0.0, 1.0))[0])


# ---- closeness -----------------------------------------------------------------------------------
def test_isclose_matches_numpy(device):
    a = np.array([1.0, 1.0 + 1e-6, 1.0, math.inf, math.inf, math.nan, 1e10])
    b = np.array([1.0, 1.0, 1.1, math.inf, -math.inf, math.nan, 1e10 + 1.0])
    ta, tb = _t(a, device), _t(b, device)
    np.testing.assert_array_equal(_np(ag.isclose(ta, tb)), np.isclose(a, b))
    np.testing.assert_array_equal(_np(ta.isclose(tb, equal_nan=True)),
                                  np.isclose(a, b, equal_nan=True))
    np.testing.assert_array_equal(_np(ag.isclose(ta, tb, rtol=0.2, atol=0.0)),
                                  np.isclose(a, b, rtol=0.2, atol=0.0))


def test_isclose_of_integers(device):
    a, b = np.array([1, 100, 7]), np.array([1, 101, 9])
    out = ag.isclose(ag.tensor(a, device=device), ag.tensor(b, device=device), rtol=0.01, atol=0)
    np.testing.assert_array_equal(_np(out), np.isclose(a, b, rtol=0.01, atol=0))


def test_isclose_of_different_dtypes_raises(device):
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.isclose(ag.tensor([1.0], device=device),
                   ag.tensor([1.0], dtype=ag.float64, device=device))


def test_allclose_and_equal_return_python_bools(device):
    a = _t(A, device)
    assert ag.allclose(a, a + 1e-9) is True
    assert ag.allclose(a, a + 1e-3) is False
    assert ag.equal(a, _t(A.copy(), device)) is True
    assert ag.equal(a, _t(A[:1], device)) is False
    assert ag.equal(ag.tensor([1.0, 2.0], device=device), ag.tensor([1, 2], device=device)) is True


# ---- nan_to_num, heaviside -----------------------------------------------------------------------
def test_nan_to_num_matches_numpy(device):
    out = ag.nan_to_num(_t(SPECIAL, device, dtype=ag.float32))
    np.testing.assert_array_equal(_np(out), np.nan_to_num(SPECIAL.astype(np.float32)))
    out = _t(SPECIAL, device).nan_to_num(nan=7.0, posinf=1.0, neginf=-1.0)
    np.testing.assert_array_equal(_np(out),
                                  np.nan_to_num(SPECIAL, nan=7.0, posinf=1.0, neginf=-1.0))


def test_nan_to_num_gradient_flows_through_finite_elements_only(device):
    t = _t(SPECIAL, device, requires_grad=True)
    ag.nan_to_num(t).sum().backward()
    np.testing.assert_array_equal(_np(t.grad), np.isfinite(SPECIAL).astype(float))


def test_heaviside_matches_numpy(device):
    x, v = np.array([-1.5, 0.0, 2.0, 0.0]), np.array([0.5, 0.25, 0.5, 3.0])
    np.testing.assert_array_equal(_np(ag.heaviside(_t(x, device), _t(v, device))),
                                  np.heaviside(x, v))


# ---- parity with PyTorch -------------------------------------------------------------------------
@pytest.mark.parity
@pytest.mark.parametrize("other", [2, 2.5, True, "int32", "float64", "bool"])
@pytest.mark.parametrize("dtype", ["int8", "int64", "float32", "bool"])
def test_where_result_dtype_matches_torch(torch, dtype, other):
    x = np.array([1, 0, 1])
    c = np.array([True, False, True])
    a = ag.tensor(x, dtype=getattr(ag, dtype))
    b = torch.tensor(x, dtype=getattr(torch, dtype))
    if isinstance(other, str):
        oa = ag.tensor(x, dtype=getattr(ag, other))
        ob = torch.tensor(x, dtype=getattr(torch, other))
    else:
        oa = ob = other
    got = ag.where(ag.tensor(c), a, oa)
    ref = torch.where(torch.tensor(c), b, ob)
    assert repr(got.dtype).split(".")[-1] == repr(ref.dtype).split(".")[-1]
    np.testing.assert_array_equal(_np(got), ref.numpy())


@pytest.mark.parity
def test_clamp_gradients_at_the_bounds_match_torch(torch):
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 0.5])
    lo = np.array([-1.0, -1.0, 0.0, 1.5, 2.0, 0.7])
    hi = np.array([1.0, 1.0, 0.0, 1.0, 3.0, 0.6])
    grads = []
    for m, mk in ((ag, lambda v: ag.tensor(v, dtype=ag.float64, requires_grad=True)),
                  (torch, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))):
        ts = [mk(v) for v in (x, lo, hi)]
        m.clamp(*ts).sum().backward()
        grads.append([np.asarray(t.grad.numpy()) for t in ts])
        s = mk(x)
        m.clamp(s, -1.0, 1.0).sum().backward()
        grads[-1].append(np.asarray(s.grad.numpy()))
    for g, r in zip(*grads, strict=True):
        np.testing.assert_array_equal(g, r)


@pytest.mark.parity
@pytest.mark.parametrize("op", [operator.and_, operator.or_, operator.xor, operator.lshift])
@pytest.mark.parametrize("da,db", [("int8", "int64"), ("bool", "int32"), ("uint8", "int8"),
                                   ("bool", "bool")])
def test_bitwise_result_dtypes_match_torch(torch, op, da, db):
    if op is operator.lshift and da == db == "bool":
        pytest.skip("torch shifts bools; arraygrad raises (the standard has no bool shifts)")
    x, y = np.array([1, 0, 1]), np.array([1, 1, 0])
    got = op(ag.tensor(x, dtype=getattr(ag, da)), ag.tensor(y, dtype=getattr(ag, db)))
    ref = op(torch.tensor(x, dtype=getattr(torch, da)), torch.tensor(y, dtype=getattr(torch, db)))
    assert repr(got.dtype).split(".")[-1] == repr(ref.dtype).split(".")[-1]
    np.testing.assert_array_equal(_np(got), ref.numpy())


@pytest.mark.parity
@pytest.mark.parametrize("op", ["isclose", "equal", "nan_to_num", "signbit", "isposinf"])
def test_misc_results_match_torch(torch, op):
    a = np.array([1.0, -0.0, math.nan, math.inf, -math.inf, 1e-9])
    b = np.array([1.0, 0.0, math.nan, math.inf, math.inf, 0.0])
    args_a = (ag.tensor(a), ag.tensor(b))
    args_t = (torch.tensor(a), torch.tensor(b))
    n = 2 if op in ("isclose", "equal") else 1
    got, ref = getattr(ag, op)(*args_a[:n]), getattr(torch, op)(*args_t[:n])
    if op == "equal":
        assert got == ref
    else:
        np.testing.assert_array_equal(_np(got), ref.numpy())


def test_where_on_two_devices_raises():
    if "array_api_strict" not in ag.backends.available():
        pytest.skip("array_api_strict is not installed")
    c = ag.tensor([True, False], device="array_api_strict")
    x = ag.tensor([1.0, 2.0], device="array_api_strict:device1")
    with pytest.raises(RuntimeError, match="same device"):
        ag.where(c, x, 0.0)
    with pytest.raises(RuntimeError, match="same device"):
        ag.eq(ag.tensor([1.0, 2.0], device="array_api_strict"), x)
