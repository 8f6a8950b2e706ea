"""Convolution: `conv1d`, `conv2d`, `conv3d` as one fused primitive with a hand-written backward.

im2col ("unfold") gathers every kernel window by strided slicing into a column array of layout
(C, *kernel, N, *out); one matmul with the weight (G, O/G, C/G*prod(kernel)) gives the output.
The backward is two more matmuls: the weight gradient against the saved columns, and the
input gradient as columns that col2im ("fold") sums back into place. Everything is written with
the array API standard's functions (`K`), so it runs on every backend; a backend may offer
faster `conv_unfold`/`conv_fold` kernels (NumPy does: strided views and in-place adds), which
the generic ones must match. Pooling reuses `_unfold`/`_fold`.
"""

from __future__ import annotations

import math

from ...core import dtypes as _dt
from ...core.graph import record
from ...core.ops.complex import holomorphic
from ...core.tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]

# tests switch this off to run the generic array-API kernels on NumPy too
_FAST_KERNELS = True


def _fast(K, name: str):
    """The backend's fast kernel `name`, or None (no such kernel, or K is the differentiable
    namespace of create_graph, whose `backend` is None)."""
    if not _FAST_KERNELS:
        return None
    return getattr(K.backend, name, None)


def _tuple(v, n: int, what: str, op: str) -> tuple:
    """An int or an n-sequence of ints as an n-tuple (PyTorch's `_ntuple`)."""
    if isinstance(v, int):
        return (v,) * n
    v = tuple(v)
    if len(v) == 1:
        return v * n
    if len(v) != n or not all(isinstance(i, int) for i in v):
        raise ValueError(f"{op}(): expected {what} to be a single int or a tuple of {n} ints, "
                         f"got {v}")
    return v


# ---- generic array-API kernels ------------------------------------------------------------------
def _const_pad(K, x, pads, value=0.0, first: int = 2):
    """x with the spatial axes (from `first` on) padded by pads[i] = (before, after) of `value`."""
    if not any(b or a for b, a in pads):
        return x
    fast = _fast(K, "conv_pad")
    if fast is not None:
        return fast(x, pads, value, first)
    for i, (b, a) in enumerate(pads):
        if b == 0 and a == 0:
            continue
        ax = first + i
        edge = K.zeros_like(x[(slice(None),) * ax + (slice(0, 1), ...)])
        if value != 0:
            edge = edge + value
        parts = []
        for n in (b, a):
            shape = list(x.shape)
            shape[ax] = n
            parts.append(K.broadcast_to(edge, tuple(shape)) if n else None)
        x = K.concat([p for p in (parts[0], x, parts[1]) if p is not None], axis=ax)
    return x


def _unfold(K, x, ks, st, dl, outs):
    """Windows of x (A, B, *spatial) as (A, *ks, B, *outs): element [a, k.., b, o..] is
    x[a, b, o*st + k*dl] (x is padded already so that every window is in range)."""
    fast = _fast(K, "conv_unfold")
    if fast is not None:
        return fast(x, ks, st, dl, outs)
    n = len(ks)
    A, B = x.shape[0], x.shape[1]
    if all(d == 1 and s == k for k, s, d in zip(ks, st, dl, strict=True)):
        # non-overlapping windows (pooling's common case): a crop, a reshape and one permute
        x = x[(slice(None), slice(None)) + tuple(slice(0, o * k) for o, k in zip(outs, ks,
                                                                                 strict=True))]
        x = K.reshape(x, (A, B) + tuple(v for o, k in zip(outs, ks, strict=True) for v in (o, k)))
        perm = (0,) + tuple(3 + 2 * i for i in range(n)) + (1,) + tuple(2 + 2 * i
                                                                        for i in range(n))
        return K.permute_dims(x, perm)
    pieces = []
    for off in _offsets(ks):
        sl = tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                   for k, d, o, s in zip(off, dl, outs, st, strict=True))
        pieces.append(x[(slice(None), slice(None)) + sl])
    cols = K.stack(pieces, axis=1)  # (A, prod(ks), B, *outs)
    return K.reshape(cols, (A,) + tuple(ks) + (B,) + tuple(outs))


