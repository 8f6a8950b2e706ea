"""NumPy backend (the default, device "cpu"): array-api-compat's NumPy namespace plus NumPy's
own fast scatter-add, and 0-d arrays in place of the scalars NumPy's reductions return."""

from __future__ import annotations

import math

import array_api_compat.numpy as xp
import numpy as np

from ..core import dtypes as _dt
from .base import Backend

# PyTorch gives inf/nan silently for 1/0, log(0), sqrt(-1); NumPy would warn on every such op.
# Set once here (np.errstate per op costs microseconds); NumPy keeps it per thread/context, and
# the NumPy-based backends (array-api-strict, Dask's threaded scheduler) compute under it too.
np.seterr(divide="ignore", invalid="ignore", over="ignore")


class NumpyBackend(Backend):
    device_type = "cpu"
    inplace = True
    array_type = np.ndarray
    cheap_checks = True

    def __init__(self):
        super().__init__("numpy", xp, "cpu")

    def dtype_table(self, native_device):
        # the array API lists no float16, but NumPy has it and PyTorch users expect `half()`
        to_native, to_ag = super().dtype_table(native_device)
        to_native.setdefault(_dt.float16, np.float16)
        to_ag.setdefault(np.dtype(np.float16), _dt.float16)
        return to_native, to_ag

    def fix(self, arr):
        return arr if type(arr) is np.ndarray else np.asarray(arr)

    def scatter_add(self, target, axis, index, src):
        out = np.array(target, copy=True)
        sl = tuple(slice(0, s) for s in index.shape)
        src = src[sl]
        grids = list(np.indices(index.shape, sparse=True))
        grids[axis] = index
        np.add.at(out, tuple(grids), src)
        return out

    def index_add(self, target, axis, index, src):
        out = np.array(target, copy=True)
        np.add.at(np.moveaxis(out, axis, 0), index, np.moveaxis(src, axis, 0))
        return out

    # ---- convolution and pooling kernels (optional: nn/functional/_conv.py has generic ones) ----
    def conv_pad(self, x, pads, value, first):
        """x with axes first, first+1, ... padded by pads[i] = (before, after) of `value`."""
        shape = list(x.shape)
        inner = [slice(None)] * x.ndim
        for i, (b, a) in enumerate(pads):
            shape[first + i] += b + a
            inner[first + i] = slice(b, b + x.shape[first + i])
        out = np.full(shape, value, dtype=x.dtype)
        out[tuple(inner)] = x
        return out

    def conv_unfold(self, x, ks, st, dl, outs, writeable=False):
        """Windows of x (A, B, *spatial) as a strided view of layout (A, *ks, B, *outs)."""
        s = x.strides
        sp = s[2:]
        return np.lib.stride_tricks.as_strided(
            x, (x.shape[0],) + tuple(ks) + (x.shape[1],) + tuple(outs),
            (s[0],) + tuple(d * v for d, v in zip(dl, sp, strict=True)) + (s[1],)
            + tuple(t * v for t, v in zip(st, sp, strict=True)), writeable=writeable)

    def conv_fold(self, cols, ks, st, dl, sizes):
        """The adjoint of conv_unfold: cols (A, *ks, B, *outs) summed into (A, B, *sizes)."""
        n = len(ks)
        A, B = cols.shape[0], cols.shape[n + 1]
        outs = cols.shape[n + 2:]
        out = np.zeros((A, B) + tuple(sizes), dtype=cols.dtype)
        if all(k == s and d == 1 for k, s, d in zip(ks, st, dl, strict=True)):
            # windows that tile the input: every element is written once, one strided copy
            self.conv_unfold(out, ks, st, dl, outs, writeable=True)[...] = cols
            return out
        idx = np.ndindex(*ks)
        for off in idx:
            sl = tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                       for k, d, o, s in zip(off, dl, outs, st, strict=True))
            out[(slice(None), slice(None)) + sl] += cols[(slice(None),) + off]
        return out

    def max_pool(self, x, ks, st, dl, outs):
        """Max and PyTorch's argmax (the first maximum; the last NaN where there is one) of every
        window of x (N, C, *spatial, padded already): (values, flat kernel offsets), each
        (N, C, *outs) in x's memory order of N and C; the offsets are int8 below 128 of them
        (saved for the backward: an eighth of argmax's int64). The windows are copied once with the
        kernel offsets outermost, so each offset is one contiguous slab and every step below
        runs branch-free over long rows (np.argmax over a strided window axis loops per window:
        3-4x slower)."""
        n = len(ks)
        kp = math.prod(ks)
        order = _batch_order(x)
        w = self.conv_unfold(x, ks, st, dl, outs)  # (N, *ks, C, *outs), a view
        perm = tuple(range(1, n + 1)) + tuple((0, n + 1)[i] for i in order) + tuple(
            range(n + 2, 2 * n + 2))
        slabs = np.ascontiguousarray(w.transpose(perm))
        shape = slabs.shape[n:]  # (B0, B1, *outs)
        slabs = slabs.reshape(kp, -1)
        val = slabs.max(axis=0)
        idx = np.zeros(val.shape, dtype=np.int8 if kp < 128 else np.int64)
        if kp > 1:
            hit = np.empty(val.shape, dtype=bool)
            # idx = the number of leading offsets that miss: sum over k of "all of 0..k miss"
            before = np.ones(val.shape, dtype=bool)
            for k in range(kp - 1):
                np.equal(slabs[k], val, out=hit)
                np.greater(before, hit, out=before)  # before and not hit
                np.add(idx, before, out=idx, casting="unsafe")
            if slabs.dtype.kind == "f" and np.isnan(val).any():
                # a window with NaNs points at its LAST NaN, as PyTorch's kernel (which takes
                # `val > max || isnan(val)`); one check on host memory, then a pass per offset
                for k in range(kp):
                    np.isnan(slabs[k], out=hit)
                    np.copyto(idx, k, where=hit, casting="unsafe")
        inv = order + tuple(range(2, n + 2))  # swapping two axes is its own inverse
        return val.reshape(shape).transpose(inv), idx.reshape(shape).transpose(inv)

    def max_pool_backward(self, idx, g, ks, st, dl, sizes):
        """The adjoint of max_pool: g (N, C, *outs) sent to each window's offset idx and summed
        into (N, C, *sizes) (padded sizes), laid out in idx's memory order of N and C."""
        n = len(ks)
        order = _batch_order(idx)
        idx_t, g_t = idx.transpose(order + tuple(range(2, n + 2))), g.transpose(
            order + tuple(range(2, n + 2)))
        B0, B1 = idx_t.shape[0], idx_t.shape[1]
        outs = idx_t.shape[2:]
        out = np.zeros((B0, B1) + tuple(sizes), dtype=g.dtype)
        view = self.conv_unfold(out, ks, st, dl, outs, writeable=True)  # (B0, *ks, B1, *outs)
        tiles = all(k == s and d == 1 for k, s, d in zip(ks, st, dl, strict=True))
        hit = np.empty(idx_t.shape, dtype=bool)
        part = np.empty(idx_t.shape, dtype=g.dtype)
        for k, off in enumerate(np.ndindex(*ks)):
            np.equal(idx_t, k, out=hit)
            dst = view[(slice(None),) + off]
            if tiles:  # disjoint windows: every element is written once
                np.multiply(g_t, hit, out=dst)
            else:
                np.multiply(g_t, hit, out=part)
                dst += part
        return out.transpose(order + tuple(range(2, n + 2)))

    def threshold_backward(self, g, out):
        """relu's backward, PyTorch's threshold_backward: where(out <= 0, 0, g) bit for bit (+0
        where out <= 0; g, inf and NaN included, elsewhere), by masking g's bits: np.where
        branches per element and takes ~4x as long on a relu's half-zero mask."""
        if (g.dtype != out.dtype or g.dtype.kind != "f" or g.shape != out.shape
                or type(g) is not np.ndarray or g.ndim == 0):
            return np.where(out <= 0, np.zeros_like(g), g)
        bits = np.dtype(f"i{g.dtype.itemsize}")
        keep = np.empty_like(out, dtype=bits)  # out's layout; the one fresh buffer
        np.less_equal(out, 0, out=keep)
        keep -= 1  # 0 where out <= 0, all ones elsewhere
        return np.bitwise_and(g.view(bits), keep, out=keep).view(g.dtype)

    def default_native_device(self):
        return "cpu"

    def native_devices(self):
        return ["cpu"]

    def native_device(self, index):
        if index not in (None, 0, "cpu"):
            raise RuntimeError(f"numpy has only one device, 'cpu' (asked for index {index!r})")
        return "cpu"

    def device_of(self, arr):
        return "cpu"

    def move(self, arr, native):
        return arr

    def asarray(self, obj, dtype=None, native_device=None):
        return np.asarray(obj, dtype=dtype)

    def from_numpy(self, host, native_device=None):
        return np.asarray(host)

    def to_numpy(self, arr):
        return np.asarray(arr)

    def writable(self, arr):
        return type(arr) is np.ndarray and arr.flags.writeable

    def strided_view(self, arr, shape, strides, offset):
        if type(arr) is not np.ndarray or not arr.flags.c_contiguous:
            return None
        flat = arr.reshape(-1)[offset:]
        return np.lib.stride_tricks.as_strided(flat, shape,
                                               tuple(s * arr.itemsize for s in strides))

    def aliases(self, view, base):
        # one owner of the memory (NumPy collapses a view's base to the owning array): O(1),
        # unlike may_share_memory; a miss only means the write goes back functionally
        if view is base:
            return True
        if type(view) is not np.ndarray:
            return False
        return (view if view.base is None else view.base) is (
            base if base.base is None else base.base)

    def owns(self, arr):
        return type(arr) is np.ndarray and arr.base is None and arr.flags.writeable

    def erf(self, x):
        import math

        if x.size <= 64:
            return np.asarray(np.vectorize(math.erf, otypes=[x.dtype])(x)) if x.size else x
        return super().erf(x)


def _batch_order(a) -> tuple:
    """(0, 1) when a's batch axis 0 is outside axis 1 in memory, else (1, 0): convolutions leave
    (C, N)-ordered outputs, and kernels that follow that order keep their rows contiguous."""
    return (1, 0) if a.strides[1] > a.strides[0] else (0, 1)


def load() -> NumpyBackend:
    return NumpyBackend()
