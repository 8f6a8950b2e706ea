"""Indexing: getitem/setitem with PyTorch's rules, gather/scatter and friends. NumPy float64
values, finite-difference gradients (eps 1e-6, atol 1e-5, rtol 1e-3), PyTorch's errors, and
parity with PyTorch (placement of advanced-index dims, accumulation over repeated indices)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.core.ops import scatter as S
from tests._gradients import check_grads
from tests._gradients import random_array as _arr


def _t(a, device, dtype=ag.float64, rg=False):
    return ag.tensor(a, dtype=dtype, device=device, requires_grad=rg)


def _i(a, device):
    return ag.tensor(np.asarray(a), dtype=ag.int64, device=device)


# this file's Dask cases are small enough to check every element (full=True), as they always did
_check_grads = functools.partial(check_grads, full=True)


# ---- getitem: the same key on NumPy where NumPy and PyTorch agree --------------------------------
_KEYS = {
    "int": lambda d: 1,
    "neg_int": lambda d: (-1, -2),
    "slice_step": lambda d: (slice(None), slice(0, 3, 2)),
    "slice_clipped": lambda d: (slice(-10, 10), slice(1, 99)),
    "empty_slice": lambda d: slice(2, 1),
    "none_ellipsis": lambda d: (None, Ellipsis, 1),
    "list": lambda d: [1, 1, 0],
    "index_tensor_2d": lambda d: (slice(None), _i([[0, 2], [2, 2]], d)),
    "two_arrays": lambda d: (_i([0, 1, 1], d), slice(None), _i([3, 0, 3], d)),
    "adjacent_arrays": lambda d: (slice(1, None), _i([0, 2], d), _i([1, 3], d)),
    "broadcast_arrays": lambda d: (_i([[0], [1]], d), _i([0, 2, 1], d)),
    "negative_index": lambda d: (Ellipsis, _i([-1, 0, -4], d)),
    "mask": lambda d: ag.tensor(np.array([True, False]), device=d),
    "mask_2d": lambda d: (ag.tensor(np.array([[True, False, True], [False, False, True]]),
                                    device=d),),
    "mask_after_slice": lambda d: (slice(None), ag.tensor(np.array([False, True, True]),
                                                          device=d)),
}


def _np_key(key):
    def conv(k):
        if isinstance(k, ag.Tensor):
            return k.numpy()
        return k
    return tuple(conv(k) for k in key) if isinstance(key, tuple) else conv(key)


@pytest.mark.parametrize("name", sorted(_KEYS))
def test_getitem_matches_numpy(device, name):
    a = _arr(2, 3, 4)
    key = _KEYS[name](device)
    out = _t(a, device)[key]
    ref = a[_np_key(key)]
    assert out.shape == ref.shape
    np.testing.assert_array_equal(out.numpy(), ref)


@pytest.mark.parametrize("name", sorted(_KEYS))
def test_getitem_gradients_match_finite_differences(eager_device, name):
    key = _KEYS[name](eager_device)
    _check_grads(lambda x: x[key], [_arr(2, 3, 4)], eager_device)


def test_getitem_gradients_on_dask():
    if "dask" not in ag.backends.available():
        pytest.skip("dask is not installed")
    key = (slice(None), _i([1, 1, 0], "dask"))
    _check_grads(lambda x: x[key], [_arr(2, 3)], "dask")
    _check_grads(lambda x: x[1:, ::2], [_arr(3, 3)], "dask")


def test_getitem_int_after_advanced_places_dims_like_pytorch(device):
    # PyTorch applies ints first: x[0, :, [1, 2]] has shape (3, 2) (NumPy would give (2, 3))
    a = _arr(2, 3, 4)
    out = _t(a, device)[0, :, [1, 2]]
    assert out.shape == (3, 2)
    np.testing.assert_array_equal(out.numpy(), a[0][:, [1, 2]])


def test_getitem_python_bools_add_a_dimension(device):
    x = _t(_arr(2, 3), device)
    assert x[True].shape == (1, 2, 3)
    assert x[False].shape == (0, 2, 3)
    assert x[:, None, [0, 1]].shape == (2, 1, 2)


def test_getitem_0d_integer_tensor_acts_as_an_int(device):
    a = _arr(2, 3, 4)
    out = _t(a, device)[_i(1, device), :, [0, 3]]
    np.testing.assert_array_equal(out.numpy(), a[1][:, [0, 3]])


def test_basic_getitem_is_a_view_sharing_the_version_counter(device):
    x = _t(_arr(3, 4), device)
    v = x[1:, ::2]
    r = x[0]
    x.add_(1.0)
    assert v._version == r._version == 1


def test_advanced_getitem_is_a_copy(device):
    x = _t(_arr(3, 4), device)
    c = x[[0, 2]]
    x.add_(1.0)
    assert c._version == 0


# PyTorch refuses a negative step ("step must be greater than zero"); the array API standard,
# whose array object Tensor is, requires it: the result is a copy (reversed), as torch.flip's.
_NEG_STEPS = [(slice(None, None, -1),), (slice(None), slice(1, None, -2)),
              (slice(-1, 0, -2), Ellipsis, slice(3, -9, -1)), (slice(1, 2, -1),),
              (slice(None, None, -1), [1, 0, 1], slice(None, None, -3))]


@pytest.mark.parametrize("key", _NEG_STEPS, ids=range(len(_NEG_STEPS)))
def test_getitem_negative_step_matches_numpy_and_finite_differences(device, key):
    a = _arr(3, 2, 4)
    out = _t(a, device)[key]
    np.testing.assert_array_equal(out.numpy(), a[key])
    _check_grads(lambda x: x[key], [a], device)


@pytest.mark.parametrize("key", _NEG_STEPS, ids=range(len(_NEG_STEPS)))
def test_setitem_negative_step_matches_numpy(device, key):
    a, want = _arr(3, 2, 4), _arr(3, 2, 4)
    v = _arr(*want[key].shape)
    want[key] = v
    x = _t(a, device)
    x[key] = _t(v, device)
    np.testing.assert_array_equal(x.numpy(), want)


def test_setitem_negative_step_gradients(eager_device):
    def f(x, v):
        y = x * 1.0
        y[::-1, 1] = v
        return y
    _check_grads(f, [_arr(3, 2), _arr(3)], eager_device)


def test_a_mask_dimension_of_size_zero_selects_nothing(device):
    # the standard: each mask dimension equals x's or is 0 (PyTorch raises for the second)
    x = _t(_arr(0, 3), device)
    assert tuple(x[ag.zeros((0, 0), dtype=ag.bool, device=device)].shape) == (0,)
    with pytest.raises(IndexError, match="shape of the mask"):
        x[ag.zeros((0, 2), dtype=ag.bool, device=device)]


def test_getitem_out_of_range_int_raises(device):
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 1 with size 4"):
        _t(_arr(3, 4), device)[0, 5]


def test_getitem_out_of_range_index_tensor_raises(device):
    # at once where the check is free; on Dask when the graph computes (no sync in the op)
    with pytest.raises(IndexError, match="out of bounds for dimension 0 with size 3"):
        _t(_arr(3, 4), device)[_i([0, 3], device)].sum().item()


def test_getitem_too_many_indices_raises(device):
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        _t(_arr(3, 4), device)[0, 0, 0]


def test_getitem_mask_of_wrong_shape_raises(device):
    mask = ag.tensor(np.ones(4, dtype=bool), device=device)
    with pytest.raises(IndexError, match=r"The shape of the mask \[4\] at index 0 does not match "
                                         r"the shape of the indexed tensor \[3, 4\] at index 0"):
        _t(_arr(3, 4), device)[mask]


def test_getitem_unbroadcastable_index_tensors_raise(device):
    with pytest.raises(IndexError, match=r"shape mismatch: indexing tensors could not be "
                                         r"broadcast together with shapes \[2\], \[3\]"):
        _t(_arr(3, 4), device)[[0, 1], [0, 1, 2]]


def test_getitem_float_index_raises(device):
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool"):
        _t(_arr(3), device)[_t(np.array([0.0]), device)]


def test_getitem_repeated_indices_accumulate_gradient(device):
    x = _t(np.zeros(3), device, rg=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_iteration_uses_getitem(device):
    a = _arr(3, 2)
    rows = list(_t(a, device))
    np.testing.assert_array_equal(rows[2].numpy(), a[2])


# ---- setitem -------------------------------------------------------------------------------------
def _setitem_cases(d):
    return [
        ((0, slice(1, 3)), 7.0),
        ((slice(None), 1), _t(np.array([1.0, 2.0]), d)),
        ((slice(None, None, 2),), _t(np.array([[5.0, 6.0, 7.0]]), d)),
        ((Ellipsis, None, 2), -1.0),
        (([1, 0], [2, 2]), _t(np.array([3.0, 4.0]), d)),
        ((slice(None), [0, 2]), _t(np.array([[1.0], [2.0]]), d)),
    ]


def test_setitem_values_match_numpy(device):
    a = _arr(2, 3)
    for key, val in _setitem_cases(device):
        x = _t(a, device)
        x[key] = val
        ref = a.copy()
        ref[_np_key(key)] = val.numpy() if isinstance(val, ag.Tensor) else val
        np.testing.assert_array_equal(x.numpy(), ref)


def test_setitem_with_a_mask_and_a_scalar(device):
    a = _arr(3, 4)
    x = _t(a, device)
    x[x > 0] = 0.0
    np.testing.assert_array_equal(x.numpy(), np.minimum(a, 0))


def test_setitem_with_a_mask_and_values(device):
    a = _arr(3, 2)
    m = np.array([True, False, True])
    x = _t(a, device)
    x[ag.tensor(m, device=device)] = _t(np.array([[1.0, 2.0], [3.0, 4.0]]), device)
    ref = a.copy()
    ref[m] = [[1.0, 2.0], [3.0, 4.0]]
    np.testing.assert_array_equal(x.numpy(), ref)


def test_setitem_casts_the_value_to_the_tensor_dtype(device):
    x = ag.zeros(3, dtype=ag.int64, device=device)
    x[1] = 2.7
    x[[0]] = _t(np.array([5.0]), device)
    np.testing.assert_array_equal(x.numpy(), [5, 2, 0])


def test_setitem_bumps_the_version(device):
    x = _t(_arr(3), device)
    x[0] = 1.0
    x[[1]] = 2.0
    assert x._version == 2


def test_setitem_value_of_wrong_shape_raises(device):
    x = _t(_arr(3, 4), device)
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[3, 4\] cannot "
                                           r"be broadcast to indexing result of shape \[2, 4\]"):
        x[[0, 1]] = _t(_arr(3, 4), device)


def test_setitem_on_a_leaf_that_requires_grad_raises(device):
    x = _t(_arr(3), device, rg=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 1.0


def test_setitem_gradients_match_finite_differences(eager_device):
    d = eager_device

    def basic(x, v):
        y = x * 1.0
        y[:, 1:3] = v
        return y

    def advanced(x, v):
        y = x * 1.0
        y[[0, 1], [2, 0]] = v
        return y

    _check_grads(basic, [_arr(3, 4), _arr(2, seed=1)], d)
    _check_grads(advanced, [_arr(3, 4), _arr(2, seed=1)], d)


def test_setitem_gradients_on_dask():
    if "dask" not in ag.backends.available():
        pytest.skip("dask is not installed")

    def fn(x, v):
        y = x * 1.0
        y[[1, 0]] = v
        return y

    _check_grads(fn, [_arr(2, 2), _arr(2, seed=1)], "dask")


def test_setitem_repeated_indices_write_the_last_value(device):
    x = ag.zeros(4, dtype=ag.float64, device=device)
    x[[1, 1, 2, 1]] = _t(np.array([1.0, 2.0, 3.0, 4.0]), device)
    np.testing.assert_array_equal(x.numpy(), [0.0, 4.0, 3.0, 0.0])


def test_setitem_saved_tensor_then_backward_raises(device):
    a = _t(_arr(3), device, rg=True)
    b = a * 1.0
    y = (b * b).sum()
    b[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_index_put_accumulates_repeats(device):
    x = ag.zeros(3, dtype=ag.float64, device=device)
    out = ag.index_put(x, (_i([0, 0, 2], device),), _t(np.array([1.0, 2.0, 3.0]), device),
                       accumulate=True)
    np.testing.assert_array_equal(out.numpy(), [3.0, 0.0, 3.0])


# ---- gather / scatter family ---------------------------------------------------------------------
def test_gather_values_and_gradients(eager_device):
    a = _arr(3, 4)
    idx = np.array([[0, 0], [3, 1], [2, 2]])
    out = ag.gather(_t(a, eager_device), 1, _i(idx, eager_device))
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(a, idx, 1))
    _check_grads(lambda x: x.gather(1, _i(idx, eager_device)), [a], eager_device)


def test_gather_out_of_bounds_raises(device):
    # at once where the check is free; on Dask when the graph computes (no sync in the op)
    with pytest.raises(RuntimeError, match="out of bounds for dimension 1 with size 4"):
        ag.gather(_t(_arr(3, 4), device), 1, _i([[9]], device)).tolist()


def test_gather_with_index_of_another_rank_raises(device):
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of dimensions"):
        ag.gather(_t(_arr(3, 4), device), 1, _i([0], device))


def test_scatter_add_accumulates_repeats(device):
    idx = _i([[0, 1, 2, 0], [0, 0, 0, 0]], device)
    out = ag.zeros(3, 4, dtype=ag.float64, device=device).scatter_add(
        0, idx, _t(np.ones((2, 4)), device))
    np.testing.assert_array_equal(out.numpy(), [[2, 1, 1, 2], [0, 1, 0, 0], [0, 0, 1, 0]])


def test_scatter_add_gradients(eager_device):
    idx = _i([[0, 1, 0], [2, 0, 0]], eager_device)
    _check_grads(lambda x, s: ag.scatter_add(x, 0, idx, s), [_arr(3, 3), _arr(2, 4, seed=1)],
                 eager_device)


def test_scatter_values_and_gradients(eager_device):
    d = eager_device
    idx = np.array([[1, 0, 2], [0, 2, 1]])
    a, s = _arr(3, 3), _arr(2, 3, seed=1)
    out = ag.scatter(_t(a, d), 0, _i(idx, d), _t(s, d))
    ref = a.copy()
    for i in range(2):
        for j in range(3):
            ref[idx[i, j], j] = s[i, j]
    np.testing.assert_array_equal(out.numpy(), ref)
    _check_grads(lambda x, v: ag.scatter(x, 0, _i(idx, d), v), [a, s], d)


def test_scatter_with_a_value(device):
    out = ag.zeros(2, 3, dtype=ag.float64, device=device).scatter(1, _i([[2], [0]], device),
                                                                  value=5.0)
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 5], [5, 0, 0]])


def test_inplace_scatter_variants(device):
    x = ag.zeros(3, dtype=ag.float64, device=device)
    x.scatter_(0, _i([2], device), _t(np.array([1.0]), device))
    x.scatter_add_(0, _i([2, 0], device), _t(np.array([1.0, 4.0]), device))
    x.index_add_(0, _i([1, 1], device), _t(np.array([1.0, 1.0]), device))
    np.testing.assert_array_equal(x.numpy(), [4.0, 2.0, 2.0])
    assert x._version == 3


def test_index_select_values_and_gradients(eager_device):
    a = _arr(3, 4)
    out = ag.index_select(_t(a, eager_device), 1, _i([3, 0, 3], eager_device))
    np.testing.assert_array_equal(out.numpy(), a[:, [3, 0, 3]])
    _check_grads(lambda x: x.index_select(0, _i([2, 2], eager_device)), [a], eager_device)


def test_index_select_with_a_matrix_index_raises(device):
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        ag.index_select(_t(_arr(3), device), 0, _i([[0]], device))


def test_index_add_values_and_gradients(eager_device):
    d = eager_device
    a, s = _arr(3, 2), _arr(3, 2, seed=1)
    out = ag.index_add(_t(a, d), 0, _i([0, 2, 0], d), _t(s, d), alpha=2.0)
    ref = a.copy()
    np.add.at(ref, [0, 2, 0], 2.0 * s)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-14)
    _check_grads(lambda x, v: ag.index_add(x, 0, _i([0, 2, 0], d), v), [a, s], d)


def test_index_copy_and_index_fill(device):
    a = _arr(3, 2)
    out = ag.index_copy(_t(a, device), 0, _i([2, 0], device), _t(np.ones((2, 2)), device))
    ref = a.copy()
    ref[[2, 0]] = 1.0
    np.testing.assert_array_equal(out.numpy(), ref)
    out = ag.index_fill(_t(a, device), 1, _i([1], device), -3.0)
    ref = a.copy()
    ref[:, 1] = -3.0
    np.testing.assert_array_equal(out.numpy(), ref)


def test_masked_fill_values_and_gradients(eager_device):
    d = eager_device
    a = _arr(2, 3)
    m = ag.tensor(np.array([True, False, True]), device=d)
    np.testing.assert_array_equal(ag.masked_fill(_t(a, d), m, 9.0).numpy(),
                                  np.where([True, False, True], 9.0, a))
    _check_grads(lambda x, v: ag.masked_fill(x, m, v.reshape(())), [a, _arr(1, seed=1)], d)


def test_masked_fill_inplace_and_its_errors(device):
    x = _t(_arr(2, 3), device)
    x.masked_fill_(x > 0, 0.0)
    assert (x.numpy() <= 0).all()
    assert x._version == 1
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        x.masked_fill(_t(np.ones(3), device), 1.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        x.masked_fill(x > 0, _t(np.ones(1), device))


def test_masked_select_broadcasts(device):
    a = _arr(2, 3)
    m = np.array([True, False, True])
    out = ag.masked_select(_t(a, device), ag.tensor(m, device=device))
    np.testing.assert_array_equal(out.numpy(), a[:, m].reshape(-1))


def test_take_reads_the_flattened_tensor(eager_device):
    a = _arr(2, 3)
    idx = np.array([[5, -1], [0, 0]])
    out = ag.take(_t(a, eager_device), _i(idx, eager_device))
    np.testing.assert_array_equal(out.numpy(), np.take(a, idx))
    _check_grads(lambda x: ag.take(x, _i(idx, eager_device)), [a], eager_device)


def test_take_along_dim_matches_numpy(device):
    a = _arr(3, 4)
    idx = np.argsort(a, axis=1)
    out = ag.take_along_dim(_t(a, device), _i(idx, device), dim=1)
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(a, idx, 1))


def test_nonzero_and_argwhere(device):
    a = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]])
    x = _t(a, device)
    np.testing.assert_array_equal(ag.nonzero(x).numpy(), np.argwhere(a))
    np.testing.assert_array_equal(ag.argwhere(x).numpy(), np.argwhere(a))
    rows, cols = x.nonzero(as_tuple=True)
    np.testing.assert_array_equal(rows.numpy(), np.nonzero(a)[0])
    np.testing.assert_array_equal(cols.numpy(), np.nonzero(a)[1])
    assert ag.nonzero(x).dtype is ag.int64


# ---- the axis-level kernels of the create_graph namespace ----------------------------------------
def test_axis_kernels_match_the_backend_kernels(device):
    dev = ag.device(device)
    t, s = _arr(3, 2), _arr(2, 2, seed=1)
    idx = _i([[2, 0], [2, 1]], device)
    got = S._scatter_add_axis(_t(t, device), 0, idx, _t(s, device))
    want = dev.K.scatter_add(_t(t, device)._data, 0, idx._data, _t(s, device)._data)
    np.testing.assert_array_equal(got.numpy(), dev.backend.to_numpy(want))
    s3 = _arr(3, 2, seed=2)
    got = S._index_add_axis(_t(t, device), 1, _i([1, 1], device), _t(s3, device))
    ref = t.copy()
    ref[:, 1] += s3.sum(1)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-14)
    got = S._gather_axis(_t(t, device), 0, idx)
    np.testing.assert_array_equal(got.numpy(), np.take_along_axis(t, idx.numpy(), 0))


def test_axis_kernel_gradients(eager_device):
    d = eager_device
    idx = _i([[2, 0], [2, 1]], d)
    _check_grads(lambda a, b: S._scatter_add_axis(a, 0, idx, b), [_arr(3, 2), _arr(2, 2, seed=1)],
                 d)
    _check_grads(lambda a, b: S._index_add_axis(a, 1, _i([1, 1], d), b),
                 [_arr(3, 2), _arr(3, 2, seed=1)], d)
    _check_grads(lambda a: S._gather_axis(a, 0, idx), [_arr(3, 2)], d)


def test_second_derivative_through_advanced_indexing(eager_device):
    d = eager_device
    a = _arr(4)
    x = _t(a, d, rg=True)
    y = (x[_i([0, 0, 3], d)] ** 3).sum() + (x.gather(0, _i([1, 1], d)) ** 2).sum()
    (g,) = ag.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(),
                               [6 * a[0] ** 2, 4 * a[1], 0.0, 3 * a[3] ** 2], rtol=1e-12)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [12 * a[0], 4.0, 0.0, 6 * a[3]], rtol=1e-12)


def test_second_derivative_through_setitem(eager_device):
    d = eager_device
    a, b = _arr(3), _arr(2, seed=1)
    x, v = _t(a, d, rg=True), _t(b, d, rg=True)
    y = x * 1.0
    y[[2, 0]] = v * v
    (gv,) = ag.autograd.grad((y ** 2).sum(), v, create_graph=True)
    np.testing.assert_allclose(gv.detach().numpy(), 4 * b ** 3, rtol=1e-12)
    gv.sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), 12 * b ** 2, rtol=1e-12)


# ---- parity with PyTorch -------------------------------------------------------------------------
_PARITY_KEYS = [
    lambda m: (0, slice(None), [1, 2]),
    lambda m: ([[0, 1]], slice(None), [2, 3]),
    lambda m: (slice(None), [1, 1, 0], slice(1, None)),
    lambda m: (None, [0, 1], slice(None), [1, 2]),
    lambda m: (1, [2, 2, 0], 3),
    lambda m: (slice(None), True, [1, 2]),
    lambda m: ([0, 1, 1], [1, 1, 1]),
    lambda m: (Ellipsis, m.tensor([[3, 3], [-1, 0]])),
    lambda m: (m.tensor([True, False]), slice(None, None, 2)),
]


@pytest.mark.parity
@pytest.mark.parametrize("k", range(len(_PARITY_KEYS)))
def test_advanced_indexing_values_and_accumulated_gradients_match_pytorch(torch, k):
    a = _arr(2, 3, 4)
    key = _PARITY_KEYS[k](ag)
    x = _t(a, "cpu", rg=True)
    out = x[key]
    tx = torch.tensor(a, requires_grad=True)
    tout = tx[_PARITY_KEYS[k](torch)]
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    w = _arr(*out.shape, seed=2)
    (out * _t(w, "cpu")).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parity
@pytest.mark.parametrize("k", range(len(_PARITY_KEYS)))
def test_setitem_values_and_gradients_match_pytorch(torch, k):
    a = _arr(2, 3, 4)
    key, tkey = _PARITY_KEYS[k](ag), _PARITY_KEYS[k](torch)
    shape = tuple(torch.zeros(2, 3, 4)[tkey].shape)
    # one value per written element (repeated positions get distinct values in PyTorch's order)
    b = _arr(*shape, seed=3)
    x, v = _t(a, "cpu", rg=True), _t(b, "cpu", rg=True)
    y = x * 1.0
    y[key] = v
    tx, tv = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ty = tx * 1.0
    ty[tkey] = tv
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    w = _arr(2, 3, 4, seed=4)
    (y * _t(w, "cpu")).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-12)


@pytest.mark.parity
def test_gather_scatter_family_gradients_match_pytorch(torch):
    a, s = _arr(3, 4), _arr(2, 4, seed=1)
    idx = np.array([[0, 2, 2, 1], [0, 0, 1, 2]])
    ops = [
        (lambda m, x, v, i: m.scatter_add(x, 0, i, v)),
        (lambda m, x, v, i: x.gather(0, i) * v),
        (lambda m, x, v, i: m.index_add(x, 0, i[:, 0], v[:, :4] * 3)),
        (lambda m, x, v, i: m.index_select(x, 1, i[0]) * 2),
        (lambda m, x, v, i: m.take(x, i) + v),
    ]
    for op in ops:
        x, v = _t(a, "cpu", rg=True), _t(s, "cpu", rg=True)
        out = op(ag, x, v, ag.tensor(idx))
        tx, tv = torch.tensor(a, requires_grad=True), torch.tensor(s, requires_grad=True)
        tout = op(torch, tx, tv, torch.tensor(idx))
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-14)
        w = _arr(*out.shape, seed=5)
        (out * _t(w, "cpu")).sum().backward()
        (tout * torch.tensor(w)).sum().backward()
        for mine, theirs in ((x, tx), (v, tv)):
            if theirs.grad is None:
                assert mine.grad is None or not np.any(mine.grad.numpy())
            else:
                np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parity
def test_scatter_and_gather_count_a_0d_tensor_as_1d_as_pytorch(torch, device):
    assert ag.zeros(10, device=device).scatter_(0, ag.tensor(3, device=device), value=1).tolist() \
        == torch.zeros(10).scatter_(0, torch.tensor(3), value=1).tolist()
    g = ag.arange(5.0, device=device).gather(0, ag.tensor(2, device=device))
    assert g.shape == () and g.item() == 2.0
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        ag.zeros(3, 4, device=device).scatter_(0, ag.tensor(1, device=device), value=1)
