"""The 'modules' feature, activations: every activation layer of arraygrad.nn and
AdaptiveLogSoftmaxWithLoss against NumPy float64 references (see arraygrad/conformance/modules.py).
Inputs stay away from the kinks (the tests check PyTorch's subgradients there)."""

from __future__ import annotations

import math

import numpy as np

from arraygrad import nn

from ..modules import ModuleInfo, ModuleSample
from ..table import register

_erf = np.vectorize(math.erf)
_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _log_softmax(x, axis):
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def _away_from_kinks(rng, shape, kinks=(0.0, -0.5, 0.5, -1.0, 1.0, -3.0, 3.0)):
    x = rng.uniform(-4, 4, shape)
    for k in kinks:
        x = np.where(np.abs(x - k) < 0.05, k + 0.1, x)
    return x


def _gelu(state, init, x):
    if init.get("approximate", "none") == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _softplus(state, init, x):
    b, th = init.get("beta", 1.0), init.get("threshold", 20.0)
    return np.where(b * x > th, x, np.log1p(np.exp(np.minimum(b * x, th))) / b)


def _prelu(state, init, x):
    w = state["weight"]
    w = w.reshape((-1,) + (1,) * (x.ndim - 2)) if w.size > 1 else w
    return np.where(x > 0, x, w * x)


def _softshrink(state, init, x):
    lam = init.get("lambd", 0.5)
    return np.where(x > lam, x - lam, np.where(x < -lam, x + lam, 0.0))


