"""In-place ops: values against NumPy, PyTorch's broadcasting and dtype rules, version counters,
history through in-place ops on non-leaves (gradients by finite differences and against
PyTorch), copy_/fill_/zero_, seeded random fills, and the methods added for the elementwise and
comparison families."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from tests._gradients import make_tensor as _t
from tests._gradients import to_numpy as _np
from arraygrad.autograd import gradcheck

A = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -2.5]])
B = np.array([1.5, -2.0, 0.75])


ARITH = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply, "div_": np.divide}


# ---- add_/sub_/mul_/div_ -------------------------------------------------------------------------
@pytest.mark.parametrize("op", sorted(ARITH))
def test_arith_inplace_with_broadcast_tensor_matches_numpy(device, op):
    a = _t(A, device)
    out = getattr(a, op)(_t(B, device))
    assert out is a
    np.testing.assert_allclose(_np(a), ARITH[op](A, B), rtol=1e-14)


@pytest.mark.parametrize("op", sorted(ARITH))
def test_arith_inplace_with_python_scalar_matches_numpy(device, op):
    a = _t(A, device, ag.float32)
    getattr(a, op)(2.5)
    assert a.dtype is ag.float32
    np.testing.assert_allclose(_np(a), ARITH[op](A.astype(np.float32), np.float32(2.5)),
                               rtol=1e-6)


@pytest.mark.parametrize("op, ref", [("add_", lambda a, b: a + 3 * b),
                                     ("sub_", lambda a, b: a - 3 * b)])
def test_alpha_scales_other(device, op, ref):
    a = _t(A, device)
    getattr(a, op)(_t(B, device), alpha=3)
    np.testing.assert_allclose(_np(a), ref(A, B), rtol=1e-14)


@pytest.mark.parametrize("op", sorted(ARITH))
def test_self_that_would_need_to_broadcast_raises(device, op):
    small = _t(B, device)
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the "
                                           r"broadcast shape \[2, 3\]"):
        getattr(small, op)(_t(A, device))


def test_self_that_would_need_to_broadcast_raises_while_recording(device):
    y = _t(B, device, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match"):
        y.add_(_t(A, device))


def test_int_tensor_plus_float_scalar_raises_torch_cast_error(device):
    t = _t([1, 2], device, ag.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        t += 1.5


def test_int_tensor_plus_float_tensor_raises_torch_cast_error(device):
    t = _t([1, 2], device, ag.int64)
    with pytest.raises(RuntimeError, match="result type Double can't be cast to the desired "
                                           "output type Long"):
        t.add_(_t([0.5, 0.5], device))


def test_int_tensor_true_division_in_place_raises(device):
    with pytest.raises(RuntimeError, match="result type Float can't be cast.*Long"):
        _t([4, 6], device, ag.int64).div_(2)


def test_float32_plus_float64_tensor_stays_float32(device):
    a = _t([1.0, 2.0], device, ag.float32)
    a += _t([0.5, 0.25], device, ag.float64)
    assert a.dtype is ag.float32
    np.testing.assert_allclose(_np(a), [1.5, 2.25])


def test_int_tensor_plus_int_scalar_stays_int(device):
    t = _t([1, 2], device, ag.int64)
    t *= 3
    assert t.dtype is ag.int64
    np.testing.assert_array_equal(_np(t), [3, 6])


def test_inplace_across_devices_raises(device):
    other = "array_api_strict:device1" if device != "array_api_strict:device1" else "cpu"
    with pytest.raises(RuntimeError, match="same device"):
        _t([1.0, 2.0], device).add_(_t([1.0, 2.0], other))


# ---- versions, leaves and history ----------------------------------------------------------------
def test_isub_under_no_grad_on_leaf_works_and_bumps_version(device):
    p = _t([1.0, 2.0], device, requires_grad=True)
    v = p._version
    with ag.no_grad():
        p -= _t([0.5, 0.25], device)
    np.testing.assert_allclose(_np(p), [0.5, 1.75])
    assert p._version == v + 1
    assert p.is_leaf and p.requires_grad


def test_isub_on_leaf_requiring_grad_without_no_grad_raises(device):
    p = _t([1.0, 2.0], device, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        p -= 1.0


def test_inplace_on_non_leaf_records_history(device):
    x = _t([1.0, 2.0, 3.0], device, requires_grad=True)
    w = _t([2.0, -1.0, 0.5], device, requires_grad=True)
    y = x * 1
    y.mul_(w)
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [2.0, -1.0, 0.5])
    np.testing.assert_allclose(_np(w.grad), [1.0, 2.0, 3.0])


@pytest.mark.parity
def test_chained_inplace_gradients_match_torch(device, torch):
    xs, ws = np.array([1.0, 2.0, 3.0]), np.array([2.0, -1.0, 0.5])
    x, w = _t(xs, device, requires_grad=True), _t(ws, device, requires_grad=True)
    y = x * 1
    y.mul_(w).add_(x, alpha=2).div_(w + 3).sub_(1.5)
    (y * y).sum().backward()
    tx = torch.tensor(xs, requires_grad=True)
    tw = torch.tensor(ws, requires_grad=True)
    ty = tx * 1
    ty.mul_(tw).add_(tx, alpha=2).div_(tw + 3).sub_(1.5)
    (ty * ty).sum().backward()
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(_np(w.grad), tw.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("op", sorted(ARITH))
def test_inplace_arith_gradient_matches_finite_differences(device, op):
    def fn(a, b):
        return getattr(a * 1, op)(b)
    assert gradcheck(fn, (_t(A, device, requires_grad=True),
                          _t(np.abs(B) + 0.5, device, requires_grad=True)),
                     fast_mode=device == "dask")


def test_saved_tensor_modified_in_place_raises_at_backward(device):
    x = _t([1.0, 2.0], device, requires_grad=True)
    y = x * 1
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_writes_through_views_on_writable_backends(device):
    a = _t(A, device)
    if not a.device.backend.writable(a._data):
        pytest.skip("functional updates on this backend: views cannot see in-place writes")
    row = a[0]
    a.mul_(2)
    np.testing.assert_allclose(_np(row), A[0] * 2)
    row.add_(1)
    np.testing.assert_allclose(_np(a)[0], A[0] * 2 + 1)


# ---- zero_, fill_, copy_ -------------------------------------------------------------------------
def test_zero_and_fill(device):
    a = _t(A, device)
    a.fill_(1.5)
    np.testing.assert_array_equal(_np(a), np.full_like(A, 1.5))
    a.zero_()
    np.testing.assert_array_equal(_np(a), np.zeros_like(A))


def test_fill_with_a_tensor_sends_gradient_to_it(device):
    v = _t(2.0, device, requires_grad=True)
    y = _t(A, device, requires_grad=True) * 1
    y.fill_(v)
    (y * _t(A, device)).sum().backward()
    np.testing.assert_allclose(_np(v.grad), A.sum())


def test_zero_on_non_leaf_gives_zero_gradient(device):
    x = _t(A, device, requires_grad=True)
    y = x * 2
    y.zero_()
    (y + x).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), np.ones_like(A))


def test_copy_broadcasts_and_casts(device):
    a = _t(np.zeros((2, 3)), device, ag.float32)
    a.copy_(_t([1, 2, 3], device, ag.int64))
    assert a.dtype is ag.float32
    np.testing.assert_array_equal(_np(a), np.broadcast_to([1.0, 2.0, 3.0], (2, 3)))


def test_copy_across_devices_sends_gradient_to_src(device):
    src = _t(B, "cpu", requires_grad=True)
    y = _t(np.zeros((2, 3)), device, requires_grad=True) * 1
    y.copy_(src)
    (y * _t(A, device)).sum().backward()
    assert src.grad.device == ag.device("cpu")
    np.testing.assert_allclose(_np(src.grad), A.sum(axis=0), rtol=1e-14)


# ---- random fills --------------------------------------------------------------------------------
RANDOM = {"uniform_": ((-1.0, 2.0), {}), "normal_": ((0.5, 2.0), {}),
          "bernoulli_": ((0.3,), {}), "random_": ((0, 10), {}), "exponential_": ((1.5,), {})}


@pytest.mark.parametrize("op", sorted(RANDOM))
def test_random_fill_is_reproducible_and_identical_across_backends(device, op):
    args, kw = RANDOM[op]
    ag.manual_seed(7)
    got = _np(getattr(_t(np.zeros((3, 4)), device, ag.float32), op)(*args, **kw))
    ag.manual_seed(7)
    again = _np(getattr(_t(np.zeros((3, 4)), device, ag.float32), op)(*args, **kw))
    ag.manual_seed(7)
    host = _np(getattr(_t(np.zeros((3, 4)), "cpu", ag.float32), op)(*args, **kw))
    np.testing.assert_array_equal(got, again)
    np.testing.assert_array_equal(got, host)
    assert len(np.unique(got)) > 1


def test_random_fills_respect_their_ranges(device):
    t = _t(np.zeros((50,)), device, ag.float32)
    u = _np(t.uniform_(-1.0, 2.0))
    assert u.min() >= -1.0 and u.max() < 2.0
    r = _np(t.random_(3, 7))
    assert set(np.unique(r)) <= {3.0, 4.0, 5.0, 6.0}
    assert (_np(t.exponential_()) >= 0).all()
    assert set(np.unique(_np(t.bernoulli_(0.5)))) <= {0.0, 1.0}


# ---- the methods added for the elementwise and comparison families -------------------------------
CLAMPS = {"clamp_": ((-0.5, 1.0), lambda x: np.clip(x, -0.5, 1.0)),
          "clip_": ((-0.5, 1.0), lambda x: np.clip(x, -0.5, 1.0)),
          "clamp_min_": ((0.0,), lambda x: np.maximum(x, 0.0)),
          "clamp_max_": ((1.0,), lambda x: np.minimum(x, 1.0))}


@pytest.mark.parametrize("op", sorted(CLAMPS))
def test_clamp_family_in_place(device, op):
    args, ref = CLAMPS[op]
    a = _t(A, device)
    assert getattr(a, op)(*args) is a
    np.testing.assert_array_equal(_np(a), ref(A))


@pytest.mark.parametrize("op", sorted(CLAMPS))
def test_clamp_family_in_place_gradient(device, op):
    args, _ = CLAMPS[op]
    x = _t(A, device, requires_grad=True)
    y = x * 1
    getattr(y, op)(*args)
    y.sum().backward()
    lo, hi = {"clamp_min_": (args[0], np.inf), "clamp_max_": (-np.inf, args[0])}.get(op, args)
    np.testing.assert_array_equal(_np(x.grad), ((A >= lo) & (A <= hi)).astype(float))


def test_clamp_in_place_on_int_tensor_with_float_bound_raises(device):
    with pytest.raises(RuntimeError, match="result type Float can't be cast.*Long"):
        _t([1, 5], device, ag.int64).clamp_(0.5, 2.5)


@pytest.mark.parametrize("op, ref", [("sigmoid_", lambda x: 1 / (1 + np.exp(-x))),
                                     ("abs_", np.abs), ("exp2_", np.exp2),
                                     ("arctan_", np.arctan), ("negative_", np.negative),
                                     ("rad2deg_", np.rad2deg), ("fix_", np.trunc)])
def test_unary_in_place_methods(device, op, ref):
    a = _t(A, device)
    getattr(a, op)()
    np.testing.assert_allclose(_np(a), ref(A), rtol=1e-14)


def test_comparison_in_place_keeps_self_dtype(device):
    a = _t(A, device)
    a.gt_(0.4)
    assert a.dtype is ag.float64
    np.testing.assert_array_equal(_np(a), (A > 0.4).astype(float))


def test_comparison_in_place_on_non_leaf_gives_zero_gradient(device):
    x = _t(A, device, requires_grad=True)
    y = x * 1
    y.lt_(0)
    (y + x).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), np.ones_like(A))


def test_bitwise_in_place_operators(device):
    t = _t([5, 6, 7], device, ag.int64)
    t &= _t([3, 3, 3], device, ag.int64)
    np.testing.assert_array_equal(_np(t), [1, 2, 3])
    t |= 4
    np.testing.assert_array_equal(_np(t), [5, 6, 7])


def test_float_power_in_place_requires_double(device):
    with pytest.raises(RuntimeError, match="float_power_.*Float.*Double"):
        _t([1.0, 2.0], device, ag.float32).float_power_(2)
    a = _t([1.0, 2.0], device)
    a.float_power_(2)
    np.testing.assert_array_equal(_np(a), [1.0, 4.0])


@pytest.mark.parity
def test_inplace_methods_cover_torchs_for_these_families(torch):
    from arraygrad.core.ops import comparison, elementwise

    names = set(elementwise.__all__) | set(comparison.__all__)
    missing = sorted(n + "_" for n in names
                     if hasattr(torch.Tensor, n + "_") and not hasattr(ag.Tensor, n + "_"))
    assert missing == []


def test_copy_into_nan_and_inf_writes_the_source(device):
    x = ag.tensor([float("nan"), float("inf"), -float("inf")], device=device)
    x.copy_(ag.tensor([1.0, 2.0, 3.0], device=device))
    assert x.tolist() == [1.0, 2.0, 3.0]
