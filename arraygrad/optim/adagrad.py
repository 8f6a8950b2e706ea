"""`Adagrad` (`torch.optim.Adagrad`)."""

from __future__ import annotations

from .optimizer import Optimizer, _check_lr, _check_nonneg, _scalar

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (`torch.optim.Adagrad`): per-element step sizes from the sum of squared
    gradients; takes sparse gradients (without weight decay, as PyTorch).

    g  = ∇f(θ) (−∇f(θ) under maximize) + λ θ        γ̃ = γ / (1 + (t − 1) η)   (lr_decay η)
    s  = s + g²                                     (s starts at initial_accumulator_value)
    θ  = θ − γ̃ g / (√s + ε)
    """

    _sparse_ok = True

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        _check_nonneg("lr_decay", lr_decay)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("initial_accumulator_value", initial_accumulator_value)
        _check_nonneg("epsilon", eps)
        super().__init__(params, dict(
            lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, foreach=foreach,
            maximize=maximize, differentiable=differentiable, fused=fused))
        for group in self.param_groups:  # PyTorch fills the state when it is built
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _init_state(self, p, state, group):
        state["step"] = 0.0
        state["sum"] = self._zeros(p, float(group["initial_accumulator_value"]))

    def _update(self, p, grad, state, group):
        lr, wd = _scalar(group["lr"]), _scalar(group["weight_decay"])
        if wd != 0 and grad.is_sparse:
            raise RuntimeError("weight_decay option is not compatible with sparse gradients")
        P, s = self._open(p, state, "sum")
        # a sparse gradient updates the rows it holds; densified, the others get g = 0 (no change)
        g = self._grad(p, grad, group["maximize"])
        state["step"] = t = state["step"] + 1
        if wd != 0:
            g = g + wd * P
        clr = lr / (1 + (t - 1) * group["lr_decay"])
        s += g * g
        std = p._dev.xp.sqrt(s)
        std += group["eps"]
        P -= clr * (g / std)
        self._close(p, P, state, sum=s)
