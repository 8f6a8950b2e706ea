"""Shared test helpers: float64 tensors from array-likes, NumPy copies of tensors, and the
finite-difference gradient check (float64, eps 1e-6, atol 1e-5, rtol 1e-3) the op tests use."""

from __future__ import annotations

import numpy as np

import arraygrad as ag

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3


def make_tensor(x, device, dtype=ag.float64, requires_grad=False):
    """A tensor of `x` (anything np.asarray takes) on `device`, float64 unless told otherwise."""
    return ag.tensor(np.asarray(x), dtype=dtype, device=device, requires_grad=requires_grad)


def to_numpy(t):
    """A NumPy array of `t`'s values, whatever its device (detached, so grads need no care)."""
    return np.asarray(t.detach().cpu().numpy())


def random_array(*shape, seed=0):
    """Standard-normal float64 values of `shape`, reproducible by `seed`."""
    return np.random.default_rng(seed).standard_normal(shape)


def _as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


def check_grads(fn, xs, device, *, full=None):
    """The gradient of sum(fn(*xs) * w) (w a fixed random cotangent per output; tuple outputs
    allowed) with respect to each float64 input against central differences.

    `full` (default: every device but Dask) checks every element; otherwise one random direction
    per input, since a full Jacobian costs too many lazy evaluations on Dask.
    """
    full = device != "dask" if full is None else full
    rng = np.random.default_rng(1)
    xs = [np.asarray(x, dtype=np.float64) for x in xs]
    ts = [make_tensor(x, device, requires_grad=True) for x in xs]
    outs = _as_tuple(fn(*ts))
    ws = [rng.standard_normal(tuple(o.shape)) for o in outs]
    sum((o * make_tensor(w, device)).sum() for o, w in zip(outs, ws, strict=True)).backward()

    def loss(vals):
        got = _as_tuple(fn(*[make_tensor(v, device) for v in vals]))
        return float(sum(np.sum(to_numpy(o) * w) for o, w in zip(got, ws, strict=True)))

    for k, (x, t) in enumerate(zip(xs, ts, strict=True)):
        assert t.grad is not None, f"input {k} of {fn} got no gradient"
        analytic = to_numpy(t.grad)
        assert analytic.shape == x.shape, (k, analytic.shape, x.shape)

        def shifted(delta, k=k):
            return [v + delta if j == k else v for j, v in enumerate(xs)]

        if not full:
            u = rng.standard_normal(x.shape)
            num = (loss(shifted(EPS * u)) - loss(shifted(-EPS * u))) / (2 * EPS)
            np.testing.assert_allclose(np.sum(analytic * u), num, atol=ATOL, rtol=RTOL)
            continue
        num = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = EPS
            num[i] = (loss(shifted(e)) - loss(shifted(-e))) / (2 * EPS)
        np.testing.assert_allclose(analytic, num, atol=ATOL, rtol=RTOL)


def check_grad(fn, x, device, *, full=None):
    """check_grads for a function of one input `x`."""
    check_grads(fn, [x], device, full=full)


def backward_both(want, got, device, rng, torch):
    """Backpropagates one random cotangent (complex where the output is) through a torch
    result `want` and an arraygrad result `got` alike, for comparing their input gradients."""
    w = rng.standard_normal(tuple(want.shape))
    if want.is_complex():
        w = w + 1j * rng.standard_normal(tuple(want.shape))
    (want * torch.tensor(w)).real.sum().backward()
    r = got * ag.tensor(w, device=device)
    (r.real if r.is_complex() else r).sum().backward()
