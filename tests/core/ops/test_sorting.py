"""Sorting and searching: values and indices against NumPy (stable sorts), gradients by finite
differences (float64, eps 1e-6, atol 1e-5, rtol 1e-3), order and ties against PyTorch in the
parity tests."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
from tests._gradients import check_grad
from tests._gradients import make_tensor as _t
from tests._gradients import to_numpy as _np


X = np.array([[0.3, -1.2, 2.5, 0.7, 1.1], [1.9, 0.4, -0.8, -2.2, 0.0], [0.05, 1.2, -0.6, 3.0, 2.0]])
TIES = np.array([[2.0, 1.0, 2.0, 0.0, 1.0], [3.0, 3.0, 3.0, 1.0, 3.0]])


def _stable_desc(x, axis):
    """NumPy's reference for a stable descending order: ties keep their original order."""
    return np.argsort(-x, axis=axis, kind="stable")


# ---- sort and argsort ----------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort_matches_numpy(device, dim):
    values, indices = ag.sort(_t(X, device), dim)
    assert indices.dtype is ag.int64
    np.testing.assert_array_equal(_np(values), np.sort(X, axis=dim))
    np.testing.assert_array_equal(_np(indices), np.argsort(X, axis=dim, kind="stable"))


def test_sort_is_stable_on_ties_in_both_directions(device):
    t = _t(TIES, device)
    np.testing.assert_array_equal(_np(t.sort(1).indices), np.argsort(TIES, 1, kind="stable"))
    res = t.sort(1, descending=True)
    np.testing.assert_array_equal(_np(res.indices), _stable_desc(TIES, 1))
    np.testing.assert_array_equal(_np(res.values), -np.sort(-TIES, 1))


def test_sort_puts_nan_above_every_number(device):
    x = np.array([3.0, math.nan, -math.inf, 1.0])
    asc, desc = _t(x, device).sort(), _t(x, device).sort(descending=True)
    np.testing.assert_array_equal(_np(asc.indices), [2, 3, 0, 1])
    np.testing.assert_array_equal(_np(desc.indices), [1, 0, 3, 2])


def test_sort_of_integers_and_bools(device):
    x = np.array([3, -1, 2, 2])
    np.testing.assert_array_equal(_np(ag.tensor(x, device=device).sort().values), np.sort(x))
    b = ag.tensor([True, False, True], device=device).sort()
    assert b.values.dtype is ag.bool
    np.testing.assert_array_equal(_np(b.values), [False, True, True])


def test_sort_of_a_0d_tensor(device):
    v, i = _t(2.0, device).sort()
    assert v.shape == () and float(v) == 2.0 and int(i) == 0


def test_sort_with_a_bad_dim_raises_index_error(device):
    with pytest.raises(IndexError, match="sort"):
        _t(X, device).sort(2)


def test_sort_gradient_matches_finite_differences(device):
    check_grad(lambda t: t.sort(1).values, X, device)
    check_grad(lambda t: ag.sort(t, 0, descending=True).values, X, device)


def test_argsort_matches_numpy(device):
    t = _t(X, device)
    np.testing.assert_array_equal(_np(t.argsort()), np.argsort(X, axis=-1, kind="stable"))
    np.testing.assert_array_equal(_np(ag.argsort(_t(TIES, device), 1, descending=True)),
                                  _stable_desc(TIES, 1))


def test_msort_sorts_along_dim_0(device):
    np.testing.assert_array_equal(_np(ag.msort(_t(X, device))), np.sort(X, axis=0))


# ---- topk and kthvalue ---------------------------------------------------------------------------
@pytest.mark.parametrize("k,dim,largest",
                         [(2, -1, True), (3, 1, False), (1, 0, True), (0, 1, True)])
def test_topk_matches_numpy(device, k, dim, largest):
    res = _t(X, device).topk(k, dim, largest)
    order = _stable_desc(X, dim) if largest else np.argsort(X, axis=dim, kind="stable")
    ref_idx = np.take(order, np.arange(k), axis=dim)
    np.testing.assert_array_equal(_np(res.indices), ref_idx)
    np.testing.assert_array_equal(_np(res.values), np.take_along_axis(X, ref_idx, dim))


