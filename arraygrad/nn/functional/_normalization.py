"""Normalization: `batch_norm` and `layer_norm` as fused primitives with hand-written backwards
(the hot ones), `group_norm` and `instance_norm` composed from tensor ops.

Training-mode batch_norm updates the running statistics in place under no_grad, through the
Tensor in-place ops (so Dask and array-api-strict get the core's functional write-back, and
Dask's persist keeps the statistics from carrying every step's graph):
running = (1 - momentum) * running + momentum * batch statistic, with the unbiased variance.
"""

from __future__ import annotations

import math

from ...core.grad_mode import no_grad
from ...core.graph import record
from ...core.tensor import Tensor, _wrap
from ._complex import no_complex_kernel

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]


def _check_param(op: str, t, name: str, shape: tuple, x: Tensor) -> None:
    if t is None:
        return
    if tuple(t.shape) != shape:
        raise RuntimeError(f"{op}(): expected {name} of shape {shape}, got {tuple(t.shape)} "
                           f"(input shape {tuple(x.shape)})")
    if t._dev is not x._dev:
        raise RuntimeError(f"{op}(): expected {name} on the input's device {x._dev}, got "
                           f"{t._dev}")


def _normalize_bw(K, node, s, g):
    """Backward of y = xhat * w + b with xhat = (x - mean(x)) / sqrt(var(x) + eps), the
    statistics taken over `axes`: gx = invstd * (gxh - mean(gxh) - xhat * mean(gxh * xhat))."""
    x, w, xhat, invstd = s
    axes, eps, wshape, pshape = node.ctx
    if K.backend is None:  # create_graph: rebuild the statistics differentiably from x
        mean = K.mean(x, axis=axes, keepdims=True)
        d = x - mean
        invstd = 1.0 / K.sqrt(K.mean(d * d, axis=axes, keepdims=True) + eps)
        xhat = d * invstd
    waxes = tuple(i for i, n in enumerate(wshape) if n == 1)
    gx = gw = gb = None
    if node.needs[0]:
        gxh = g if w is None else g * K.reshape(w, wshape)
        m1 = K.mean(gxh, axis=axes, keepdims=True)
        m2 = K.mean(gxh * xhat, axis=axes, keepdims=True)
        gx = invstd * (gxh - m1 - xhat * m2)
    if len(node.needs) > 1 and node.needs[1]:
        gw = K.reshape(K.sum(g * xhat, axis=waxes), pshape)
    if len(node.needs) > 2 and node.needs[2]:
        gb = K.reshape(K.sum(g, axis=waxes), pshape)
    return gx, gw, gb


def _fused_normalize(name: str, x: Tensor, weight, bias, axes: tuple, wshape: tuple, eps: float):
    """One node: statistics over `axes`, then weight and bias (reshaped to wshape)."""
    dev = x._dev
    K = dev.K
    xd = x._data
    mean = K.mean(xd, axis=axes, keepdims=True)
    d = xd - mean
    var = K.mean(d * d, axis=axes, keepdims=True)
    invstd = 1.0 / K.sqrt(var + eps)
    xhat = d * invstd
    y = xhat
    if weight is not None:
        y = y * K.reshape(weight._data, wshape)
    if bias is not None:
        y = y + K.reshape(bias._data, wshape)
    inputs = (x, weight, bias) if bias is not None else (x, weight)
    param = weight if weight is not None else bias
    pshape = None if param is None else tuple(param.shape)
    out = record(dev, y, name, _normalize_bw, inputs,
                 (x, weight, xhat, invstd), (axes, eps, wshape, pshape))
    return out, mean, var


