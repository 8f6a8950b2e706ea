"""The backend registry: which array library serves which device type.

Built in: numpy ("cpu"), array_api_strict, dask, cupy ("cuda"), jax. Others plug in by
`register(name, namespace_or_adapter)` or by an entry point in group `arraygrad.backends`
whose object is an array-API namespace, a `Backend`, or a callable returning either.
"""

from __future__ import annotations

import importlib
from importlib import metadata

from .base import Backend

__all__ = ["Backend", "available", "register", "get", "names", "BackendUnavailable"]

# name -> (module, what to install when it is missing)
_BUILTIN = {
    "numpy": ("arraygrad.backends.numpy", "pip install numpy array-api-compat"),
    "array_api_strict": ("arraygrad.backends.array_api_strict", "pip install array-api-strict"),
    "dask": ("arraygrad.backends.dask", "pip install 'arraygrad[dask]'"),
    "cupy": ("arraygrad.backends.cupy",
             "pip install 'arraygrad[cupy]' on a machine with a CUDA GPU"),
    "jax": ("arraygrad.backends.jax", "pip install 'arraygrad[jax]'"),
}
# device type (the part of a device string before ':') -> backend name
_DEVICE_TYPES = {"cpu": "numpy", "numpy": "numpy", "cuda": "cupy", "cupy": "cupy", "dask": "dask",
                 "array_api_strict": "array_api_strict", "jax": "jax"}

_loaded: dict[str, Backend] = {}
_registered: dict[str, object] = {}
_failed: dict[str, str] = {}
_entry_points_read = False


class BackendUnavailable(RuntimeError):
    """A device whose backend cannot be loaded here (its library is missing, or no GPU)."""


def _adapt(name: str, obj) -> Backend:
    if (callable(obj) and not hasattr(obj, "__array_namespace_info__")
            and not isinstance(obj, Backend)):
        obj = obj()
    if isinstance(obj, Backend):
        return obj
    if isinstance(obj, str):
        obj = importlib.import_module(obj)
    return Backend(name, obj)


def register(name: str, namespace_or_adapter, device_type: str | None = None) -> Backend:
    """Makes an array-API namespace (or a Backend) available as device type `device_type`
    (default: `name`). Returns the adapter."""
    b = _adapt(name, namespace_or_adapter)
    if device_type is not None:
        b.device_type = device_type
    _loaded[name] = b
    _DEVICE_TYPES[b.device_type] = name
    _DEVICE_TYPES.setdefault(name, name)
    _failed.pop(name, None)
    return b


def _read_entry_points() -> None:
    global _entry_points_read
    if _entry_points_read:
        return
    _entry_points_read = True
    for ep in metadata.entry_points(group="arraygrad.backends"):
        _registered.setdefault(ep.name, ep)
        _DEVICE_TYPES.setdefault(ep.name, ep.name)


def get(name: str) -> Backend:
    """The loaded backend called `name` (or serving device type `name`)."""
    b = _loaded.get(name)
    if b is not None:
        return b
    _read_entry_points()
    real = _DEVICE_TYPES.get(name, name)
    b = _loaded.get(real)
    if b is not None:
        return b
    if real in _failed:
        raise BackendUnavailable(_failed[real])
    try:
        if real in _BUILTIN:
            b = importlib.import_module(_BUILTIN[real][0]).load()
        elif real in _registered:
            b = _adapt(real, _registered[real].load())
        else:
            raise BackendUnavailable(
                f"unknown device type or backend {name!r}; known: {sorted(set(_DEVICE_TYPES))} "
                "(register others with arraygrad.backends.register)")
    except BackendUnavailable:
        raise
    except Exception as e:
        hint = _BUILTIN.get(real, (None, "install its package"))[1]
        _failed[real] = f"backend {real!r} is not available here ({type(e).__name__}: {e}); {hint}"
        raise BackendUnavailable(_failed[real]) from e
    _loaded[real] = b
    return b


def names() -> list[str]:
    """Every backend name known: built in, registered or from entry points."""
    _read_entry_points()
    return sorted(set(_BUILTIN) | set(_loaded) | set(_registered))


def available() -> list[str]:
    """The backends that load on this machine."""
    out = []
    for n in names():
        try:
            get(n)
            out.append(n)
        except BackendUnavailable:
            pass
    return out


def known(name: str) -> bool:
    """Whether `name` is a backend or device type the registry knows (loadable here or not)."""
    _read_entry_points()
    return name in _DEVICE_TYPES or name in _BUILTIN or name in _registered or name in _loaded


def device_type_of(name: str) -> str:
    """The device type a backend or device-type name stands for ("cupy" -> "cuda"), without
    loading the backend."""
    real = device_type_backend(name)
    b = _loaded.get(real)
    if b is not None:
        return b.device_type
    return {"numpy": "cpu", "cupy": "cuda"}.get(real, name)


def device_type_backend(device_type: str) -> str:
    _read_entry_points()
    return _DEVICE_TYPES.get(device_type, device_type)