def _offsets(ks):
    """Every kernel offset tuple, in row-major order."""
    offs = [()]
    for k in ks:
        offs = [o + (i,) for o in offs for i in range(k)]
    return offs


def _fold(K, cols, ks, st, dl, sizes):
    """The adjoint of `_unfold`: cols (A, *ks, B, *outs) summed into (A, B, *sizes)."""
    fast = _fast(K, "conv_fold")
    if fast is not None:
        return fast(cols, ks, st, dl, sizes)
    n = len(ks)
    a = cols
    # one spatial axis at a time: its kernel axis is always axis 1, its output axis n + 2,
    # and the folded axis lands at n + 1 (separable: k pads per axis, not prod(ks))
    for k, s, d, size in zip(ks, st, dl, sizes, strict=True):
        lo = a.shape[n + 2]
        if d == 1 and s == k:
            a = K.moveaxis(a, 1, n + 2)  # (.., o, k, ..): the windows tile the axis
            shape = list(a.shape)
            a = K.reshape(a, tuple(shape[:n + 1]) + (lo * k,) + tuple(shape[n + 3:]))
            a = _const_pad(K, a, [(0, size - lo * k)], 0.0, first=n + 1)
        else:
            if s > 1:  # interleave s - 1 zeros after each output position
                z = K.zeros_like(a)
                a = K.stack([a] + [z] * (s - 1), axis=n + 3)
                shape = list(a.shape)
                a = K.reshape(a, tuple(shape[:n + 2]) + (lo * s,) + tuple(shape[n + 4:]))
                a = a[(slice(None),) * (n + 2) + (slice(0, (lo - 1) * s + 1), ...)]
            span = (lo - 1) * s + 1
            total = None
            for j in range(k):
                piece = a[(slice(None), j, ...)]
                piece = _const_pad(K, piece, [(j * d, size - j * d - span)], 0.0, first=n + 1)
                total = piece if total is None else total + piece
            a = total
    return a


def _gmm(K, a, b):
    """Per-group matrix products of (G, m, k) and (G, k, n); one group takes the 2-D product
    (NumPy's stacked matmul skips BLAS for a transposed operand: 7x slower here)."""
    if a.shape[0] == 1:
        return K.expand_dims(K.matmul(a[0, ...], b[0, ...]), axis=0)
    return K.matmul(a, b)


def _reshape(K, x, split, merged):
    """x reshaped in two passes, first splitting axes, then merging them (Dask's reshape only
    splits or merges existing axes in one pass)."""
    return K.reshape(K.reshape(x, split), merged)


