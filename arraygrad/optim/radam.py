"""`RAdam` (`torch.optim.RAdam`): rectified Adam."""

from __future__ import annotations

from .optimizer import (Optimizer, _adam_decay, _adam_moments, _check_betas, _check_lr,
                        _check_nonneg, _scalar)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam (`torch.optim.RAdam`): Adam whose adaptive step is switched on once the variance
    of the second moment is tractable.

    m  = β1 m + (1 − β1) g,   v = β2 v + (1 − β2) g²,   m̂ = m / (1 − β1ᵗ)
    ρ∞ = 2 / (1 − β2) − 1,    ρₜ = ρ∞ − 2 t β2ᵗ / (1 − β2ᵗ)
    ρₜ > 5:  r = √((ρₜ − 4)(ρₜ − 2) ρ∞ / ((ρ∞ − 4)(ρ∞ − 2) ρₜ)),
             θ = θ − γ m̂ r √(1 − β2ᵗ) / (√v + ε)
    else:    θ = θ − γ m̂
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        super().__init__(params, dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
            foreach=foreach, capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def _init_state(self, p, state, group):
        state["step"] = 0.0
        state["exp_avg"] = self._zeros(p)
        state["exp_avg_sq"] = self._zeros(p)

    def _update(self, p, grad, state, group):
        lr, wd, eps = _scalar(group["lr"]), group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        P, m, v = self._open(p, state, "exp_avg", "exp_avg_sq")
        g = self._grad(p, grad, group["maximize"])
        state["step"] = t = state["step"] + 1
        P, g = _adam_decay(P, g, lr, wd, group["decoupled_weight_decay"])
        m, v = _adam_moments(m, v, g, beta1, beta2)
        bias_correction1 = 1 - beta1**t
        bias_correction2 = 1 - beta2**t
        m_hat = m / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * (beta2**t) / bias_correction2
        if rho_t > 5.0:  # Python floats: no device read
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            denom = p._dev.xp.sqrt(v)
            denom += eps
            P -= m_hat * lr * ((bias_correction2**0.5) / denom) * rect
        else:
            P -= m_hat * lr
        self._close(p, P, state, exp_avg=m, exp_avg_sq=v)
