"""Pooling: `max_pool1d/2d/3d`, `avg_pool1d/2d/3d` as fused primitives with hand-written
backwards, and `adaptive_avg_pool1d/2d/3d` as products with averaging matrices.

Windows come from the convolution's im2col (`_conv._unfold`, layout (N, *kernel, C, *out)), so
a reduction over the kernel axis leaves (N, C, *out) with no further copy. Max pooling keeps the
index of the FIRST maximum of each window (`argmax`; the LAST NaN where a window has NaNs, as
PyTorch's kernel), and its backward sends the gradient there only, as PyTorch does; both
backwards are col2im (`_conv._fold`) of a window-shaped array, which for non-overlapping windows
is a plain reshape: no scatter. A backend may offer `max_pool` and `max_pool_backward` kernels
(NumPy does: a branch-free argmax over contiguous slabs, 3-4x faster than argmax over the strided
window axis), which the generic ones must match.
"""

from __future__ import annotations

import math

from ...core import dtypes as _dt
from ...core.creation import tensor
from ...core.graph import record
from ...core.ops.reduction import max as _max
from ...core.tensor import Tensor, _wrap
from ._conv import _const_pad, _fast, _fold, _tuple, _unfold
from ._complex import no_complex_kernel

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d"]


def _geometry(op: str, input, nd: int, kernel_size, stride, padding, dilation, ceil_mode):
    """(batched input, unbatched?, ks, st, dl, pads [(before, after)], outs) by PyTorch's rules:
    out = floor-or-ceil((L + 2p - d(k-1) - 1) / s) + 1, minus one in ceil mode when the last
    window would start in the right padding."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): expected a Tensor input, got {type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): expected {nd + 1}-D (unbatched) or {nd + 2}-D (batched) "
                           f"input, got {input.ndim}-D input of shape {tuple(input.shape)}")
    ks = _tuple(kernel_size, nd, "kernel_size", op)
    st = ks if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _tuple(stride, nd, "stride", op)
    pd = _tuple(padding, nd, "padding", op)
    dl = _tuple(dilation, nd, "dilation", op)
    if any(k < 1 for k in ks) or any(s < 1 for s in st) or any(d < 1 for d in dl):
        raise RuntimeError(f"{op}(): kernel_size, stride and dilation must be positive (got "
                           f"kernel_size={ks}, stride={st}, dilation={dl})")
    if any(p < 0 or p > k // 2 for p, k in zip(pd, ks, strict=True)):
        raise RuntimeError(f"{op}(): pad should be at most half of effective kernel size, but "
                           f"got pad={pd} and kernel_size={ks}")
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    outs, pads = [], []
    for L, k, s, p, d in zip(x.shape[2:], ks, st, pd, dl, strict=True):
        num = L + 2 * p - d * (k - 1) - 1
        o = (-(-num // s) if ceil_mode else num // s) + 1
        if ceil_mode and (o - 1) * s >= L + p:
            o -= 1
        if o < 1:
            raise RuntimeError(f"{op}(): given input size {tuple(input.shape)}, calculated "
                               f"output size {o} along a spatial axis is too small (kernel "
                               f"{ks}, stride {st}, padding {pd}, dilation {dl})")
        outs.append(o)
        need = (o - 1) * s + d * (k - 1) + 1
        pads.append((p, max(need - L - p, 0)))
    return x, unbatched, ks, st, dl, pads, tuple(outs)


def _windows(K, x, ks, st, dl, pads, outs, fill):
    """(N, prod(ks), C, *outs): every window of x (N, C, *spatial), padded with `fill`."""
    xp = _const_pad(K, x, pads, fill)
    w = _unfold(K, xp, ks, st, dl, outs)
    n = x.shape[0]
    return K.reshape(w, (n, math.prod(ks), x.shape[1]) + tuple(outs))


def _unwindow(K, gw, xshape, ks, st, dl, pads, outs):
    """The adjoint of `_windows`: gw (N, prod(ks), C, *outs) folded back to xshape."""
    n, c = xshape[0], xshape[1]
    gw = K.reshape(gw, (n,) + tuple(ks) + (c,) + tuple(outs))
    sizes = tuple(L + b + a for L, (b, a) in zip(xshape[2:], pads, strict=True))
    gx = _fold(K, gw, ks, st, dl, sizes)
    crop = tuple(slice(b, b + L) for L, (b, _) in zip(xshape[2:], pads, strict=True))
    return gx[(slice(None), slice(None)) + crop]


def _onehot(K, idx, kp: int, like):
    """(N, kp, C, *outs) mask of dtype like.dtype, 1 where the window's offset is idx."""
    ar = K.reshape(K.arange(kp, dtype=idx.dtype, device=_device(K, idx)),
                   (1, kp) + (1,) * (idx.ndim - 1))
    return K.astype(K.expand_dims(idx, axis=1) == ar, like.dtype)


