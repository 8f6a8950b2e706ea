"""`LBFGS` (`torch.optim.LBFGS`): limited-memory BFGS with an optional strong-Wolfe line search.

The algorithm is PyTorch's, step for step. Its loop decisions (convergence tests, the line
search) need host scalars by nature: dot products are read back once per iteration, which is
fine here, as L-BFGS is not a per-op hot path.
"""

from __future__ import annotations

from ..core.grad_mode import enable_grad, no_grad
from ..core.tensor import _wrap
from .optimizer import Optimizer, _check_lr, _scalar

__all__ = ["LBFGS"]


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), within bounds."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square**0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, dot, amax, c1=1e-4, c2=0.9,
                  tolerance_change=1e-9, max_ls=25):
    """PyTorch's strong-Wolfe line search along d from x (raw arrays; f, gtd, t host floats):
    returns (loss, flat gradient, step, evaluations)."""
    d_norm = amax(d)
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1],
                               bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos] = bracket[low_pos]
                bracket_f[high_pos] = bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    r"""L-BFGS (`torch.optim.LBFGS`): quasi-Newton steps from the last `history_size` pairs
    s = θₖ₊₁ − θₖ, y = ∇ₖ₊₁ − ∇ₖ, with ρ = 1 / (yᵀs):

    q = −∇;  for i newest→oldest: aᵢ = ρᵢ sᵢᵀq, q = q − aᵢ yᵢ
    r = H₀ q with H₀ = yᵀs / yᵀy;  for i oldest→newest: bᵢ = ρᵢ yᵢᵀr, r = r + (aᵢ − bᵢ) sᵢ
    θ = θ + t r, with t = lr (or from the strong-Wolfe line search); `step(closure)` runs up
    to `max_iter` such iterations. One parameter group only, as in PyTorch.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        self._dev = self._params[0]._dev

    # ---- flat views over all parameters ----------------------------------------------------------
    def _host(self, x) -> float:
        be = self._dev.backend
        return float(be.to_numpy(be.computed(x)))

    def _dot(self, a, b) -> float:
        return self._host(self._dev.xp.sum(a * b))

    def _amax(self, a) -> float:
        xp = self._dev.xp
        return self._host(xp.max(xp.abs(a)))

    def _gather_flat_grad(self):
        xp = self._dev.xp
        views = []
        for p in self._params:
            g = p.grad
            if g is None:
                views.append(xp.zeros((p.numel(),), dtype=p._data.dtype, device=p._dev.native))
            else:
                if g.is_sparse:
                    g = g.to_dense()
                views.append(xp.reshape(g._data, (-1,)))
        return xp.concat(views, axis=0)

    def _add_grad(self, step_size: float, update) -> None:
        xp = self._dev.xp
        offset = 0
        for p in self._params:
            n = p.numel()
            (P,) = self._open(p, {})
            P += step_size * xp.reshape(update[offset:offset + n], tuple(p.shape))
            self._close(p, P)
            offset += n

    def _clone_param(self):
        xp = self._dev.xp
        return [xp.asarray(p._data, copy=True) for p in self._params]

    def _set_param(self, params_data) -> None:
        for p, x in zip(self._params, params_data, strict=True):
            (P,) = self._open(p, {})
            P[...] = x
            self._close(p, P)

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ---- the step --------------------------------------------------------------------------------
    def step(self, closure=None):
        """Up to `max_iter` L-BFGS iterations; `closure` clears the gradients, computes the loss,
        calls backward and returns the loss (required). Returns the first loss."""
        if closure is None:
            raise RuntimeError("LBFGS.step() requires a closure that re-evaluates the model and "
                               "returns the loss")
        return super().step(closure)

    def _step(self, closure=None):
        def evaluate():
            with enable_grad():
                return closure()

        with no_grad():
            return self._lbfgs(evaluate)

    def _lbfgs(self, closure):
        group = self.param_groups[0]
        lr = _scalar(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        xp = self._dev.xp
        dot, amax = self._dot, self._amax
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if amax(flat_grad) <= tolerance_grad:
            return orig_loss

        raw = _raw_state(state)
        d, t = raw.get("d"), state.get("t")
        old_dirs, old_stps = raw.get("old_dirs"), raw.get("old_stps")
        ro, H_diag = state.get("ro"), state.get("H_diag")
        prev_flat_grad, prev_loss = raw.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:  # the first direction: steepest descent
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = dot(y, s)
                if ys > 1e-10:  # update the memory
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / dot(y, y)
                num_old = len(old_dirs)
                al = [None] * history_size
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = dot(old_stps[i], q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = dot(old_dirs[i], r) * ro[i]
                    r = r + (al[i] - be_i) * old_stps[i]
                d = r
            prev_flat_grad = xp.asarray(flat_grad, copy=True)
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / self._host(xp.sum(xp.abs(flat_grad)))) * lr
            else:
                t = lr
            gtd = dot(flat_grad, d)
            if gtd > -tolerance_change:  # the directional derivative is below tolerance
                break
            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, dot, amax,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = amax(flat_grad) <= tolerance_grad
            else:
                self._add_grad(t, d)  # a fixed step
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = amax(flat_grad) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if amax(d * t) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        dev = self._dev
        state["d"] = _wrap(d, dev)
        state["t"] = t
        state["old_dirs"] = [_wrap(a, dev) for a in old_dirs]
        state["old_stps"] = [_wrap(a, dev) for a in old_stps]
        state["ro"] = ro
        state["H_diag"] = H_diag
        state["prev_flat_grad"] = _wrap(prev_flat_grad, dev)
        state["prev_loss"] = prev_loss
        return orig_loss


def _raw_state(state: dict) -> dict:
    """The array-valued entries of LBFGS's state as raw arrays (lists stay lists)."""
    out = {}
    for k in ("d", "prev_flat_grad"):
        if state.get(k) is not None:
            out[k] = state[k]._data
    for k in ("old_dirs", "old_stps"):
        if state.get(k) is not None:
            out[k] = [a._data for a in state[k]]
    return out
