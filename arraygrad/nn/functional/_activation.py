"""Activation functions (PyTorch's `torch.nn.functional` activations).

Pointwise activations are one recorded node each, forward and backward side by side, with
PyTorch's subgradient at every kink (relu'(0) = 0, leaky_relu'(0) = slope, hardtanh' = 0 on its
bounds, ...). Backward formulas use only operators and K's functions, so they also run on
Tensors for higher-order gradients. softmax/log_softmax are fused and stable (max-shift).
"""

from __future__ import annotations

import math
import warnings

from ...core import dtypes as _dt
from ...core.graph import OUT, record
from ...core.ops import elementwise as _E
from ...core.ops.comparison import where as _where
from ...core.ops.inplace import apply_inplace
from ...core.random import default_generator
from ...core.tensor import Tensor, _dim

__all__ = [
    "relu", "relu_", "relu6", "elu", "elu_", "selu", "selu_", "celu", "celu_", "leaky_relu",
    "leaky_relu_", "prelu", "rrelu", "rrelu_", "gelu", "threshold", "threshold_", "hardshrink",
    "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "silu", "mish", "sigmoid",
    "logsigmoid", "softplus", "softshrink", "softsign", "tanh", "tanhshrink", "softmin",
    "softmax", "log_softmax", "glu",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _float_input(op: str, input) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if input.dtype.kind != _dt._FLOAT:
        raise RuntimeError(f"{op}(): expected a floating-point input, got a tensor of dtype "
                           f"{input.dtype} (shape {tuple(input.shape)})")
    return input


def _pointwise(op: str, name: str, input, fwd, bw, params: tuple = (), inplace: bool = False):
    """One recorded node y = fwd(K, x, *params), backward bw(K, n, (x,), g) with n.ctx = params;
    `inplace=True` writes y into input (PyTorch's `inplace` flag) and returns input."""
    x = _float_input(op, input)

    def run(t: Tensor) -> Tensor:
        dev = t._dev
        return record(dev, fwd(dev.K, t._data, *params), name, bw, (t,), (t,), params)
    return apply_inplace(x, run, op + "_") if inplace else run(x)


def _zeros(K, g):
    return K.zeros_like(g)


# ---- rectifiers ----------------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); the gradient at 0 is 0, as in PyTorch (core's fused relu)."""
    return apply_inplace(input, _E.relu, "relu_") if inplace else _E.relu(input)


def relu_(input: Tensor) -> Tensor:
    """relu(input, inplace=True)."""
    return relu(input, inplace=True)


def _hardtanh_fwd(K, x, lo, hi):
    return K.clip(x, lo, hi)


def _hardtanh_bw(K, n, s, g):
    lo, hi = n.ctx
    x = s[0]
    return (K.where((x > lo) & (x < hi), g, _zeros(K, g)),)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """clip(x, min_val, max_val); the gradient is 0 on and outside the bounds (PyTorch's)."""
    if min_val > max_val:
        raise ValueError("hardtanh(): min_val cannot be greater than max_val, got "
                         f"min_val={min_val}, max_val={max_val}")
    return _pointwise("hardtanh", "HardtanhBackward0", input, _hardtanh_fwd, _hardtanh_bw,
                      (float(min_val), float(max_val)), inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """hardtanh(..., inplace=True)."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) = hardtanh(x, 0, 6), as PyTorch computes it."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _elu_fwd(K, x, alpha, scale, iscale):
    return K.where(x > 0, x * scale, K.expm1(x * iscale) * (alpha * scale))


def _elu_bw(K, n, s, g):
    alpha, scale, iscale = n.ctx
    x = s[0]
    return (K.where(x > 0, g * scale, g * K.exp(x * iscale) * (alpha * scale * iscale)),)


def _elu(op, name, input, alpha, scale, iscale, inplace):
    return _pointwise(op, name, input, _elu_fwd, _elu_bw,
                      (float(alpha), float(scale), float(iscale)), inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise (PyTorch's ELU)."""
    return _elu("elu", "EluBackward0", input, alpha, 1.0, 1.0, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """elu(..., inplace=True)."""
    return elu(input, alpha, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with SELU's fixed alpha and scale."""
    return _elu("selu", "EluBackward0", input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace)


def selu_(input: Tensor) -> Tensor:
    """selu(..., inplace=True)."""
    return selu(input, True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) (PyTorch's CELU)."""
    if alpha == 0:
        raise RuntimeError("celu(): ZeroDivisionError, alpha must not be 0")
    return _elu("celu", "EluBackward0", input, alpha, 1.0, 1.0 / alpha, inplace)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """celu(..., inplace=True)."""
    return celu(input, alpha, True)


def _leaky_fwd(K, x, slope):
    return K.where(x > 0, x, x * slope)


def _leaky_bw(K, n, s, g):
    (slope,) = n.ctx
    return (K.where(s[0] > 0, g, g * slope),)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise; the gradient at 0 is negative_slope."""
    return _pointwise("leaky_relu", "LeakyReluBackward0", input, _leaky_fwd, _leaky_bw,
                      (float(negative_slope),), inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """leaky_relu(..., inplace=True)."""
    return leaky_relu(input, negative_slope, True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """leaky_relu with a learnt slope `weight` (one value, or one per channel of dim 1)."""
    x = _float_input("prelu", input)
    if weight.ndim > 1:
        raise RuntimeError(f"prelu(): Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    nw = weight.numel()
    w = weight
    if nw != 1:
        if x.ndim == 0:
            raise RuntimeError("prelu(): Not allow zero-dim input tensor.")
        channels = x.shape[1] if x.ndim > 1 else 1
        if channels != nw:
            raise RuntimeError(f"prelu(): Mismatch of parameter numbers and input channel size. "
                               f"Found parameter numbers = {nw} and channel size = {channels}.")
        w = weight.reshape((nw,) + (1,) * (x.ndim - 2))
    elif weight.ndim == 1 and x.ndim == 0:
        w = weight.reshape(())
    return _where(x > 0, x, w * x)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: in training each x <= 0 is scaled by a slope drawn uniformly from
    [lower, upper] (arraygrad's seeded generator); in eval the slope is (lower + upper) / 2."""
    x = _float_input("rrelu", input)
    if not training:
        return leaky_relu(x, (lower + upper) / 2, inplace)
    dev = x._dev
    r = default_generator._draw(dev, "uniform", tuple(x.shape), x.dtype.name, float(lower),
                                float(upper))

    def run(t: Tensor) -> Tensor:
        noise = dev.xp.where(t._data > 0, dev.xp.ones_like(r), r)
        return record(dev, t._data * noise, "RreluWithNoiseBackward0", _rrelu_bw, (t,), (noise,))
    return apply_inplace(x, run, "rrelu_") if inplace else run(x)


def _rrelu_bw(K, n, s, g):
    return (g * s[0],)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """rrelu(..., inplace=True)."""
    return rrelu(input, lower, upper, training, True)


def _threshold_fwd(K, x, th, value):
    return K.where(x > th, x, K.full_like(x, value))


def _threshold_bw(K, n, s, g):
    return (K.where(s[0] > n.ctx[0], g, _zeros(K, g)),)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    return _pointwise("threshold", "ThresholdBackward0", input, _threshold_fwd, _threshold_bw,
                      (threshold, value), inplace)


_threshold = threshold


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """threshold(..., inplace=True)."""
    return _threshold(input, threshold, value, True)


# ---- smooth activations --------------------------------------------------------------------------
def _gelu_fwd(K, x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1 + K.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1 + K.erf(x * _SQRT1_2))


def _gelu_bw(K, n, s, g):
    x = s[0]
    if n.ctx[0] == "tanh":
        x2 = x * x
        t = K.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x2 * x))
        d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x2)
        return (g * d,)
    return (g * (0.5 * (1 + K.erf(x * _SQRT1_2)) + x * K.exp(-0.5 * x * x) * _INV_SQRT_2PI),)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) with Phi the normal CDF (exact, via erf), or its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu(): approximate argument must be either none or tanh, got "
                           f"{approximate!r}")
    return _pointwise("gelu", "GeluBackward0", input, _gelu_fwd, _gelu_bw, (approximate,))


