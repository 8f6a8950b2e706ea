"""`arraygrad.cuda`: whether the CuPy backend has a GPU here."""

from __future__ import annotations

from . import backends

__all__ = ["is_available", "device_count", "current_device", "synchronize"]


def is_available() -> bool:
    try:
        backends.get("cupy")
        return True
    except backends.BackendUnavailable:
        return False


def device_count() -> int:
    if not is_available():
        return 0
    return len(backends.get("cupy").native_devices())


def current_device() -> int:
    if not is_available():
        raise RuntimeError(
            "arraygrad.cuda: no CUDA device (install arraygrad[cupy] on a GPU machine)")
    return backends.get("cupy").default_native_device().id


def synchronize(device=None) -> None:
    if is_available():
        backends.get("cupy").synchronize()