def batch_norm(input: Tensor, running_mean, running_var, weight=None, bias=None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization over (N, C, *) input per channel C, as torch.nn.functional.batch_norm:
    batch statistics in training (updating the running ones, if given, in place), the running
    statistics otherwise."""
    no_complex_kernel("batch_norm", input)
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm(): expected a Tensor input, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"batch_norm(): expected 2D or more input (N, C, *), got "
                         f"{input.ndim}D input of shape {tuple(input.shape)}")
    C = input.shape[1]
    for t, n in ((weight, "weight"), (bias, "bias"), (running_mean, "running_mean"),
                 (running_var, "running_var")):
        _check_param("batch_norm", t, n, (C,), input)
    wshape = (1, C) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // C
        if count <= 1:
            raise ValueError(f"batch_norm(): expected more than 1 value per channel when "
                             f"training, got input size {tuple(input.shape)}")
        axes = (0,) + tuple(range(2, input.ndim))
        out, mean, var = _fused_normalize("NativeBatchNormBackward0", input, weight, bias, axes,
                                          wshape, eps)
        if running_mean is not None or running_var is not None:
            dev = input._dev
            K = dev.K
            with no_grad():
                if running_mean is not None:
                    m = _wrap(K.reshape(mean, (C,)), dev).to(running_mean.dtype)
                    running_mean.mul_(1.0 - momentum).add_(m, alpha=momentum)
                if running_var is not None:
                    v = _wrap(K.reshape(var, (C,)) * (count / (count - 1)), dev)
                    running_var.mul_(1.0 - momentum).add_(v.to(running_var.dtype),
                                                          alpha=momentum)
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError("batch_norm(): running_mean and running_var must be given when not "
                           "training")
    scale = (running_var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(wshape) + shift.reshape(wshape)


def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None,
               eps: float = 1e-5) -> Tensor:
    """Normalization over the last len(normalized_shape) axes, as
    torch.nn.functional.layer_norm; weight and bias have normalized_shape."""
    no_complex_kernel("layer_norm", input)
    if not isinstance(input, Tensor):
        raise TypeError(f"layer_norm(): expected a Tensor input, got {type(input).__name__}")
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != ns or input.ndim < k:
        raise RuntimeError(f"layer_norm(): given normalized_shape={list(ns)}, expected input "
                           f"with shape [*, {', '.join(str(n) for n in ns)}], but got input of "
                           f"size {tuple(input.shape)}")
    for t, n in ((weight, "weight"), (bias, "bias")):
        _check_param("layer_norm", t, n, ns, input)
    axes = tuple(range(input.ndim - k, input.ndim))
    wshape = (1,) * (input.ndim - k) + ns
    out, _, _ = _fused_normalize("NativeLayerNormBackward0", input, weight, bias, axes, wshape,
                                 eps)
    return out


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None,
               eps: float = 1e-5) -> Tensor:
    """Normalization over groups of channels of (N, C, *) input, as
    torch.nn.functional.group_norm (per-channel weight and bias)."""
    no_complex_kernel("group_norm", input)
    if not isinstance(input, Tensor):
        raise TypeError(f"group_norm(): expected a Tensor input, got {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(f"group_norm(): expected at least 2D input (N, C, *), got "
                           f"{tuple(input.shape)}")
    N, C = input.shape[0], input.shape[1]
    if C % num_groups:
        raise RuntimeError(f"group_norm(): expected number of channels in input ({C}) to be "
                           f"divisible by num_groups ({num_groups})")
    for t, n in ((weight, "weight"), (bias, "bias")):
        _check_param("group_norm", t, n, (C,), input)
    x = input.reshape(N, num_groups, -1)
    mean = x.mean(-1, keepdim=True)
    d = x - mean
    y = (d * ((d * d).mean(-1, keepdim=True) + eps).rsqrt()).reshape(tuple(input.shape))
    wshape = (1, C) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(wshape)
    if bias is not None:
        y = y + bias.reshape(wshape)
    return y


def instance_norm(input: Tensor, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """Per-instance, per-channel normalization of (N, C, *) input, as
    torch.nn.functional.instance_norm; running statistics (if given) average the instances'."""
    no_complex_kernel("instance_norm", input)
    if not isinstance(input, Tensor):
        raise TypeError(f"instance_norm(): expected a Tensor input, got {type(input).__name__}")
    if input.ndim < 3:
        raise ValueError(f"instance_norm(): expected (N, C, *) input with a spatial axis, got "
                         f"shape {tuple(input.shape)}")
    C = input.shape[1]
    wshape = (1, C) + (1,) * (input.ndim - 2)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    count = math.prod(input.shape[2:])
    if count <= 1:
        raise ValueError(f"instance_norm(): expected more than 1 spatial element when "
                         f"training, got input size {tuple(input.shape)}")
    axes = tuple(range(2, input.ndim))
    out, mean, var = _fused_normalize("NativeBatchNormBackward0", input, None, None, axes,
                                      wshape, eps)
    if running_mean is not None or running_var is not None:
        dev = input._dev
        K = dev.K
        with no_grad():
            if running_mean is not None:
                m = _wrap(K.mean(K.reshape(mean, mean.shape[:2]), axis=0), dev)
                running_mean.mul_(1.0 - momentum).add_(m.to(running_mean.dtype), alpha=momentum)
            if running_var is not None:
                v = K.mean(K.reshape(var, var.shape[:2]), axis=0) * (count / (count - 1))
                running_var.mul_(1.0 - momentum).add_(_wrap(v, dev).to(running_var.dtype),
                                                      alpha=momentum)
    if weight is not None:
        out = out * weight.reshape(wshape)
    if bias is not None:
        out = out + bias.reshape(wshape)
    return out
