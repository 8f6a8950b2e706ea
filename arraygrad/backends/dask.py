"""Dask backend (device "dask"): lazy, chunked arrays for data larger than memory.

Every in-place update and optimizer step persists what it wrote (`materialize`), and values
computed for printing or `.item()` are kept, so graphs never grow with the step number.
"""

from __future__ import annotations

import array_api_compat.dask.array as xp
import dask
import dask.array as da
import numpy as np

from .base import Backend


class DaskBackend(Backend):
    device_type = "dask"
    inplace = False
    array_type = da.Array
    dlpack_out = dlpack_in = False  # Dask has no DLPack: arrays move through NumPy

    def __init__(self):
        super().__init__("dask", xp, "dask")

    def _kernels(self):
        ns = super()._kernels()
        ns.eye = self.eye
        ns.searchsorted = self.searchsorted
        return ns

    def searchsorted(self, x1, x2, /, *, side="left", sorter=None):
        """xp.searchsorted: Dask's fails on 0-d values, so search a 1-element array."""
        if x2.ndim:
            return xp.searchsorted(x1, x2, side=side, sorter=sorter)
        out = xp.searchsorted(x1, xp.reshape(x2, (1,)), side=side, sorter=sorter)
        return xp.reshape(out, ())

    def deferred_check(self, arr, bad, error):
        # the check runs with arr's blocks, at compute time: no compute now
        def check(block, flag):
            if flag:
                raise error()
            return block

        return da.map_blocks(check, arr, da.any(bad), dtype=arr.dtype, meta=arr._meta)

    def eye(self, n_rows, n_cols=None, /, *, k=0, dtype=None, device=None):
        """xp.eye: Dask's own loses chunks when n_rows != n_cols, so cut a square one."""
        m = n_rows if n_cols is None else n_cols
        size = max(n_rows, m)
        return xp.eye(size, k=k, dtype=dtype)[:n_rows, :m]

    def default_native_device(self):
        return "cpu"

    def native_devices(self):
        return ["cpu"]

    def native_device(self, index):
        if index not in (None, 0):
            raise RuntimeError(f"dask has one device; got index {index!r}")
        return "cpu"

    def device_of(self, arr):
        return "cpu"

    def move(self, arr, native):
        return arr

    def fix(self, arr):
        return arr if isinstance(arr, da.Array) else da.asarray(arr)

    def asarray(self, obj, dtype=None, native_device=None):
        return xp.asarray(obj, dtype=dtype)

    def from_numpy(self, host, native_device=None):
        return da.from_array(np.asarray(host))

    def to_numpy(self, arr):
        return np.asarray(arr.compute()) if isinstance(arr, da.Array) else np.asarray(arr)

    def materialize(self, arr):
        # persist: Dask graphs grow by one step per iteration otherwise (docs/backends.md);
        # the graphs persisted here are small, and skipping optimisation saves ~15% a step
        return arr.persist(optimize_graph=False) if isinstance(arr, da.Array) else arr

    def computed(self, arr):
        return self.materialize(arr)

    def index_add(self, target, axis, index, src):
        """Block-wise index-add: each block of target's rows adds the src rows whose index falls
        in it, with NumPy's unbuffered add (memory per task: one block plus index and src)."""
        t = da.moveaxis(da.asarray(target), axis, 0)
        s = da.moveaxis(da.asarray(src), axis, 0).rechunk({0: -1})
        idx = da.asarray(index).rechunk(-1)
        rows = da.arange(t.shape[0], chunks=(t.chunks[0],), dtype=idx.dtype)
        rest = tuple(range(2, t.ndim + 1))
        out = da.blockwise(_index_add_block, (0,) + rest, t, (0,) + rest, rows, (0,), idx, (1,),
                           s, (1,) + rest, dtype=np.result_type(t.dtype, s.dtype),
                           concatenate=True)
        return da.moveaxis(out, 0, axis)

    def erf(self, x):
        # one task per block: the generic series would add ~200 graph layers
        from . import get

        return x.map_blocks(get("numpy").erf, dtype=x.dtype)


def _index_add_block(block, rows, index, src):
    """One block of a Dask index-add: the rows of src whose index lies in this block's rows."""
    out = np.array(block, dtype=np.result_type(block.dtype, src.dtype), copy=True)
    if rows.size:
        sel = (index >= rows[0]) & (index < rows[0] + rows.size)
        np.add.at(out, index[sel] - rows[0], src[sel])
    return out


def load() -> DaskBackend:
    return DaskBackend()


__all__ = ["DaskBackend", "dask"]
