"""arraygrad.linalg against torch.linalg: values and gradients (torch.linalg's backward formulas
for inv, solve, det, slogdet; real and complex), the composed functions, finite differences
(first and second order) on NumPy float64, and the error on a backend without the function."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.linalg as L
from tests._gradients import backward_both

_RNG = np.random.default_rng(0)


def _mat(shape, cplx=False):
    a = _RNG.standard_normal(shape) + (1j * _RNG.standard_normal(shape) if cplx else 0)
    return a + 3 * np.eye(shape[-1])  # well conditioned


def _cases(batched: bool):
    sh = (2, 3, 3) if batched else (3, 3)
    out = []
    for cplx in (False, True):
        a, b = _mat(sh, cplx), _RNG.standard_normal((3, 2)).astype(complex if cplx else float)
        out += [("inv", [a], {}), ("det", [a], {}), ("solve", [a, b], {}),
                ("solve", [a[..., 0, :, :] if batched else a, b[:, 0]], {}),
                ("matrix_power", [a], {"n": -3}), ("matrix_power", [a], {"n": 5}),
                ("vecdot", [a, np.ascontiguousarray(a[..., ::-1, :])], {"dim": -2})]
    a = _mat(sh)
    spd = a @ np.swapaxes(a, -1, -2) + np.eye(3)
    out += [("cholesky", [spd], {}), ("cholesky", [spd], {"upper": True}), ("slogdet", [a], {}),
            ("vector_norm", [a], {"ord": 3, "dim": (-1, -2)}),
            ("cross", [a, np.ascontiguousarray(a[..., ::-1])], {"dim": -1}),
            ("solve", [a, np.ascontiguousarray(a[..., :2, :])], {"left": False}),
            ("multi_dot", [[a[0, 0], a[0], np.ascontiguousarray(a[0, :, 1])]], {})]
    return out


def _check(device, torch, cases):
    for name, ins, kw in cases:
        xs = [[ag.tensor(v, device=device, requires_grad=True) for v in i] if isinstance(i, list)
              else ag.tensor(i, device=device, requires_grad=True) for i in ins]
        ts = [[torch.tensor(v, requires_grad=True) for v in i] if isinstance(i, list)
              else torch.tensor(i, requires_grad=True) for i in ins]
        got, want = getattr(L, name)(*xs, **kw), getattr(torch.linalg, name)(*ts, **kw)
        if name == "slogdet":
            got, want = got[1], want[1]
        np.testing.assert_allclose(got.detach().numpy(), want.detach().resolve_conj().numpy(),
                                   rtol=1e-9, atol=1e-9, err_msg=name)
        backward_both(want, got, device, _RNG, torch)
        flat = [x for i in xs for x in (i if isinstance(i, list) else [i])]
        tflat = [x for i in ts for x in (i if isinstance(i, list) else [i])]
        for x, t in zip(flat, tflat, strict=True):
            np.testing.assert_allclose(x.grad.numpy(), t.grad.resolve_conj().numpy(), rtol=1e-8,
                                       atol=1e-8, err_msg=f"gradient of {name} {kw}")


@pytest.mark.parity
def test_batched_values_and_gradients_match_torch(eager_device, torch):
    _check(eager_device, torch, _cases(batched=True))


@pytest.mark.parity
def test_dask_matrices_match_torch(torch):
    a, b = _mat((3, 3)), _RNG.standard_normal((3, 2))
    _check("dask", torch, [("inv", [a], {}), ("solve", [a, b], {}), ("solve", [a, b[:, 0]], {})])


def test_a_backend_without_the_function_says_so():
    with pytest.raises(RuntimeError, match=r"linalg\.det\(\): backend 'dask' .* no linalg\.det"):
        L.det(ag.ones((2, 2), device="dask"))
    with pytest.raises(RuntimeError, match=r"linalg\.inv\(\): backend 'dask' cannot .*\(2, 3, 3\)"):
        L.inv(ag.ones((2, 3, 3), device="dask"))
    with pytest.raises(RuntimeError, match="square matrices"):
        L.inv(ag.ones((2, 3)))


@pytest.mark.parametrize("name, n_in", [("inv", 1), ("det", 1), ("solve", 2), ("slogdet", 1),
                                        ("cholesky", 1)])
def test_finite_differences_first_and_second_order(name, n_in):
    rng = np.random.default_rng(2)
    ins = [ag.tensor(rng.standard_normal((3, 3)) + 3 * np.eye(3), requires_grad=True)]
    if n_in == 2:
        ins.append(ag.tensor(rng.standard_normal((3, 2)), requires_grad=True))
    f = {"slogdet": lambda a: L.slogdet(a)[1],  # a symmetric positive-definite parametrization
         "cholesky": lambda a: L.cholesky(a @ a.mT + ag.eye(3, dtype=a.dtype))}.get(
        name, getattr(L, name))
    assert ag.autograd.gradcheck(f, tuple(ins))
    assert ag.autograd.gradgradcheck(f, tuple(ins))


@pytest.mark.parity
@pytest.mark.parametrize("cplx", [False, True])
def test_eigh_matches_torch_on_a_gauge_invariant_loss(eager_device, torch, cplx):
    h = _RNG.standard_normal((2, 3, 3)) + (1j * _RNG.standard_normal((2, 3, 3)) if cplx else 0)
    h = h + np.conj(np.swapaxes(h, -1, -2))
    x = ag.tensor(h, device=eager_device, requires_grad=True)
    t = torch.tensor(h, requires_grad=True)
    (w, v), (tw, tv) = L.eigh(x), torch.linalg.eigh(t)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(L.eigvalsh(x, "U").detach().numpy(), tw.detach().numpy(),
                               rtol=1e-10)
    c, gw = _RNG.standard_normal((2, 3, 3)), _RNG.standard_normal((2, 3))
    # |v|^2 does not depend on each eigenvector's phase (the gauge)
    ((tw * torch.tensor(gw)).sum() + (tv.abs() ** 2 * torch.tensor(c)).sum()).backward()
    ((w * ag.tensor(gw, device=eager_device)).sum()
     + (v.abs() ** 2 * ag.tensor(c, device=eager_device)).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.resolve_conj().numpy(), rtol=1e-8,
                               atol=1e-8)


def test_eigh_finite_differences_first_and_second_order():
    x = ag.tensor(np.diag([1.0, 2.0, 4.0]) + 0.1, requires_grad=True)
    for f in (lambda a: L.eigvalsh(a + a.mT), lambda a: L.eigh(a + a.mT)[1].abs() ** 2):
        assert ag.autograd.gradcheck(f, (x,))
        assert ag.autograd.gradgradcheck(f, (x,))


@pytest.mark.parity
@pytest.mark.parametrize("cplx", [False, True])
@pytest.mark.parametrize("shape", [(2, 4, 3), (3, 5), (3, 3)])
def test_svd_matches_torch_on_gauge_invariant_losses(eager_device, torch, cplx, shape):
    h = _RNG.standard_normal(shape) + (1j * _RNG.standard_normal(shape) if cplx else 0)
    for which in ("S", "U", "Vh", "all"):
        x = ag.tensor(h, device=eager_device, requires_grad=True)
        t = torch.tensor(h, requires_grad=True)
        got, want = L.svd(x, full_matrices=False), torch.linalg.svd(t, full_matrices=False)
        np.testing.assert_allclose(got[1].detach().numpy(), want[1].detach().numpy(), rtol=1e-10)
        ws = [_RNG.standard_normal(tuple(w.shape)) for w in want]

        def loss(outs, wrap):  # |U|^2 and |Vh|^2 do not depend on the singular vectors' phases
            u, s, vh = outs
            terms = {"S": (s * wrap(ws[1])).sum(), "U": (u.abs() ** 2 * wrap(ws[0])).sum(),
                     "Vh": (vh.abs() ** 2 * wrap(ws[2])).sum()}
            return sum(terms.values()) if which == "all" else terms[which]
        loss(want, torch.tensor).backward()
        loss(got, lambda a: ag.tensor(a, device=eager_device)).backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.resolve_conj().numpy(), rtol=1e-7,
                                   atol=1e-8, err_msg=which)


@pytest.mark.parity
@pytest.mark.parametrize("name, kw", [("svdvals", {}), ("pinv", {}), ("matrix_rank", {}),
                                      ("matrix_norm", {"ord": "fro"}),
                                      ("matrix_norm", {"ord": "nuc"}), ("matrix_norm", {"ord": 2}),
                                      ("matrix_norm", {"ord": -2}), ("matrix_norm", {"ord": 1}),
                                      ("matrix_norm", {"ord": -math.inf, "keepdim": True}),
                                      ("norm", {}), ("norm", {"ord": math.inf, "dim": (-2, -1)}),
                                      ("norm", {"ord": 3, "dim": -1})])
def test_svd_based_functions_match_torch(eager_device, torch, name, kw):
    for shape in ((2, 4, 3), (3, 5)):
        h = _RNG.standard_normal(shape)
        x = ag.tensor(h, device=eager_device, requires_grad=True)
        t = torch.tensor(h, requires_grad=True)
        got, want = getattr(L, name)(x, **kw), getattr(torch.linalg, name)(t, **kw)
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-9,
                                   atol=1e-10)
        if name != "matrix_rank":
            w = _RNG.standard_normal(tuple(want.shape))
            (want * torch.tensor(w)).sum().backward()
            (got * ag.tensor(w, device=eager_device)).sum().backward()
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-7, atol=1e-9)



@pytest.mark.parity
@pytest.mark.parametrize("name", ["pinv", "matrix_rank"])
def test_pinv_and_rank_of_empty_matrices_and_batched_tolerances_match_torch(eager_device, torch,
                                                                           name):
    for shape in ((0, 1, 1), (2, 0, 3), (2, 3, 0), (0, 0), (3, 0), (1, 0, 1)):
        got = getattr(L, name)(ag.zeros(shape, device=eager_device, dtype=ag.float64))
        want = getattr(torch.linalg, name)(torch.zeros(shape, dtype=torch.float64))
        assert tuple(got.shape) == tuple(want.shape), shape
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    h, rtol, atol = _RNG.standard_normal((2, 3, 3)), np.array([0.1, 0.9]), np.array([0.5, 0.01])
    got = getattr(L, name)(ag.tensor(h, device=eager_device),
                           rtol=ag.tensor(rtol, device=eager_device),
                           atol=ag.tensor(atol, device=eager_device))
    want = getattr(torch.linalg, name)(torch.tensor(h), rtol=torch.tensor(rtol),
                                       atol=torch.tensor(atol))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)


_SINGULAR = [[[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]],
             [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]


@pytest.mark.parity
@pytest.mark.parametrize("a", _SINGULAR, ids=range(len(_SINGULAR)))
def test_det_gradient_at_a_singular_matrix_matches_torch(eager_device, torch, a):
    # PyTorch: 0 for the first derivative (g conj(det) A^-H with det 0), the cofactors through the
    # SVD under create_graph; second derivatives where the SVD's backward is defined
    a, device = np.array(a), eager_device
    x, t = ag.tensor(a, device=device, requires_grad=True), torch.tensor(a, requires_grad=True)
    L.det(x).backward()
    torch.linalg.det(t).backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    x, t = ag.tensor(a, device=device, requires_grad=True), torch.tensor(a, requires_grad=True)
    (gx,) = ag.autograd.grad(L.det(x), x, create_graph=True)
    (gt,) = torch.autograd.grad(torch.linalg.det(t), t, create_graph=True)
    np.testing.assert_allclose(gx.detach().numpy(), gt.detach().numpy(), rtol=1e-12, atol=1e-13)
    (gx ** 2).sum().backward()
    (gt ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-10)

def test_svd_finite_differences_first_and_second_order():
    x = ag.tensor(np.random.default_rng(3).standard_normal((4, 3)), requires_grad=True)
    f = lambda a: (lambda r: (r[1], r[0].abs() ** 2, r[2].abs() ** 2))(  # noqa: E731
        L.svd(a, full_matrices=False))
    assert ag.autograd.gradcheck(f, (x,))
    assert ag.autograd.gradgradcheck(f, (x,))
    with pytest.raises(RuntimeError, match="full_matrices=False"):
        L.svd(x)


@pytest.mark.parity
@pytest.mark.parametrize("cplx", [False, True])
@pytest.mark.parametrize("shape", [(2, 4, 3), (2, 3, 4), (3, 3)])
def test_qr_matches_torch(eager_device, torch, cplx, shape):
    h = _RNG.standard_normal(shape) + (1j * _RNG.standard_normal(shape) if cplx else 0)
    x = ag.tensor(h, device=eager_device, requires_grad=True)
    t = torch.tensor(h, requires_grad=True)
    (q, r), (tq, tr) = L.qr(x), torch.linalg.qr(t)
    np.testing.assert_allclose(q.detach().numpy(), tq.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r.detach().numpy(), tr.detach().numpy(), rtol=1e-9, atol=1e-12)
    c1, c2 = (_RNG.standard_normal(tuple(v.shape)) for v in (tq, tr))
    ((tq * torch.tensor(c1)).real.sum() + (tr * torch.tensor(c2)).real.sum()).backward()
    a, b = q * ag.tensor(c1, device=eager_device), r * ag.tensor(c2, device=eager_device)
    ((a.real if cplx else a).sum() + (b.real if cplx else b).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.resolve_conj().numpy(), rtol=1e-7,
                               atol=1e-8)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4)])
def test_qr_finite_differences_first_and_second_order(shape):
    x = ag.tensor(np.random.default_rng(4).standard_normal(shape), requires_grad=True)
    assert ag.autograd.gradcheck(L.qr, (x,))
    assert ag.autograd.gradgradcheck(L.qr, (x,))
    with pytest.raises(RuntimeError, match="derivative of mode='r'"):
        L.qr(x, "r")
