"""Grad modes: `no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode`, usable as context
managers and as decorators. The state is process-wide (one flag read on every op)."""

from __future__ import annotations

import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State:
    __slots__ = ("enabled", "inference", "anomaly")

    def __init__(self):
        self.enabled = True
        self.inference = False
        self.anomaly = False


STATE = _State()


def is_grad_enabled() -> bool:
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference


class _Mode:
    """Base of the grad-mode context managers; an instance also decorates functions."""

    _value = True

    def __enter__(self):
        self._prev = STATE.enabled
        STATE.enabled = self._value
        return self

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__._fresh(self):
                return fn(*args, **kwargs)
        return wrapper

    @classmethod
    def _fresh(cls, proto):
        return cls()


class no_grad(_Mode):
    """Disables gradient recording."""

    _value = False

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self(fn) if callable(fn) else self


class enable_grad(_Mode):
    """Enables gradient recording (inside a `no_grad` block)."""

    _value = True

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self(fn) if callable(fn) else self


class set_grad_enabled(_Mode):
    """Enables or disables recording; takes effect at once, like PyTorch's, or as a context."""

    def __init__(self, mode: bool):
        self._value = bool(mode)
        self._prev = STATE.enabled
        STATE.enabled = self._value

    def __enter__(self):
        return self

    @classmethod
    def _fresh(cls, proto):
        return cls(proto._value)


class inference_mode(_Mode):
    """Like `no_grad` (tensors made inside record nothing); `inference_mode(False)` does nothing."""

    def __init__(self, mode: bool = True):
        self._mode = bool(mode)

    def __enter__(self):
        self._prev = STATE.enabled
        self._prev_inf = STATE.inference
        if self._mode:
            STATE.enabled = False
            STATE.inference = True
        return self

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        STATE.inference = self._prev_inf
        return False

    def __call__(self, fn):
        if not callable(fn) or isinstance(fn, bool):
            return inference_mode(fn)
        return super().__call__(fn)

    @classmethod
    def _fresh(cls, proto):
        return cls(proto._mode)
