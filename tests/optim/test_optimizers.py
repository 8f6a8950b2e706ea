"""Every optimizer's update, step by step, against PyTorch (float64, rtol 1e-12) on NumPy and
array-api-strict, and on Dask against the NumPy backend (fewer steps: each Dask step builds and
persists a graph); each converges on a small convex problem and trains a tiny network."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import optim

from ._cases import CONVERGE, PARITY

SHAPES = [(3, 4), (5,), ()]
STEPS = 8


def _data(seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    return init, grads


@pytest.fixture
def torch64(torch):
    """torch with float64 defaults (its 0-d optimizer state, ASGD's eta and mu, NAdam's
    mu_product, is of the default dtype; arraygrad keeps those as Python floats)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


@pytest.mark.parity
@pytest.mark.parametrize("name, kw", PARITY, ids=[f"{n}-{i}" for i, (n, _) in enumerate(PARITY)])
def test_update_matches_torch_step_by_step(torch64, eager_device, name, kw):
    torch, device = torch64, eager_device
    init, grads = _data()
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    ap = [ag.tensor(a, dtype=ag.float64, device=device, requires_grad=True) for a in init]
    topt, aopt = getattr(torch.optim, name)(tp, **kw), getattr(optim, name)(ap, **kw)
    for gs in grads:
        for t, a, g in zip(tp, ap, gs, strict=True):
            t.grad = torch.tensor(g)
            a.grad = ag.tensor(g, dtype=ag.float64, device=device)
        topt.step()
        aopt.step()
        for t, a in zip(tp, ap, strict=True):
            np.testing.assert_allclose(a.detach().cpu().numpy(), t.detach().numpy(),
                                       rtol=1e-12, atol=1e-15)
    assert all(a.device == ag.device(device) for a in ap)


def _run(name, kw, device, steps):
    init, grads = _data()
    ps = [ag.tensor(init[0], dtype=ag.float64, device=device, requires_grad=True)]
    opt = getattr(optim, name)(ps, **kw)
    out = []
    for gs in grads[:steps]:
        ps[0].grad = ag.tensor(gs[0], dtype=ag.float64, device=device)
        opt.step()
        out.append(ps[0].detach().cpu().numpy().copy())  # NumPy: the live, updated array
    return out


def test_dask_steps_match_numpy():
    """Every optimizer (its first configuration) takes the same steps on Dask as on NumPy."""
    seen = set()
    for name, kw in PARITY:
        if name in seen:
            continue
        seen.add(name)
        for a, b in zip(_run(name, kw, "dask", 2), _run(name, kw, "cpu", 2), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=name)


def _quadratic(device):
    """f(x) = Σ w (x − c)²: a convex bowl with minimum 0 at c."""
    w = ag.tensor([1.0, 2.0, 0.5, 1.5], dtype=ag.float64, device=device)
    c = ag.tensor([1.0, -2.0, 0.5, 3.0], dtype=ag.float64, device=device)
    x = ag.zeros(4, dtype=ag.float64, device=device, requires_grad=True)
    return x, lambda: (w * (x - c) ** 2).sum()


@pytest.mark.parametrize("name", sorted(CONVERGE))
def test_converges_on_a_convex_problem(eager_device, name):
    x, f = _quadratic(eager_device)
    opt = getattr(optim, name)([x], **CONVERGE[name])
    first = f().item()
    for _ in range(40):
        opt.zero_grad()
        loss = f()
        loss.backward()
        opt.step()
    assert f().item() < 0.05 * first, name


def test_converges_on_dask():
    x, f = _quadratic("dask")
    opt = optim.SGD([x], **CONVERGE["SGD"])
    first = f().item()
    for _ in range(12):
        opt.zero_grad()
        f().backward()
        opt.step()
    assert f().item() < 0.1 * first


def test_lbfgs_converges_on_a_convex_problem(eager_device):
    x, f = _quadratic(eager_device)
    opt = optim.LBFGS([x], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = f()
        loss.backward()
        return loss

    opt.step(closure)
    assert f().item() < 1e-10


@pytest.mark.parametrize("name", sorted(CONVERGE) + ["LBFGS"])
def test_trains_a_tiny_network(name):
    ag.manual_seed(0)
    x = ag.randn(32, 3, dtype=ag.float64)
    y = (x[:, :1] * 2 - x[:, 1:2] + 0.5 * x[:, 2:3]).tanh()
    w1 = (ag.randn(3, 8, dtype=ag.float64) * 0.5).requires_grad_()
    b1 = ag.zeros(8, dtype=ag.float64, requires_grad=True)
    w2 = (ag.randn(8, 1, dtype=ag.float64) * 0.5).requires_grad_()
    params = [w1, b1, w2]
    kw = dict(CONVERGE.get(name, {}))
    if name in ("Adadelta",):
        kw["lr"] = 1.0
    opt = getattr(optim, name)(params, **kw)

    def closure():
        opt.zero_grad()
        loss = (((x @ w1 + b1).tanh() @ w2 - y) ** 2).mean()
        loss.backward()
        return loss

    first = closure().item()
    for _ in range(3 if name == "LBFGS" else 60):
        opt.step(closure)
    assert closure().item() < 0.5 * first, name
