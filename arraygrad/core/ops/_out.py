"""`out=` as PyTorch has it: the result is written into a given tensor (resized if its shape
differs, with PyTorch's warning when it held elements), and `out` is returned."""

from __future__ import annotations

import warnings

from .. import dtypes as _dt
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor


def write_out(op: str, out, result):
    """Writes result (a Tensor, or a tuple of them for a tuple `out`) into out; returns out."""
    if isinstance(out, (tuple, list)):
        if not isinstance(result, tuple) or len(out) != len(result):
            raise TypeError(f"{op}(): out= must be a tensor here, got a {type(out).__name__}")
        for o, r in zip(out, result, strict=True):
            write_out(op, o, r)
        return type(result)(*out) if hasattr(result, "_fields") else tuple(out)
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if is_grad_enabled() and (out.requires_grad or result.requires_grad):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if out._dev is not result._dev:
        raise RuntimeError(f"{op}(): Expected out tensor to have device {result._dev}, but got "
                           f"{out._dev} instead")
    if not _dt.can_cast(result.dtype, out.dtype):
        from .inplace import _cast_error

        raise _cast_error(op, result.dtype, out.dtype)
    if tuple(out.shape) != tuple(result.shape):
        if out.numel() != 0:
            warnings.warn(
                f"{op}(): an output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements.",
                UserWarning, stacklevel=3)
        dev = out._dev
        out._data = dev.xp.zeros(tuple(result.shape), dtype=out._data.dtype, device=dev.native)
    out.copy_(result.detach())
    return out
