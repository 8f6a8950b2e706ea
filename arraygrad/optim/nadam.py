"""`NAdam` (`torch.optim.NAdam`): Adam with Nesterov momentum."""

from __future__ import annotations

from .optimizer import (Optimizer, _adam_decay, _adam_moments, _check_betas, _check_lr,
                        _check_nonneg, _scalar)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam (`torch.optim.NAdam`).

    g  = ∇f(θ) (−∇f(θ) under maximize);  g = g + λ θ   or, decoupled, θ = θ (1 − γ λ)
    μₜ = β1 (1 − ½ · 0.96^(t ψ))   (momentum_decay ψ);   Πₜ = Π μᵢ over steps i ≤ t
    m  = β1 m + (1 − β1) g,   v = β2 v + (1 − β2) g²,   d = √(v / (1 − β2ᵗ)) + ε
    θ  = θ − γ (1 − μₜ) / (1 − Πₜ) · g / d − γ μₜ₊₁ / (1 − Πₜ μₜ₊₁) · m / d
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("momentum_decay", momentum_decay)
        super().__init__(params, dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize, foreach=foreach, capturable=capturable,
            differentiable=differentiable))

    def _init_state(self, p, state, group):
        state["step"] = 0.0
        state["mu_product"] = 1.0
        state["exp_avg"] = self._zeros(p)
        state["exp_avg_sq"] = self._zeros(p)

    def _update(self, p, grad, state, group):
        lr, wd, eps = _scalar(group["lr"]), group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        psi = group["momentum_decay"]
        P, m, v = self._open(p, state, "exp_avg", "exp_avg_sq")
        g = self._grad(p, grad, group["maximize"])
        state["step"] = t = state["step"] + 1
        bias_correction2 = 1 - beta2**t
        P, g = _adam_decay(P, g, lr, wd, group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
        state["mu_product"] = prod = state["mu_product"] * mu
        m, v = _adam_moments(m, v, g, beta1, beta2)
        denom = p._dev.xp.sqrt(v / bias_correction2)
        denom += eps
        P += (-lr * (1.0 - mu) / (1.0 - prod)) * (g / denom)
        P += ((-lr * mu_next) / (1.0 - prod * mu_next)) * (m / denom)
        self._close(p, P, state, exp_avg=m, exp_avg_sq=v)
