"""`Adam` (`torch.optim.Adam`), with AMSGrad and coupled or decoupled weight decay."""

from __future__ import annotations

from ..core.tensor import Tensor
from .optimizer import (Optimizer, _adam_decay, _adam_moments, _check_betas, _check_lr,
                        _check_nonneg, _scalar)

__all__ = ["Adam"]


class Adam(Optimizer):
    r"""Adam (`torch.optim.Adam`): adaptive moment estimation.

    g  = ∇f(θ) (−∇f(θ) under maximize);  g = g + λ θ   or, decoupled, θ = θ (1 − γ λ)
    m  = β1 m + (1 − β1) g                  v = β2 v + (1 − β2) g²
    v̂  = max(v̂, v) (amsgrad) or v̂ = v       t = the step number
    θ  = θ − γ / (1 − β1ᵗ) · m / (√v̂ / √(1 − β2ᵗ) + ε)
    """

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and "
                             "foreach=True")
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        if not (all(isinstance(b, float) for b in betas)
                or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, b in enumerate(betas):
            if isinstance(b, Tensor) and b.numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(_scalar(b) for b in betas)
        super().__init__(params, dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, foreach=foreach, capturable=capturable,
            differentiable=differentiable, fused=fused,
            decoupled_weight_decay=decoupled_weight_decay or self._decoupled))

    def _sparse_message(self) -> str:
        return (f"{type(self).__name__} does not support sparse gradients, please consider "
                "SparseAdam instead")

    def _init_state(self, p, state, group):
        state["step"] = 0.0
        state["exp_avg"] = self._zeros(p)
        state["exp_avg_sq"] = self._zeros(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = self._zeros(p)

    def _update(self, p, grad, state, group):
        lr, wd, eps = _scalar(group["lr"]), _scalar(group["weight_decay"]), group["eps"]
        beta1, beta2 = group["betas"]
        amsgrad = group["amsgrad"]
        keys = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
        P, m, v, *vmax = self._open(p, state, *keys)
        g = self._grad(p, grad, group["maximize"])
        state["step"] = t = state["step"] + 1
        P, g = _adam_decay(P, g, lr, wd, group["decoupled_weight_decay"])
        m, v = _adam_moments(m, v, g, beta1, beta2)
        step_size = lr / (1 - beta1**t)
        bias_correction2_sqrt = (1 - beta2**t) ** 0.5
        xp = p._dev.xp
        if amsgrad:
            vmax = vmax[0]
            vmax[...] = xp.maximum(vmax, v)
            denom = xp.sqrt(vmax)
        else:
            denom = xp.sqrt(v)
        denom /= bias_correction2_sqrt  # in place on the temporaries: one array less per step
        denom += eps
        update = m / denom
        update *= step_size
        P -= update
        new = dict(exp_avg=m, exp_avg_sq=v)
        if amsgrad:
            new["max_exp_avg_sq"] = vmax
        self._close(p, P, state, **new)
