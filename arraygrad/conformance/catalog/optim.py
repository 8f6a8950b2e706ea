"""The 'optim' feature: one small training run per optimizer (same seed, same data) gives the
same parameters, step by step, on every backend as on the NumPy backend (cross_backend), and its
loss goes down (run)."""

from __future__ import annotations

import numpy as np

import arraygrad as ag

from ..table import CheckFailure, Scenario, register

STEPS = 3  # each Dask step builds and persists a graph: keep the run short

# each optimizer with options that exercise its state (momentum, amsgrad, centering ...)
OPTIMIZERS = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adam": dict(lr=0.05, amsgrad=True),
    "AdamW": dict(lr=0.05),
    "Adagrad": dict(lr=0.1, lr_decay=0.01),
    "Adadelta": dict(lr=1.0),
    "Adamax": dict(lr=0.05),
    "ASGD": dict(lr=0.05, t0=2),
    "RMSprop": dict(lr=0.01, momentum=0.5, centered=True),
    "Rprop": dict(lr=0.05),
    "NAdam": dict(lr=0.05),
    "RAdam": dict(lr=0.05),
    "LBFGS": dict(lr=0.5, max_iter=2, history_size=2),
    "SparseAdam": dict(lr=0.05),
}


def _data():
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.standard_normal((8, 3)), np.ones((8, 1))], axis=1)  # bias column
    y = x @ np.array([1.5, -2.0, 0.5, 0.3])
    w0 = rng.standard_normal(4) * 0.1
    table = rng.standard_normal((6, 3)) * 0.1
    rows = rng.integers(0, 6, size=(STEPS, 5))
    return x, y, w0, table, rows


def _train(name: str):
    def run(dev, dtype: str) -> dict:
        d = getattr(ag, dtype)
        x_np, y_np, w0, table0, rows = _data()
        x, y = ag.tensor(x_np, dtype=d, device=dev), ag.tensor(y_np, dtype=d, device=dev)
        if name == "SparseAdam":  # an embedding-like table with sparse row gradients
            w = ag.tensor(table0, dtype=d, device=dev, requires_grad=True)
            opt = ag.optim.SparseAdam([w], **OPTIMIZERS[name])

            def loss_at(k):
                return ((w @ x[:3, :3].mT - 1.0) ** 2).mean()
        else:  # one parameter (weights and bias): one persist per array and step on Dask
            w = ag.tensor(w0, dtype=d, device=dev, requires_grad=True)
            opt = getattr(ag.optim, name)([w], **OPTIMIZERS[name])

            def loss_at(k):
                return ((x @ w - y) ** 2).mean()

        out, losses = {}, []
        for k in range(STEPS):
            def closure(k=k):
                opt.zero_grad()
                loss = loss_at(k)
                loss.backward()
                if name == "SparseAdam":
                    r = ag.tensor(rows[k], device=dev)
                    vals = ag.index_select(w.grad, 0, r)
                    w.grad = ag.sparse_coo_tensor(r.reshape(1, -1), vals, tuple(w.shape))
                return loss

            losses.append(float(opt.step(closure)))
            out[f"step{k}"] = w.detach().cpu().numpy().copy()
        if not losses[-1] < losses[0]:
            raise CheckFailure(f"{name}: the loss did not go down over {STEPS} steps: {losses}")
        return out

    run.__name__ = f"train_{name}"
    return run


register(*(Scenario(f"{name}_training_run", _train(name), feature="optim",
                    doc=f"{STEPS} {name} steps of a small regression; parameters after each")
           for name in OPTIMIZERS))