def _sig(K, x):
    return 1 / (1 + K.exp(-x))


def _silu_fwd(K, x):
    return x * _sig(K, x)


def _silu_bw(K, n, s, g):
    x = s[0]
    sg = _sig(K, x)
    return (g * sg * (1 + x * (1 - sg)),)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (a.k.a. swish)."""
    return _pointwise("silu", "SiluBackward0", input, _silu_fwd, _silu_bw, (), inplace)


def _softplus1(K, x):
    """log(1 + exp(x)), stable for every x."""
    return K.logaddexp(K.zeros_like(x), x)


def _mish_fwd(K, x):
    return x * K.tanh(_softplus1(K, x))


def _mish_bw(K, n, s, g):
    x = s[0]
    t = K.tanh(_softplus1(K, x))
    return (g * (t + x * _sig(K, x) * (1 - t * t)),)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return _pointwise("mish", "MishBackward0", input, _mish_fwd, _mish_bw, (), inplace)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) (core's fused sigmoid)."""
    return _E.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent (core's)."""
    return _E.tanh(input)


def _logsigmoid_fwd(K, x):
    return K.minimum(x, K.zeros_like(x)) - K.log1p(K.exp(-K.abs(x)))


def _logsigmoid_bw(K, n, s, g):
    return (g * _sig(K, -s[0]),)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): no overflow for any x."""
    return _pointwise("logsigmoid", "LogSigmoidBackward0", input, _logsigmoid_fwd,
                      _logsigmoid_bw)


def _softplus_fwd(K, x, beta, th):
    bx = x * beta
    return K.where(bx > th, x, K.log1p(K.exp(K.minimum(bx, K.full_like(bx, th)))) / beta)


def _softplus_bw(K, n, s, g):
    beta, th = n.ctx
    bx = s[0] * beta
    return (K.where(bx > th, g, g * _sig(K, bx)),)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold (as PyTorch)."""
    return _pointwise("softplus", "SoftplusBackward0", input, _softplus_fwd, _softplus_bw,
                      (float(beta), float(threshold)))


