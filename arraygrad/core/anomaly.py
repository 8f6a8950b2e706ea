"""Anomaly detection: `detect_anomaly` and `set_detect_anomaly`, as in PyTorch.

While on, every recorded node keeps the traceback of the forward call that made it; a backward
formula that fails, or (with check_nan) returns nan, raises and shows that traceback.
"""

from __future__ import annotations

import warnings

from .grad_mode import STATE, _decorate

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


def is_anomaly_enabled() -> bool:
    return STATE.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    return STATE.check_nan


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on for its block."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = bool(check_nan)
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self) -> None:
        self._prev = (STATE.anomaly, STATE.check_nan)
        STATE.anomaly, STATE.check_nan = True, self.check_nan

    def __exit__(self, *exc) -> bool:
        STATE.anomaly, STATE.check_nan = self._prev
        return False

    def __call__(self, fn):
        return _decorate(lambda: _Anomaly(True, self.check_nan), fn)


class _Anomaly:
    __slots__ = ("mode", "check_nan", "_prev")

    def __init__(self, mode: bool, check_nan: bool):
        self.mode, self.check_nan = mode, check_nan

    def __enter__(self):
        self._prev = (STATE.anomaly, STATE.check_nan)
        STATE.anomaly, STATE.check_nan = self.mode, self.check_nan

    def __exit__(self, *exc):
        STATE.anomaly, STATE.check_nan = self._prev
        return False


class set_detect_anomaly:
    """Turns anomaly detection on or off at once; as a context manager it restores the previous
    setting on exit."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = (STATE.anomaly, STATE.check_nan)
        STATE.anomaly, STATE.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> bool:
        STATE.anomaly, STATE.check_nan = self._prev
        return False
