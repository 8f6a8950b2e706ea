"""CuPy backend (devices "cuda[:N]"): array-api-compat's CuPy namespace plus cupyx's scatter-add.

Imported only when asked for; without CuPy or a GPU the registry says what to install.
"""

from __future__ import annotations

import array_api_compat.cupy as xp
import cupy
import cupyx
import numpy as np

from .base import Backend


class CupyBackend(Backend):
    device_type = "cuda"
    inplace = True
    dlpack_in = False  # host arrays arrive through cupy.asarray, not DLPack
    array_type = cupy.ndarray

    def __init__(self):
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("CuPy found no CUDA device")
        super().__init__("cupy", xp, "cuda")

    def native_devices(self):
        return [cupy.cuda.Device(i) for i in range(cupy.cuda.runtime.getDeviceCount())]

    def default_native_device(self):
        return cupy.cuda.Device()

    def native_device(self, index):
        if index is None:
            return cupy.cuda.Device()
        n = cupy.cuda.runtime.getDeviceCount()
        if not isinstance(index, int) or not 0 <= index < n:
            raise RuntimeError(
                f"cuda:{index} is not available: this machine has {n} CUDA device(s)")
        return cupy.cuda.Device(index)

    def index_of(self, native):
        return native.id

    def device_of(self, arr):
        return arr.device

    def fix(self, arr):
        return arr if type(arr) is cupy.ndarray else cupy.asarray(arr)

    def move(self, arr, native):
        with native:
            return cupy.asarray(arr)

    def asarray(self, obj, dtype=None, native_device=None):
        with native_device or cupy.cuda.Device():
            return cupy.asarray(obj, dtype=dtype)

    def from_numpy(self, host, native_device=None):
        with native_device or cupy.cuda.Device():
            return cupy.asarray(host)

    def to_numpy(self, arr):
        return cupy.asnumpy(arr)

    def synchronize(self):
        cupy.cuda.runtime.deviceSynchronize()

    def writable(self, arr):
        return type(arr) is cupy.ndarray

    def owns(self, arr):
        return type(arr) is cupy.ndarray and arr.base is None

    def scatter_add(self, target, axis, index, src):
        out = target.copy()
        sl = tuple(slice(0, s) for s in index.shape)
        grids = list(cupy.indices(index.shape, sparse=True))
        grids[axis] = index
        cupyx.scatter_add(out, tuple(grids), src[sl])
        return out

    def index_add(self, target, axis, index, src):
        out = target.copy()
        cupyx.scatter_add(cupy.moveaxis(out, axis, 0), index, cupy.moveaxis(src, axis, 0))
        return out


def load() -> CupyBackend:
    return CupyBackend()


__all__ = ["CupyBackend", "np"]
