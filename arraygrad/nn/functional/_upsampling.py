"""`interpolate` (PyTorch's torch.nn.functional.interpolate): 'nearest', 'nearest-exact' and
the separable linear modes ('linear', 'bilinear', 'trilinear', with align_corners) by size or
scale_factor. Source indices and weights are computed on the host from the shapes alone (as
PyTorch's CPU kernels compute them, nearest in float32), then applied with index_select and
a lerp per axis, so autograd needs no formula of its own."""

from __future__ import annotations

import math
import struct

from ...core.creation import tensor
from ...core.ops.scatter import index_select
from ...core.tensor import Tensor
from ._complex import no_complex_kernel

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}


def _f32(v: float) -> float:
    """v rounded to float32 (PyTorch computes nearest-neighbour scales in float)."""
    return struct.unpack("f", struct.pack("f", v))[0]


def _sizes(input: Tensor, nd: int, size, scale_factor, recompute):
    """(output sizes, scales for the index formulas: None where in/out is used)."""
    spatial = tuple(input.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate(): exactly one of size or scale_factor must be defined")
    if size is not None:
        out = (size,) * nd if isinstance(size, int) else tuple(size)
        if len(out) != nd:
            raise ValueError(f"interpolate(): input with spatial shape {spatial} needs size of "
                             f"{nd} elements, got {size}")
        return out, (None,) * nd
    sf = (float(scale_factor),) * nd if isinstance(scale_factor, (int, float)) \
        else tuple(float(s) for s in scale_factor)
    if len(sf) != nd:
        raise ValueError(f"interpolate(): input with spatial shape {spatial} needs "
                         f"scale_factor of {nd} elements, got {scale_factor}")
    out = tuple(math.floor(L * s) for L, s in zip(spatial, sf, strict=True))
    return out, ((None,) * nd if recompute else tuple(1.0 / s for s in sf))


def _nearest_index(L: int, o: int, scale, exact: bool) -> list:
    s = _f32(scale if scale is not None else L / o)
    if exact:
        return [min(int(math.floor(_f32((i + 0.5) * s))), L - 1) for i in range(o)]
    return [min(int(math.floor(_f32(i * s))), L - 1) for i in range(o)]


def _linear_weights(L: int, o: int, scale, align_corners: bool):
    """(i0, i1, lambda) per output position: PyTorch's area_pixel_compute_source_index."""
    i0s, i1s, lams = [], [], []
    for i in range(o):
        if align_corners:
            src = i * ((L - 1) / (o - 1)) if o > 1 else 0.0
        else:
            s = scale if scale is not None else L / o
            src = max((i + 0.5) * s - 0.5, 0.0)
        i0 = min(int(math.floor(src)), L - 1)
        i1 = min(i0 + 1, L - 1)
        i0s.append(i0)
        i1s.append(i1)
        lams.append(src - i0)
    return i0s, i1s, lams


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners=None, recompute_scale_factor=None, antialias: bool = False):
    """Resizes (N, C, *spatial) input to `size` or by `scale_factor`, as
    torch.nn.functional.interpolate; modes nearest, nearest-exact, linear, bilinear, trilinear."""
    no_complex_kernel("interpolate", input)
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): expected a Tensor input, got {type(input).__name__}")
    nd = input.ndim - 2
    if nd < 1 or nd > 3:
        raise ValueError(f"interpolate(): expected 3-D, 4-D or 5-D input (N, C, *spatial), got "
                         f"shape {tuple(input.shape)}")
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported")
    if mode in ("nearest", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("interpolate(): align_corners option can only be set with the "
                             "interpolating modes: linear | bilinear | bicubic | trilinear")
    elif mode in _LINEAR:
        if _LINEAR[mode] != nd:
            raise NotImplementedError(f"interpolate(): mode {mode!r} expects "
                                      f"{_LINEAR[mode] + 2}-D input, got {input.ndim}-D input")
    else:
        raise NotImplementedError(f"interpolate(): mode {mode!r} is not supported (nearest, "
                                  "nearest-exact, linear, bilinear, trilinear)")
    outs, scales = _sizes(input, nd, size, scale_factor, recompute_scale_factor)
    if any(o <= 0 for o in outs):
        raise ValueError(f"interpolate(): output size {outs} must be positive (input shape "
                         f"{tuple(input.shape)})")
    dev, idt = input.device, input._dev.default_int
    x = input
    for i, (L, o, sc) in enumerate(zip(input.shape[2:], outs, scales, strict=True)):
        dim = 2 + i
        if mode.startswith("nearest"):
            if L == o:
                continue
            idx = _nearest_index(L, o, sc, mode == "nearest-exact")
            x = index_select(x, dim, tensor(idx, dtype=idt, device=dev))
            continue
        i0, i1, lam = _linear_weights(L, o, sc, bool(align_corners))
        shape = [1] * x.ndim
        shape[dim] = o
        w = tensor(lam, dtype=x.dtype, device=dev).reshape(shape)
        a = index_select(x, dim, tensor(i0, dtype=idt, device=dev))
        b = index_select(x, dim, tensor(i1, dtype=idt, device=dev))
        x = a + (b - a) * w
    return x


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate (torch.nn.functional.upsample)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """interpolate(mode='nearest') (torch.nn.functional.upsample_nearest)."""
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """interpolate(mode='bilinear', align_corners=True) (torch's upsample_bilinear)."""
    return interpolate(input, size, scale_factor, "bilinear", True)