def _device(K, a):
    b = K.backend
    return b.device_of(a) if b is not None else a.device


# ---- max pooling --------------------------------------------------------------------------------
def _max_pool_bw(K, node, s, g):
    (idx,) = s
    xshape, ks, st, dl, pads, outs = node.ctx
    fast = _fast(K, "max_pool_backward")
    if fast is not None:
        sizes = tuple(L + b + a for L, (b, a) in zip(xshape[2:], pads, strict=True))
        gx = fast(idx, g, ks, st, dl, sizes)
        crop = tuple(slice(b, b + L) for L, (b, _) in zip(xshape[2:], pads, strict=True))
        return (gx[(slice(None), slice(None)) + crop],)
    gw = _onehot(K, idx, math.prod(ks), g) * K.expand_dims(g, axis=1)
    return (_unwindow(K, gw, xshape, ks, st, dl, pads, outs),)


def _argmax_last_nan(K, w, dtype):
    """PyTorch's max-pool index over axis 1 of the windows w: the first maximum, or the last NaN
    where the window has one (its kernel takes `val > max || isnan(val)`)."""
    idx = K.argmax(w, axis=1)
    if dtype.kind != _dt._FLOAT:
        return idx
    isnan = K.isnan(w)
    last = (w.shape[1] - 1) - K.argmax(K.astype(K.flip(isnan, axis=1), w.dtype), axis=1)
    return K.where(K.any(isnan, axis=1), last, idx)  # both argmax results: one dtype


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    no_complex_kernel(op, input)
    x, unbatched, ks, st, dl, pads, outs = _geometry(op, input, nd, kernel_size, stride,
                                                     padding, dilation, ceil_mode)
    dev = x._dev
    K = dev.K
    fast = _fast(K, "max_pool")
    if fast is not None:
        val, idx = fast(_const_pad(K, x._data, pads, -math.inf), ks, st, dl, outs)
    else:
        w = _windows(K, x._data, ks, st, dl, pads, outs, -math.inf)
        idx = _argmax_last_nan(K, w, x.dtype)
        val = K.max(w, axis=1)
    xshape = tuple(x.shape)
    out = record(dev, val, f"MaxPool{nd}DWithIndicesBackward0", _max_pool_bw, (x,), (idx,),
                 (xshape, ks, st, dl, pads, outs))
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    if fast is not None:  # the kernel's offsets may be int8: too narrow for flat indices
        idx = K.astype(idx, dev.native_dtype(dev.default_int, op))
    ind = _wrap(_flat_indices(K, idx, xshape, ks, st, dl, pads, outs), dev)
    return out, (ind.squeeze(0) if unbatched else ind)


