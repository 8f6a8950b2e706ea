"""`arraygrad.array_api`: generic array-API code on arraygrad tensors (values against NumPy
float64, gradients against central differences: eps 1e-6, atol 1e-5, rtol 1e-3), the standard's
promotion and signatures, create_graph second derivatives and `__array_namespace_info__`."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.array_api as xpa

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3


def _t(a, device, dtype=ag.float64, rg=False):
    return ag.tensor(a, dtype=dtype, device=device, requires_grad=rg)


def _fd_grad(f, arrays, i, max_checks=None):
    """Central differences of the scalar f(arrays) with respect to arrays[i]."""
    a = arrays[i]
    out = np.zeros_like(a)
    idxs = list(np.ndindex(a.shape))
    for idx in idxs[:max_checks] if max_checks else idxs:
        hi = [x.copy() for x in arrays]
        lo = [x.copy() for x in arrays]
        hi[i][idx] += EPS
        lo[i][idx] -= EPS
        out[idx] = (f(hi) - f(lo)) / (2 * EPS)
    return out, idxs[:max_checks] if max_checks else idxs


# ---- generic array-API code ----------------------------------------------------------------------
def _softmax(x):
    xp = x.__array_namespace__()
    m = xp.max(x, axis=-1, keepdims=True)
    e = xp.exp(xp.subtract(x, m))
    return xp.divide(e, xp.sum(e, axis=-1, keepdims=True))


def _mlp_loss(x, w1, b1, w2, y):
    xp = x.__array_namespace__()
    h = xp.tanh(xp.add(xp.matmul(x, w1), b1))
    logits = xp.matmul(h, w2)
    logp = logits - xp.log(xp.sum(xp.exp(logits), axis=-1, keepdims=True))
    return -xp.mean(xp.sum(logp * y, axis=-1))


def test_namespace_is_array_api_with_its_version(device):
    x = ag.ones(2, device=device)
    assert x.__array_namespace__() is xpa
    assert xpa.__array_api_version__ == "2024.12"


def test_generic_softmax_matches_numpy_and_finite_differences(device):
    a = np.random.default_rng(0).standard_normal((2, 3))
    w = np.random.default_rng(1).standard_normal((2, 3))
    x = _t(a, device, rg=True)
    out = _softmax(x)
    ref = np.exp(a - a.max(-1, keepdims=True))
    ref /= ref.sum(-1, keepdims=True)
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12)
    (out * _t(w, device)).sum().backward()

    def f(arrs):
        return float(np.sum(_softmax(_t(arrs[0], device)).numpy() * w))

    num, idxs = _fd_grad(f, [a], 0, max_checks=3 if device == "dask" else None)
    got = x.grad.numpy()
    for idx in idxs:
        np.testing.assert_allclose(got[idx], num[idx], atol=ATOL, rtol=RTOL)


def test_generic_mlp_loss_gradients_match_finite_differences(device):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((4, 3), (3, 5), (5,), (5, 2))]
    y = np.eye(2)[[0, 1, 1, 0]]
    ts = [_t(a, device, rg=True) for a in arrays]
    loss = _mlp_loss(*ts, _t(y, device))
    loss.backward()

    def f(arrs):
        return float(_mlp_loss(*[_t(a, device) for a in arrs], _t(y, device)).numpy())

    for i in range(4):
        num, idxs = _fd_grad(f, arrays, i, max_checks=2 if device == "dask" else None)
        got = ts[i].grad.numpy()
        for idx in idxs:
            np.testing.assert_allclose(got[idx], num[idx], atol=ATOL, rtol=RTOL)


# ---- create_graph: second derivatives through the kernel namespace -------------------------------
_SECOND = {
    "exp": lambda x, y: xpa.sum(xpa.exp(x)),
    "sin": lambda x, y: xpa.sum(xpa.sin(x) * y),
    "tanh": lambda x, y: xpa.sum(xpa.tanh(x)),
    "mul": lambda x, y: xpa.sum(x * x * y),
    "div": lambda x, y: xpa.sum(y / (x * x + 1.0)),
    "pow": lambda x, y: xpa.sum(xpa.pow(x, 3.0)),
    "sum": lambda x, y: xpa.sum(xpa.sum(x * x, axis=0) * xpa.sum(y, axis=0)),
    "mean": lambda x, y: xpa.mean(xpa.mean(x * y, axis=1) ** 2),
    "matmul": lambda x, y: xpa.sum(xpa.matmul(x, xpa.matrix_transpose(y)) ** 2),
}


@pytest.mark.parametrize("name", list(_SECOND))
def test_create_graph_second_derivative_matches_finite_differences(eager_device, name):
    f = _SECOND[name]
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    v = rng.standard_normal((2, 3))
    x = _t(a, eager_device, rg=True)
    (g,) = ag.autograd.grad(f(x, _t(b, eager_device)), x, create_graph=True)
    (hv,) = ag.autograd.grad(xpa.sum(g * _t(v, eager_device)), x)

    def grad_at(arr):
        xx = _t(arr, eager_device, rg=True)
        (gg,) = ag.autograd.grad(f(xx, _t(b, eager_device)), xx)
        return gg.numpy()

    num = (grad_at(a + EPS * v) - grad_at(a - EPS * v)) / (2 * EPS)
    np.testing.assert_allclose(hv.numpy(), num, atol=ATOL, rtol=RTOL)


def test_create_graph_second_derivative_on_dask():
    pytest.importorskip("dask")
    x = _t([0.3, -0.7], "dask", rg=True)
    (g,) = ag.autograd.grad(xpa.sum(xpa.tanh(x)), x, create_graph=True)
    (h,) = ag.autograd.grad(xpa.sum(g), x)
    t = np.tanh([0.3, -0.7])
    np.testing.assert_allclose(h.numpy(), -2 * t * (1 - t * t), rtol=1e-10)


# ---- the standard's type promotion ---------------------------------------------------------------
@pytest.mark.parametrize("a,b,want", [
    ("int8", "uint8", "int16"), ("int16", "uint16", "int32"), ("int8", "uint32", "int64"),
    ("uint8", "uint16", "uint16"), ("int32", "int64", "int64"), ("float32", "float64", "float64"),
    ("complex64", "float64", "complex128"), ("bool", "bool", "bool"),
])
def test_result_type_follows_the_standards_lattice(a, b, want):
    assert xpa.result_type(getattr(xpa, a), getattr(xpa, b)) is getattr(xpa, want)


def test_int8_plus_uint8_array_is_int16(device):
    out = xpa.add(ag.tensor([1, 2], dtype=ag.int8, device=device),
                  ag.tensor([3, 4], dtype=ag.uint8, device=device))
    assert out.dtype is ag.int16 and out.tolist() == [4, 6]


def test_0d_float64_array_promotes_a_float32_array(device):
    out = xpa.multiply(ag.ones(3, device=device), ag.tensor(2.0, dtype=ag.float64, device=device))
    assert out.dtype is ag.float64
    # PyTorch's rule (the Tensor operator) keeps float32
    assert (ag.ones(3, device=device) * ag.tensor(2.0, dtype=ag.float64, device=device)).dtype \
        is ag.float32


def test_python_scalars_take_the_arrays_dtype(device):
    assert xpa.add(ag.ones(2, dtype=ag.int16, device=device), 3).dtype is ag.int16
    assert xpa.multiply(ag.ones(2, device=device), 2.5).dtype is ag.float32
    assert xpa.result_type(xpa.float32, 1.0) is xpa.float32


def test_uint64_with_a_signed_integer_has_no_result_type():
    with pytest.raises(TypeError, match="no common integer dtype"):
        xpa.result_type(xpa.uint64, xpa.int64)


@pytest.mark.parametrize("f,t,want", [
    ("int8", "int16", True), ("int16", "int8", False), ("uint8", "int16", True),
    ("int8", "float32", False), ("float32", "complex64", True), ("float64", "float32", False),
    ("bool", "int8", False),
])
def test_can_cast_follows_the_promotion_lattice(f, t, want):
    assert xpa.can_cast(getattr(xpa, f), getattr(xpa, t)) is want


def test_finfo_and_iinfo_match_numpy():
    for name in ("float32", "float64"):
        fi, ref = xpa.finfo(getattr(xpa, name)), np.finfo(name)
        assert (fi.bits, fi.eps, fi.max, fi.min, fi.smallest_normal) == (
            ref.bits, float(ref.eps), float(ref.max), float(ref.min), float(ref.smallest_normal))
    assert xpa.finfo(xpa.complex64).dtype is xpa.float32
    for name in ("int8", "uint8", "int64", "uint32"):
        ii, ref = xpa.iinfo(getattr(xpa, name)), np.iinfo(name)
        assert (ii.bits, ii.min, ii.max) == (ref.bits, int(ref.min), int(ref.max))


def test_isdtype_kinds():
    assert xpa.isdtype(xpa.int8, "signed integer") and not xpa.isdtype(xpa.uint8, "signed integer")
    assert xpa.isdtype(xpa.uint16, ("real floating", "integral"))
    assert xpa.isdtype(xpa.complex64, "numeric") and not xpa.isdtype(xpa.bool, "numeric")
    assert xpa.isdtype(xpa.float32, xpa.float32)
    with pytest.raises(ValueError, match="unknown kind"):
        xpa.isdtype(xpa.float32, "floating")


# ---- signatures ----------------------------------------------------------------------------------
def test_reductions_take_axis_keepdims_and_correction(device):
    a = np.arange(12.0).reshape(3, 4)
    x = _t(a, device)
    np.testing.assert_allclose(xpa.sum(x, axis=(0, 1)).numpy(), a.sum())
    assert tuple(xpa.mean(x, axis=1, keepdims=True).shape) == (3, 1)
    np.testing.assert_allclose(xpa.std(x, axis=0, correction=1).numpy(), a.std(0, ddof=1))
    np.testing.assert_allclose(xpa.var(x).numpy(), a.var())
    np.testing.assert_allclose(xpa.max(x, axis=0).numpy(), a.max(0))
    np.testing.assert_allclose(xpa.min(x).numpy(), a.min())
    np.testing.assert_allclose(xpa.prod(x, axis=1).numpy(), a.prod(1))
    np.testing.assert_allclose(xpa.sum(x, axis=()).numpy(), a)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_var_and_std_over_no_axis_are_per_element(device):
    # axis=() reduces nothing (torch reads dim=() as every axis); NumPy is the reference
    a = np.arange(6.0).reshape(2, 3)
    x = _t(a, device)
    for c in (0.0, 1.0, 2.0):
        for f in ("var", "std"):
            got = getattr(xpa, f)(x, axis=(), correction=c, keepdims=True)
            np.testing.assert_array_equal(got.numpy(), getattr(np, f)(a, axis=(), ddof=c))


def test_sum_of_small_integers_uses_the_default_integer_dtype(device):
    assert xpa.sum(ag.ones(3, dtype=ag.int8, device=device)).dtype is ag.int64
    assert xpa.sum(ag.ones(3, dtype=ag.float32, device=device)).dtype is ag.float32


def test_cumulative_sum_include_initial(device):
    x = ag.tensor([1.0, 2.0, 3.0], device=device)
    assert xpa.cumulative_sum(x, include_initial=True).tolist() == [0.0, 1.0, 3.0, 6.0]
    assert xpa.cumulative_prod(x).tolist() == [1.0, 2.0, 6.0]


def test_sort_returns_values_and_argsort_descending(device):
    x = ag.tensor([3.0, 1.0, 2.0], device=device)
    out = xpa.sort(x, descending=True)
    assert isinstance(out, ag.Tensor) and out.tolist() == [3.0, 2.0, 1.0]
    assert xpa.argsort(x).tolist() == [1, 2, 0]


def test_sort_is_differentiable(eager_device):
    x = _t([3.0, 1.0, 2.0], eager_device, rg=True)
    (xpa.sort(x) * _t([1.0, 10.0, 100.0], eager_device)).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_manipulation_functions_match_numpy(device):
    a = np.arange(6.0).reshape(2, 3)
    x = _t(a, device)
    np.testing.assert_array_equal(xpa.permute_dims(x, (1, 0)).numpy(), a.T)
    np.testing.assert_array_equal(xpa.reshape(x, (3, 2)).numpy(), a.reshape(3, 2))
    np.testing.assert_array_equal(xpa.concat([x, x], axis=None).numpy(),
                                  np.concatenate([a.ravel()] * 2))
    np.testing.assert_array_equal(xpa.stack([x, x], axis=1).numpy(), np.stack([a, a], 1))
    np.testing.assert_array_equal(xpa.expand_dims(x, axis=-1).numpy(), a[..., None])
    np.testing.assert_array_equal(xpa.flip(x).numpy(), np.flip(a))
    np.testing.assert_array_equal(xpa.moveaxis(x, 0, 1).numpy(), np.moveaxis(a, 0, 1))
    np.testing.assert_array_equal(xpa.roll(x, 1).numpy(), np.roll(a, 1))
    np.testing.assert_array_equal(xpa.tile(x, (1, 2)).numpy(), np.tile(a, (1, 2)))
    np.testing.assert_array_equal(xpa.broadcast_to(x, (2, 2, 3)).numpy(),
                                  np.broadcast_to(a, (2, 2, 3)))
    assert [u.tolist() for u in xpa.unstack(x)] == a.tolist()
    np.testing.assert_array_equal(xpa.matrix_transpose(x).numpy(), a.T)
    np.testing.assert_array_equal(xpa.squeeze(xpa.expand_dims(x, axis=0), axis=0).numpy(), a)


def test_squeeze_of_a_non_singleton_axis_raises():
    with pytest.raises(ValueError, match="size 2, not 1"):
        xpa.squeeze(ag.ones(2, 3), axis=0)


def test_where_accepts_scalars_and_is_differentiable(device):
    x = _t([1.0, -2.0, 3.0], device, rg=True)
    out = xpa.where(xpa.greater(x, 0.0), x, 0.0)
    assert out.tolist() == [1.0, 0.0, 3.0]
    xpa.sum(out).backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]


def test_clip_gradient_goes_to_x_inside_the_interval(device):
    x = _t([-2.0, 0.5, 3.0], device, rg=True)
    out = xpa.clip(x, min=-1.0, max=1.0)
    assert out.tolist() == [-1.0, 0.5, 1.0]
    xpa.sum(out).backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


def test_tril_triu_values_and_gradients(device):
    a = np.arange(9.0).reshape(3, 3)
    x = _t(a, device, rg=True)
    np.testing.assert_array_equal(xpa.tril(x, k=-1).detach().numpy(), np.tril(a, -1))
    xpa.sum(xpa.triu(x)).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.triu(np.ones((3, 3))))


def test_searching_functions(device):
    x = ag.tensor([[0.0, 3.0], [2.0, 0.0]], device=device)
    assert xpa.argmax(x, axis=1).tolist() == [1, 0]
    assert xpa.argmin(x).tolist() == 0
    assert xpa.count_nonzero(x, axis=0).tolist() == [1, 1]
    assert xpa.searchsorted(ag.tensor([1.0, 2.0, 3.0], device=device),
                            ag.tensor([2.0], device=device), side="right").tolist() == [2]


def test_nonzero_and_set_functions(eager_device):
    x = ag.tensor([3, 1, 3, 0], device=eager_device)
    assert [i.tolist() for i in xpa.nonzero(x)] == [[0, 1, 2]]
    r = xpa.unique_all(x)
    assert r.values.tolist() == [0, 1, 3] and r.counts.tolist() == [1, 1, 2]
    assert r.indices.tolist() == [3, 1, 0]
    assert xpa.unique_inverse(x).inverse_indices.tolist() == [2, 1, 2, 0]
    assert xpa.unique_values(x).tolist() == [0, 1, 3]
    assert xpa.unique_counts(x).counts.tolist() == [1, 1, 2]


def test_utility_and_linear_algebra_functions(device):
    a = np.array([[1.0, 4.0, 9.0], [2.0, 2.0, 0.0]])
    x = _t(a, device)
    np.testing.assert_array_equal(xpa.diff(x, axis=1).numpy(), np.diff(a, axis=1))
    assert xpa.all(x, axis=1).tolist() == [True, False]
    assert xpa.any(x).tolist() is True
    np.testing.assert_allclose(xpa.vecdot(x, x).numpy(), (a * a).sum(-1))
    np.testing.assert_allclose(xpa.tensordot(x, x, axes=([1], [1])).numpy(), a @ a.T)


def test_take_and_take_along_axis(device):
    a = np.arange(6.0).reshape(2, 3)
    x = _t(a, device)
    idx = ag.tensor([2, 0], device=device)
    np.testing.assert_array_equal(xpa.take(x, idx, axis=1).numpy(), a[:, [2, 0]])
    ia = np.array([[0, 2], [1, 1]])
    np.testing.assert_array_equal(
        xpa.take_along_axis(x, ag.tensor(ia, device=device), axis=1).numpy(),
        np.take_along_axis(a, ia, 1))


def test_take_counts_negative_indices_from_the_end(device):
    a = np.arange(6.0).reshape(2, 3)
    x = _t(a, device)
    np.testing.assert_array_equal(xpa.take(x, ag.tensor([0, -1], device=device), axis=1).numpy(),
                                  a[:, [0, -1]])
    ia = np.array([[-1, 0], [-3, -2]])
    np.testing.assert_array_equal(
        xpa.take_along_axis(x, ag.tensor(ia, device=device), axis=-1).numpy(),
        np.take_along_axis(a, ia % 3, 1))


def test_arange_with_a_step_away_from_stop_is_empty(device):
    # the standard (and NumPy) give an empty range; ag.arange raises, as torch.arange does
    for args in ((1, 0, 1), (0, 10, -1), (0.0, -1.0, 0.5)):
        assert tuple(xpa.arange(*args, device=device).shape) == (0,)
    np.testing.assert_array_equal(xpa.arange(5, 0, -2, device=device).numpy(), [5, 3, 1])
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        ag.arange(0, 10, -1)


def test_creation_defaults(device):
    assert xpa.arange(3, device=device).dtype is ag.int64
    assert xpa.arange(0.0, 1.0, 0.5, device=device).dtype is ag.float32
    assert xpa.full((2,), 1.5, device=device).dtype is ag.float32
    assert xpa.full((2,), True, device=device).dtype is ag.bool
    np.testing.assert_allclose(xpa.linspace(0, 1, 4, endpoint=False, device=device).numpy(),
                               [0, 0.25, 0.5, 0.75])
    np.testing.assert_array_equal(xpa.eye(2, 3, k=1, device=device).numpy(), np.eye(2, 3, 1))
    x = xpa.zeros((2, 3), dtype=xpa.int32, device=device)
    assert xpa.ones_like(x).dtype is ag.int32 and tuple(xpa.empty_like(x).shape) == (2, 3)
    assert xpa.asarray([1.0, 2.0], device=device).dtype is ag.float32
    assert xpa.astype(x, xpa.float64).dtype is ag.float64


def test_meshgrid_matches_numpy(device):
    a, b = np.arange(2.0), np.arange(3.0)
    for ix in ("xy", "ij"):
        got = xpa.meshgrid(_t(a, device), _t(b, device), indexing=ix)
        for g, r in zip(got, np.meshgrid(a, b, indexing=ix), strict=True):
            np.testing.assert_array_equal(g.numpy(), r)


def test_from_dlpack_reads_a_numpy_array():
    a = np.arange(3.0)
    np.testing.assert_array_equal(xpa.from_dlpack(a).numpy(), a)


def test_elementwise_functions_without_gradient(device):
    x = ag.tensor([1.0, float("nan"), -math.inf], device=device)
    assert xpa.isnan(x).tolist() == [False, True, False]
    assert xpa.isfinite(x).tolist() == [True, False, False]
    assert xpa.signbit(x).tolist() == [False, False, True]
    i = ag.tensor([1, 6], dtype=ag.int32, device=device)
    assert xpa.bitwise_and(i, 3).tolist() == [1, 2]
    assert xpa.equal(i, 6).tolist() == [False, True]
    assert xpa.floor(i).dtype is ag.int32


def test_copysign_gradient_flows_to_the_magnitude(eager_device):
    x = _t([2.0, -3.0], eager_device, rg=True)
    out = xpa.copysign(x, _t([-1.0, -1.0], eager_device))
    assert out.tolist() == [-2.0, -3.0]
    xpa.sum(out).backward()
    assert x.grad.tolist() == [-1.0, 1.0]


def test_every_public_name_is_listed_in_all():
    for name in xpa.__all__:
        assert hasattr(xpa, name), name
    for name in ("sum", "reshape", "broadcast_to", "where", "zeros_like", "astype", "matmul",
                 "permute_dims", "concat", "take", "expand_dims", "moveaxis", "conj", "unstack"):
        assert name in xpa.__all__


# ---- inspection ----------------------------------------------------------------------------------
def test_array_namespace_info(device):
    info = xpa.__array_namespace_info__()
    caps = info.capabilities()
    assert set(caps) == {"boolean indexing", "data-dependent shapes", "max dimensions"}
    d = ag.device(device)
    assert info.default_dtypes(device=d) == {
        "real floating": ag.float32, "complex floating": ag.complex64,
        "integral": ag.int64, "indexing": ag.int64}
    floats = info.dtypes(device=d, kind="real floating")
    assert floats == {"float32": ag.float32, "float64": ag.float64}
    assert d in info.devices()
    assert info.default_device() == ag.device("cpu")