def _hardshrink_fwd(K, x, lambd):
    return K.where((x > lambd) | (x < -lambd), x, K.zeros_like(x))


def _shrink_bw(K, n, s, g):
    (lambd,) = n.ctx
    x = s[0]
    return (K.where((x > lambd) | (x < -lambd), g, _zeros(K, g)),)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    return _pointwise("hardshrink", "HardshrinkBackward0", input, _hardshrink_fwd, _shrink_bw,
                      (float(lambd),))


def _softshrink_fwd(K, x, lambd):
    z = K.zeros_like(x)
    return K.where(x > lambd, x - lambd, K.where(x < -lambd, x + lambd, z))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    if lambd < 0:
        raise RuntimeError(f"softshrink(): lambda must be greater or equal to 0, but found to "
                           f"be {lambd}.")
    return _pointwise("softshrink", "SoftshrinkBackward0", input, _softshrink_fwd, _shrink_bw,
                      (float(lambd),))


def _hardsigmoid_fwd(K, x):
    return K.clip(x + 3.0, 0.0, 6.0) / 6.0


def _hardsigmoid_bw(K, n, s, g):
    x = s[0]
    return (K.where((x > -3.0) & (x < 3.0), g / 6.0, _zeros(K, g)),)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """clip(x / 6 + 1/2, 0, 1)."""
    return _pointwise("hardsigmoid", "HardsigmoidBackward0", input, _hardsigmoid_fwd,
                      _hardsigmoid_bw, (), inplace)


def _hardswish_fwd(K, x):
    return x * K.clip(x + 3.0, 0.0, 6.0) / 6.0


