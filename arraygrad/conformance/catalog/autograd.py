"""The 'autograd' feature: compositions a backend must get right to train a network. The main one
trains a tiny MLP by hand for a few steps; every backend must give the numpy backend's losses
(float64: 1e-10) and NumPy float64's hand-derived ones."""

from __future__ import annotations

import numpy as np

import arraygrad as ag

from ..table import CheckFailure, Scenario, register

_STEPS, _LR = 5, 0.1


def _randn(shape, dtype, dev):
    return ag.randn(*shape, dtype=getattr(ag, dtype), device=dev)


def mlp_training(dev, dtype: str) -> dict:
    """Seeded parameters and data, then 5 steps of hand-written SGD on a 3-4-1 tanh MLP."""
    ag.manual_seed(1234)
    x, y = _randn((8, 3), dtype, dev), _randn((8, 1), dtype, dev)
    params = [_randn(s, dtype, dev) * 0.5 for s in ((3, 4), (4,), (4, 1), (1,))]
    params = [p.detach().requires_grad_() for p in params]
    init = [p.detach().numpy().copy() for p in params]  # numpy() may share memory with p
    losses = []
    for _ in range(_STEPS):
        w1, b1, w2, b2 = params
        h = ag.tanh(x @ w1 + b1)
        loss = ((h @ w2 + b2 - y) ** 2).mean()
        loss.backward()
        losses.append(loss.item())
        with ag.no_grad():
            for p in params:
                p -= _LR * p.grad
                p.grad = None
    out = {"losses": np.array(losses), "x": x.numpy(), "y": y.numpy()}
    out.update({f"init{i}": v for i, v in enumerate(init)})
    out.update({f"param{i}": p.detach().numpy().copy() for i, p in enumerate(params)})
    return out


def _mlp_reference(r: dict, dtype: str) -> dict:
    """The same training in NumPy float64 with the gradients derived by hand."""
    x, y = r["x"].astype(np.float64), r["y"].astype(np.float64)
    w1, b1, w2, b2 = (r[f"init{i}"].astype(np.float64) for i in range(4))
    losses = []
    for _ in range(_STEPS):
        z = x @ w1 + b1
        h = np.tanh(z)
        d = h @ w2 + b2 - y
        losses.append(np.mean(d ** 2))
        g = 2 * d / d.size
        gw2, gb2 = h.T @ g, g.sum(0)
        gz = (g @ w2.T) * (1 - h ** 2)
        gw1, gb1 = x.T @ gz, gz.sum(0)
        w1, b1, w2, b2 = w1 - _LR * gw1, b1 - _LR * gb1, w2 - _LR * gw2, b2 - _LR * gb2
    return {"losses": np.array(losses), "param0": w1, "param1": b1, "param2": w2, "param3": b2}