def test_topk_with_k_out_of_range_raises(device):
    with pytest.raises(RuntimeError, match="k out of range"):
        _t(X, device).topk(6)


def test_topk_gradient_matches_finite_differences(device):
    check_grad(lambda t: t.topk(2).values, X, device)
    check_grad(lambda t: ag.topk(t, 2, 0, largest=False).values, X, device)


def test_topk_gradient_goes_to_the_picked_indices(device):
    t = _t(TIES, device, requires_grad=True)
    res = t.topk(2)
    res.values.sum().backward()
    ref = np.zeros_like(TIES)
    np.put_along_axis(ref, _np(res.indices), 1.0, 1)
    np.testing.assert_array_equal(_np(t.grad), ref)


@pytest.mark.parametrize("k,keepdim", [(1, False), (3, True), (5, False)])
def test_kthvalue_matches_numpy(device, k, keepdim):
    v, i = ag.kthvalue(_t(X, device), k, 1, keepdim)
    ref_idx = np.argsort(X, 1, kind="stable")[:, k - 1:k]
    if not keepdim:
        ref_idx = ref_idx[:, 0]
    np.testing.assert_array_equal(_np(i), ref_idx)
    np.testing.assert_array_equal(_np(v), np.sort(X, 1)[:, k - 1:k] if keepdim
                                  else np.sort(X, 1)[:, k - 1])


def test_kthvalue_out_of_range_raises(device):
    with pytest.raises(RuntimeError, match="out of range"):
        _t(X, device).kthvalue(0)


def test_kthvalue_gradient_matches_finite_differences(device):
    check_grad(lambda t: t.kthvalue(2, 0).values, X, device)


