"""The backend adapter: one array-API namespace plus what the standard lacks, with generic
fallbacks.

A bare compliant namespace works through `Backend(name, xp)`; the adapters for NumPy, CuPy, Dask and
array-api-strict subclass it to add fast paths and per-library fixes, each in its own module.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

from ..core import dtypes as _dt

# Names of the standard's main namespace that kernels (forward and backward) may use.
_XP_NAMES = """
abs acos acosh add all any arange argmax argmin argsort asarray asin asinh astype atan atan2 atanh
bitwise_and bitwise_invert bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor
broadcast_arrays broadcast_to can_cast ceil clip concat conj copysign cos cosh cumulative_sum
cumulative_prod diff divide empty empty_like equal exp expand_dims expm1 eye flip floor floor_divide
full full_like greater greater_equal hypot imag isfinite isinf isnan less less_equal linspace log
log1p log2 log10 logaddexp logical_and logical_not logical_or logical_xor matmul matrix_transpose
max maximum mean meshgrid min minimum moveaxis multiply negative nextafter nonzero not_equal ones
ones_like permute_dims pow prod real reciprocal remainder repeat reshape result_type roll round sign
signbit sin sinh sort sqrt square squeeze stack std subtract sum take take_along_axis tan tanh
tensordot tile tril triu trunc unique_all unique_counts unique_inverse unique_values unstack var
vecdot where zeros zeros_like searchsorted count_nonzero
""".split()


class Backend:
    """Adapter around the array-API namespace `xp`.

    Attributes:
      name: registry name ("numpy"); device_type: what `Tensor.device.type` says ("cpu").
      xp: the namespace; K: the kernel namespace handed to backward formulas (xp's functions
      plus the extras below); inplace: whether arrays can be updated in place (views see it).
    """

    device_type: str = ""
    inplace: bool = False
    array_type: type | None = None
    # data-dependent checks (index bounds, integer division by zero) cost no device sync or
    # graph compute: the arrays sit in host memory and compute eagerly (NumPy, array-api-strict)
    cheap_checks: bool = False
    # DLPack can carry arrays out of (dlpack_out) and into (dlpack_in) this library
    dlpack_out: bool = True
    dlpack_in: bool = True

    def __init__(self, name: str, xp, device_type: str | None = None):
        self.name = name
        self.xp = xp
        self.device_type = device_type or self.device_type or name
        info = getattr(xp, "__array_namespace_info__", None)
        self._info = info() if info is not None else None
        self.K = self._kernels()
        self._dtype_cache: dict = {}

    # ---- kernels -----------------------------------------------------------------------------
    def _kernels(self) -> SimpleNamespace:
        ns = {n: getattr(self.xp, n) for n in _XP_NAMES if hasattr(self.xp, n)}
        for n in ("scatter_add", "gather", "index_add", "erf", "to_dtype"):
            ns[n] = getattr(self, n)
        ns["backend"] = self
        return SimpleNamespace(**ns)

    def scatter_add(self, target, axis: int, index, src):
        """target + the sum of src into index positions along axis (torch.scatter_add semantics).

        Generic version: each index element's flat position in target, then one flat index-add,
        so memory is O(index.size + target.size), never their product.
        """
        xp = self.xp
        if target.ndim == 0:
            return target + xp.sum(src)
        src = src[tuple(slice(0, s) for s in index.shape)]  # only index's part of src is used
        dev = self.device_of(target)
        lin, stride = None, 1
        for d in reversed(range(target.ndim)):
            if d == axis:
                coord = index
            else:
                shape = [1] * index.ndim
                shape[d] = index.shape[d]
                coord = xp.reshape(xp.arange(index.shape[d], dtype=index.dtype, device=dev),
                                   tuple(shape))
            lin = coord * stride if lin is None else lin + coord * stride
            stride *= target.shape[d]
        lin = xp.reshape(xp.broadcast_to(lin, index.shape), (-1,))
        flat = xp.reshape(target, (-1,))
        out = self.index_add(flat, 0, lin, xp.reshape(src, (-1,)))
        return xp.reshape(out, target.shape)

    def index_add(self, target, axis: int, index, src):
        """target with src's slices added at rows `index` (1-D) along axis; duplicates add up.

        Generic version (array API only): a stable sort groups equal indices, a segmented scan
        sums each group, searchsorted finds each row's group; memory O(src.size + target.size).
        """
        xp = self.xp
        n = target.shape[axis]
        moved = xp.moveaxis(src, axis, 0)
        rest = tuple(moved.shape[1:])
        vals = xp.reshape(moved, (moved.shape[0], math.prod(rest)))
        sums = xp.reshape(self._segment_sum(index, vals, n), (n,) + rest)
        return target + xp.moveaxis(sums, 0, axis)

    def _segment_sum(self, index, vals, n: int):
        """(n, R) array whose row r sums the rows of vals (m, R) whose index (m,) is r.

        A Hillis-Steele segmented scan over the sorted indices: log2(m) steps, each adding the
        row `shift` places back when it belongs to the same index; sums are pairwise (no
        cumulative-sum cancellation), so they match a direct sum to rounding.
        """
        xp = self.xp
        dev = self.device_of(vals)
        m = index.shape[0]
        if m == 0:
            return xp.zeros((n, vals.shape[1]), dtype=vals.dtype, device=dev)
        order = xp.argsort(index, stable=True)
        sidx = xp.take(index, order, axis=0)
        v = xp.take(vals, order, axis=0)
        shift = 1
        while shift < m:
            same = xp.expand_dims(sidx[shift:] == sidx[:-shift], axis=1)
            head, tail, back = v[:shift, ...], v[shift:, ...], v[:-shift, ...]
            v = xp.concat([head, xp.where(same, tail + back, tail)], axis=0)
            shift *= 2
        rows = xp.arange(n, dtype=sidx.dtype, device=dev)
        end = xp.searchsorted(sidx, rows, side="right")
        start = xp.searchsorted(sidx, rows, side="left")
        last = xp.take(v, xp.where(end > 0, end - 1, xp.zeros_like(end)), axis=0)
        return xp.where(xp.expand_dims(end > start, axis=1), last, xp.zeros_like(last))

    def gather(self, x, axis: int, index):
        """torch.gather: out[i][j] = x[i][index[i][j]] along axis (index may be smaller than x)."""
        xp = self.xp
        if hasattr(xp, "take_along_axis"):
            sl = tuple(slice(0, s) for s in index.shape)
            sl = tuple(slice(None) if a == axis else s for a, s in enumerate(sl))
            return xp.take_along_axis(x[sl], index, axis=axis)
        n = x.shape[axis]
        sl = tuple(slice(None) if a == axis else slice(0, s) for a, s in enumerate(index.shape))
        xs = xp.moveaxis(x[sl], axis, -1)[..., None, :]
        onehot = xp.moveaxis(index, axis, -1)[..., None] == xp.arange(n, device=self.device_of(x))
        picked = xp.sum(xp.where(onehot, xs, xp.zeros_like(xs)), axis=-1)
        if picked.dtype != x.dtype:  # sum promotes bools and small ints
            picked = xp.astype(picked, x.dtype)
        return xp.moveaxis(picked, -1, axis)

    def erf(self, x):
        """erf to float64 accuracy (the standard has none; Abramowitz-Stegun 7.1.26 is too coarse).

        |x| < 2.5: erf(x) = 2/sqrt(pi) exp(-x^2) sum_n (2x^2)^n x / (2n+1)!!, whose terms are all
        positive (the alternating Maclaurin series loses 1e-13 to cancellation near 3); beyond,
        the continued fraction of erfc.
        """
        xp = self.xp
        dt = x.dtype
        x64 = xp.astype(x, self.native_dtype(_dt.float64, x)) if self._has_f64(x) else x
        ax = xp.abs(x64)
        small = xp.minimum(ax, 2.5)
        x2 = small * small
        term = small
        acc = small
        for n in range(1, 60):
            term = term * (2.0 * x2) / (2 * n + 1)
            acc = acc + term
        series = acc * xp.exp(-x2) * 1.1283791670955126
        big = xp.maximum(ax, 2.5)
        f = big
        for k in range(60, 0, -1):
            f = big + (k / 2.0) / f
        cf = 1.0 - xp.exp(-big * big) / (f * 1.7724538509055159)
        res = xp.where(ax < 2.5, series, cf)
        res = xp.where(x64 < 0, -res, res)
        return xp.astype(res, dt) if res.dtype != dt else res

    def _has_f64(self, x) -> bool:
        try:
            self.native_dtype(_dt.float64, x)
            return True
        except TypeError:
            return False

    def to_dtype(self, x, d):
        """x cast to arraygrad dtype d (no copy when it already is)."""
        nd = self.native_dtype(d, x)
        return x if x.dtype == nd else self.xp.astype(x, nd)

    # ---- dtypes ------------------------------------------------------------------------------
    def dtype_table(self, native_device) -> tuple[dict, dict]:
        """(arraygrad dtype -> native, native -> arraygrad dtype) for one device."""
        key = native_device
        hit = self._dtype_cache.get(key)
        if hit is not None:
            return hit
        names = None
        if self._info is not None:
            try:
                names = set(self._info.dtypes(device=native_device))
            except Exception:
                names = set(self._info.dtypes())
        to_native, to_ag = {}, {}
        for d in _dt.ALL:
            if names is not None and d.name not in names:
                continue
            nd = getattr(self.xp, d.name, None)
            if nd is None:
                continue
            to_native[d] = nd
            to_ag[nd] = d
            try:
                to_ag[self.xp.empty((0,), dtype=nd).dtype] = d
            except Exception:
                pass
        self._dtype_cache[key] = (to_native, to_ag)
        return to_native, to_ag

    def default_dtypes(self, native_device) -> dict:
        if self._info is None:
            return {}
        try:
            return self._info.default_dtypes(device=native_device)
        except Exception:
            return {}

    def native_dtype(self, d, like=None):
        dev = self.device_of(like) if like is not None else self.default_native_device()
        table = self.dtype_table(dev)[0]
        try:
            return table[d]
        except KeyError:
            raise TypeError(f"dtype {d} is not supported by {self.name} device {dev}") from None

    # ---- devices -----------------------------------------------------------------------------
    def default_native_device(self):
        if self._info is not None:
            return self._info.default_device()
        return None

    def native_devices(self) -> list:
        if self._info is not None:
            return list(self._info.devices())
        return [None]

    def native_device(self, index):
        """The native device for a device string's index (None: the default one)."""
        if index is None:
            return self.default_native_device()
        devs = self.native_devices()
        for d in devs:
            if str(d) == str(index) or getattr(d, "name", None) == index:
                return d
        if isinstance(index, int) and 0 <= index < len(devs):
            return devs[index]
        raise RuntimeError(
            f"{self.name} has no device {index!r}; its devices are {[str(d) for d in devs]}")

    def index_of(self, native):
        """The device-string index that names `native` (None for a backend's only device)."""
        devs = self.native_devices()
        if len(devs) <= 1:
            return None
        return getattr(native, "name", None) or str(native)

    def device_of(self, arr):
        return arr.device

    def move(self, arr, native):
        """arr on another device of this backend."""
        if hasattr(arr, "to_device"):
            return arr.to_device(native)
        return self.xp.asarray(arr, device=native)

    # ---- data in and out ---------------------------------------------------------------------
    def fix(self, arr):
        """The backend's array for a result that may be a library scalar (NumPy's float32)."""
        return arr

    def asarray(self, obj, dtype=None, native_device=None):
        return self.xp.asarray(obj, dtype=dtype, device=native_device)

    def from_numpy(self, host, native_device=None):
        """A NumPy array (from the host) as this backend's array."""
        try:
            arr = self.xp.from_dlpack(host)
        except Exception:
            arr = self.xp.asarray(host)
        if native_device is not None and self.device_of(arr) != native_device:
            arr = self.move(arr, native_device)
        return arr

    def to_numpy(self, arr):
        """The array's values as a NumPy array on the host."""
        import numpy as np

        try:
            return np.from_dlpack(arr)
        except Exception:
            return np.asarray(arr)

    def materialize(self, arr):
        """Compute what a lazy backend has pending in arr (Dask: persist); eager backends: arr."""
        return arr

    def computed(self, arr):
        """arr with its values computed, for .item()/.numpy()/printing (Dask keeps the result)."""
        return arr

    def deferred_check(self, arr, bad, error):
        """arr, checked when its values are computed: error() is raised if any element of the bool
        array `bad` is set. A lazy library defers the check to its compute; an eager one without
        cheap checks skips it, as PyTorch's CUDA kernels assert on the device instead."""
        return arr

    def strided_view(self, arr, shape: tuple, strides: tuple, offset: int):
        """arr's memory (row-major, in elements) seen with other shape/strides/offset, sharing it;
        None where the library cannot express that (as_strided then gathers a copy)."""
        return None

    def aliases(self, view, base) -> bool:
        """Whether `view` (computed from `base` by a view op) shares base's memory, so that a
        write into it shows in base. Libraries that mutate (`inplace`) answer with their
        `may_share_memory` (NumPy, CuPy); the others never alias (writes go back functionally)."""
        if view is base:
            return True
        share = self.inplace and getattr(self.xp, "may_share_memory", None)
        return bool(share and share(view, base))

    def writable(self, arr) -> bool:
        """Whether arr may be updated in place so that views of it see the change."""
        return self.inplace

    def owns(self, arr) -> bool:
        """Whether arr is a fresh array no one else sees (safe to store as a .grad without copy)."""
        return True

    def __repr__(self) -> str:
        return f"<arraygrad backend {self.name!r}>"
