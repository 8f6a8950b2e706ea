"""Shape ops: NumPy float64 values, finite-difference gradients (eps 1e-6, atol 1e-5, rtol 1e-3),
views sharing version counters, PyTorch's errors, and parity with PyTorch."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import arraygrad as ag
from tests._gradients import check_grads
from tests._gradients import random_array as _arr


def _t(a, device, dtype=ag.float64, rg=False):
    return ag.tensor(a, dtype=dtype, device=device, requires_grad=rg)


# this file's Dask cases are small enough to check every element (full=True), as they always did
_check_grads = functools.partial(check_grads, full=True)


# ---- values and gradients of each op (a table: op on tensors, the same on NumPy arrays) ----------
_CASES = {
    "reshape": ((2, 3), lambda x: x.reshape(3, -1), lambda a: a.reshape(3, 2)),
    "view": ((2, 3), lambda x: x.view(6), lambda a: a.reshape(6)),
    "view_as": ((2, 3), lambda x: x.view_as(ag.zeros(3, 2)), lambda a: a.reshape(3, 2)),
    "flatten": ((2, 2, 3), lambda x: ag.flatten(x, 1), lambda a: a.reshape(2, 6)),
    "unflatten": ((2, 6), lambda x: ag.unflatten(x, 1, (3, -1)), lambda a: a.reshape(2, 3, 2)),
    "transpose": ((2, 3, 2), lambda x: x.transpose(0, 2), lambda a: a.transpose(2, 1, 0)),
    "permute": ((2, 3, 2), lambda x: x.permute(1, 2, 0), lambda a: a.transpose(1, 2, 0)),
    "t": ((2, 3), lambda x: x.t(), lambda a: a.T),
    "T": ((2, 3, 2), lambda x: x.T, lambda a: a.transpose(2, 1, 0)),
    "mT": ((2, 3, 2), lambda x: x.mT, lambda a: a.transpose(0, 2, 1)),
    "unsqueeze": ((2, 3), lambda x: x.unsqueeze(-1), lambda a: a[..., None]),
    "squeeze": ((2, 1, 3, 1), lambda x: x.squeeze(), lambda a: a.reshape(2, 3)),
    "squeeze_dim": ((2, 1, 3, 1), lambda x: x.squeeze(1), lambda a: a.reshape(2, 3, 1)),
    "squeeze_tuple": ((1, 2, 1), lambda x: ag.squeeze(x, (0, 2)), lambda a: a.reshape(2)),
    "expand": ((3, 1), lambda x: x.expand(2, -1, 4), lambda a: np.broadcast_to(a, (2, 3, 4))),
    "broadcast_to": ((1, 3), lambda x: ag.broadcast_to(x, (2, 3)),
                     lambda a: np.broadcast_to(a, (2, 3))),
    "repeat": ((2, 3), lambda x: x.repeat(2, 1, 2), lambda a: np.tile(a, (2, 1, 2))),
    "tile": ((2, 3), lambda x: ag.tile(x, (2,)), lambda a: np.tile(a, (1, 2))),
    "flip": ((2, 3), lambda x: ag.flip(x, (0, 1)), lambda a: a[::-1, ::-1]),
    "roll": ((2, 3), lambda x: ag.roll(x, 1, 1), lambda a: np.roll(a, 1, 1)),
    "roll_flat": ((2, 3), lambda x: ag.roll(x, -2), lambda a: np.roll(a, -2)),
    "narrow": ((4, 3), lambda x: ag.narrow(x, 0, 1, 2), lambda a: a[1:3]),
    "select": ((4, 3), lambda x: x.select(1, -1), lambda a: a[:, -1]),
    "movedim": ((2, 3, 2), lambda x: ag.movedim(x, 0, -1), lambda a: np.moveaxis(a, 0, -1)),
    "diagonal": ((3, 4), lambda x: ag.diagonal(x, 1), lambda a: np.diagonal(a, 1)),
    "diagonal_neg": ((2, 3, 3), lambda x: ag.diagonal(x, -1, 1, 2),
                     lambda a: np.diagonal(a, -1, 1, 2)),
    "diag_1d": ((3,), lambda x: ag.diag(x, 1), lambda a: np.diag(a, 1)),
    "diag_2d": ((3, 3), lambda x: ag.diag(x), lambda a: np.diag(a)),
    "diag_embed": ((2, 3), lambda x: ag.diag_embed(x),
                   lambda a: np.stack([np.diag(r) for r in a])),
    "tril": ((3, 4), lambda x: ag.tril(x, -1), lambda a: np.tril(a, -1)),
    "triu": ((3, 4), lambda x: ag.triu(x, 1), lambda a: np.triu(a, 1)),
    "clone": ((2, 3), lambda x: ag.clone(x), lambda a: a.copy()),
}


@pytest.mark.parametrize("name", sorted(_CASES))
def test_op_values_match_numpy(device, name):
    shape, op, ref = _CASES[name]
    a = _arr(*shape)
    out = op(_t(a, device))
    np.testing.assert_allclose(out.numpy(), ref(a), rtol=0, atol=0)


@pytest.mark.parametrize("name", sorted(_CASES))
def test_op_gradients_match_finite_differences(eager_device, name):
    shape, op, _ = _CASES[name]
    _check_grads(op, [_arr(*shape)], eager_device)


@pytest.mark.parametrize("name", ["expand", "repeat", "diagonal", "narrow", "cat"])
def test_gradients_on_dask(name):
    if "dask" not in ag.backends.available():
        pytest.skip("dask is not installed")
    if name == "cat":
        _check_grads(lambda x, y: ag.cat([x, y], 1), [_arr(2, 2), _arr(2, 1)], "dask")
        return
    shape, op, _ = _CASES[name]
    _check_grads(op, [_arr(*shape)], "dask")


# ---- reshape and view ----------------------------------------------------------------------------
def test_reshape_infers_one_dimension(device):
    x = _t(_arr(2, 6), device)
    assert x.reshape(-1, 3).shape == (4, 3)
    assert x.view((3, -1)).shape == (3, 4)
    assert ag.reshape(x, [-1]).shape == (12,)


def test_reshape_error_names_the_shape_and_size(device):
    x = _t(_arr(2, 3), device)
    with pytest.raises(RuntimeError, match=r"shape '\[4, -1\]' is invalid for input of size 6"):
        x.reshape(4, -1)
    with pytest.raises(RuntimeError, match=r"shape '\[7\]' is invalid for input of size 6"):
        x.view(7)


def test_reshape_with_two_inferred_dimensions_raises(device):
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        _t(_arr(2, 3), device).reshape(-1, -1)


def test_view_shares_the_version_counter_with_its_base(device):
    x = _t(_arr(2, 3), device)
    v = x.view(6)
    w = x.t()
    x.add_(1.0)
    assert v._version == w._version == x._version == 1
    v.mul_(2.0)
    assert x._version == 2


def test_inplace_change_of_base_after_a_view_was_saved_raises_at_backward(device):
    a = _t(_arr(2, 3), device, rg=True)
    b = a * 1.0
    v = b.transpose(0, 1)
    y = (v * v).sum()
    b.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_inplace_change_through_a_view_is_caught_for_the_base(device):
    a = _t(_arr(2, 3), device, rg=True)
    b = a * 1.0
    y = (b * b).sum()
    with ag.no_grad():
        b.view(6).add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_view_writes_reach_the_base_on_numpy():
    x = ag.zeros(2, 3)
    x.view(6).add_(1.0)
    x.t()[0].fill_(5.0)
    np.testing.assert_array_equal(x.numpy(), [[5, 1, 1], [5, 1, 1]])


def test_clone_has_its_own_version_counter(device):
    x = _t(_arr(2, 3), device)
    c = x.clone()
    x.add_(1.0)
    assert c._version == 0
    np.testing.assert_allclose(c.numpy(), x.numpy() - 1)


def test_view_dtype_of_another_dtype_is_a_clear_error(device):
    with pytest.raises(TypeError, match="view\\(\\): reinterpreting the bits"):
        _t(_arr(2), device).view(ag.int64)


# ---- transpose, permute, squeeze -----------------------------------------------------------------
def test_t_of_3d_raises(device):
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions, but "
                                           "self is 3D"):
        _t(_arr(2, 2, 2), device).t()


def test_t_of_1d_is_itself(device):
    a = _arr(3)
    np.testing.assert_array_equal(_t(a, device).t().numpy(), a)


def test_mT_of_1d_raises(device):
    with pytest.raises(RuntimeError, match="mT is only supported on matrices"):
        _ = _t(_arr(3), device).mT


def test_permute_errors_follow_pytorch(device):
    x = _t(_arr(2, 3), device)
    with pytest.raises(RuntimeError, match="duplicate dims are not allowed"):
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match="input.dim\\(\\) = 2 is not equal to len\\(dims\\) = 1"):
        x.permute(0)
    with pytest.raises(IndexError, match="dimension out of range"):
        x.transpose(0, 2)


def test_squeeze_of_a_dimension_that_is_not_one_keeps_it(device):
    assert _t(_arr(2, 3), device).squeeze(0).shape == (2, 3)


def test_unsqueeze_accepts_the_dimension_past_the_end(device):
    assert _t(_arr(2, 3), device).unsqueeze(2).shape == (2, 3, 1)
    assert _t(_arr(2, 3), device).unsqueeze(-3).shape == (1, 2, 3)


def test_flatten_of_0d_is_1d(device):
    assert ag.flatten(_t(np.array(2.0), device)).shape == (1,)


def test_unflatten_with_wrong_sizes_raises(device):
    with pytest.raises(RuntimeError, match=r"Provided sizes \[2, 2\] don't multiply up to the "
                                           r"size of dim 1 \(3\)"):
        ag.unflatten(_t(_arr(2, 3), device), 1, (2, 2))


# ---- expand and repeat ---------------------------------------------------------------------------
def test_expand_is_a_view_sharing_the_version_counter(device):
    x = _t(_arr(3, 1), device)
    e = x.expand(3, 4)
    x.add_(1.0)
    assert e._version == 1


def test_expand_of_a_non_singleton_dimension_raises(device):
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(3\) must match "
                                           r"the existing size \(2\) at non-singleton dimension 0"):
        _t(_arr(2, 3), device).expand(3, 3)


def test_expand_with_fewer_sizes_than_dimensions_raises(device):
    with pytest.raises(RuntimeError, match="must be greater or equal to the number of dimensions"):
        _t(_arr(2, 3), device).expand(3)


def test_expand_minus_one_in_a_new_leading_dimension_raises(device):
    with pytest.raises(RuntimeError, match="isn't allowed in a leading, non-existing dimension 0"):
        _t(_arr(2, 3), device).expand(-1, 2, 3)


def test_expand_gradient_sums_over_the_broadcast_dimensions(device):
    x = _t(np.ones((3, 1)), device, rg=True)
    x.expand(2, 3, 4).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 1), 8.0))


def test_repeat_tiles_like_numpy_not_like_numpy_repeat(device):
    a = np.array([1.0, 2.0])
    np.testing.assert_array_equal(_t(a, device).repeat(2).numpy(), [1, 2, 1, 2])
    np.testing.assert_array_equal(_t(a, device).repeat(2, 2).numpy(), [[1, 2, 1, 2]] * 2)


def test_repeat_with_fewer_sizes_than_dimensions_raises(device):
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims can not be "
                                           "smaller"):
        _t(_arr(2, 3), device).repeat(2)


def test_repeat_gradient_counts_every_copy(device):
    x = _t(np.ones((2,)), device, rg=True)
    x.repeat(3, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])


# ---- cat and stack -------------------------------------------------------------------------------
def test_cat_values_and_gradients(eager_device):
    a, b = _arr(2, 3), _arr(2, 1, seed=1)
    np.testing.assert_array_equal(
        ag.cat([_t(a, eager_device), _t(b, eager_device)], dim=-1).numpy(),
        np.concatenate([a, b], -1))
    _check_grads(lambda x, y: ag.cat((x, y), 1), [a, b], eager_device)


def test_cat_promotes_dtypes(device):
    f32 = ag.zeros(2, dtype=ag.float32, device=device)
    i64 = ag.ones(2, dtype=ag.int64, device=device)
    assert ag.cat([f32, i64]).dtype is ag.float32
    assert ag.concat([i64, ag.zeros(1, dtype=ag.int32, device=device)]).dtype is ag.int64


def test_cat_of_mismatched_shapes_names_them(device):
    with pytest.raises(RuntimeError, match=r"Sizes of tensors must match except in dimension 0\. "
                                           r"Expected size 4 but got size 3 for tensor number 1"):
        ag.cat([ag.zeros(2, 4, device=device), ag.zeros(2, 3, device=device)])


def test_cat_of_different_ranks_raises(device):
    with pytest.raises(RuntimeError, match="Tensors must have same number of dimensions: got 2 "
                                           "and 1"):
        ag.cat([ag.zeros(2, 4, device=device), ag.zeros(3, device=device)])


def test_cat_on_two_devices_raises():
    if "array_api_strict" not in ag.backends.available():
        pytest.skip("array_api_strict is not installed")
    a = ag.zeros(2, device="array_api_strict")
    b = ag.zeros(2, device="array_api_strict:device1")
    with pytest.raises(RuntimeError, match="same device"):
        ag.cat([a, b])


def test_cat_of_nothing_raises():
    with pytest.raises(ValueError, match="expected a non-empty list of Tensors"):
        ag.cat([])


def test_cat_skips_legacy_empty_1d_tensors(device):
    out = ag.cat([ag.zeros(0, device=device), ag.ones(2, 2, device=device)])
    assert out.shape == (2, 2)


def test_stack_values_and_gradients(eager_device):
    a, b = _arr(2, 3), _arr(2, 3, seed=1)
    out = ag.stack([_t(a, eager_device), _t(b, eager_device)], dim=1)
    np.testing.assert_array_equal(out.numpy(), np.stack([a, b], 1))
    _check_grads(lambda x, y: ag.stack([x, y], -1), [a, b], eager_device)


def test_stack_of_unequal_shapes_raises(device):
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got "
                                           r"\[2, 3\] at entry 0 and \[2, 4\] at entry 1"):
        ag.stack([ag.zeros(2, 3, device=device), ag.zeros(2, 4, device=device)])


def test_hstack_and_vstack_match_numpy(device):
    a, b = _arr(3), _arr(3, seed=1)
    np.testing.assert_array_equal(ag.hstack([_t(a, device), _t(b, device)]).numpy(),
                                  np.hstack([a, b]))
    np.testing.assert_array_equal(ag.vstack([_t(a, device), _t(b, device)]).numpy(),
                                  np.vstack([a, b]))


# ---- splitting -----------------------------------------------------------------------------------
def test_split_by_size_leaves_a_smaller_last_piece(device):
    a = _arr(5, 2)
    pieces = ag.split(_t(a, device), 2)
    assert [p.shape for p in pieces] == [(2, 2), (2, 2), (1, 2)]
    np.testing.assert_array_equal(pieces[2].numpy(), a[4:])


def test_split_by_sizes_and_its_error(device):
    a = _arr(2, 5)
    pieces = _t(a, device).split([1, 4], dim=1)
    np.testing.assert_array_equal(pieces[1].numpy(), a[:, 1:])
    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes to sum exactly "
                                           r"to 5 .* but got split_sizes=\[1, 2\]"):
        _t(a, device).split([1, 2], dim=1)


def test_split_pieces_are_views_and_gradients_pad_with_zeros(device):
    x = _t(np.ones((4, 2)), device, rg=True)
    a, b = ag.split(x, [1, 3])
    (b * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0], [2, 2], [2, 2], [2, 2]])
    y = _t(np.ones((4, 2)), device)
    p = ag.split(y, 2)[1]
    y.add_(1.0)
    assert p._version == 1


def test_split_gradients_of_all_pieces(eager_device):
    _check_grads(lambda x: ag.split(x, 2, dim=1), [_arr(2, 5)], eager_device)


def test_chunk_matches_pytorch_sizes(device):
    x = _t(_arr(5), device)
    assert [p.shape[0] for p in ag.chunk(x, 3)] == [2, 2, 1]
    assert [p.shape[0] for p in x.chunk(2)] == [3, 2]
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0"):
        x.chunk(0)


def test_tensor_split_sections_and_indices(device):
    a = _arr(7)
    x = _t(a, device)
    assert [p.shape[0] for p in ag.tensor_split(x, 3)] == [3, 2, 2]
    pieces = ag.tensor_split(x, [1, 5])
    for p, r in zip(pieces, np.split(a, [1, 5]), strict=True):
        np.testing.assert_array_equal(p.numpy(), r)


def test_unbind_gives_every_slice(eager_device):
    a = _arr(3, 2)
    pieces = ag.unbind(_t(a, eager_device), 1)
    assert len(pieces) == 2
    np.testing.assert_array_equal(pieces[1].numpy(), a[:, 1])
    _check_grads(lambda x: ag.unbind(x, 0), [a], eager_device)


def test_narrow_past_the_end_raises(device):
    with pytest.raises(RuntimeError, match=r"start \(2\) \+ length \(2\) exceeds dimension size "
                                           r"\(3\)"):
        ag.narrow(_t(_arr(2, 3), device), 1, 2, 2)


# ---- rearranging ---------------------------------------------------------------------------------
def test_tril_of_1d_raises(device):
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        ag.tril(_t(_arr(3), device))


def test_diagonal_of_identical_dims_raises(device):
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical"):
        ag.diagonal(_t(_arr(3, 3), device), 0, 1, 1)


def test_diagonal_is_a_view(device):
    x = _t(_arr(3, 3), device)
    d = x.diagonal()
    x.add_(1.0)
    assert d._version == 1


@pytest.mark.parametrize("offset", [-3, -1, 0, 2, 5])
def test_diagonal_offsets_match_numpy(device, offset):
    a = _arr(3, 4)
    np.testing.assert_array_equal(ag.diagonal(_t(a, device), offset).numpy(),
                                  np.diagonal(a, offset))


def test_meshgrid_ij_and_xy(device):
    a, b = np.arange(3.0), np.arange(2.0)
    for ind in ("ij", "xy"):
        got = ag.meshgrid(_t(a, device), _t(b, device), indexing=ind)
        for g, r in zip(got, np.meshgrid(a, b, indexing=ind), strict=True):
            np.testing.assert_array_equal(g.numpy(), r)


def test_atleast_nd(device):
    s = _t(np.array(1.0), device)
    assert ag.atleast_1d(s).shape == (1,)
    assert ag.atleast_2d(s).shape == (1, 1)
    assert ag.atleast_3d(_t(_arr(2, 3), device)).shape == (2, 3, 1)


def test_movedim_of_several_dims_matches_numpy(device):
    a = _arr(2, 3, 4)
    np.testing.assert_array_equal(ag.movedim(_t(a, device), (0, 1), (2, 0)).numpy(),
                                  np.moveaxis(a, (0, 1), (2, 0)))


# ---- higher order --------------------------------------------------------------------------------
def test_second_derivative_through_views_and_cat(eager_device):
    a = _arr(2, 3)
    x = _t(a, eager_device, rg=True)
    y = ag.cat([x.t(), x.T.flip(0)], 0).reshape(-1)
    (g,) = ag.autograd.grad((y ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 6 * a ** 2, rtol=1e-12)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 12 * a, rtol=1e-12)


def test_second_derivative_through_slices_and_splits(eager_device):
    a = _arr(4, 3)
    x = _t(a, eager_device, rg=True)
    p, q = ag.split(x, [1, 3])
    y = (q[::2, 1:] ** 3).sum() + (ag.diagonal(p.expand(3, 3)) ** 2).sum()
    (g,) = ag.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    want = np.zeros_like(a)
    want[1::2, 1:] = 6 * a[1::2, 1:]
    want[0] = 2 * 1.0  # d/dp of 2p summed: each diagonal element reads p[0, j] once
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12)


# ---- parity with PyTorch -------------------------------------------------------------------------
@pytest.mark.parity
@pytest.mark.parametrize("name", ["repeat", "expand", "diagonal_neg", "diag_embed", "roll",
                                  "unflatten", "movedim", "T"])
def test_values_and_gradients_match_pytorch(torch, name):
    torch_ops = {
        "repeat": lambda x: x.repeat(2, 1, 2), "expand": lambda x: x.expand(2, -1, 4),
        "diagonal_neg": lambda x: torch.diagonal(x, -1, 1, 2),
        "diag_embed": lambda x: torch.diag_embed(x), "roll": lambda x: torch.roll(x, 1, 1),
        "unflatten": lambda x: torch.unflatten(x, 1, (3, -1)),
        "movedim": lambda x: torch.movedim(x, 0, -1), "T": lambda x: x.permute(2, 1, 0),
    }
    shape, op, _ = _CASES[name]
    a = _arr(*shape)
    w = _arr(*op(_t(a, "cpu")).shape, seed=3)
    x = _t(a, "cpu", rg=True)
    out = op(x)
    (out * _t(w, "cpu")).sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    tout = torch_ops[name](tx)
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parity
def test_split_and_chunk_sizes_match_pytorch(torch):
    for n in range(0, 8):
        for k in range(1, 5):
            a = np.arange(float(n))
            assert [p.shape[0] for p in ag.chunk(ag.tensor(a), k)] == \
                [p.shape[0] for p in torch.chunk(torch.tensor(a), k)], (n, k)
            assert [p.shape[0] for p in ag.tensor_split(ag.tensor(a), k)] == \
                [p.shape[0] for p in torch.tensor_split(torch.tensor(a), k)], (n, k)
            assert [p.shape[0] for p in ag.split(ag.tensor(a), k)] == \
                [p.shape[0] for p in torch.split(torch.tensor(a), k)], (n, k)
