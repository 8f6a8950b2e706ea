"""`ASGD` (`torch.optim.ASGD`): averaged stochastic gradient descent."""

from __future__ import annotations

from .optimizer import Optimizer, _check_lr, _check_nonneg, _scalar

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""Averaged SGD (`torch.optim.ASGD`); the average lives in `state[p]['ax']`.

    g  = ∇f(θ) (−∇f(θ) under maximize) + λ θ
    θ  = θ (1 − λ_d η) − η g                                      (lambd λ_d)
    ax = θ if μ = 1, else ax + μ (θ − ax)
    η  = γ / (1 + λ_d γ t)^α        μ = 1 / max(1, t − t0)
    η and μ are Python numbers here (PyTorch keeps 0-d tensors of the default dtype).
    """

    _complex_ok = True  # a linear rule: right for complex numbers as it stands

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonneg("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _init_state(self, p, state, group):
        state["step"] = 0.0
        state["eta"] = float(_scalar(group["lr"]))
        state["mu"] = 1.0
        state["ax"] = self._zeros(p)

    def _update(self, p, grad, state, group):
        lr, wd, lambd = _scalar(group["lr"]), group["weight_decay"], group["lambd"]
        P, ax = self._open(p, state, "ax")
        g = self._grad(p, grad, group["maximize"])
        state["step"] = t = state["step"] + 1
        if wd != 0:
            g = g + wd * P
        eta, mu = state["eta"], state["mu"]
        P *= 1 - lambd * eta
        P -= eta * g
        if mu != 1:
            ax += (P - ax) * mu
        else:
            ax[...] = P
        state["eta"] = lr / ((1 + lambd * lr * t) ** group["alpha"])
        state["mu"] = 1 / max(1, t - group["t0"])
        self._close(p, P, state, ax=ax)
