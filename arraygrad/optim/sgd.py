"""`SGD`: stochastic gradient descent with optional momentum (`torch.optim.SGD`)."""

from __future__ import annotations

from ..core.tensor import _wrap
from .optimizer import Optimizer, _check_lr, _check_nonneg, _scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (`torch.optim.SGD`); takes sparse gradients.

    g  = ∇f(θ) (−∇f(θ) under maximize) + λ θ                       (weight_decay λ)
    b  = g on the first step, else b = μ b + (1 − τ) g            (momentum μ, dampening τ)
    g  = g + μ b (nesterov) or g = b                               (when μ ≠ 0)
    θ  = θ − γ g                                                   (lr γ)
    """

    _sparse_ok = True
    _complex_ok = True  # a linear rule: right for complex numbers as it stands

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        _check_lr(lr)
        _check_nonneg("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update(self, p, grad, state, group):
        lr, mu, wd = _scalar(group["lr"]), group["momentum"], _scalar(group["weight_decay"])
        (P,) = self._open(p, state)
        g = self._grad(p, grad, group["maximize"])
        if wd != 0:
            g = g + wd * P
        if mu == 0:
            P -= lr * g
            self._close(p, P)
            return
        if state.get("momentum_buffer") is None:
            b = p._dev.xp.asarray(g, copy=True)
            state["momentum_buffer"] = _wrap(b, p._dev)
        else:
            (_, b) = self._open(p, state, "momentum_buffer")
            b *= mu
            dampening = group["dampening"]
            b += g if dampening == 0 else (1 - dampening) * g
        g = g + mu * b if group["nesterov"] else b
        P -= lr * g
        self._close(p, P, state, momentum_buffer=b)