# ---- the fused primitive ------------------------------------------------------------------------
def _conv_bw(K, node, s, g):
    """Gradients of conv: weight from the saved columns, input by col2im of W^T g, bias sum."""
    x, w, cols = s
    ks, st, dl, pads, groups, outs, xshape = node.ctx
    N, C = xshape[0], xshape[1]
    O = w.shape[0] if w is not None else g.shape[1]
    G = groups
    L = N * math.prod(outs)
    kp = math.prod(ks)
    # g (N, O, *outs) -> (G, O/G, N*L)
    g2 = _reshape(K, K.moveaxis(g, 0, 1), (G, O // G, N) + tuple(outs), (G, O // G, L))
    gx = gw = gb = None
    if node.needs[1]:
        if cols is None or K.backend is None:  # create_graph: columns rebuilt differentiably
            cols = _columns(K, x, ks, st, dl, pads, outs, G)
        gw = _reshape(K, _gmm(K, g2, K.matrix_transpose(cols)),
                      (G, O // G, C // G) + tuple(ks), (O, C // G) + tuple(ks))
    if node.needs[0]:
        w2 = _reshape(K, w, (G, O // G, C // G) + tuple(ks), (G, O // G, (C // G) * kp))
        gcols = _gmm(K, K.matrix_transpose(w2), g2)  # (G, C/G*kp, N*L)
        gcols = _reshape(K, gcols, (G, C // G) + tuple(ks) + (N,) + tuple(outs),
                         (C,) + tuple(ks) + (N,) + tuple(outs))
        sizes = tuple(xs + b + a for xs, (b, a) in zip(xshape[2:], pads, strict=True))
        gxp = _fold(K, gcols, ks, st, dl, sizes)  # (C, N, *padded)
        crop = tuple(slice(b, b + xs) for xs, (b, _) in zip(xshape[2:], pads, strict=True))
        gx = K.moveaxis(gxp[(slice(None), slice(None)) + crop], 0, 1)
    if len(node.needs) > 2 and node.needs[2]:
        gb = K.sum(g2, axis=2)
        gb = K.reshape(gb, (O,))
    return gx, gw, gb


def _columns(K, x, ks, st, dl, pads, outs, groups):
    """im2col of input x (N, C, *spatial): (G, C/G*prod(ks), N*prod(outs))."""
    C = x.shape[1]
    xt = K.moveaxis(x, 0, 1)  # (C, N, *spatial)
    xt = _const_pad(K, xt, pads, 0.0)
    cols = _unfold(K, xt, ks, st, dl, outs)  # (C, *ks, N, *outs)
    return _reshape(K, cols, (groups, C // groups) + tuple(ks) + (x.shape[0],) + tuple(outs),
                    (groups, (C // groups) * math.prod(ks), x.shape[0] * math.prod(outs)))


def _conv(op: str, nd: int, input, weight, bias, stride, padding, dilation, groups):
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        bad = weight if isinstance(input, Tensor) else input
        raise TypeError(f"{op}(): expected input and weight to be Tensors, got "
                        f"{type(bad).__name__}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}(): expected a {nd + 2}-D weight (out_channels, "
                           f"in_channels/groups, *kernel), got shape {tuple(weight.shape)}")
    unbatched = input.ndim == nd + 1
    dev = _check_operands(op, nd, input, weight, bias)
    if not isinstance(groups, int) or groups < 1:
        raise RuntimeError(f"{op}(): non-positive groups is not supported (got {groups})")
    O = weight.shape[0]
    if O % groups:
        raise RuntimeError(f"{op}(): expected out_channels ({O}) divisible by groups "
                           f"({groups})")
    ks = tuple(weight.shape[2:])
    st = _tuple(stride, nd, "stride", op)
    dl = _tuple(dilation, nd, "dilation", op)
    if any(s < 1 for s in st):
        raise RuntimeError(f"{op}(): non-positive stride is not supported (got {st})")
    if any(d < 1 for d in dl):
        raise RuntimeError(f"{op}(): dilation should be greater than zero (got {dl})")
    x = input.unsqueeze(0) if unbatched else input
    xshape = tuple(x.shape)
    C = xshape[1]
    if C != weight.shape[1] * groups:
        raise RuntimeError(f"{op}(): expected input with {weight.shape[1] * groups} channels, "
                           f"got {C} (input shape {tuple(input.shape)}, weight shape "
                           f"{tuple(weight.shape)}, groups={groups})")
    if bias is not None and tuple(bias.shape) != (O,):
        raise RuntimeError(f"{op}(): expected bias of shape ({O},), got {tuple(bias.shape)}")
    pads = _conv_padding(op, padding, nd, ks, st, dl)
    outs = []
    for size, k, s, d, (b, a) in zip(xshape[2:], ks, st, dl, pads, strict=True):
        span = d * (k - 1) + 1
        if size + b + a < span:
            raise RuntimeError(
                f"{op}(): kernel size can't be greater than the padded input size: input shape "
                f"{tuple(input.shape)}, padded spatial size {size + b + a}, kernel {ks} with "
                f"dilation {dl}")
        outs.append((size + b + a - span) // s + 1)
    outs = tuple(outs)
    K = dev.K
    cols = _columns(K, x._data, ks, st, dl, pads, outs, groups)  # (G, Cg*kp, N*L)
    w2 = _reshape(K, weight._data, (groups, O // groups) + tuple(weight.shape[1:]),
                  (groups, O // groups, cols.shape[1]))
    y = _gmm(K, w2, cols)  # (G, O/G, N*L)
    y = _reshape(K, y, (groups, O // groups, xshape[0]) + outs, (O, xshape[0]) + outs)
    if bias is not None:
        b = K.reshape(bias._data, (O,) + (1,) * (nd + 1))
        if dev.backend.writable(y):
            y += b  # the GEMM's fresh result: no second buffer (a fresh one costs page faults)
        else:
            y = y + b
    y = K.moveaxis(y, 0, 1)
    saved = (x if weight._rg else None, weight if x._rg else None,
             cols if weight._rg else None)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    bw = _conv_bw_complex if weight.dtype.kind == _dt._COMPLEX else _conv_bw
    out = record(dev, y, "ConvolutionBackward0", bw, inputs, saved,
                 (ks, st, dl, pads, groups, outs, xshape))
    return out.squeeze(0) if unbatched else out


def _check_operands(op: str, nd: int, input: Tensor, weight: Tensor, bias) -> object:
    """input's rank (unbatched or batched), and weight and bias on input's device and dtype;
    returns the device."""
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): expected {nd + 1}-D (unbatched) or {nd + 2}-D (batched) "
                           f"input, got {input.ndim}-D input of shape {tuple(input.shape)}")
    dev = input._dev
    for t, what in ((weight, "weight"), (bias, "bias")):
        if t is not None and t._dev is not dev:
            raise RuntimeError(f"{op}(): expected input and {what} on the same device, got "
                               f"{dev} and {t._dev}")
        if t is not None and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"{op}(): input dtype ({input.dtype}) and {what} dtype "
                               f"({t.dtype}) should be the same")
    return dev


# complex weights: convolution is linear in input and weight, so PyTorch's convention is the real
# backward with conjugates in and out
_conv_bw_complex = holomorphic(_conv_bw)


def _conv_padding(op: str, padding, nd: int, ks, st, dl) -> list:
    """[(before, after)] per spatial axis; 'same' puts the odd extra element after, as PyTorch."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * nd
        if padding == "same":
            if any(s != 1 for s in st):
                raise ValueError(f"{op}(): padding='same' is not supported for strided "
                                 f"convolutions (stride {st})")
            out = []
            for k, d in zip(ks, dl, strict=True):
                total = d * (k - 1)
                out.append((total // 2, total - total // 2))
            return out
        raise ValueError(f"{op}(): invalid padding string {padding!r}, should be one of "
                         "'valid' or 'same'")
    p = _tuple(padding, nd, "padding", op)
    if any(v < 0 for v in p):
        raise RuntimeError(f"{op}(): negative padding is not supported (got {p})")
    return [(v, v) for v in p]


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C, L) input, as torch.nn.functional.conv1d."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-D convolution of (N, C, H, W) input, as torch.nn.functional.conv2d."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """3-D convolution of (N, C, D, H, W) input, as torch.nn.functional.conv3d."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


# ---- transposed convolution ---------------------------------------------------------------------
def _conv_t_bw(K, node, s, g):
    """Gradients of conv_transpose: the columns of g (a convolution's im2col) against the
    weight give the input gradient, against the input the weight gradient."""
    x, w = s
    ks, st, dl, p, groups, xshape, wshape = node.ctx
    N, Cin = xshape[0], xshape[1]
    sp, G = tuple(xshape[2:]), groups
    gcols = _columns(K, g, ks, st, dl, [(v, v) for v in p], sp, G)  # (G, Cout/G*kp, N*L)
    gx = gw = gb = None
    if node.needs[0]:
        w2 = _reshape(K, w, (G, Cin // G) + tuple(wshape[1:]),
                      (G, Cin // G, gcols.shape[1]))
        gx2 = _gmm(K, w2, gcols)  # (G, Cin/G, N*L)
        gx = K.moveaxis(_reshape(K, gx2, (G, Cin // G, N) + sp, (Cin, N) + sp), 0, 1)
    if node.needs[1]:
        x2 = _reshape(K, K.moveaxis(x, 0, 1), (G, Cin // G, N) + sp,
                      (G, Cin // G, N * math.prod(sp)))
        gw = _reshape(K, _gmm(K, x2, K.matrix_transpose(gcols)),
                      (G, Cin // G) + tuple(wshape[1:]), tuple(wshape))
    if len(node.needs) > 2 and node.needs[2]:
        gb = K.sum(K.reshape(K.moveaxis(g, 0, 1), (g.shape[1], -1)), axis=1)
    return gx, gw, gb



_conv_t_bw_complex = holomorphic(_conv_t_bw)

def _conv_t(op: str, nd: int, input, weight, bias, stride, padding, output_padding, groups,
            dilation):
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{op}(): expected input and weight to be Tensors")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}(): expected a {nd + 2}-D weight (in_channels, "
                           f"out_channels/groups, *kernel), got shape {tuple(weight.shape)}")
    dev = _check_operands(op, nd, input, weight, bias)
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    xshape = tuple(x.shape)
    Cin = xshape[1]
    if Cin != weight.shape[0] or Cin % groups:
        raise RuntimeError(f"{op}(): expected input with {weight.shape[0]} channels, got {Cin} "
                           f"(input shape {tuple(input.shape)}, weight shape "
                           f"{tuple(weight.shape)}, groups={groups})")
    Cout = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (Cout,):
        raise RuntimeError(f"{op}(): expected bias of shape ({Cout},), got {tuple(bias.shape)}")
    ks = tuple(weight.shape[2:])
    st, dl = _tuple(stride, nd, "stride", op), _tuple(dilation, nd, "dilation", op)
    p, op_ = _tuple(padding, nd, "padding", op), _tuple(output_padding, nd, "output_padding", op)
    if any(v < 1 for v in st + dl) or any(v < 0 for v in p + op_):
        raise RuntimeError(f"{op}(): stride and dilation must be positive and padding "
                           f"non-negative (got stride={st}, dilation={dl}, padding={p})")
    if any(o >= s and o >= d for o, s, d in zip(op_, st, dl, strict=True)):
        raise RuntimeError(f"{op}(): output padding must be smaller than either stride or "
                           f"dilation, but got output_padding={op_}, stride={st}, "
                           f"dilation={dl}")
    sp = xshape[2:]
    full = tuple((L - 1) * s + d * (k - 1) + 1 + o
                 for L, s, d, k, o in zip(sp, st, dl, ks, op_, strict=True))
    outs = tuple(f - 2 * v for f, v in zip(full, p, strict=True))
    if any(o < 1 for o in outs):
        raise RuntimeError(f"{op}(): given input shape {tuple(input.shape)}, the output "
                           f"size {outs} is too small (padding {p})")
    K, G, N = dev.K, groups, xshape[0]
    x2 = _reshape(K, K.moveaxis(x._data, 0, 1), (G, Cin // G, N) + tuple(sp),
                  (G, Cin // G, N * math.prod(sp)))
    w2 = _reshape(K, weight._data, (G, Cin // G) + tuple(weight.shape[1:]),
                  (G, Cin // G, (Cout // G) * math.prod(ks)))
    cols = _gmm(K, K.matrix_transpose(w2), x2)  # (G, Cout/G*kp, N*L)
    cols = _reshape(K, cols, (G, Cout // G) + ks + (N,) + tuple(sp), (Cout,) + ks + (N,)
                    + tuple(sp))
    y = _fold(K, cols, ks, st, dl, full)  # (Cout, N, *full)
    y = y[(slice(None), slice(None)) + tuple(slice(v, v + o) for v, o in zip(p, outs,
                                                                          strict=True))]
    if bias is not None:
        y = y + K.reshape(bias._data, (Cout,) + (1,) * (nd + 1))
    y = K.moveaxis(y, 0, 1)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    bw = _conv_t_bw_complex if weight.dtype.kind == _dt._COMPLEX else _conv_t_bw
    out = record(dev, y, "ConvolutionBackward0", bw, inputs,
                 (x if weight._rg else None, weight if x._rg else None),
                 (ks, st, dl, p, groups, xshape, tuple(weight.shape)))
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution (the adjoint of conv1d), as torch's conv_transpose1d."""
    return _conv_t("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                   groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution (the adjoint of conv2d), as torch's conv_transpose2d."""
    return _conv_t("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                   groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution (the adjoint of conv3d), as torch's conv_transpose3d."""
    return _conv_t("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding,
                   groups, dilation)