def grad_accumulation(dev, dtype: str) -> dict:
    """Two backward passes add into .grad (the second with retain_graph on the first)."""
    x = ag.tensor([0.5, -1.0, 2.0], dtype=getattr(ag, dtype), device=dev, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    (x.exp().sum()).backward()
    return {"grad": x.grad.numpy(), "x": x.detach().numpy()}


def _accum_reference(r, dtype):
    x = r["x"].astype(np.float64)
    return {"grad": 4 * x + np.exp(x)}


def second_derivative(dev, dtype: str) -> dict:
    """d²/dx² of x³·sin(x) through grad(create_graph=True)."""
    x = ag.tensor([0.3, -1.2, 2.0], dtype=getattr(ag, dtype), device=dev, requires_grad=True)
    (g,) = ag.autograd.grad((x ** 3 * ag.sin(x)).sum(), x, create_graph=True)
    (h,) = ag.autograd.grad(g.sum(), x)
    return {"first": g.detach().numpy(), "second": h.numpy(), "x": x.detach().numpy()}


def _second_reference(r, dtype):
    x = r["x"].astype(np.float64)
    s, c = np.sin(x), np.cos(x)
    return {"first": 3 * x ** 2 * s + x ** 3 * c,
            "second": 6 * x * s + 6 * x ** 2 * c - x ** 3 * s}


def _expect_raises(what: str, exc: type, fn) -> None:
    try:
        fn()
    except exc:
        return
    except Exception as e:
        raise CheckFailure(f"{what}: raised {type(e).__name__}: {e}; expected "
                           f"{exc.__name__}") from e
    raise CheckFailure(f"{what}: did not raise; expected {exc.__name__}")


def engine_errors(dev, dtype: str) -> dict:
    """Backward through a freed graph, of a non-scalar without a gradient, and after an in-place
    change to a saved tensor all raise RuntimeError, as in PyTorch."""
    d = getattr(ag, dtype)
    x = ag.tensor([1.0, 2.0], dtype=d, device=dev, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    _expect_raises("backward twice without retain_graph", RuntimeError, y.backward)
    z = x * 2
    _expect_raises("backward of a non-scalar without gradient", RuntimeError, z.backward)
    w = x.exp()
    v = w.sum() * w.sum()
    with ag.no_grad():
        w.mul_(2)
    _expect_raises("backward after an in-place change to a saved tensor", RuntimeError, v.backward)
    return {}


def grad_modes(dev, dtype: str) -> dict:
    """no_grad records nothing, detach cuts the graph, and a hook rewrites a leaf's gradient."""
    d = getattr(ag, dtype)
    x = ag.tensor([1.0, -2.0, 3.0], dtype=d, device=dev, requires_grad=True)
    with ag.no_grad():
        y = x * 3
    if y.requires_grad or y.grad_fn is not None:
        raise CheckFailure("a result computed under no_grad requires grad")
    if x.detach().requires_grad:
        raise CheckFailure("detach() returned a tensor that requires grad")
    x.register_hook(lambda g: g * 10)
    (x * x.detach()).sum().backward()
    if x.grad.device is not dev:
        raise CheckFailure(f"x.grad is on {x.grad.device}, expected {dev}")
    return {"grad": x.grad.numpy(), "x": x.detach().numpy()}


def _modes_reference(r, dtype):
    return {"grad": 10 * r["x"].astype(np.float64)}


class _ScaledExp(ag.autograd.Function):
    """exp whose backward is off by `_ScaledExp.k` (1: correct): gradcheck must tell."""

    k = 1.0

    @staticmethod
    def forward(ctx, x):
        y = ag.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * _ScaledExp.k


def gradcheck_on_device(dev, dtype: str) -> dict:
    """ag.autograd.gradcheck/gradgradcheck pass on a correct composition (full and fast mode) and
    reject a Function with a wrong backward, on this device."""
    d = getattr(ag, dtype)
    x = ag.tensor([0.3, -0.7, 1.1], dtype=d, device=dev, requires_grad=True)
    w = ag.tensor([[0.5, -1.0], [2.0, 0.25], [-0.3, 0.8]], dtype=d, device=dev,
                  requires_grad=True)
    f = lambda a, b: ag.tanh(a @ b).sum()
    for fast in (False, True):
        if not ag.autograd.gradcheck(f, (x, w), fast_mode=fast, raise_exception=False):
            raise CheckFailure(f"gradcheck(fast_mode={fast}) rejected tanh(x @ w).sum()")
    if not ag.autograd.gradgradcheck(f, (x, w), fast_mode=True, raise_exception=False):
        raise CheckFailure("gradgradcheck rejected tanh(x @ w).sum()")
    _ScaledExp.k = 1.01
    try:
        wrong = ag.autograd.gradcheck(_ScaledExp.apply, (x,), raise_exception=False)
    finally:
        _ScaledExp.k = 1.0
    if wrong:
        raise CheckFailure("gradcheck accepted a backward that is off by 1%")
    return {}


register(
    Scenario("gradcheck", gradcheck_on_device),
    Scenario("mlp_training", mlp_training, reference=_mlp_reference,
             dtypes=("float64", "float32"), doc=mlp_training.__doc__),
    Scenario("grad_accumulation", grad_accumulation, reference=_accum_reference,
             dtypes=("float64", "float32")),
    Scenario("second_derivative", second_derivative, reference=_second_reference),
    Scenario("engine_errors", engine_errors),
    Scenario("grad_modes", grad_modes, reference=_modes_reference),
)
