"""NumPy backend (the default, device "cpu"): array-api-compat's NumPy namespace plus NumPy's
own fast scatter-add, and 0-d arrays in place of the scalars NumPy's reductions return."""

from __future__ import annotations

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


def load() -> NumpyBackend:
    return NumpyBackend()
