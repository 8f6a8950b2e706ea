"""`Rprop` (`torch.optim.Rprop`): resilient backpropagation."""

from __future__ import annotations

from .optimizer import Optimizer, _check_lr, _scalar

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Rprop (`torch.optim.Rprop`): per-element step sizes grown or shrunk by the sign of
    successive gradients; only the sign of the gradient moves θ.

    s  = sign(g · g_prev);   η = η+ where s > 0, η− where s < 0, else 1       (etas (η−, η+))
    Δ  = clip(Δ η, Δmin, Δmax)                                               (Δ starts at lr)
    g  = 0 where s < 0;      θ = θ − sign(g) Δ;      g_prev = g
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _init_state(self, p, state, group):
        state["step"] = 0.0
        state["prev"] = self._zeros(p)
        state["step_size"] = self._zeros(p, float(_scalar(group["lr"])))

    def _update(self, p, grad, state, group):
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        xp = p._dev.xp
        P, prev, size = self._open(p, state, "prev", "step_size")
        g = self._grad(p, grad, group["maximize"])
        state["step"] += 1
        s = xp.sign(g * prev)
        full = xp.full_like
        factor = xp.where(s > 0, full(s, etaplus), xp.where(s < 0, full(s, etaminus),
                                                             xp.ones_like(s)))
        size *= factor
        size[...] = xp.clip(size, lo, hi)
        g = xp.where(factor == etaminus, xp.zeros_like(g), g)
        P -= xp.sign(g) * size
        prev[...] = g
        self._close(p, P, state, prev=prev, step_size=size)