def _flat_indices(K, idx, xshape, ks, st, dl, pads, outs):
    """PyTorch's max-pool indices: the argmax's position in the flattened spatial input."""
    nd = len(ks)
    flat = None
    rest = math.prod(ks)
    for i in range(nd):
        rest //= ks[i]
        k_i = (idx // rest) % ks[i]
        shape = [1] * idx.ndim
        shape[2 + i] = outs[i]
        o = K.reshape(K.arange(outs[i], dtype=idx.dtype, device=_device(K, idx)), tuple(shape))
        coord = o * st[i] - pads[i][0] + k_i * dl[i]
        flat = coord if flat is None else flat * xshape[2 + i] + coord
    return flat


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L) input, as torch.nn.functional.max_pool1d."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over (N, C, H, W) input, as torch.nn.functional.max_pool2d; the gradient
    goes to the first maximum of each window."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling over (N, C, D, H, W) input, as torch.nn.functional.max_pool3d."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


# ---- average pooling ----------------------------------------------------------------------------
def _avg_pool_bw(K, node, s, g):
    (div,) = s
    xshape, ks, pads, outs, st = node.ctx
    gw = K.broadcast_to(K.expand_dims(g / div, axis=1),
                        (xshape[0], math.prod(ks), xshape[1]) + tuple(outs))
    return (_unwindow(K, gw, xshape, ks, st, (1,) * len(ks), pads, outs),)


