"""The nn examples in examples/ (the tutorial's "PyTorch: nn", "Custom nn Modules", "Control Flow
+ Weight Sharing" and Learn the Basics' NeuralNetwork), run briefly on every backend device and
checked against the same training written in NumPy float64 from the same initial weights."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import math
import pathlib
import random

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
# float32 runs against the float64 reference: relative error of the losses and absolute error of
# the fitted coefficients after these short runs (measured ~1e-6; a wrong gradient is far off)
LOSS_RTOL = 1e-4
COEF_ATOL = 1e-5


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _main(name: str, *argv: str):
    """(result, printed text) of example `name` run with argv after ag.manual_seed(0)."""
    mod = _load(name)
    ag.manual_seed(0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = mod.main(list(argv))
    return mod, result, out.getvalue()


def _xy():
    x = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32).astype(np.float64)
    return x, np.sin(x)


def _check(result, losses, coefficients):
    assert sorted(result["losses"]) == sorted(losses)
    for t, want in losses.items():
        assert result["losses"][t] == pytest.approx(want, rel=LOSS_RTOL), t
    np.testing.assert_allclose(result["coefficients"], coefficients, rtol=0, atol=COEF_ATOL)


def _steps(device: str) -> int:
    # Dask builds a graph per op (about 40 ms of CPU a step here): a few steps prove the values
    return 10 if device == "dask" else 200


def test_polynomial_nn_matches_numpy_gradient_descent(device):
    steps = _steps(device)
    _, result, text = _main("polynomial_nn", "--device", device, "--steps", str(steps))
    ag.manual_seed(0)
    init = nn.Linear(3, 1)
    w, b = init.weight.detach().numpy()[0].astype(np.float64), float(init.bias.detach().numpy()[0])
    x, y = _xy()
    xx = x[:, None] ** np.array([1, 2, 3])
    losses = {}
    for t in range(steps):
        r = xx @ w + b - y
        if t == 0 or t % 100 == 99:
            losses[t] = float(r @ r)
        g = 2 * r
        w, b = w - 1e-6 * (xx.T @ g), b - 1e-6 * g.sum()
    _check(result, losses, (b, *w))
    lines = text.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == [str(t) for t in range(99, steps, 100)]
    assert lines[-1] == "Result: y = {} + {} x + {} x^2 + {} x^3".format(*result["coefficients"])


def _polynomial_reference(init, steps, lr, momentum, orders=None, every=100):
    """SGD (PyTorch's momentum rule) on a + b x + c x^2 + d x^3 (+ e x^4 (+ e x^5)); as in
    PyTorch, a step where e is unused leaves e and its momentum alone (its grad is None)."""
    x, y = _xy()
    p = [float(v) for v in init]
    buf = [None] * len(p)
    losses = {}
    for t in range(steps):
        n = 4 if orders is None else orders[t]
        feats = [x ** k for k in range(4)]
        tail = sum((x ** k for k in range(4, n)), np.zeros_like(x))
        r = sum(p[k] * feats[k] for k in range(4)) + (p[4] * tail if n > 4 else 0) - y
        if t == 0 or t % every == every - 1:
            losses[t] = float(r @ r)
        grads = [2 * r @ f for f in feats] + ([2 * r @ tail] if len(p) == 5 else [])
        for k, g in enumerate(grads):
            if k == 4 and n == 4:
                continue
            buf[k] = g if buf[k] is None else momentum * buf[k] + g
            p[k] -= lr * buf[k]
    return losses, tuple(p)


def test_polynomial_module_matches_numpy_sgd(device):
    steps = _steps(device)
    mod, result, text = _main("polynomial_module", "--device", device, "--steps", str(steps))
    ag.manual_seed(0)
    init = [p.item() for p in mod.Polynomial3().parameters()]
    losses, coefficients = _polynomial_reference(init, steps, 1e-6, 0.0)
    _check(result, losses, coefficients)
    assert text.splitlines()[-1].startswith("Result: y = ")


def test_dynamic_net_matches_numpy_sgd_with_momentum_and_random_orders(device):
    steps = 10 if device == "dask" else 200
    mod, result, text = _main("dynamic_net", "--device", device, "--steps", str(steps),
                              "--seed", "3")
    ag.manual_seed(0)
    init = [p.item() for p in mod.DynamicNet().parameters()]
    rnd = random.Random(3)
    orders = [rnd.randint(4, 6) for _ in range(steps)]
    assert set(orders) == {4, 5, 6}  # all three orders are drawn (randint includes 6)
    losses, coefficients = _polynomial_reference(init, steps, 1e-8, 0.9, orders, every=2000)
    _check(result, losses, coefficients)
    assert text.splitlines()[-1].startswith("Result: y = ") and "x^5 ?" in text


def _mlp_reference(params, images, labels, steps, lr=1e-3):
    """The NeuralNetwork's SGD on one batch in NumPy float64: (losses, final params)."""
    p = [a.astype(np.float64) for a in params]
    x = images.reshape(len(images), -1).astype(np.float64)
    onehot = np.eye(10)[labels]
    losses = {}
    for t in range(steps):
        w1, b1, w2, b2, w3, b3 = p
        h1 = x @ w1.T + b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ w2.T + b2
        a2 = np.maximum(h2, 0)
        z = a2 @ w3.T + b3
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        if t == 0 or t % 10 == 9:
            losses[t] = float(-(logp * onehot).sum(1).mean())
        g = (np.exp(logp) - onehot) / len(x)
        g3, gb3 = g.T @ a2, g.sum(0)
        ga2 = (g @ w3) * (h2 > 0)
        g2, gb2 = ga2.T @ a1, ga2.sum(0)
        ga1 = (ga2 @ w2) * (h1 > 0)
        g1, gb1 = ga1.T @ x, ga1.sum(0)
        p = [a - lr * ga for a, ga in zip(p, (g1, gb1, g2, gb2, g3, gb3), strict=True)]
    return losses, p


def test_neural_network_trains_like_numpy(device):
    steps = 2
    mod, result, text = _main("neural_network", "--device", device, "--steps", str(steps))
    ag.manual_seed(0)
    init = [p.detach().numpy() for p in mod.NeuralNetwork().parameters()]
    images, labels = result["images"].cpu().numpy(), result["labels"].cpu().numpy()
    losses, params = _mlp_reference(init, images, labels, steps)
    assert sorted(result["losses"]) == sorted(losses)
    for t, want in losses.items():
        assert result["losses"][t] == pytest.approx(want, rel=1e-5)
    for got, want in zip(result["model"].parameters(), params, strict=True):
        np.testing.assert_allclose(got.detach().cpu().numpy(), want, rtol=0, atol=1e-6)
    assert "NeuralNetwork(\n  (flatten): Flatten(start_dim=1, end_dim=-1)" in text
    assert "Layer: linear_relu_stack.0.weight | Size: arraygrad.Size([512, 784])" in text
    assert "Predicted class: tensor([" in text
