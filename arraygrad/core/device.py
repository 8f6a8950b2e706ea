"""`arraygrad.device`: a device string ("cpu", "cuda:1", "dask", "array_api_strict:device1")
resolved once to its backend, native device and dtype table. Instances are interned."""

from __future__ import annotations

from .. import backends as _backends
from . import dtypes as _dt

__all__ = ["device", "set_default_device", "get_default_device"]


class device:
    """Where a tensor lives: `type` names the backend's device type, `index` the device in it."""

    __slots__ = ("type", "index", "backend", "native", "xp", "K", "to_native", "to_ag",
                 "default_int", "default_float", "__weakref__")
    _cache: dict = {}

    def __new__(cls, type_or_str="cpu", index=None):
        if isinstance(type_or_str, device):
            return type_or_str
        key = (type_or_str, index)
        hit = cls._cache.get(key)
        if hit is not None:
            return hit
        if not isinstance(type_or_str, str):
            raise TypeError(
                f"device(): expected a string or a device, got {type(type_or_str).__name__}")
        typ, idx = type_or_str, index
        if ":" in type_or_str:
            if index is not None:
                raise ValueError(
                    f"device(): index given twice in {type_or_str!r} and index={index}")
            typ, _, rest = type_or_str.partition(":")
            idx = int(rest) if rest.isdigit() else rest
        try:
            backend = _backends.get(typ)
        except _backends.BackendUnavailable as e:
            if not _backends.known(typ):
                raise
            # like torch.device("cuda:1") on a machine without CUDA: a valid name that fails
            # (saying what to install) only when a tensor is put there
            return cls._unavailable(key, _backends.device_type_of(typ), idx, str(e))
        native = backend.native_device(idx)
        canon_index = backend.index_of(native) if idx is not None else None
        if isinstance(idx, int) and backend.device_type == "cuda":
            canon_index = idx
        canon = (backend.device_type, canon_index)
        self = cls._cache.get(canon)
        if self is None:
            self = object.__new__(cls)
            self.type, self.index = canon
            self.backend, self.native = backend, native
            self.xp, self.K = backend.xp, backend.K
            self.to_native, self.to_ag = backend.dtype_table(native)
            defaults = backend.default_dtypes(native)
            self.default_int = self.to_ag.get(defaults.get("integral"), _dt.int64)
            if _dt.int64 in self.to_native:
                self.default_int = _dt.int64
            self.default_float = self.to_ag.get(defaults.get("real floating"), _dt.float32)
            cls._cache[canon] = self
        cls._cache[key] = self
        return self

    @classmethod
    def _unavailable(cls, key, typ: str, idx, why: str) -> device:
        canon = (typ, idx)
        self = cls._cache.get(canon)
        if self is None:
            self = object.__new__(_UnavailableDevice)
            self.type, self.index, self._why = typ, idx, why
            cls._cache[canon] = self
        cls._cache[key] = self
        return self

    def native_dtype(self, d, op: str = "") -> object:
        try:
            return self.to_native[d]
        except KeyError:
            where = f"{op}(): " if op else ""
            raise TypeError(f"{where}dtype {d} is not supported on device '{self}' "
                            f"(it supports {sorted(x.name for x in self.to_native)})") from None

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index!r})"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except Exception:
                return False
        return self is other

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))

    def __enter__(self):
        _entered.append(get_default_device())
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        set_default_device(_entered.pop())


class _UnavailableDevice(device):
    """A well-formed device whose backend cannot load here: using it raises, saying why."""

    __slots__ = ("_why",)

    def __getattr__(self, name):  # only reached for the backend fields left unset
        raise _backends.BackendUnavailable(f"device '{self}': {self._why}")


_default: list = [None]
_entered: list = []


def get_default_device() -> device:
    d = _default[0]
    if d is None:
        d = _default[0] = device("cpu")
    return d


def set_default_device(dev) -> None:
    """Sets where factory functions (`zeros`, `randn`, ...) create tensors; None means "cpu"."""
    _default[0] = device("cpu" if dev is None else dev)


def as_device(dev) -> device:
    """A device from a device, a string, an int (CUDA index) or None (the default device)."""
    if dev is None:
        return get_default_device()
    if isinstance(dev, device):
        return dev
    if isinstance(dev, int):
        return device("cuda", dev)
    return device(dev)
