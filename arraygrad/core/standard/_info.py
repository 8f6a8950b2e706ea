"""`__array_namespace_info__()`: what the namespace supports, per device."""

from __future__ import annotations

from ... import backends as _backends
from .. import dtypes as _dt
from ..device import device as _device
from ..device import get_default_device
from ._common import _dev
from ._data_types import isdtype


# ---- inspection ----------------------------------------------------------------------------------
class _Info:
    """`__array_namespace_info__()`: what this namespace supports, per device."""

    def capabilities(self) -> dict:
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 64}

    def default_device(self):
        return get_default_device()

    def default_dtypes(self, *, device=None) -> dict:
        dev = _dev(device)
        f = _dt.get_default_dtype()
        if f not in dev.to_native:  # array-api-strict's no_float64 device under float64
            f = dev.default_float
        return {"real floating": f, "complex floating": _dt._complex_of(f),
                "integral": dev.default_int, "indexing": dev.default_int}

    def devices(self) -> list:
        out = []
        for name in _backends.available():
            try:
                b = _backends.get(name)
            except _backends.BackendUnavailable:  # installed, but fails to load here
                continue
            for nd in b.native_devices():
                idx = b.index_of(nd)
                try:
                    out.append(_device(b.device_type if idx is None else f"{b.device_type}:{idx}"))
                except Exception:  # a backend whose devices cannot be opened here (no GPU)
                    continue
        return list(dict.fromkeys(out))

    def dtypes(self, *, device=None, kind=None) -> dict:
        dev = _dev(device)
        ds = [d for d in _dt.ALL if d in dev.to_native and d is not _dt.float16]
        if kind is not None:
            ds = [d for d in ds if isdtype(d, kind)]
        return {d.name: d for d in ds}


def __array_namespace_info__() -> _Info:
    return _Info()


