"""Matrix products, tensordot and einsum: NumPy float64 values, finite-difference gradients
(eps 1e-6, atol 1e-5, rtol 1e-3), PyTorch's errors, and parity with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3


def _arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _check_grads(fn, arrays, device, max_checks=None):
    """fn's values against NumPy are checked by the caller; here its gradients (of a random
    projection of the output) against central differences in float64."""
    ts = [ag.tensor(a, dtype=ag.float64, device=device, requires_grad=True) for a in arrays]
    out = fn(*ts)
    w = np.random.default_rng(1).standard_normal(tuple(out.shape))
    (out * ag.tensor(w, dtype=ag.float64, device=device)).sum().backward()

    def f(arrs):
        o = fn(*[ag.tensor(a, dtype=ag.float64, device=device) for a in arrs])
        return float(np.sum(o.numpy() * w))

    for i, a in enumerate(arrays):
        assert ts[i].grad is not None and tuple(ts[i].grad.shape) == a.shape
        got = ts[i].grad.numpy()
        flat = list(np.ndindex(a.shape))
        for idx in flat[:max_checks] if max_checks else flat:
            hi = [x.copy() for x in arrays]
            lo = [x.copy() for x in arrays]
            hi[i][idx] += EPS
            lo[i][idx] -= EPS
            num = (f(hi) - f(lo)) / (2 * EPS)
            np.testing.assert_allclose(got[idx], num, atol=ATOL, rtol=RTOL)


def _t(a, device, dtype=ag.float64):
    return ag.tensor(a, dtype=dtype, device=device)


# ---- mm / matmul ---------------------------------------------------------------------------------
def test_mm_values_and_gradients(device):
    a, b = _arrays((2, 3), (3, 4))
    np.testing.assert_allclose(ag.mm(_t(a, device), _t(b, device)).numpy(), a @ b, rtol=1e-12)
    _check_grads(ag.mm, [a, b], device, max_checks=4 if device == "dask" else None)


@pytest.mark.parametrize("sa,sb", [
    ((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((4, 2, 3), (3,)), ((3,), (2, 3, 4)),
    ((2, 1, 2, 3), (3, 3, 2)), ((5, 2, 3), (3, 4)), ((2, 3), (4, 3, 2)),
])
def test_matmul_follows_pytorch_1d_rules_and_batch_broadcasting(eager_device, sa, sb):
    a, b = _arrays(sa, sb)
    out = ag.matmul(_t(a, eager_device), _t(b, eager_device))
    np.testing.assert_allclose(out.numpy(), np.matmul(a, b), rtol=1e-12, atol=1e-12)
    _check_grads(ag.matmul, [a, b], eager_device)


def test_matmul_broadcast_gradients_on_dask_match_finite_differences():
    pytest.importorskip("dask")
    a, b = _arrays((2, 1, 2, 3), (3, 3, 2))
    _check_grads(ag.matmul, [a, b], "dask", max_checks=3)


def test_matmul_gradient_is_summed_to_each_inputs_batch_shape(device):
    a = ag.randn(1, 2, 3, requires_grad=True, device=device)
    b = ag.randn(4, 3, 2, requires_grad=True, device=device)
    ag.matmul(a, b).sum().backward()
    assert tuple(a.grad.shape) == (1, 2, 3) and tuple(b.grad.shape) == (4, 3, 2)


def test_matmul_operator_and_rmatmul(eager_device):
    a, b = _arrays((2, 3), (3, 2))
    ta, tb = _t(a, eager_device), _t(b, eager_device)
    np.testing.assert_allclose((ta @ tb).numpy(), a @ b, rtol=1e-12)
    np.testing.assert_allclose(tb.__rmatmul__(ta).numpy(), a @ b, rtol=1e-12)
    np.testing.assert_allclose(ta.matmul(tb).numpy(), ta.mm(tb).numpy(), rtol=0)


def test_mm_inner_dimension_mismatch_names_both_shapes():
    msg = r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x2\)"
    with pytest.raises(RuntimeError, match=msg):
        ag.mm(ag.ones(2, 3), ag.ones(4, 2))


def test_matmul_inner_dimension_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(5, 2, 3\).*\(5, 4, 2\)"):
        ag.matmul(ag.ones(5, 2, 3), ag.ones(5, 4, 2))


def test_matmul_batch_dimensions_that_do_not_broadcast_raise():
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        ag.matmul(ag.ones(2, 2, 3), ag.ones(3, 3, 2))


@pytest.mark.parametrize("op", [ag.mm, ag.matmul])
def test_mixed_float_dtypes_raise_like_pytorch(op):
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: "
                                           "float != double"):
        op(ag.ones(2, 3), ag.ones(3, 4, dtype=ag.float64))


def test_integer_matmul_stays_integer(device):
    a = ag.tensor([[1, 2], [3, 4]], device=device)
    out = a @ a
    assert out.dtype is ag.int64
    assert out.tolist() == [[7, 10], [15, 22]]


def test_matmul_of_0d_raises():
    with pytest.raises(RuntimeError, match="at least 1D, but they are 0D and 2D"):
        ag.matmul(ag.tensor(1.0), ag.ones(2, 2))


def test_mm_rejects_non_matrices():
    with pytest.raises(RuntimeError, match="self must be a matrix"):
        ag.mm(ag.ones(3), ag.ones(3, 2))


def test_matmul_of_bool_tensors_is_not_implemented():
    with pytest.raises(NotImplementedError, match="Bool"):
        ag.mm(ag.ones(2, 2, dtype=ag.bool), ag.ones(2, 2, dtype=ag.bool))


def test_matmul_on_two_devices_raises():
    pytest.importorskip("array_api_strict")
    with pytest.raises(RuntimeError, match="same device"):
        ag.mm(ag.ones(2, 2), ag.ones(2, 2, device="array_api_strict:device1"))


def test_bmm_values_gradients_and_checks(eager_device):
    a, b = _arrays((2, 2, 3), (2, 3, 2))
    np.testing.assert_allclose(ag.bmm(_t(a, eager_device), _t(b, eager_device)).numpy(), a @ b,
                               rtol=1e-12)
    _check_grads(ag.bmm, [a, b], eager_device)
    with pytest.raises(RuntimeError, match="batch1 must be a 3D tensor"):
        ag.bmm(ag.ones(2, 3), ag.ones(2, 3, 2))
    with pytest.raises(RuntimeError, match=r"batch2 tensor to be: \[5, 3\] but got: \[4, 3\]"):
        ag.bmm(ag.ones(5, 2, 3), ag.ones(4, 3, 2))


def test_mv_values_gradients_and_size_mismatch(eager_device):
    a, v = _arrays((3, 4), (4,))
    np.testing.assert_allclose(ag.mv(_t(a, eager_device), _t(v, eager_device)).numpy(), a @ v,
                               rtol=1e-12)
    _check_grads(ag.mv, [a, v], eager_device)
    msg = r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"
    with pytest.raises(RuntimeError, match=msg):
        ag.mv(ag.ones(2, 3), ag.ones(4))


def test_dot_values_gradients_and_errors(eager_device):
    a, b = _arrays((5,), (5,))
    np.testing.assert_allclose(ag.dot(_t(a, eager_device), _t(b, eager_device)).item(), a @ b,
                               rtol=1e-12)
    _check_grads(ag.dot, [a, b], eager_device)
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 1D tensors"):
        ag.dot(ag.ones(2, 2), ag.ones(2))
    with pytest.raises(RuntimeError, match="inconsistent tensor size"):
        ag.dot(ag.ones(3), ag.ones(4))
    with pytest.raises(RuntimeError, match="expected both vectors to have same dtype"):
        ag.dot(ag.ones(3), ag.ones(3, dtype=ag.float64))


def test_vdot_of_real_vectors_is_dot(eager_device):
    a, b = _arrays((4,), (4,))
    np.testing.assert_allclose(ag.vdot(_t(a, eager_device), _t(b, eager_device)).item(),
                               np.vdot(a, b), rtol=1e-12)


def test_vdot_conjugates_the_first_complex_vector():
    a = np.array([1 + 2j, 3 - 1j])
    b = np.array([2 - 1j, 1j])
    out = ag.vdot(ag.tensor(a), ag.tensor(b))
    np.testing.assert_allclose(out.item(), np.vdot(a, b), rtol=1e-6)


def test_outer_values_gradients_and_promotion(device):
    a, b = _arrays((3,), (2,))
    np.testing.assert_allclose(ag.outer(_t(a, device), _t(b, device)).numpy(), np.outer(a, b),
                               rtol=1e-12)
    _check_grads(ag.outer, [a, b], device, max_checks=2 if device == "dask" else None)
    mixed = ag.outer(ag.tensor([1, 2], device=device), ag.tensor([0.5], device=device))
    assert mixed.dtype is ag.float32
    assert ag.ger is ag.outer


def test_inner_contracts_the_last_dimensions(eager_device):
    a, b = _arrays((2, 3), (4, 3))
    np.testing.assert_allclose(ag.inner(_t(a, eager_device), _t(b, eager_device)).numpy(),
                               np.inner(a, b), rtol=1e-12)
    _check_grads(ag.inner, [a, b], eager_device)
    with pytest.raises(RuntimeError, match="the last dimension must match"):
        ag.inner(ag.ones(2, 3), ag.ones(3, 4))


@pytest.mark.parametrize("dims,sa,sb", [
    (2, (2, 3, 4), (3, 4, 2)), (1, (2, 3), (3, 2)), (0, (2,), (3,)),
    (([1, 0], [0, 1]), (3, 2, 4), (2, 3)), (([0], [2]), (4, 2), (3, 1, 4)),
])
def test_tensordot_values_and_gradients(eager_device, dims, sa, sb):
    a, b = _arrays(sa, sb)
    out = ag.tensordot(_t(a, eager_device), _t(b, eager_device), dims=dims)
    np.testing.assert_allclose(out.numpy(), np.tensordot(a, b, axes=dims), rtol=1e-12, atol=1e-12)
    _check_grads(lambda x, y: ag.tensordot(x, y, dims=dims), [a, b], eager_device)


def test_tensordot_mismatched_contracted_sizes_raise():
    with pytest.raises(RuntimeError, match="contracted dimensions need to match"):
        ag.tensordot(ag.ones(2, 3), ag.ones(4, 5), 1)


# ---- einsum --------------------------------------------------------------------------------------
_EINSUMS = [
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ij->ji", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("i,i", [(4,), (4,)]),
    ("ij,j->i", [(2, 3), (3,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ijk->", [(2, 3, 2)]),
    ("bii->bi", [(2, 3, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,kj", [(2, 3), (4, 3)]),
    ("iij,jk->ik", [(2, 2, 3), (3, 2)]),
    ("i,j,k->ijk", [(2,), (1,), (2,)]),
    ("bn,anm,bm->ba", [(2, 3), (2, 3, 3), (2, 3)]),
]


@pytest.mark.parametrize("eq,shapes", _EINSUMS, ids=[e for e, _ in _EINSUMS])
def test_einsum_matches_numpy_and_its_gradients_match_finite_differences(eager_device, eq, shapes):
    arrays = _arrays(*shapes)
    out = ag.einsum(eq, *[_t(a, eager_device) for a in arrays])
    np.testing.assert_allclose(out.numpy(), np.einsum(eq, *arrays), rtol=1e-12, atol=1e-12)
    _check_grads(lambda *ts: ag.einsum(eq, *ts), arrays, eager_device)


def test_einsum_on_dask_matches_numpy_and_finite_differences():
    pytest.importorskip("dask")
    a, b = _arrays((2, 2, 3), (2, 3, 2))
    out = ag.einsum("bij,bjk->bik", _t(a, "dask"), _t(b, "dask"))
    np.testing.assert_allclose(out.numpy(), np.einsum("bij,bjk->bik", a, b), rtol=1e-12)
    _check_grads(lambda x, y: ag.einsum("bij,bjk->bik", x, y), [a, b], "dask", max_checks=2)


def test_einsum_sublist_and_operand_list_forms_match_the_string_form():
    a, b = _arrays((2, 3), (3, 4))
    ta, tb = _t(a, "cpu"), _t(b, "cpu")
    ref = a @ b
    np.testing.assert_allclose(ag.einsum(ta, [0, 1], tb, [1, 2], [0, 2]).numpy(), ref, rtol=1e-12)
    np.testing.assert_allclose(ag.einsum("ij,jk", [ta, tb]).numpy(), ref, rtol=1e-12)
    np.testing.assert_allclose(ag.einsum(ta, [..., 1], tb, [1, 2]).numpy(), ref, rtol=1e-12)


def test_einsum_size_mismatch_raises_like_pytorch():
    with pytest.raises(RuntimeError, match="subscript i has size 4 for operand 1 which does not "
                                           "broadcast with previously seen size 3"):
        ag.einsum("i,i", ag.ones(3), ag.ones(4))


def test_einsum_operand_count_mismatch_raises():
    with pytest.raises(RuntimeError, match="2 operand subscripts but 1 operands"):
        ag.einsum("ij,jk->ik", ag.ones(2, 2))


def test_einsum_wrong_number_of_dimensions_raises():
    with pytest.raises(RuntimeError, match="does not match the number of dimensions"):
        ag.einsum("ijk->i", ag.ones(2, 2))


def test_einsum_output_label_missing_from_inputs_raises():
    with pytest.raises(RuntimeError, match="does not appear"):
        ag.einsum("ij->k", ag.ones(2, 2))


# ---- addmm, baddbmm, trace, kron -----------------------------------------------------------------
def test_addmm_scales_and_adds(eager_device):
    c, a, b = _arrays((2, 4), (2, 3), (3, 4))
    out = ag.addmm(_t(c, eager_device), _t(a, eager_device), _t(b, eager_device), beta=0.5, alpha=2)
    np.testing.assert_allclose(out.numpy(), 0.5 * c + 2 * (a @ b), rtol=1e-12)
    _check_grads(lambda x, y, z: ag.addmm(x, y, z, beta=0.5, alpha=2), [c, a, b], eager_device)


def test_addmm_with_beta_zero_ignores_nan_in_input():
    out = ag.addmm(ag.full((2, 2), float("nan")), ag.ones(2, 3), ag.ones(3, 2), beta=0)
    assert out.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_baddbmm_values(eager_device):
    c, a, b = _arrays((2, 2, 2), (2, 2, 3), (2, 3, 2))
    out = ag.baddbmm(_t(c, eager_device), _t(a, eager_device), _t(b, eager_device), alpha=3)
    np.testing.assert_allclose(out.numpy(), c + 3 * (a @ b), rtol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_trace_values_and_gradients(eager_device, shape):
    (a,) = _arrays(shape)
    np.testing.assert_allclose(ag.trace(_t(a, eager_device)).item(), np.trace(a), rtol=1e-12)
    _check_grads(ag.trace, [a], eager_device)


def test_trace_of_integers_is_int64():
    out = ag.trace(ag.tensor([[1, 2], [3, 4]], dtype=ag.int32))
    assert out.dtype is ag.int64 and out.item() == 5


@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 2)), ((2,), (3,)), ((2, 2), (3,))])
def test_kron_values_and_gradients(eager_device, sa, sb):
    a, b = _arrays(sa, sb)
    np.testing.assert_allclose(ag.kron(_t(a, eager_device), _t(b, eager_device)).numpy(),
                               np.kron(a, b), rtol=1e-12)
    _check_grads(ag.kron, [a, b], eager_device)


# ---- parity with PyTorch ------------------------------------------------------------------------
@pytest.mark.parity
@pytest.mark.parametrize("sa,sb", [((3,), (2, 3, 4)), ((2, 1, 2, 3), (3, 3, 2)), ((4, 3), (3,))])
def test_matmul_gradients_match_pytorch(torch, sa, sb):
    a, b = _arrays(sa, sb)
    ta, tb = (ag.tensor(x, requires_grad=True) for x in (a, b))
    pa, pb = (torch.tensor(x, requires_grad=True) for x in (a, b))
    (ag.matmul(ta, tb) ** 2).sum().backward()
    (torch.matmul(pa, pb) ** 2).sum().backward()
    np.testing.assert_allclose(ta.grad.numpy(), pa.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(tb.grad.numpy(), pb.grad.numpy(), rtol=1e-12)


@pytest.mark.parity
@pytest.mark.parametrize("eq,shapes", _EINSUMS[:8], ids=[e for e, _ in _EINSUMS[:8]])
def test_einsum_values_and_gradients_match_pytorch(torch, eq, shapes):
    arrays = _arrays(*shapes)
    ts = [ag.tensor(x, requires_grad=True) for x in arrays]
    ps = [torch.tensor(x, requires_grad=True) for x in arrays]
    out, ref = ag.einsum(eq, *ts), torch.einsum(eq, *ps)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    (out * out).sum().backward()
    (ref * ref).sum().backward()
    for t, p in zip(ts, ps, strict=True):
        np.testing.assert_allclose(t.grad.numpy(), p.grad.numpy(), rtol=1e-12, atol=1e-12)