# name: (constructor kwargs, reference, input shape)
_POINTWISE = {
    "ReLU": ({}, lambda s, i, x: np.maximum(x, 0)),
    "ReLU6": ({}, lambda s, i, x: np.clip(x, 0, 6)),
    "ELU": ({"alpha": 0.7}, lambda s, i, x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    "SELU": ({}, lambda s, i, x: _SELU[1] * np.where(x > 0, x, _SELU[0] * np.expm1(x))),
    "CELU": ({"alpha": 2.0},
             lambda s, i, x: np.maximum(x, 0) + np.minimum(0, 2 * np.expm1(x / 2))),
    "LeakyReLU": ({"negative_slope": 0.2}, lambda s, i, x: np.where(x > 0, x, 0.2 * x)),
    "Threshold": ({"threshold": 0.3, "value": -2.0},
                  lambda s, i, x: np.where(x > 0.3, x, -2.0)),
    "Hardshrink": ({}, lambda s, i, x: np.where(np.abs(x) > 0.5, x, 0.0)),
    "Hardtanh": ({"min_val": -1.0, "max_val": 3.0}, lambda s, i, x: np.clip(x, -1, 3)),
    "Hardsigmoid": ({}, lambda s, i, x: np.clip(x / 6 + 0.5, 0, 1)),
    "Hardswish": ({}, lambda s, i, x: x * np.clip(x + 3, 0, 6) / 6),
    "SiLU": ({}, lambda s, i, x: x * _sig(x)),
    "Mish": ({}, lambda s, i, x: x * np.tanh(np.log1p(np.exp(x)))),
    "Sigmoid": ({}, lambda s, i, x: _sig(x)),
    "LogSigmoid": ({}, lambda s, i, x: -np.log1p(np.exp(-x))),
    "Softplus": ({"beta": 2.0, "threshold": 5.0}, _softplus),
    "Softshrink": ({"lambd": 1.0}, _softshrink),
    "Softsign": ({}, lambda s, i, x: x / (1 + np.abs(x))),
    "Tanh": ({}, lambda s, i, x: np.tanh(x)),
    "Tanhshrink": ({}, lambda s, i, x: x - np.tanh(x)),
}


def _one(init, shape=(3, 4), **kw):
    return lambda rng: [ModuleSample(init, (_away_from_kinks(rng, shape),),
                                     desc=f"{shape} input", **kw)]


def _gelu_samples(rng):
    yield ModuleSample({}, (_away_from_kinks(rng, (3, 4)),), desc="exact (erf)")
    yield ModuleSample({"approximate": "tanh"}, (_away_from_kinks(rng, (3, 4)),),
                       desc="tanh approximation")


def _prelu_samples(rng):
    yield ModuleSample({}, (_away_from_kinks(rng, (2, 3, 2)),), desc="one slope")
    yield ModuleSample({"num_parameters": 3, "init": 0.1}, (_away_from_kinks(rng, (2, 3, 2)),),
                       desc="a slope per channel")


class _AdaptiveOutput(nn.AdaptiveLogSoftmaxWithLoss):
    """The module's `output` alone: its `loss` is -output.mean(), and the checks' cotangents
    cannot be made for 0-d outputs yet."""

    def forward(self, input, target):
        return super().forward(input, target).output


def _adaptive_ref(state, init, x, target):
    shortlist = init["cutoffs"][0]
    cutoffs = list(init["cutoffs"]) + [init["n_classes"]]
    head = _log_softmax(x @ state["head.weight"].T, 1)
    out = np.empty(len(target))
    for r, t in enumerate(target):
        if t < shortlist:
            out[r] = head[r, t]
            continue
        i = next(k for k in range(len(cutoffs) - 1) if cutoffs[k] <= t < cutoffs[k + 1])
        proj = x[r] @ state[f"tail.{i}.0.weight"].T @ state[f"tail.{i}.1.weight"].T
        out[r] = head[r, shortlist + i] + _log_softmax(proj, 0)[t - cutoffs[i]]
    return out


def _adaptive_samples(rng):
    yield ModuleSample({"in_features": 4, "n_classes": 6, "cutoffs": [2, 4], "div_value": 2.0},
                       (rng.standard_normal((4, 4)), np.array([0, 3, 5, 1])),
                       desc="two tail clusters")


# float32 too for the activations most models use; the rest in float64 (same code paths; a Dask
# evaluation costs tenths of a second, and the tests check float32 against float64)
_BOTH = ("ReLU", "Sigmoid", "Tanh")
register(
    *[ModuleInfo(name, getattr(nn, name), _one(init), ref,
                 dtypes=("float32", "float64") if name in _BOTH else ("float64",))
      for name, (init, ref) in _POINTWISE.items()],
    ModuleInfo("GELU", nn.GELU, _gelu_samples, _gelu, dtypes=("float64",)),
    ModuleInfo("PReLU", nn.PReLU, _prelu_samples, _prelu, dtypes=("float64",)),
    ModuleInfo("RReLU", nn.RReLU, _one({"lower": 0.1, "upper": 0.3}, train=False),
               lambda s, i, x: np.where(x > 0, x, 0.2 * x), dtypes=("float64",),
               doc="eval mode (mean slope); training draws are checked across backends in tests"),
    ModuleInfo("Softmax", nn.Softmax, _one({"dim": 1}), lambda s, i, x: np.exp(
        _log_softmax(x, 1))),
    ModuleInfo("Softmin", nn.Softmin, _one({"dim": 0}), lambda s, i, x: np.exp(
        _log_softmax(-x, 0)), dtypes=("float64",)),
    ModuleInfo("LogSoftmax", nn.LogSoftmax, _one({"dim": -1}),
               lambda s, i, x: _log_softmax(x, -1)),
    ModuleInfo("Softmax2d", nn.Softmax2d, _one({}, (2, 3, 2, 2)),
               lambda s, i, x: np.exp(_log_softmax(x, -3)), dtypes=("float64",)),
    ModuleInfo("GLU", nn.GLU, _one({"dim": 1}, (2, 4)),
               lambda s, i, x: x[:, :2] * _sig(x[:, 2:]), dtypes=("float64",)),
    ModuleInfo("AdaptiveLogSoftmaxWithLoss", _AdaptiveOutput, _adaptive_samples, _adaptive_ref,
               dtypes=("float64",), doc="float64 only: each cluster's row selection reads the "
               "targets, which costs a compute per cluster on Dask"),
)