# ---- unique --------------------------------------------------------------------------------------
def test_unique_matches_numpy(device):
    x = np.array([[3, 1, 3], [2, 7, 1]])
    t = ag.tensor(x, device=device)
    np.testing.assert_array_equal(_np(ag.unique(t)), np.unique(x))
    values, inverse, counts = t.unique(return_inverse=True, return_counts=True)
    ref = np.unique(x, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(_np(values), ref[0])
    np.testing.assert_array_equal(_np(inverse), ref[1].reshape(x.shape))
    np.testing.assert_array_equal(_np(counts), ref[2])
    assert inverse.dtype is ag.int64 and counts.dtype is ag.int64


def test_unique_results_have_known_shapes_on_every_backend(device):
    values = ag.unique(_t([2.0, 1.0, 2.0, 5.0], device))
    assert tuple(values.shape) == (3,)
    np.testing.assert_array_equal(_np(values * 2), [2.0, 4.0, 10.0])


def test_unique_along_a_dim_matches_numpy(device):
    x = np.array([[1, 2, 0], [0, 5, 1], [1, 2, 0], [0, 1, 9]])
    values, inverse, counts = ag.unique(ag.tensor(x, device=device), dim=0, return_inverse=True,
                                        return_counts=True)
    ref = np.unique(x, axis=0, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(_np(values), ref[0])
    np.testing.assert_array_equal(_np(inverse), ref[1].ravel())
    np.testing.assert_array_equal(_np(counts), ref[2])
    np.testing.assert_array_equal(_np(ag.unique(ag.tensor(x, device=device), dim=1)),
                                  np.unique(x, axis=1))


# ---- searchsorted and bucketize ------------------------------------------------------------------
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_matches_numpy(device, side):
    seq = np.array([1.0, 2.0, 2.0, 3.5])
    v = np.array([[0.5, 2.0], [3.5, 9.0]])
    out = ag.searchsorted(_t(seq, device), _t(v, device), side=side)
    assert out.dtype is ag.int64
    np.testing.assert_array_equal(_np(out), np.searchsorted(seq, v, side=side))
    right = ag.searchsorted(_t(seq, device), _t(v, device), right=side == "right")
    np.testing.assert_array_equal(_np(right), np.searchsorted(seq, v, side=side))


def test_searchsorted_batched_sequences(device):
    seq = np.array([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])
    v = np.array([[3.0, 6.0], [1.0, 4.0]])
    out = ag.searchsorted(_t(seq, device), _t(v, device), right=True, out_int32=True)
    assert out.dtype is ag.int32
    ref = np.stack([np.searchsorted(seq[i], v[i], side="right") for i in range(2)])
    np.testing.assert_array_equal(_np(out), ref)


def test_searchsorted_with_a_scalar_and_a_sorter(device):
    seq = np.array([3.0, 1.0, 2.0])
    sorter = np.argsort(seq)
    out = ag.searchsorted(_t(seq, device), 2.5, sorter=ag.tensor(sorter, device=device))
    assert out.shape == () and int(out) == np.searchsorted(seq, 2.5, sorter=sorter)


def test_searchsorted_with_opposite_side_and_right_raises(device):
    with pytest.raises(RuntimeError, match="opposites"):
        ag.searchsorted(_t([1.0, 2.0], device), _t([1.0], device), right=True, side="left")


def test_searchsorted_with_mismatched_batch_dims_raises(device):
    with pytest.raises(RuntimeError, match="first N-1 dimensions"):
        ag.searchsorted(_t(np.zeros((2, 3)), device), _t(np.zeros((3, 1)), device))


def test_bucketize_matches_numpy_digitize(device):
    b = np.array([1.0, 3.0, 5.0])
    x = np.array([0.0, 1.0, 4.0, 5.0, 6.0])
    np.testing.assert_array_equal(_np(ag.bucketize(_t(x, device), _t(b, device))),
                                  np.digitize(x, b, right=True))
    np.testing.assert_array_equal(_np(ag.bucketize(_t(x, device), _t(b, device), right=True)),
                                  np.digitize(x, b, right=False))


# ---- parity with PyTorch -------------------------------------------------------------------------
@pytest.mark.parity
@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_matches_torch(torch, descending):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (6, 9)).astype(np.float64)
    x[2, 4] = math.nan
    a = ag.tensor(x).sort(1, descending=descending)
    b = torch.sort(torch.tensor(x), dim=1, descending=descending, stable=True)
    np.testing.assert_array_equal(_np(a.values), b.values.numpy())
    np.testing.assert_array_equal(_np(a.indices), b.indices.numpy())


@pytest.mark.parity
@pytest.mark.parametrize("largest", [True, False])
def test_topk_values_order_matches_torch_and_indices_select_them(torch, largest):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (5, 8)).astype(np.float64)
    a = ag.tensor(x).topk(3, largest=largest)
    b = torch.tensor(x).topk(3, largest=largest)
    np.testing.assert_array_equal(_np(a.values), b.values.numpy())
    # torch leaves the order of tied indices unspecified; ours are the earliest ones
    np.testing.assert_array_equal(np.take_along_axis(x, _np(a.indices), 1), b.values.numpy())


@pytest.mark.parity
def test_unique_and_searchsorted_match_torch(torch):
    x = np.array([4, 1, 4, 0, 1, 9])
    a = ag.unique(ag.tensor(x), return_inverse=True, return_counts=True)
    b = torch.unique(torch.tensor(x), return_inverse=True, return_counts=True)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(_np(u), v.numpy())
    seq, v = np.array([0.0, 1.0, 1.0, 4.0]), np.array([1.0, 2.0, -1.0])
    for right in (False, True):
        np.testing.assert_array_equal(
            _np(ag.searchsorted(ag.tensor(seq), ag.tensor(v), right=right)),
            torch.searchsorted(torch.tensor(seq), torch.tensor(v), right=right).numpy())
        np.testing.assert_array_equal(
            _np(ag.bucketize(ag.tensor(v), ag.tensor(seq), right=right)),
            torch.bucketize(torch.tensor(v), torch.tensor(seq), right=right).numpy())


@pytest.mark.parity
def test_kthvalue_values_match_torch(torch):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (6, 7)).astype(np.float64)
    for k in (1, 4, 7):
        a, b = ag.tensor(x).kthvalue(k, 1), torch.tensor(x).kthvalue(k, 1)
        np.testing.assert_array_equal(_np(a.values), b.values.numpy())
        np.testing.assert_array_equal(np.take_along_axis(x, _np(a.indices)[:, None], 1)[:, 0],
                                      b.values.numpy())
