"""`Adamax` (`torch.optim.Adamax`)."""

from __future__ import annotations

from .optimizer import Optimizer, _check_betas, _check_lr, _check_nonneg, _scalar

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax (`torch.optim.Adamax`): Adam with the infinity norm in place of the second moment.

    g  = ∇f(θ) (−∇f(θ) under maximize) + λ θ
    m  = β1 m + (1 − β1) g          u = max(β2 u, |g| + ε)
    θ  = θ − γ / (1 − β1ᵗ) · m / u
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _init_state(self, p, state, group):
        state["step"] = 0.0
        state["exp_avg"] = self._zeros(p)
        state["exp_inf"] = self._zeros(p)

    def _update(self, p, grad, state, group):
        lr, wd, eps = _scalar(group["lr"]), group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        xp = p._dev.xp
        P, m, u = self._open(p, state, "exp_avg", "exp_inf")
        g = self._grad(p, grad, group["maximize"])
        state["step"] = t = state["step"] + 1
        if wd != 0:
            g = g + wd * P
        m += (1 - beta1) * (g - m)
        u *= beta2
        u[...] = xp.maximum(u, xp.abs(g) + eps)
        P -= lr / (1 - beta1**t) * (m / u)
        self._close(p, P, state, exp_avg=m, exp_inf=u)
