"""Gradient clipping (PyTorch's `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`) and the
flat-vector view of parameters (`parameters_to_vector` / `vector_to_parameters`).

Clipping never synchronises with the host: the scale min(1, max_norm / (total + 1e-6)) stays a
tensor and every gradient is multiplied by it, even when it is 1 (unless `error_if_nonfinite`
asks for the one check that needs the value).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ...core.grad_mode import no_grad
from ...core.ops.joining import cat, stack
from ...core.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_", "parameters_to_vector", "vector_to_parameters"]


def _as_list(tensors) -> list:
    if isinstance(tensors, Tensor):
        return [tensors]
    return list(tensors)


def _vector_norm(x: Tensor, p: float) -> Tensor:
    a = x.abs()
    if p == math.inf:
        return a.max()
    if p == -math.inf:
        return a.min()
    if p == 0:
        return (a != 0).sum().to(x.dtype)
    if p == 1:
        return a.sum()
    if p == 2:
        return (x * x).sum().sqrt() if not x.is_complex() else (a * a).sum().sqrt()
    return (a ** p).sum() ** (1.0 / p)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """The norm of the norms of tensors (as if concatenated into one vector), as a 0-d tensor
    on the first tensor's device."""
    tensors = [t for t in _as_list(tensors) if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        from ...core.creation import tensor

        return tensor(0.0)
    first = tensors[0]
    with no_grad():
        norms = [_vector_norm(t, norm_type).to(first.device, first.dtype) for t in tensors]
        total = _vector_norm(stack(norms), norm_type)
    if error_if_nonfinite and not bool((total.isnan() | total.isinf()).logical_not()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            f"by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm: float, total_norm: Tensor,
                          foreach=None) -> None:
    """Scales the gradients of parameters by min(1, max_norm / (total_norm + 1e-6)), in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    with no_grad():
        coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.device, g.dtype))


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scales all gradients together so that their total norm is at most max_norm; returns the
    total norm before clipping (a 0-d tensor; no host sync)."""
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Deprecated alias of `clip_grad_norm_` (as in PyTorch)."""
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamps every gradient to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)


def _check_same_device(params: list, op: str) -> None:
    devs = {p.device for p in params}
    if len(devs) > 1:
        raise TypeError(f"{op}(): found parameters on different devices "
                        f"({', '.join(sorted(str(d) for d in devs))}), which is not supported")


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    params = _as_list(parameters)
    _check_same_device(params, "parameters_to_vector")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Sets each parameter's data to its slice of vec (the inverse of parameters_to_vector)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    params = _as_list(parameters)
    _check_same_device(params + [vec], "vector_to_parameters")
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise RuntimeError(f"vector_to_parameters(): vec has shape {tuple(vec.shape)}, but the "
                           f"parameters hold {total} elements")
    pointer = 0
    for p in params:
        n = p.numel()
        p.data = vec[pointer:pointer + n].view_as(p).data
        pointer += n
