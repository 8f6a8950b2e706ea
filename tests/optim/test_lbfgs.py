"""LBFGS against PyTorch's (the same iterates, with and without the strong-Wolfe search)."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import optim


def _rosenbrock(lib, x):
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


@pytest.mark.parity
@pytest.mark.parametrize("kw", [dict(), dict(line_search_fn="strong_wolfe"),
                                dict(lr=0.5, history_size=3, max_iter=7),
                                dict(line_search_fn="strong_wolfe", history_size=2, max_iter=30)])
def test_iterates_match_torch(torch, kw):
    x0 = np.array([-1.2, 1.0, 0.5, -0.3])
    tx = torch.tensor(x0, requires_grad=True)
    ax = ag.tensor(x0, dtype=ag.float64, requires_grad=True)
    topt, aopt = torch.optim.LBFGS([tx], **kw), optim.LBFGS([ax], **kw)

    def closure(opt, x, lib):
        def f():
            opt.zero_grad()
            loss = _rosenbrock(lib, x)
            loss.backward()
            return loss
        return f

    for _ in range(3):
        tl = topt.step(closure(topt, tx, torch))
        al = aopt.step(closure(aopt, ax, ag))
        assert al.item() == pytest.approx(tl.item(), rel=1e-9)
        np.testing.assert_allclose(ax.detach().numpy(), tx.detach().numpy(), rtol=1e-9,
                                   atol=1e-12)
    ts, st = topt.state[tx], aopt.state[ax]
    assert st["func_evals"] == ts["func_evals"] and st["n_iter"] == ts["n_iter"]


def test_step_without_closure_raises():
    with pytest.raises(RuntimeError, match="closure"):
        optim.LBFGS([ag.zeros(2, requires_grad=True)]).step()


def test_unknown_line_search_raises():
    x = ag.ones(2, dtype=ag.float64, requires_grad=True)
    opt = optim.LBFGS([x], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
