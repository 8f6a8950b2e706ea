"""array-api-strict backend: the standard and nothing else, with fake devices ("CPU_DEVICE",
"device1", "device2", "no_float64", "no_x64") that catch arrays created on the wrong device."""

from __future__ import annotations

import array_api_strict as xp
import numpy as np

from .base import Backend


class StrictBackend(Backend):
    device_type = "array_api_strict"
    inplace = False
    array_type = type(xp.asarray(0))
    cheap_checks = True

    def __init__(self):
        super().__init__("array_api_strict", xp, "array_api_strict")

    def native_device(self, index):
        if index is None:
            return xp.Device("CPU_DEVICE")
        if isinstance(index, int):
            devs = self.native_devices()
            if 0 <= index < len(devs):
                return devs[index]
        names = [d._device for d in self.native_devices()]
        if index in names:
            return xp.Device(index)
        raise RuntimeError(f"array_api_strict has no device {index!r}; its devices are {names}")

    def index_of(self, native):
        name = native._device
        return None if name == "CPU_DEVICE" else name

    def move(self, arr, native):
        return arr.to_device(native)

    def to_numpy(self, arr):
        cpu = xp.Device("CPU_DEVICE")
        if arr.device != cpu:
            arr = arr.to_device(cpu)
        return np.asarray(arr)

    def from_numpy(self, host, native_device=None):
        host = np.asarray(host)
        arr = xp.asarray(host if host.flags.c_contiguous else host.copy(order="C"))
        if native_device is not None and native_device != arr.device:
            arr = arr.to_device(native_device)
        return arr


def load() -> StrictBackend:
    return StrictBackend()