def _divisor(K, like, dev, xshape, ks, st, pd, outs, count_include_pad, divisor_override):
    """What each window's sum is divided by: a Python number when every window has the same
    count, else an array (1, 1, *outs) built from PyTorch's per-axis window extents."""
    if divisor_override:
        return divisor_override
    axes = []
    for L, k, s, p, o in zip(xshape[2:], ks, st, pd, outs, strict=True):
        counts = []
        for i in range(o):
            start = i * s - p
            end = min(start + k, L + p)
            if count_include_pad:
                counts.append(end - start)
            else:
                counts.append(min(end, L) - max(start, 0))
        axes.append(counts)
    if all(len(set(c)) == 1 for c in axes):
        return math.prod(c[0] for c in axes)
    div = None
    for i, counts in enumerate(axes):
        shape = [1] * (len(ks) + 2)
        shape[2 + i] = len(counts)
        a = K.reshape(dev.xp.asarray([float(c) for c in counts], dtype=like.dtype,
                                     device=dev.native), tuple(shape))
        div = a if div is None else div * a
    return div


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    no_complex_kernel(op, input)
    x, unbatched, ks, st, dl, pads, outs = _geometry(op, input, nd, kernel_size, stride,
                                                     padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}(): divisor must be not zero")
    dev = x._dev
    K = dev.K
    xshape = tuple(x.shape)
    pd = tuple(b for b, _ in pads)
    w = _windows(K, x._data, ks, st, dl, pads, outs, 0.0)
    div = _divisor(K, w, dev, xshape, ks, st, pd, outs, count_include_pad, divisor_override)
    out = record(dev, K.sum(w, axis=1) / div, f"AvgPool{nd}DBackward0", _avg_pool_bw, (x,),
                 (div,), (xshape, ks, pads, outs, st))
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over (N, C, L) input, as torch.nn.functional.avg_pool1d."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling over (N, C, H, W) input, as torch.nn.functional.avg_pool2d."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling over (N, C, D, H, W) input, as torch.nn.functional.avg_pool3d."""
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


# ---- adaptive average pooling -------------------------------------------------------------------
def _averaging_matrix(L: int, o: int, like: Tensor) -> Tensor:
    """(o, L): row i averages input[start:end], start = floor(i*L/o), end = ceil((i+1)*L/o)."""
    rows = []
    for i in range(o):
        start, end = (i * L) // o, -(-((i + 1) * L) // o)
        rows.append([1.0 / (end - start) if start <= j < end else 0.0 for j in range(L)])
    return tensor(rows, dtype=like.dtype, device=like.device)


def _adaptive_avg(op: str, nd: int, input, output_size):
    no_complex_kernel(op, input)
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): expected a Tensor input, got {type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): expected {nd + 1}-D (unbatched) or {nd + 2}-D (batched) "
                           f"input, got {input.ndim}-D input of shape {tuple(input.shape)}")
    sizes = (output_size,) * nd if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    if len(sizes) != nd:
        raise ValueError(f"{op}(): output_size must have {nd} elements, got {output_size}")
    spatial = tuple(input.shape[-nd:])
    sizes = tuple(L if o is None else o for o, L in zip(sizes, spatial, strict=True))
    if any(L == 0 for L in spatial) or any(o < 0 for o in sizes):
        raise RuntimeError(f"{op}(): expected non-empty spatial input and non-negative "
                           f"output_size, got input shape {tuple(input.shape)} and output_size "
                           f"{output_size}")
    y = input
    for i, (L, o) in enumerate(zip(spatial, sizes, strict=True)):
        if L == o:
            continue
        ax = input.ndim - nd + i
        m = _averaging_matrix(L, o, input)
        # contract axis ax with m's columns: move it last, multiply by m^T, move it back
        y = (y.movedim(ax, -1) @ m.mT).movedim(-1, ax)
    return y


def adaptive_avg_pool1d(input, output_size):
    """Adaptive 1-D average pooling to `output_size` (PyTorch's start/end index formula)."""
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Adaptive 2-D average pooling to `output_size` (an int, or a pair; None keeps a size)."""
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Adaptive 3-D average pooling to `output_size`."""
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


# ---- adaptive max pooling -----------------------------------------------------------------------
def _adaptive_windows(L: int, o: int) -> tuple[list, int]:
    """Row-major (o, kmax) input indices of PyTorch's adaptive windows; a shorter window repeats
    its last index, which cannot change its first maximum."""
    spans = [((i * L) // o, -(-((i + 1) * L) // o)) for i in range(o)]
    kmax = max(end - start for start, end in spans)
    return [min(start + j, end - 1) for start, end in spans for j in range(kmax)], kmax


def _adaptive_max(op: str, nd: int, input, output_size, return_indices: bool):
    no_complex_kernel(op, input)
    _adaptive_avg(op, nd, input, 1)  # the same input checks
    sizes = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
    spatial = tuple(input.shape[-nd:])
    sizes = tuple(L if o is None else o for o, L in zip(sizes, spatial, strict=True))
    lead = input.ndim - nd
    dev, idt = input.device, input._dev.default_int
    y, tables, kmaxes = input, [], []
    for i, (L, o) in enumerate(zip(spatial, sizes, strict=True)):
        idx, kmax = _adaptive_windows(L, o)
        t = tensor(idx, dtype=idt, device=dev)
        y = y.index_select(lead + 2 * i, t)
        y = y.unflatten(lead + 2 * i, (o, kmax))
        tables.append(t)
        kmaxes.append(kmax)
    # (*lead, o1, k1, o2, k2) -> (*lead, o1, o2, k1 * k2)
    perm = tuple(range(lead)) + tuple(lead + 2 * i for i in range(nd)) \
        + tuple(lead + 2 * i + 1 for i in range(nd))
    y = y.permute(*perm).flatten(lead + nd)
    out, am = _max(y, -1)
    if not return_indices:
        return out
    flat = None
    rest = math.prod(kmaxes)
    for i, (L, o) in enumerate(zip(spatial, sizes, strict=True)):
        rest //= kmaxes[i]
        k_i = (am // rest) % kmaxes[i]
        shape = [1] * am.ndim
        shape[lead + i] = o
        rows = tensor(list(range(o)), dtype=idt, device=dev).reshape(shape) * kmaxes[i]
        coord = tables[i].take(rows + k_i)
        flat = coord if flat is None else flat * L + coord
    return out, flat


def adaptive_max_pool1d(input, output_size, return_indices: bool = False):
    """Adaptive 1-D max pooling to `output_size` (PyTorch's start/end windows)."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):
    """Adaptive 2-D max pooling to `output_size` (an int or a pair; None keeps a size)."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)
