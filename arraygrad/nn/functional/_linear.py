"""`linear` and `bilinear` (PyTorch's `F.linear` / `F.bilinear`).

`linear` is every network's hot path, so it is one fused primitive: one node, one GEMM forward
(batch dims folded into rows), a hand-written backward of two GEMMs and a row sum. It saves the
input only when the weight needs a gradient and the weight only when the input needs one.
"""

from __future__ import annotations

from ...core import dtypes as _dt
from ...core.grad_mode import STATE
from ...core.graph import record
from ...core.ops.complex import holomorphic
from ...core.ops.linalg import einsum
from ...core.tensor import Tensor

__all__ = ["linear", "bilinear"]


def _linear_bw(K, n, s, g):
    """d(x W^T + b): g W for x, g^T x for W, the row sum of g for b (batch dims as rows)."""
    x, w = s
    in_shape, out_f = n.ctx
    g2 = K.reshape(g, (-1, out_f)) if len(in_shape) != 2 else g
    gx = gw = gb = None
    if n.needs[0]:
        gx = K.matmul(g2, w)
        if len(in_shape) != 2:
            gx = K.reshape(gx, in_shape)
    if n.needs[1]:
        x2 = K.reshape(x, (-1, in_shape[-1])) if len(in_shape) != 2 else x
        gw = K.matmul(K.matrix_transpose(g2), x2)
    if len(n.needs) > 2 and n.needs[2]:
        gb = K.sum(g2, axis=0)
    return gx, gw, gb


# complex weights: x W^T + b is holomorphic in each argument, so PyTorch's convention is the real
# formula with conjugates in and out (g conj(W), g^T conj(x))
_linear_bw_complex = holomorphic(_linear_bw)


def _check(op: str, input, weight, bias) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): input must be a Tensor, not {type(input).__name__}")
    if input._dev is not weight._dev or (bias is not None and bias._dev is not weight._dev):
        other = bias if input._dev is weight._dev else input
        what = "bias" if other is bias else "input"
        raise RuntimeError(
            f"{op}(): expected {what} and weight on the same device, but {what} is on "
            f"{other._dev} and weight on {weight._dev} (move the input, or the module with "
            f".to(device))")
    if input.dtype is not weight.dtype or (bias is not None and bias.dtype is not weight.dtype):
        other = input if input.dtype is not weight.dtype else bias
        what = "input" if other is input else "bias"
        raise RuntimeError(f"{op}(): expected {what} and weight to have the same dtype, but got "
                           f"{other.dtype} and {weight.dtype}")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b over the last dim of input (any number of leading batch dims)."""
    _check("linear", input, weight, bias)
    in_shape = tuple(input._data.shape)
    if weight.ndim != 2:
        raise RuntimeError(f"linear(): weight must be 2-D (out_features, in_features), got shape "
                           f"{tuple(weight.shape)}")
    out_f, in_f = weight._data.shape
    if not in_shape or in_shape[-1] != in_f:
        got = in_shape[-1] if in_shape else "no"
        raise RuntimeError(f"linear(): input has {got} features, but the layer expects {in_f} "
                           f"(input shape {in_shape})")
    if bias is not None and tuple(bias._data.shape) != (out_f,):
        raise RuntimeError(f"linear(): bias must have shape ({out_f},), got "
                           f"{tuple(bias._data.shape)}")
    if weight.dtype.kind < _dt._FLOAT:
        raise RuntimeError(f"linear(): expected a floating-point weight, got {weight.dtype}")
    dev = weight._dev
    xp = dev.xp
    x2 = input._data if len(in_shape) == 2 else xp.reshape(input._data, (-1, in_f))
    out = xp.matmul(x2, xp.matrix_transpose(weight._data))
    if bias is not None:
        if dev.backend.writable(out):
            out += bias._data  # the GEMM's fresh result: no second buffer
        else:
            out = out + bias._data
    if len(in_shape) != 2:
        out = xp.reshape(out, in_shape[:-1] + (out_f,))
    grad = STATE.enabled
    saved = (input if grad and weight._rg else None, weight if grad and input._rg else None)
    inputs = (input, weight) if bias is None else (input, weight, bias)
    bw = _linear_bw_complex if weight.dtype.kind == _dt._COMPLEX else _linear_bw
    return record(dev, out, "AddmmBackward0" if bias is not None else "MmBackward0",
                  bw, inputs, saved, (in_shape, out_f))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1^T A_k x2 + b_k (PyTorch's `F.bilinear`), as one einsum."""
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out, in1, in2), got shape "
                           f"{tuple(weight.shape)}")
    if input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): input1 has {input1.shape[-1]} and input2 {input2.shape[-1]} features, "
            f"but the layer expects {weight.shape[1]} and {weight.shape[2]} (input shapes "
            f"{tuple(input1.shape)} and {tuple(input2.shape)})")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(f"bilinear(): input1 and input2 must have the same batch dims, got "
                           f"{tuple(input1.shape)} and {tuple(input2.shape)}")
    out = einsum("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias
