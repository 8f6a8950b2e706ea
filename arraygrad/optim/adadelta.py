"""`Adadelta` (`torch.optim.Adadelta`)."""

from __future__ import annotations

from .optimizer import Optimizer, _check_lr, _check_nonneg, _scalar

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (`torch.optim.Adadelta`): steps scaled by running averages of squared
    gradients and squared updates.

    g  = ∇f(θ) (−∇f(θ) under maximize) + λ θ
    v  = ρ v + (1 − ρ) g²
    Δ  = √(u + ε) / √(v + ε) · g
    u  = ρ u + (1 − ρ) Δ²
    θ  = θ − γ Δ
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonneg("epsilon", eps)
        _check_nonneg("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, capturable=capturable, foreach=foreach,
                                      differentiable=differentiable))

    def _init_state(self, p, state, group):
        state["step"] = 0.0
        state["square_avg"] = self._zeros(p)
        state["acc_delta"] = self._zeros(p)

    def _update(self, p, grad, state, group):
        lr, wd, rho, eps = _scalar(group["lr"]), group["weight_decay"], group["rho"], group["eps"]
        xp = p._dev.xp
        P, v, u = self._open(p, state, "square_avg", "acc_delta")
        g = self._grad(p, grad, group["maximize"])
        state["step"] += 1
        if wd != 0:
            g = g + wd * P
        v *= rho
        v += (1 - rho) * g * g
        delta = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * delta * delta
        P -= lr * delta
        self._close(p, P, state, square_avg=v, acc_delta=u)
