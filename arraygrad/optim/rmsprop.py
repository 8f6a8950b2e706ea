"""`RMSprop` (`torch.optim.RMSprop`)."""

from __future__ import annotations

from .optimizer import Optimizer, _check_lr, _check_nonneg, _scalar

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (`torch.optim.RMSprop`), optionally centered and with momentum.

    g  = ∇f(θ) (−∇f(θ) under maximize) + λ θ
    v  = α v + (1 − α) g²
    a  = √(v − ḡ²) + ε with ḡ = α ḡ + (1 − α) g (centered), else a = √v + ε
    b  = μ b + g / a,  θ = θ − γ b   (momentum μ > 0);   else θ = θ − γ g / a
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_nonneg("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("alpha", alpha)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable))

    def _init_state(self, p, state, group):
        state["step"] = 0.0
        state["square_avg"] = self._zeros(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = self._zeros(p)
        if group["centered"]:
            state["grad_avg"] = self._zeros(p)

    def _update(self, p, grad, state, group):
        lr, wd, alpha, mu = _scalar(group["lr"]), group["weight_decay"], group["alpha"], \
            group["momentum"]
        centered = group["centered"]
        keys = ("square_avg",) + (("grad_avg",) if centered else ()) + \
            (("momentum_buffer",) if mu > 0 else ())
        P, v, *rest = self._open(p, state, *keys)
        xp = p._dev.xp
        g = self._grad(p, grad, group["maximize"])
        state["step"] += 1
        if wd != 0:
            g = g + wd * P
        v *= alpha
        v += (1 - alpha) * g * g
        new = dict(square_avg=v)
        if centered:
            gbar = rest.pop(0)
            gbar += (1 - alpha) * (g - gbar)
            new["grad_avg"] = gbar
            avg = xp.sqrt(v - gbar * gbar)
        else:
            avg = xp.sqrt(v)
        avg += group["eps"]
        if mu > 0:
            b = rest.pop(0)
            b *= mu
            b += g / avg
            new["momentum_buffer"] = b
            P -= lr * b
        else:
            P -= lr * (g / avg)
        self._close(p, P, state, **new)
