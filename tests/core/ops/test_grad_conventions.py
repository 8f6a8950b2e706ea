"""PyTorch's gradient conventions where finite differences cannot judge: ties, NaNs, zeros, poles
and empty reductions (derivatives.yaml's choices). Each case runs the same expression on
arraygrad and PyTorch (parity, float64), and on every other backend against the numpy backend.

Where PyTorch leaves the choice to its kernel (which of several tied elements topk/kthvalue
select; which element of an all-NaN row nanmedian picks), the gradients are compared summed over
each group of equal values: the convention checked is that one element of the group gets it all.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag

nan, inf = math.nan, math.inf
A = np.array


def _w(L, n, x):
    """Position weights 0, 1, ..., n-1 (a cotangent that tells sorted positions apart)."""
    return L.arange(float(n), dtype=x.dtype, device=x.device)


# name: (expression over the library L and its float64 inputs, inputs, compare per tie group)
CASES = {
    # std and var where the standard deviation is 0
    "std_all_equal": (lambda L, x: x.std(), [A([2.0, 2.0, 2.0])], False),
    "std_dim_zero_row": (lambda L, x: x.std(dim=1), [A([[2.0, 2.0], [1.0, 3.0]])], False),
    "std_mean_zero": (lambda L, x: L.std_mean(x, dim=0)[0].sum() + L.std_mean(x, dim=0)[1].sum(),
                      [A([[2.0, 1.0], [2.0, 3.0]])], False),
    "std_one_element": (lambda L, x: x.std(correction=0), [A([5.0])], False),
    "var_mean_zero": (lambda L, x: L.var_mean(x)[0] + L.var_mean(x)[1], [A([2.0, 2.0])], False),
    # fmax/fmin and maximum/minimum with NaNs and ties
    "fmax_nan_tie": (lambda L, a, b: L.fmax(a, b),
                     [A([nan, 1.0, 2.0, nan, 3.0]), A([1.0, nan, 2.0, nan, 1.0])], False),
    "fmin_nan_tie": (lambda L, a, b: L.fmin(a, b),
                     [A([nan, 1.0, 2.0, nan, 3.0]), A([1.0, nan, 2.0, nan, 1.0])], False),
    "maximum_nan_tie": (lambda L, a, b: L.maximum(a, b),
                        [A([nan, 1.0, 2.0, nan, 3.0]), A([1.0, nan, 2.0, nan, 1.0])], False),
    "minimum_nan_tie": (lambda L, a, b: L.minimum(a, b),
                        [A([nan, 1.0, 2.0, nan, 3.0]), A([1.0, nan, 2.0, nan, 1.0])], False),
    "maximum_broadcast_tie": (lambda L, a, b: L.maximum(a, b),
                              [A([[1.0, 2.0], [2.0, 0.0]]), A([2.0])], False),
    # pow at 0 ** 0, negative bases, zero bases
    "pow_tensor_exponents": (lambda L, a, b: L.pow(a, b),
                             [A([0.0, 0.0, 0.0, 2.0, -2.0, -2.0, 0.0, 1.0]),
                              A([0.0, 1.0, 2.0, 0.0, 2.0, 0.5, -1.0, 0.0])], False),
    "pow_negative_bases": (lambda L, a, b: L.pow(a, b),
                           [A([-2.0, -3.0, -1.5, -0.0]), A([3.0, 2.0, 1.3, 2.0])], False),
    "pow_scalar_half_at_0": (lambda L, a: L.pow(a, 0.5), [A([0.0, 1.0, 4.0])], False),
    "pow_scalar_0": (lambda L, a: L.pow(a, 0.0), [A([0.0, 1.0, -4.0])], False),
    "pow_scalar_minus_1": (lambda L, a: L.pow(a, -1.0), [A([0.0, 1.0, -4.0])], False),
    "pow_scalar_1_5_negative": (lambda L, a: L.pow(a, 1.5), [A([0.0, -1.0, 4.0])], False),
    "pow_base_0": (lambda L, b: L.pow(0.0, b), [A([0.0, 1.0, 2.0, -1.0])], False),
    "pow_base_negative": (lambda L, b: L.pow(-2.0, b), [A([0.0, 1.0, 2.5])], False),
    # 0/0, log 0, sqrt 0 and other poles
    "sqrt_0": (lambda L, x: x.sqrt(), [A([0.0, 1.0, -1.0])], False),
    "rsqrt_0": (lambda L, x: x.rsqrt(), [A([0.0, 1.0, -1.0])], False),
    "log_0": (lambda L, x: x.log(), [A([0.0, 1.0, -1.0])], False),
    "log2_0": (lambda L, x: x.log2(), [A([0.0, 1.0, -1.0])], False),
    "log1p_minus_1": (lambda L, x: x.log1p(), [A([-1.0, 0.0, -2.0])], False),
    "div_0_by_0": (lambda L, a, b: a / b, [A([0.0, 1.0, 0.0, -1.0]), A([0.0, 0.0, 2.0, 0.0])],
                   False),
    "reciprocal_0": (lambda L, x: x.reciprocal(), [A([0.0, 2.0])], False),
    "abs_0_and_nan": (lambda L, x: x.abs(), [A([0.0, -0.0, 1.0, -1.0, nan])], False),
    "sign_nan": (lambda L, x: x.sign() + x, [A([0.0, -1.0, 2.0, nan])], False),
    "relu_0": (lambda L, x: L.relu(x), [A([0.0, -1.0, 2.0])], False),
    "clamp_bounds_nan": (lambda L, x: x.clamp(0.0, 1.0), [A([0.0, 1.0, 0.5, -1.0, 2.0, nan])],
                         False),
    "clamp_tensor_bounds": (lambda L, x, lo, hi: x.clamp(lo, hi),
                            [A([0.0, 1.0, 0.5, -1.0, 2.0, 1.0]), A([0.0, 0.0, 0.0, 0.0, 0.0, 2.0]),
                             A([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])], False),
    "hypot_0": (lambda L, a, b: L.hypot(a, b), [A([0.0, 3.0]), A([0.0, 4.0])], False),
    "atan2_0_0": (lambda L, a, b: L.atan2(a, b), [A([0.0, 1.0]), A([0.0, 1.0])], False),
    "asin_acos_at_1": (lambda L, x: x.asin() + x.acos(), [A([1.0, -1.0, 0.0])], False),
    "acosh_atanh_at_1": (lambda L, x: x.acosh() + x.atanh(), [A([1.0, 2.0])], False),
    "xlogy_zeros_nan": (lambda L, a, b: L.xlogy(a, b),
                        [A([0.0, 0.0, 1.0, 0.0, 2.0]), A([0.0, 1.0, 0.0, nan, 3.0])], False),
    "logaddexp_infinities": (lambda L, a, b: L.logaddexp(a, b),
                             [A([-inf, 1.0, inf]), A([-inf, 2.0, inf])], False),
    "logsumexp_infinities": (lambda L, x: L.logsumexp(x, 1),
                             [A([[-inf, -inf], [inf, 1.0], [1.0, 2.0]])], False),
    "remainder_fmod_by_0": (lambda L, a, b: L.remainder(a, b) + L.fmod(a, b),
                            [A([5.0, -5.0, 3.0]), A([3.0, 3.0, 0.0])], False),
    "sigmoid_tanh_exp_inf": (lambda L, x: x.sigmoid() + x.tanh() + x.exp(),
                             [A([-inf, 0.0])], False),
    "erf_inf": (lambda L, x: L.erf(x), [A([0.0, inf, -inf])], False),
    "where_nan_branch": (lambda L, x: L.where(x > 0, x, L.zeros_like(x)), [A([nan, 1.0, -1.0])],
                         False),
    # products and cumulative products with zeros
    "prod_two_zeros": (lambda L, x: x.prod(), [A([0.0, 2.0, 0.0, 3.0])], False),
    "prod_one_zero": (lambda L, x: x.prod(), [A([0.0, 2.0, 3.0])], False),
    "prod_dim_zeros": (lambda L, x: x.prod(1), [A([[0.0, 2.0], [0.0, 0.0], [1.0, 2.0]])], False),
    "cumprod_zeros": (lambda L, x: x.cumprod(0), [A([2.0, 0.0, 3.0, 0.0, 4.0])], False),
    # empty reductions
    "sum_empty": (lambda L, x: x.sum(), [np.zeros((0, 3))], False),
    "mean_empty": (lambda L, x: x.mean(), [np.zeros((0,))], False),
    "mean_empty_dim": (lambda L, x: x.mean(0), [np.zeros((0, 3))], False),
    "prod_empty": (lambda L, x: x.prod(), [np.zeros((0,))], False),
    "logsumexp_empty": (lambda L, x: L.logsumexp(x, 0), [np.zeros((0, 2))], False),
    # ties and NaNs in max/min/amax/amin/median
    "max_ties": (lambda L, x: x.max(), [A([1.0, 3.0, 3.0, 2.0])], False),
    "min_ties": (lambda L, x: x.min(), [A([1.0, 1.0, 3.0, 2.0])], False),
    "max_nans": (lambda L, x: x.max(), [A([1.0, nan, 3.0, nan])], False),
    "max_dim_ties": (lambda L, x: x.max(dim=1)[0], [A([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])], False),
    "min_dim_ties": (lambda L, x: x.min(dim=1)[0], [A([[1.0, 1.0, 3.0], [2.0, 2.0, 2.0]])], False),
    "max_dim_nans": (lambda L, x: x.max(dim=1)[0], [A([[1.0, nan, 3.0], [nan, 2.0, nan]])], False),
    "amax_ties": (lambda L, x: x.amax(1), [A([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])], False),
    "amin_ties": (lambda L, x: x.amin(0), [A([[1.0, 3.0, 3.0], [1.0, 2.0, 2.0]])], False),
    "amax_nans": (lambda L, x: x.amax(1), [A([[1.0, nan, 3.0], [nan, 2.0, nan]])], False),
    "amax_all_ties": (lambda L, x: x.amax(), [A([[1.0, 3.0, 3.0], [3.0, 2.0, 2.0]])], False),
    "aminmax_ties": (lambda L, x: L.aminmax(x)[0] + 2 * L.aminmax(x)[1],
                     [A([1.0, 1.0, 3.0, 3.0])], False),
    "median_ties": (lambda L, x: x.median(), [A([1.0, 2.0, 2.0, 2.0, 3.0])], False),
    "median_dim_ties": (lambda L, x: x.median(1)[0], [A([[2.0, 1.0, 2.0, 2.0], [3.0] * 4])], False),
    "median_nan": (lambda L, x: x.median(), [A([1.0, nan, 2.0])], False),
    "median_dim_nan": (lambda L, x: x.median(1)[0], [A([[1.0, nan, 2.0], [nan, nan, 1.0]])],
                       False),
    "nanmedian_ties": (lambda L, x: x.nanmedian(), [A([1.0, nan, 2.0, 2.0])], False),
    "nanmedian_all_nan_row": (lambda L, x: x.nanmedian(1)[0],
                              [A([[1.0, nan, 2.0, 2.0], [nan, nan, nan, nan]])], True),
    "nanmean_nansum": (lambda L, x: L.nanmean(x) + L.nansum(x), [A([2.0, nan, 3.0])], False),
    # ties in sort/topk/kthvalue
    "sort_ties": (lambda L, x: L.sort(x, 1)[0] * _w(L, 4, x),
                  [A([[2.0, 1.0, 2.0, 2.0], [3.0, 3.0, 3.0, 3.0]])], True),
    "sort_ties_descending": (lambda L, x: L.sort(x, 1, descending=True)[0] * _w(L, 4, x),
                             [A([[2.0, 1.0, 2.0, 2.0], [3.0, 3.0, 3.0, 3.0]])], True),
    "sort_nans": (lambda L, x: L.sort(x)[0] * _w(L, 4, x), [A([nan, 1.0, nan, 0.0])], True),
    "topk_ties": (lambda L, x: L.topk(x, 2)[0] * _w(L, 2, x), [A([3.0, 1.0, 3.0, 3.0])], True),
    "topk_smallest_ties": (lambda L, x: L.topk(x, 2, largest=False)[0] * _w(L, 2, x),
                           [A([3.0, 1.0, 1.0, 1.0])], True),
    "topk_nans": (lambda L, x: L.topk(x, 2)[0] * _w(L, 2, x), [A([3.0, nan, 1.0, nan])], True),
    "kthvalue_ties": (lambda L, x: L.kthvalue(x, 2, 1)[0],
                      [A([[2.0, 1.0, 2.0, 2.0], [3.0, 3.0, 3.0, 3.0]])], True),
    "kthvalue_nans": (lambda L, x: L.kthvalue(x, 3, 0)[0], [A([1.0, nan, 2.0, nan])], True),
    # norms at zero and ties
    "norm_zero_vector": (lambda L, x: x.norm(), [A([0.0, 0.0])], False),
    "norm_dim_zero_row": (lambda L, x: x.norm(dim=1), [A([[0.0, 0.0], [3.0, 4.0]])], False),
    "norm_p1_zeros": (lambda L, x: x.norm(p=1), [A([0.0, 1.0, -1.0])], False),
    "norm_p3_zero_vector": (lambda L, x: x.norm(p=3), [A([0.0, 0.0])], False),
    "norm_p3_a_zero": (lambda L, x: x.norm(p=3), [A([0.0, 1.0, -2.0])], False),
    "norm_p_half_a_zero": (lambda L, x: x.norm(p=0.5), [A([0.0, 1.0, 2.0])], False),
    "norm_inf_ties": (lambda L, x: x.norm(p=inf), [A([1.0, -3.0, 3.0])], False),
    "norm_minus_inf_ties": (lambda L, x: x.norm(p=-inf), [A([1.0, -1.0, 3.0])], False),
    "norm_inf_zero_vector": (lambda L, x: x.norm(p=inf), [A([0.0, 0.0])], False),
    "norm_p0": (lambda L, x: x.norm(p=0), [A([0.0, 1.0, 2.0])], False),
}


def _host(L, t):
    return np.asarray(t.detach().cpu().numpy())


def _run(L, case, device=None):
    """(value, gradients) of sum(expression) with respect to each input, as NumPy arrays."""
    fn, arrays, _ = case
    kw = {} if device is None else {"device": device}
    ts = [L.tensor(a, dtype=L.float64, requires_grad=True, **kw) for a in arrays]
    out = fn(L, *ts)
    out.sum().backward()
    grads = [np.zeros(a.shape) if t.grad is None else _host(L, t.grad)
             for a, t in zip(arrays, ts, strict=True)]
    return _host(L, out), grads


def _by_value(x, g):
    """g summed over each group of equal values of x (NaNs one group)."""
    keys = np.where(np.isnan(x), np.inf, x).reshape(-1)
    flat = g.reshape(-1)
    return {float(k): math.fsum(flat[keys == k]) for k in np.unique(keys)}


def _assert_same(got, want, arrays, grouped, what):
    (gv, gg), (wv, wg) = got, want
    np.testing.assert_allclose(gv, wv, rtol=1e-10, atol=1e-12, equal_nan=True,
                               err_msg=f"{what}: values")
    for k, (a, b, x) in enumerate(zip(gg, wg, arrays, strict=True)):
        if grouped:
            ga, gb = _by_value(x, a), _by_value(x, b)
            assert ga.keys() == gb.keys()
            np.testing.assert_allclose(list(ga.values()), list(gb.values()), rtol=1e-10,
                                       atol=1e-12, equal_nan=True,
                                       err_msg=f"{what}: gradient {k} per group of ties")
        else:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, equal_nan=True,
                                       err_msg=f"{what}: gradient {k}")


@pytest.mark.parity
@pytest.mark.parametrize("name", list(CASES))
def test_gradient_matches_pytorch(torch, name):
    case = CASES[name]
    _assert_same(_run(ag, case), _run(torch, case), case[1], case[2], name)


# Dask runs one case per family (each costs ~0.25 s of graph building there)
_DASK = {"std_dim_zero_row", "fmax_nan_tie", "maximum_nan_tie", "pow_tensor_exponents",
         "xlogy_zeros_nan", "atan2_0_0", "abs_0_and_nan", "amax_nans", "max_dim_ties",
         "median_dim_ties", "topk_ties", "prod_dim_zeros", "norm_inf_ties", "sum_empty"}


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_matches_numpy_backend(device, name):
    if device == "cpu":
        pytest.skip("the numpy backend is the reference here (parity above)")
    if device == "dask" and name not in _DASK:
        pytest.skip("on Dask one case per family (graph building costs ~0.25 s a case)")
    case = CASES[name]
    # exact per element: every backend picks the same tied element as the numpy backend
    _assert_same(_run(ag, case, device), _run(ag, case, "cpu"), case[1], False, name)
