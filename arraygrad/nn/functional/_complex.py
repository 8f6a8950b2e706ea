"""PyTorch's error for nn functions that have no complex kernel (`"layer_norm" not implemented
for 'ComplexDouble'`), raised before a fused backward written for real numbers could run."""

from __future__ import annotations

from ...core import dtypes as _dt
from ...core.tensor import Tensor

_NAMES = {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def no_complex_kernel(op: str, *tensors) -> None:
    """Raises PyTorch's RuntimeError if any of tensors is complex."""
    for t in tensors:
        if isinstance(t, Tensor) and t.dtype.kind == _dt._COMPLEX:
            raise RuntimeError(f"{op}(): \"{op}\" not implemented for '{_NAMES[t.dtype.name]}'")
