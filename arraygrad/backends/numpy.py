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

    def owns(self, arr):
        return type(arr) is np.ndarray and arr.base is None and arr.flags.writeable

    def erf(self, x):
        import math

        if x.size <= 64:
            return np.asarray(np.vectorize(math.erf, otypes=[x.dtype])(x)) if x.size else x
        return super().erf(x)


def load() -> NumpyBackend:
    return NumpyBackend()
