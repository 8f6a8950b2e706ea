"""Activations (tests for arraygrad/nn/functional/_activation.py and nn/modules/activation.py):
values against NumPy float64, values and gradients against PyTorch on inputs with every kink
(PyTorch's subgradients), finite-difference gradients on NumPy, the same values and gradients on
every backend, module reprs, in-place forms, RReLU's seeded noise and stability at large inputs.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F
from arraygrad import nn
from tests._gradients import check_grad, make_tensor, random_array, to_numpy

# every kink of every activation below, plus ordinary points
KINKS = np.array([-7.0, -3.0, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 3.0, 6.0, 25.0])

_erf = np.vectorize(math.erf)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x, beta=1.0, threshold=20.0):
    bx = np.minimum(x * beta, threshold)
    return np.where(x * beta > threshold, x, np.log1p(np.exp(bx)) / beta)


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)

# name: (functional kwargs, NumPy float64 reference); the table drives every test below
ACTS = {
    "relu": ({}, lambda x: np.maximum(x, 0)),
    "relu6": ({}, lambda x: np.clip(x, 0, 6)),
    "elu": ({"alpha": 0.7}, lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    "selu": ({}, lambda x: _SELU[1] * np.where(x > 0, x, _SELU[0] * np.expm1(x))),
    "celu": ({"alpha": 2.0}, lambda x: np.maximum(x, 0) + np.minimum(0, 2 * np.expm1(x / 2))),
    "leaky_relu": ({"negative_slope": 0.2}, lambda x: np.where(x > 0, x, 0.2 * x)),
    "gelu": ({}, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    "gelu_tanh": ({"approximate": "tanh"}, lambda x: 0.5 * x * (1 + np.tanh(
        math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    "threshold": ({"threshold": 0.5, "value": -2.0}, lambda x: np.where(x > 0.5, x, -2.0)),
    "hardshrink": ({}, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    "hardtanh": ({"min_val": -1.0, "max_val": 3.0}, lambda x: np.clip(x, -1, 3)),
    "hardsigmoid": ({}, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    "hardswish": ({}, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "silu": ({}, lambda x: x * _sig(x)),
    "mish": ({}, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "sigmoid": ({}, _sig),
    "logsigmoid": ({}, lambda x: np.log(_sig(x))),
    "softplus": ({"beta": 2.0, "threshold": 5.0}, lambda x: _softplus(x, 2.0, 5.0)),
    "softshrink": ({"lambd": 1.0}, lambda x: np.where(x > 1, x - 1, np.where(x < -1, x + 1, 0))),
    "softsign": ({}, lambda x: x / (1 + np.abs(x))),
    "tanh": ({}, np.tanh),
    "tanhshrink": ({}, lambda x: x - np.tanh(x)),
    "softmax": ({"dim": 0}, lambda x: _softmax(x, 0)),
    "log_softmax": ({"dim": 0}, lambda x: np.log(_softmax(x, 0))),
    "softmin": ({"dim": 0}, lambda x: _softmax(-x, 0)),
    "glu": ({"dim": 0}, lambda x: x[:6] * _sig(x[6:])),
}


def _fn(name):
    kwargs, _ = ACTS[name]
    f = getattr(F, "gelu" if name == "gelu_tanh" else name)
    return lambda x: f(x, **kwargs)


def _torch_fn(torch, name):
    kwargs, _ = ACTS[name]
    return lambda x: getattr(torch.nn.functional, "gelu" if name == "gelu_tanh" else name)(
        x, **kwargs)


@pytest.mark.parametrize("name", list(ACTS))
def test_values_match_numpy(name):
    out = _fn(name)(make_tensor(KINKS, "cpu"))
    np.testing.assert_allclose(to_numpy(out), ACTS[name][1](KINKS), rtol=1e-12, atol=1e-14)


@pytest.mark.parity
@pytest.mark.parametrize("name", list(ACTS))
def test_values_and_subgradients_match_torch(torch, name):
    x = make_tensor(KINKS, "cpu", requires_grad=True)
    tx = torch.tensor(KINKS, requires_grad=True)
    w = random_array(*_fn(name)(x).shape, seed=2)
    (_fn(name)(x) * make_tensor(w, "cpu")).sum().backward()
    ty = _torch_fn(torch, name)(tx)
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_numpy(_fn(name)(x)), ty.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    # PyTorch's hardsigmoid/hardswish backward use a float32 constant 1/6 even in float64
    np.testing.assert_allclose(to_numpy(x.grad), tx.grad.numpy(), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("name", list(ACTS))
def test_gradients_by_finite_differences(name):
    x = random_array(12, seed=3) * 2
    x = x + 0.05 * np.sign(x)  # keep clear of the kinks at 0, +-0.5, +-1
    check_grad(_fn(name), x, "cpu")


# Dask builds a graph per op (tens of ms each): it checks a representative subset
DASK_ACTS = ("relu", "elu", "gelu", "gelu_tanh", "hardswish", "softplus", "logsigmoid", "mish",
             "log_softmax", "glu")


def _all_values_and_grads(dev, names):
    """The outputs and input gradients of the activations `names`, flattened into one tensor
    (one compute on a lazy backend)."""
    parts, xs = [], []
    for name in names:
        x = make_tensor(KINKS, dev, requires_grad=True)
        y = _fn(name)(x)
        parts.append(y)
        xs.append(x)
    w = [make_tensor(np.linspace(-1, 2, y.shape[0]), dev) for y in parts]
    sum((y * wi).sum() for y, wi in zip(parts, w, strict=True)).backward()
    return to_numpy(ag.cat([t.detach() for t in parts] + [x.grad for x in xs]))


def test_every_backend_matches_numpy(device):
    """Each activation's values and gradients on this device equal the NumPy backend's."""
    names = DASK_ACTS if device == "dask" else list(ACTS)
    np.testing.assert_allclose(_all_values_and_grads(device, names),
                               _all_values_and_grads("cpu", names), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["log_softmax", "softmax", "gelu", "gelu_tanh", "elu", "mish",
                                  "softplus", "logsigmoid"])
def test_second_derivatives(name):
    x = make_tensor(random_array(6, seed=4) + 0.1, "cpu", requires_grad=True)
    assert ag.autograd.gradgradcheck(_fn(name), (x,))


def test_float32_gradients_agree_with_float64():
    x64 = make_tensor(random_array(3, 5, seed=5) * 3, "cpu", requires_grad=True)
    x32 = make_tensor(random_array(3, 5, seed=5) * 3, "cpu", dtype=ag.float32,
                      requires_grad=True)
    for x in (x64, x32):
        (F.log_softmax(x, 1) * F.gelu(x)).sum().backward()
    np.testing.assert_allclose(to_numpy(x32.grad), to_numpy(x64.grad), rtol=1e-5, atol=1e-5)
    assert x32.grad.dtype is ag.float32


def test_stable_at_large_inputs():
    x = make_tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], "cpu", requires_grad=True)
    for f in (F.logsigmoid, F.softplus, F.silu, F.mish, F.sigmoid, lambda t: F.log_softmax(t, 0),
              lambda t: F.softmax(t, 0)):
        y = f(x)
        y.sum().backward()
        assert np.isfinite(to_numpy(y)).all() and np.isfinite(to_numpy(x.grad)).all()
    np.testing.assert_allclose(to_numpy(F.logsigmoid(x)), [-1000, -50, -math.log(2), 0, 0],
                               atol=1e-12)
    np.testing.assert_allclose(to_numpy(F.log_softmax(x, 0)), [-2000, -1050, -1000, -950, 0],
                               atol=1e-12)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_softmax_along_each_dim_of_a_3d_tensor(dim):
    x = random_array(2, 3, 4, seed=6)
    out = F.softmax(make_tensor(x, "cpu"), dim)
    np.testing.assert_allclose(to_numpy(out), _softmax(x, dim), rtol=1e-12)
    check_grad(lambda t: F.log_softmax(t, dim), x, "cpu")


def test_softmax_implicit_dim_warns_and_follows_pytorch():
    x = make_tensor(random_array(2, 3, seed=7), "cpu")
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(x)
    np.testing.assert_allclose(to_numpy(out), _softmax(to_numpy(x), 1), rtol=1e-12)


def test_softmax_dtype_argument_and_top_level_forms():
    x = ag.tensor([[1.0, 2.0, 3.0]])
    out = F.log_softmax(x, 1, dtype=ag.float64)
    assert out.dtype is ag.float64
    np.testing.assert_allclose(to_numpy(ag.softmax(x, 1)), to_numpy(x.softmax(1)))
    np.testing.assert_allclose(to_numpy(ag.log_softmax(x, -1)), to_numpy(out), rtol=1e-6)


def test_softmax_of_scalar_and_empty():
    assert float(F.softmax(ag.tensor(3.0), 0)) == 1.0
    assert tuple(F.log_softmax(ag.zeros(0, 3), 1).shape) == (0, 3)


def test_inplace_forms_write_into_input_and_keep_history(device):
    x = make_tensor(KINKS, device, requires_grad=True)
    for f, ref in ((lambda t: F.relu(t, inplace=True), ACTS["relu"][1]),
                   (lambda t: F.elu_(t, 0.7), ACTS["elu"][1]),
                   (lambda t: F.leaky_relu_(t, 0.2), ACTS["leaky_relu"][1]),
                   (lambda t: F.hardtanh_(t, -1.0, 3.0), ACTS["hardtanh"][1]),
                   (lambda t: F.threshold_(t, 0.5, -2.0), ACTS["threshold"][1])):
        y = x * 1.0
        out = f(y)
        assert out is y
        np.testing.assert_allclose(to_numpy(y), ref(KINKS), rtol=1e-12)
        y.sum().backward()
    assert x.grad is not None


def test_inplace_on_leaf_requiring_grad_raises():
    x = ag.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.relu_(x)


def test_rrelu_training_draws_seeded_slopes_on_every_backend(device):
    def run(dev):
        ag.manual_seed(3)
        x = make_tensor(-np.arange(1.0, 9.0), dev, requires_grad=True)
        y = F.rrelu(x, 0.1, 0.3, training=True)
        y.sum().backward()
        return to_numpy(y), to_numpy(x.grad)
    y, g = run(device)
    slopes = y / -np.arange(1.0, 9.0)
    assert ((slopes >= 0.1) & (slopes <= 0.3)).all() and len(set(slopes.round(12))) > 1
    np.testing.assert_allclose(g, slopes, rtol=1e-12)
    y0, g0 = run("cpu")
    np.testing.assert_allclose(y, y0, rtol=1e-12)


def test_rrelu_eval_uses_the_mean_slope():
    x = make_tensor([-2.0, 3.0], "cpu")
    np.testing.assert_allclose(to_numpy(F.rrelu(x, 0.1, 0.3)), [-0.4, 3.0])
    m = nn.RReLU(0.1, 0.3).eval()
    np.testing.assert_allclose(to_numpy(m(x)), [-0.4, 3.0])


@pytest.mark.parity
def test_prelu_weight_gradient_matches_torch(torch, device):
    x = random_array(2, 3, 4, seed=8)
    x[0, 0, 0] = 0.0
    m = nn.PReLU(3, init=0.1, dtype=ag.float64).to(device)
    tm = torch.nn.PReLU(3, init=0.1, dtype=torch.float64)
    xa, tx = make_tensor(x, device, requires_grad=True), torch.tensor(x, requires_grad=True)
    (m(xa) ** 2).sum().backward()
    (tm(tx) ** 2).sum().backward()
    np.testing.assert_allclose(to_numpy(m.weight.grad), tm.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(xa.grad), tx.grad.numpy(), rtol=1e-12)


def test_prelu_errors():
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel"):
        F.prelu(ag.ones(2, 3), ag.ones(4))
    with pytest.raises(RuntimeError, match="scalar or 1D"):
        F.prelu(ag.ones(2, 3), ag.ones(3, 1))


def test_argument_errors():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(ag.ones(2), approximate="fast")
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(ag.ones(2, 3))
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0"):
        F.softshrink(ag.ones(2), -1.0)
    with pytest.raises(RuntimeError, match="floating-point"):
        F.elu(ag.tensor([1, 2]))


# module class, constructor arguments, input shape
MODULES = [
    ("ReLU", {}, (5,)), ("ReLU", {"inplace": True}, (5,)), ("ReLU6", {}, (5,)),
    ("ELU", {"alpha": 0.5}, (5,)), ("SELU", {}, (5,)), ("CELU", {"alpha": 2.0}, (5,)),
    ("LeakyReLU", {"negative_slope": 0.1, "inplace": True}, (5,)), ("PReLU", {}, (2, 3)),
    ("PReLU", {"num_parameters": 3}, (2, 3)), ("RReLU", {"lower": 0.1}, (5,)),
    ("GELU", {}, (5,)), ("GELU", {"approximate": "tanh"}, (5,)),
    ("Threshold", {"threshold": 0.1, "value": 20.0}, (5,)), ("Hardshrink", {}, (5,)),
    ("Hardtanh", {"min_val": -2.0, "max_val": 2.0}, (5,)), ("Hardsigmoid", {}, (5,)),
    ("Hardswish", {}, (5,)), ("SiLU", {}, (5,)), ("Mish", {}, (5,)), ("Sigmoid", {}, (5,)),
    ("LogSigmoid", {}, (5,)), ("Softplus", {"beta": 2.0}, (5,)), ("Softshrink", {}, (5,)),
    ("Softsign", {}, (5,)), ("Tanh", {}, (5,)), ("Tanhshrink", {}, (5,)),
    ("Softmin", {"dim": 1}, (2, 3)), ("Softmax", {"dim": -1}, (2, 3)),
    ("Softmax2d", {}, (2, 3, 2, 2)), ("LogSoftmax", {"dim": 1}, (2, 3)), ("GLU", {}, (2, 4)),
]


@pytest.mark.parity
@pytest.mark.parametrize("cls,kwargs,shape", MODULES,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(MODULES)])
def test_modules_match_torch_repr_and_output(torch, cls, kwargs, shape):
    m, tm = getattr(nn, cls)(**kwargs), getattr(torch.nn, cls)(**kwargs)
    assert repr(m) == repr(tm)
    m.eval()
    tm.eval()
    x = random_array(*shape, seed=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = m(make_tensor(x, "cpu", dtype=ag.float32))
        want = tm(torch.tensor(x, dtype=torch.float32))
    np.testing.assert_allclose(to_numpy(got), want.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_prelu_parameters_and_state_dict():
    m = nn.PReLU(4, init=0.3)
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    np.testing.assert_allclose(to_numpy(m.weight), [0.3] * 4, rtol=1e-6)


def test_softmax2d_rejects_wrong_rank():
    with pytest.raises(ValueError, match="expected input to be 3D or 4D"):
        nn.Softmax2d()(ag.ones(2, 3))