def _hardswish_bw(K, n, s, g):
    x = s[0]
    z = _zeros(K, g)
    return (K.where(x <= -3.0, z, K.where(x < 3.0, g * (x / 3.0 + 0.5), g)),)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x)."""
    return _pointwise("hardswish", "HardswishBackward0", input, _hardswish_fwd, _hardswish_bw,
                      (), inplace)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    x = _float_input("softsign", input)
    return x / (_E.abs(x) + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    x = _float_input("tanhshrink", input)
    return x - _E.tanh(x)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b) where a, b are the two halves of input along dim."""
    if not isinstance(input, Tensor):
        raise TypeError(f"glu(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if input.ndim == 0:
        raise RuntimeError("glu(): glu does not support scalars because halving size must be "
                           "even")
    d = _dim(dim, input.ndim, "glu")
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"glu(): Halving dimension must be even, but dimension {d} is size "
                           f"{n}")
    a, b = input.narrow(d, 0, n // 2), input.narrow(d, n // 2, n // 2)
    return a * _E.sigmoid(b)


# ---- softmax family ------------------------------------------------------------------------------
def _softmax_dim(op: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _prepare(op: str, input, dim, dtype, stacklevel):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if dim is None:
        dim = _softmax_dim(op, input.ndim, stacklevel + 1)
    if dtype is not None:
        input = input.to(dtype)
    elif input.dtype.kind != _dt._FLOAT:
        raise RuntimeError(f"{op}(): expected a floating-point input, got a tensor of dtype "
                           f"{input.dtype} (shape {tuple(input.shape)})")
    return input, _dim(dim, max(input.ndim, 1), op)


def _shifted(K, x, axis):
    """(x - max(x), log(sum(exp(x - max)))) along axis, with keepdims."""
    sh = x - K.max(x, axis=axis, keepdims=True)
    return sh, K.log(K.sum(K.exp(sh), axis=axis, keepdims=True))


def _log_softmax_bw(K, n, s, g):
    (out,) = s
    return (g - K.exp(out) * K.sum(g, axis=n.ctx, keepdims=True),)


def _softmax_bw(K, n, s, g):
    (out,) = s
    return (out * (g - K.sum(g * out, axis=n.ctx, keepdims=True)),)


def _softmax_op(op, name, bw, log, input, dim, dtype, stacklevel):
    x, axis = _prepare(op, input, dim, dtype, stacklevel + 1)
    dev, d = x._dev, x._data
    K = dev.K
    scalar = d.ndim == 0
    if scalar:
        d = K.reshape(d, (1,))
    if d.shape[axis] == 0:
        out = d + 0
    else:
        sh, lse = _shifted(K, d, axis)
        out = sh - lse if log else K.exp(sh - lse)
    if scalar:
        out = K.reshape(out, ())
    return record(dev, out, name, bw, (x,), (OUT,), None if scalar else axis)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """x - logsumexp(x) along dim: one fused node, stable by the max shift."""
    return _softmax_op("log_softmax", "LogSoftmaxBackward0", _log_softmax_bw, True, input, dim,
                       dtype, _stacklevel)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim: one fused node, stable by the max shift."""
    return _softmax_op("softmax", "SoftmaxBackward0", _softmax_bw, False, input, dim, dtype,
                       _stacklevel)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along dim."""
    x, axis = _prepare("softmin", input, dim, dtype, _stacklevel)
    return softmax(-x, axis if x.ndim else 0)


def _softmax_method(self: Tensor, dim: int, dtype=None) -> Tensor:
    """Tensor.softmax(dim): F.softmax along dim."""
    return softmax(self, dim, dtype=dtype)


def _log_softmax_method(self: Tensor, dim: int, dtype=None) -> Tensor:
    """Tensor.log_softmax(dim): F.log_softmax along dim."""
    return log_softmax(self, dim, dtype=dtype)


Tensor.softmax = _softmax_method
Tensor.log_softmax = _log_softmax_method
