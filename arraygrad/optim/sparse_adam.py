"""`SparseAdam` (`torch.optim.SparseAdam`): Adam for sparse gradients (`Embedding(sparse=True)`)."""

from __future__ import annotations

from .optimizer import Optimizer, _check_betas, _check_lr, _scalar

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    r"""SparseAdam (`torch.optim.SparseAdam`): Adam's rule applied only to the rows (entries)
    present in the coalesced sparse gradient; the moments of other rows stay as they are.

    for each index i of the gradient (values gᵢ):
    mᵢ = β1 mᵢ + (1 − β1) gᵢ,   vᵢ = β2 vᵢ + (1 − β2) gᵢ²
    θᵢ = θᵢ − γ √(1 − β2ᵗ) / (1 − β1ᵗ) · mᵢ / (√vᵢ + ε)
    """

    _sparse_ok = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        _check_lr(lr)
        if not 0.0 < _scalar(lr):
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))
        bad = [[i, j] for i, g in enumerate(self.param_groups)
               for j, p in enumerate(g["params"]) if p.is_sparse]
        if bad:
            raise ValueError(f"Sparse params at indices {bad}: SparseAdam requires dense "
                             "parameter tensors")
        bad = [[i, j] for i, g in enumerate(self.param_groups)
               for j, p in enumerate(g["params"]) if p.is_complex()]
        if bad:
            raise ValueError(f"Complex params at indices {bad}: SparseAdam does not support "
                             "complex parameters")

    def _init_state(self, p, state, group):
        state["step"] = 0
        state["exp_avg"] = self._zeros(p)
        state["exp_avg_sq"] = self._zeros(p)

    def _update(self, p, grad, state, group):
        if not grad.is_sparse:
            raise RuntimeError("SparseAdam does not support dense gradients, please consider "
                               "Adam instead")
        state["step"] = t = state["step"] + 1
        grad = grad.coalesce()  # the update is non-linear: indices must be unique
        if grad._nnz() == 0:
            return
        if group["maximize"]:
            grad = -grad
        lr, eps = _scalar(group["lr"]), group["eps"]
        beta1, beta2 = group["betas"]
        dev = p._dev
        xp, K = dev.xp, dev.K
        k = grad.sparse_dim()
        rows = 1
        for s in p.shape[:k]:
            rows *= s
        flat = grad._flat()
        gv = grad._val
        shape = (rows, *p.shape[k:])
        P, m, v = (xp.reshape(a, shape) for a in self._open(p, state, "exp_avg", "exp_avg_sq"))
        m_old = xp.take(m, flat, axis=0)
        v_old = xp.take(v, flat, axis=0)
        m_upd = (gv - m_old) * (1 - beta1)
        v_upd = (gv * gv - v_old) * (1 - beta2)
        step_size = lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
        denom = xp.sqrt(v_upd + v_old) + eps
        delta = -step_size * ((m_upd + m_old) / denom)
        # the rows are unique: an index_add is an exact scatter into them
        m_new = K.index_add(m, 0, flat, m_upd)
        v_new = K.index_add(v, 0, flat, v_upd)
        P_new = K.index_add(P, 0, flat, delta)
        full = tuple(p.shape)
        if dev.backend.writable(p._data):
            for arr, new in ((P, P_new), (m, m_new), (v, v_new)):
                arr[...] = new
            self._close(p, p._data)
            return
        self._close(p, xp.reshape(P_new, full), state, exp_avg=xp.reshape(m_new, full),
                    exp_avg_sq=xp.reshape(v_new, full))
