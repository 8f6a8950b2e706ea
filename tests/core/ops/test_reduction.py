"""Reductions: values against NumPy float64, gradients by finite differences (float64, eps 1e-6,
atol 1e-5, rtol 1e-3), tie rules and dtypes against PyTorch in the parity tests."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
from tests._gradients import check_grad
from tests._gradients import make_tensor as _t
from tests._gradients import to_numpy as _np


def _grad_of(fn, x, device, w=None):
    t = _t(x, device, requires_grad=True)
    out = fn(t)
    (out * (_t(w, device) if w is not None else 1.0)).sum().backward()
    return _np(t.grad)


X = np.array([[0.3, -1.2, 2.5, 0.7], [1.9, 0.4, -0.8, -2.2], [0.05, 1.1, -0.6, 3.0]])


# ---- sum and mean (kept from the seed) -----------------------------------------------------------
def test_sum_of_integers_is_int64(device):
    t = ag.tensor([[1, 2], [3, 4]], dtype=ag.int32, device=device)
    s = t.sum(1)
    assert s.dtype is ag.int64
    np.testing.assert_array_equal(_np(s), [3, 7])


def test_sum_and_mean_over_a_tuple_of_dims_match_numpy(device):
    t = _t(X, device)
    np.testing.assert_allclose(_np(t.sum((0, 1))), X.sum(), rtol=1e-12)
    np.testing.assert_allclose(_np(t.mean(-1, keepdim=True)), X.mean(-1, keepdims=True), rtol=1e-12)


# ---- prod ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), (-1, False)])
def test_prod_matches_numpy(device, dim, keepdim):
    out = ag.prod(_t(X, device), dim, keepdim) if dim is not None else ag.prod(_t(X, device))
    ref = X.prod() if dim is None else X.prod(axis=dim, keepdims=keepdim)
    np.testing.assert_allclose(_np(out), ref, rtol=1e-12)


def test_prod_of_integers_is_int64(device):
    t = ag.tensor([[1, 2, 3], [4, 5, 6]], dtype=ag.int32, device=device)
    assert t.prod().dtype is ag.int64
    assert t.prod(1).dtype is ag.int64
    np.testing.assert_array_equal(_np(t.prod(1)), [6, 120])


def test_prod_dtype_argument_casts_first(device):
    t = ag.tensor([1, 2, 3], dtype=ag.int64, device=device)
    assert ag.prod(t, dtype=ag.float64).dtype is ag.float64


@pytest.mark.parametrize("x", [
    [[0.5, 2.0, -1.5], [1.2, -0.7, 0.9]],  # no zeros
    [[0.5, 0.0, -1.5], [1.2, -0.7, 0.9]],  # one zero
    [[0.0, 0.0, -1.5], [0.0, -0.7, 0.0]],  # several zeros in a row
])
def test_prod_gradient_with_zeros_matches_finite_differences(device, x):
    check_grad(lambda t: t.prod(1), x, device)


def test_prod_of_everything_gradient_with_one_zero(device):
    check_grad(lambda t: t.prod(), [[0.5, 0.0], [-1.5, 2.0]], device)


def test_prod_bad_dim_raises_index_error(device):
    with pytest.raises(IndexError, match="prod"):
        _t(X, device).prod(2)


# ---- max and min ---------------------------------------------------------------------------------
def test_max_without_dim_is_the_value(device):
    out = _t(X, device).max()
    assert out.shape == ()
    assert float(out) == X.max()
    assert float(_t(X, device).min()) == X.min()


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False)])
def test_max_min_with_dim_return_values_and_indices(device, op, dim, keepdim):
    res = getattr(_t(X, device), op)(dim, keepdim)
    values, indices = res
    assert res.values is values and res.indices is indices
    assert indices.dtype is ag.int64
    np.testing.assert_array_equal(_np(values), getattr(X, op)(axis=dim, keepdims=keepdim))
    ref_idx = getattr(X, "arg" + op)(axis=dim)
    if keepdim:
        ref_idx = np.expand_dims(ref_idx, dim)
    np.testing.assert_array_equal(_np(indices), ref_idx)


def test_max_with_dim_picks_the_first_of_tied_maxima(device):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    np.testing.assert_array_equal(_np(_t(x, device).max(1).indices), [1, 0])
    np.testing.assert_array_equal(_np(ag.argmin(_t(x, device), 1)), [0, 2])


def test_max_with_a_tensor_is_the_elementwise_maximum(device):
    a, b = _t(X, device), _t(-X, device)
    np.testing.assert_array_equal(_np(ag.max(a, b)), np.maximum(X, -X))
    np.testing.assert_array_equal(_np(ag.min(a, b)), np.minimum(X, -X))
    np.testing.assert_array_equal(_np(ag.max(a, other=b)), np.maximum(X, -X))
    np.testing.assert_array_equal(_np(a.min(b)), np.minimum(X, -X))


def test_max_of_a_0d_tensor_along_dim_0(device):
    v, i = _t(2.5, device).max(0)
    assert v.shape == () and float(v) == 2.5 and int(i) == 0


def test_max_of_an_empty_tensor_raises(device):
    with pytest.raises(RuntimeError, match="numel\\(\\) == 0"):
        ag.zeros(0, device=device).max()


def test_max_with_a_bad_dim_raises_index_error(device):
    with pytest.raises(IndexError, match="dimension out of range"):
        _t(X, device).max(2)


def test_max_of_bools(device):
    t = ag.tensor([[True, False], [False, False]], device=device)
    assert t.max().dtype is ag.bool
    np.testing.assert_array_equal(_np(t.max(1).values), [True, False])


def test_max_with_dim_gradient_goes_to_the_selected_index_only(device):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    w = np.array([0.5, -2.0])
    g = _grad_of(lambda t: t.max(1).values, x, device, w)
    ref = np.zeros_like(x)
    ref[np.arange(2), x.argmax(1)] = w
    np.testing.assert_array_equal(g, ref)


def test_max_with_dim_gradient_matches_finite_differences(device):
    check_grad(lambda t: t.max(0).values, X, device)
    check_grad(lambda t: t.min(1, keepdim=True).values, X, device)


def test_max_without_dim_splits_the_gradient_among_ties(device):
    x = np.array([[1.0, 3.0, 3.0], [3.0, 2.0, 0.0]])
    g = _grad_of(lambda t: t.max(), x, device)
    np.testing.assert_allclose(g, (x == 3.0) / 3.0, rtol=1e-12)


@pytest.mark.parametrize("op", ["amax", "amin"])
@pytest.mark.parametrize("dim,keepdim", [((), False), (0, True), ((0, 1), False), (-1, False)])
def test_amax_amin_match_numpy(device, op, dim, keepdim):
    out = getattr(ag, op)(_t(X, device), dim, keepdim)
    ref = getattr(np, op)(X, axis=None if dim == () else dim, keepdims=keepdim)
    np.testing.assert_array_equal(_np(out), ref)


def test_amax_gradient_is_split_evenly_among_ties(device):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    g = _grad_of(lambda t: ag.amax(t, 1), x, device)
    mask = x == x.max(1, keepdims=True)
    np.testing.assert_allclose(g, mask / mask.sum(1, keepdims=True), rtol=1e-12)


def test_amax_gradient_matches_finite_differences(device):
    check_grad(lambda t: ag.amax(t, (0, 1)), X, device)
    check_grad(lambda t: ag.amin(t, 0, keepdim=True), X, device)


def test_aminmax_returns_min_and_max(device):
    res = ag.aminmax(_t(X, device), dim=1)
    np.testing.assert_array_equal(_np(res.min), X.min(1))
    np.testing.assert_array_equal(_np(res.max), X.max(1))
    assert float(ag.aminmax(_t(X, device)).max) == X.max()


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_argmin_match_numpy(device, op):
    t = _t(X, device)
    f = getattr(ag, op)
    assert int(f(t)) == getattr(np, op)(X)
    assert f(t).dtype is ag.int64
    np.testing.assert_array_equal(_np(f(t, 1)), getattr(np, op)(X, axis=1))
    np.testing.assert_array_equal(_np(f(t, 0, keepdim=True)),
                                  getattr(np, op)(X, axis=0, keepdims=True))
    assert tuple(f(t, keepdim=True).shape) == (1, 1)


# ---- var, std, logsumexp, norm -------------------------------------------------------------------
@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("kwargs,ddof", [({}, 1), ({"correction": 0}, 0), ({"correction": 2}, 2),
                                         ({"unbiased": False}, 0)])
def test_var_std_match_numpy(device, op, kwargs, ddof):
    t = _t(X, device)
    np.testing.assert_allclose(_np(getattr(t, op)(**kwargs)), getattr(X, op)(ddof=ddof), rtol=1e-10)
    np.testing.assert_allclose(_np(getattr(ag, op)(t, 1, keepdim=True, **kwargs)),
                               getattr(X, op)(axis=1, ddof=ddof, keepdims=True), rtol=1e-10)


def test_var_legacy_positional_unbiased(device):
    t = _t(X, device)
    np.testing.assert_allclose(_np(ag.var(t, False)), X.var(), rtol=1e-10)
    np.testing.assert_allclose(_np(ag.std(t, 0, False)), X.std(axis=0), rtol=1e-10)


def test_var_of_integers_raises(device):
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2, 3], device=device).var()


def test_var_and_std_gradients_match_finite_differences(device):
    check_grad(lambda t: t.var(1), X, device)
    check_grad(lambda t: t.std(), X, device)


def test_var_mean_returns_both(device):
    v, m = ag.var_mean(_t(X, device), 0)
    np.testing.assert_allclose(_np(v), X.var(0, ddof=1), rtol=1e-10)
    np.testing.assert_allclose(_np(m), X.mean(0), rtol=1e-12)


def _np_logsumexp(x, axis, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


@pytest.mark.parametrize("dim,keepdim", [(1, False), (0, True), ((0, 1), False)])
def test_logsumexp_matches_numpy(device, dim, keepdim):
    out = ag.logsumexp(_t(X, device), dim, keepdim)
    np.testing.assert_allclose(_np(out), _np_logsumexp(X, dim, keepdim), rtol=1e-12)


def test_logsumexp_is_stable_for_large_and_minus_inf_inputs(device):
    x = np.array([[1000.0, 1000.0], [-math.inf, -math.inf]])
    out = _np(ag.logsumexp(_t(x, device), 1))
    np.testing.assert_allclose(out[0], 1000.0 + math.log(2.0), rtol=1e-12)
    assert out[1] == -math.inf


def test_logsumexp_of_integers_is_the_default_float(device):
    out = ag.logsumexp(ag.tensor([[1, 2], [3, 4]], device=device), 1)
    assert out.dtype is ag.float32


def test_logsumexp_gradient_matches_finite_differences(device):
    check_grad(lambda t: t.logsumexp(1), X, device)


@pytest.mark.parametrize("p", [2, "fro", 1, math.inf, -math.inf, 0, 3, 0.5])
def test_norm_of_everything_matches_numpy(device, p):
    ref = np.linalg.norm(X.ravel(), ord=2 if p == "fro" else p)
    np.testing.assert_allclose(_np(ag.norm(_t(X, device), p)), ref, rtol=1e-12)


@pytest.mark.parametrize("p", [2, 1, math.inf, 3])
def test_norm_over_a_dim_matches_numpy(device, p):
    out = _t(X, device).norm(p, dim=1, keepdim=True)
    np.testing.assert_allclose(_np(out), np.linalg.norm(X, ord=p, axis=1, keepdims=True),
                               rtol=1e-12)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, math.inf])
def test_norm_gradient_matches_finite_differences(device, p):
    check_grad(lambda t: ag.norm(t, p, dim=0), X, device)


def test_norm_gradient_at_the_zero_vector_is_zero(device):
    g = _grad_of(lambda t: t.norm(), np.zeros((2, 3)), device)
    np.testing.assert_array_equal(g, np.zeros((2, 3)))


def test_norm_of_integers_raises(device):
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2], device=device).norm()


# ---- cumulative ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_and_cumprod_match_numpy(device, dim):
    t = _t(X, device)
    np.testing.assert_allclose(_np(t.cumsum(dim)), np.cumsum(X, axis=dim), rtol=1e-12)
    np.testing.assert_allclose(_np(ag.cumprod(t, dim)), np.cumprod(X, axis=dim), rtol=1e-12)


def test_cumsum_of_integers_is_int64(device):
    t = ag.tensor([1, 2, 3], dtype=ag.int32, device=device)
    assert t.cumsum(0).dtype is ag.int64
    assert t.cumprod(0).dtype is ag.int64
    assert t.cumsum(0, dtype=ag.float64).dtype is ag.float64


def test_cumsum_gradient_matches_finite_differences(device):
    check_grad(lambda t: t.cumsum(1), X, device)


@pytest.mark.parametrize("x", [
    [[0.5, 2.0, -1.5, 1.1]],
    [[0.5, 0.0, -1.5, 1.1]],
    [[0.0, 2.0, 0.0, 1.1]],
    [[0.5, 2.0, -1.5, 0.0]],
])
def test_cumprod_gradient_with_zeros_matches_finite_differences(device, x):
    check_grad(lambda t: t.cumprod(1), x, device)


def test_cumsum_bad_dim_raises_index_error(device):
    with pytest.raises(IndexError):
        _t(X, device).cumsum(3)


# ---- truth reductions ----------------------------------------------------------------------------
def test_all_any_match_numpy(device):
    x = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
    t = _t(x, device)
    assert t.all().dtype is ag.bool
    assert bool(t.all()) == x.all() and bool(t.any()) == x.any()
    np.testing.assert_array_equal(_np(t.all(1)), x.all(1))
    np.testing.assert_array_equal(_np(ag.any(t, 0, keepdim=True)), x.any(0, keepdims=True))
    np.testing.assert_array_equal(_np(ag.all(t, (0, 1))), x.all())


def test_all_of_uint8_stays_uint8(device):
    t = ag.tensor([1, 2, 0], dtype=ag.uint8, device=device)
    assert t.all().dtype is ag.uint8 and int(t.all()) == 0


def test_count_nonzero_matches_numpy(device):
    x = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 5.0]])
    t = _t(x, device)
    assert int(t.count_nonzero()) == 3
    assert t.count_nonzero().dtype is ag.int64
    np.testing.assert_array_equal(_np(ag.count_nonzero(t, 0)), np.count_nonzero(x, axis=0))


# ---- median, nansum, nanmean ---------------------------------------------------------------------
def _lower_median(x, axis):
    s = np.sort(x, axis=axis)
    return np.take(s, (x.shape[axis] - 1) // 2, axis=axis)


def test_median_is_the_lower_median(device):
    x = np.array([4.0, 1.0, 3.0, 2.0])
    assert float(_t(x, device).median()) == 2.0
    np.testing.assert_array_equal(_np(_t(X, device).median(1).values), _lower_median(X, 1))


def test_median_indices_point_at_the_values(device):
    x = np.array([[2.0, 1.0, 2.0, 2.0, 1.0], [0.0, 5.0, 5.0, 1.0, 0.0]])
    v, i = _t(x, device).median(1, keepdim=True)
    np.testing.assert_array_equal(_np(v), _lower_median(x, 1)[:, None])
    np.testing.assert_array_equal(np.take_along_axis(x, _np(i), 1), _np(v))


def test_median_with_nan_is_nan_at_the_first_nan(device):
    x = np.array([[1.0, math.nan, 2.0, math.nan], [1.0, 3.0, 2.0, 0.0]])
    v, i = _t(x, device).median(1)
    assert math.isnan(_np(v)[0]) and _np(i)[0] == 1
    assert math.isnan(float(_t(x, device).median()))


def test_nanmedian_ignores_nan(device):
    x = np.array([[1.0, math.nan, 2.0, 5.0], [math.nan, math.nan, math.nan, math.nan]])
    v = _np(ag.nanmedian(_t(x, device), 1).values)
    assert v[0] == 2.0 and math.isnan(v[1])


def test_median_gradient(device):
    check_grad(lambda t: t.median(0).values, X, device)
    x = np.array([2.0, 1.0, 2.0, 2.0, 1.0])
    g = _grad_of(lambda t: t.median(), x, device)  # whole-tensor median: split among ties
    np.testing.assert_allclose(g, (x == 2.0) / 3.0, rtol=1e-12)


def test_nansum_and_nanmean_match_numpy(device):
    x = np.array([[1.0, math.nan, 2.0], [math.nan, 4.0, 5.0]])
    t = _t(x, device)
    np.testing.assert_allclose(_np(ag.nansum(t)), np.nansum(x), rtol=1e-12)
    np.testing.assert_allclose(_np(t.nansum(1)), np.nansum(x, 1), rtol=1e-12)
    np.testing.assert_allclose(_np(ag.nanmean(t, 0)), np.nanmean(x, 0), rtol=1e-12)


def test_nansum_gradient_is_zero_at_nan(device):
    x = np.array([1.0, math.nan, 2.0])
    np.testing.assert_array_equal(_grad_of(lambda t: t.nansum(), x, device), [1.0, 0.0, 1.0])


# ---- parity with PyTorch -------------------------------------------------------------------------
@pytest.mark.parity
@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "bool", "float32", "float64"])
@pytest.mark.parametrize("op", ["sum", "prod", "cumsum", "amax", "median"])
def test_result_dtypes_match_torch(torch, op, dtype):
    x = np.array([[1, 0, 1], [1, 1, 0]])
    a = ag.tensor(x, dtype=getattr(ag, dtype))
    b = torch.tensor(x, dtype=getattr(torch, dtype))
    args = (1,) if op == "cumsum" else ()
    if op == "median" and dtype == "bool":
        pytest.skip("torch has no median for bool tensors")
    assert repr(getattr(a, op)(*args).dtype).split(".")[-1] == \
        repr(getattr(b, op)(*args).dtype).split(".")[-1]


def _tie_input():
    return np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 0.0, 2.0], [5.0, 5.0, 5.0, 5.0]])


@pytest.mark.parity
@pytest.mark.parametrize("name", ["max", "min", "amax_dim", "amax", "max_dim", "median"])
def test_tie_gradients_match_torch(torch, name):
    x = _tie_input()
    fns = {
        "max": lambda m, t: t.max(),
        "min": lambda m, t: t.min(),
        "amax": lambda m, t: m.amax(t, (0, 1)),
        "amax_dim": lambda m, t: m.amax(t, 1),
        "max_dim": lambda m, t: t.max(1).values,
        "median": lambda m, t: t.median(),
    }
    a = ag.tensor(x, dtype=ag.float64, requires_grad=True)
    b = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    fns[name](ag, a).sum().backward()
    fns[name](torch, b).sum().backward()
    np.testing.assert_allclose(_np(a.grad), b.grad.numpy(), rtol=1e-12)


@pytest.mark.parity
def test_max_and_argmax_indices_on_ties_match_torch(torch):
    x = _tie_input()
    b = torch.tensor(x)
    a = ag.tensor(x)
    for dim in (0, 1):
        np.testing.assert_array_equal(_np(a.max(dim).indices), b.max(dim).indices.numpy())
        np.testing.assert_array_equal(_np(a.min(dim).indices), b.min(dim).indices.numpy())
        np.testing.assert_array_equal(_np(a.argmax(dim)), b.argmax(dim).numpy())


@pytest.mark.parity
def test_median_values_match_torch_and_indices_select_them(torch):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (20, 7)).astype(np.float64)
    x[3, 2] = math.nan
    v, i = ag.tensor(x).median(1)
    tv, _ = torch.tensor(x).median(1)
    np.testing.assert_array_equal(_np(v), tv.numpy())
    np.testing.assert_array_equal(np.take_along_axis(x, _np(i)[:, None], 1)[:, 0], _np(v))


@pytest.mark.parity
@pytest.mark.parametrize("p", [2, 1, math.inf, -math.inf, 3, 1.5, 0.5])
def test_norm_gradient_matches_torch_with_ties_and_zeros(torch, p):
    x = np.array([[0.0, -2.0, 2.0], [0.0, 0.0, 0.0]])
    a = ag.tensor(x, dtype=ag.float64, requires_grad=True)
    b = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ag.norm(a, p, dim=1).sum().backward()
    torch.norm(b, p, dim=1).sum().backward()
    np.testing.assert_allclose(_np(a.grad), b.grad.numpy(), rtol=1e-12)


@pytest.mark.parity
def test_var_with_one_element_matches_torch(torch):
    with pytest.warns(UserWarning):
        out = ag.tensor([1.0]).var()
    with pytest.warns(UserWarning):
        ref = torch.tensor([1.0]).var()
    assert math.isnan(float(out)) and math.isnan(float(ref))


# ---- second derivatives (create_graph) -----------------------------------------------------------
def _first_grad(f):
    """x -> d sum(f(x)) / dx, itself differentiable (create_graph=True)."""
    def fn(t):
        if not t.requires_grad:
            t = t.detach().requires_grad_()
        return ag.autograd.grad(f(t).sum(), t, create_graph=True)[0]
    return fn


SECOND = {
    "prod": lambda t: t.prod(1),
    "prod_all": lambda t: t.prod(),
    "cumprod": lambda t: t.cumprod(1),
    "cumsum": lambda t: t.cumsum(0) ** 2,
    "logsumexp": lambda t: t.logsumexp(1),
    "norm2": lambda t: t.norm(dim=1),
    "norm3": lambda t: t.norm(3, dim=0),
    "var": lambda t: t.var(1) ** 2,
    "max_dim": lambda t: t.max(1).values ** 2,
    "median_dim": lambda t: t.median(0).values ** 2,
}


@pytest.mark.parametrize("name", sorted(SECOND))
def test_second_derivatives_match_finite_differences(device, name):
    x = np.array([[0.3, -1.2, 2.5], [1.9, 0.0, -0.8]])
    check_grad(_first_grad(SECOND[name]), x, device)


@pytest.mark.parity
@pytest.mark.parametrize("name", ["prod", "cumprod", "logsumexp", "norm3", "var"])
def test_second_derivatives_match_torch(torch, name):
    x = np.array([[1.0, 2.0, 0.5], [0.0, 3.0, 1.0]])
    fns = {"prod": lambda t: t.prod(1), "cumprod": lambda t: t.cumprod(1),
           "logsumexp": lambda t: t.logsumexp(1), "norm3": lambda t: t.norm(3, dim=1),
           "var": lambda t: t.var(1)}
    res = []
    for m, t in ((ag, ag.tensor(x, dtype=ag.float64, requires_grad=True)),
                 (torch, torch.tensor(x, dtype=torch.float64, requires_grad=True))):
        (g,) = m.autograd.grad(fns[name](t).sum(), t, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), t)
        res.append(np.asarray(gg.detach().numpy()))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10, atol=1e-12)
