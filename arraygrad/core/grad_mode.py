"""Grad modes: `no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode`, usable as context
managers and as decorators. The state is process-wide (one flag read on every op)."""

from __future__ import annotations

import functools
import inspect

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State:
    __slots__ = ("enabled", "inference", "anomaly", "check_nan")

    def __init__(self):
        self.enabled = True
        self.inference = False
        self.anomaly = False  # anomaly detection: nodes keep their forward traceback
        self.check_nan = True  # ... and backward raises on nan gradients


STATE = _State()


def is_grad_enabled() -> bool:
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference


def _decorate(make, fn):
    """fn running inside a fresh context `make()` on every call (every step, for generators)."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            with make():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make():
                        gen.close()
                    raise
                except BaseException as e:
                    with make():
                        response = gen.throw(e)
                else:
                    try:
                        with make():
                            response = gen.send(request)
                    except StopIteration as e:
                        return e.value
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make():
            return fn(*args, **kwargs)
    return wrapper


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
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}() as a decorator expects a function, got "
                            f"{type(fn).__name__}")
        return _decorate(lambda: self._fresh(), fn)

    def _fresh(self):
        return type(self)()

    def clone(self):
        return self._fresh()


class no_grad(_Mode):
    """Disables gradient recording; `@no_grad()` and `@no_grad` both decorate."""

    _value = False

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self(fn) if callable(fn) else self


class enable_grad(_Mode):
    """Enables gradient recording (inside a `no_grad` block); `@enable_grad()` or `@enable_grad`."""

    _value = True

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self(fn) if callable(fn) else self


class set_grad_enabled(_Mode):
    """Enables or disables recording; takes effect at once, like PyTorch's, or as a context
    manager or a decorator (which restore the previous mode)."""

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): mode must be a bool, got {type(mode).__name__}")
        self._value = mode
        self._prev = STATE.enabled
        STATE.enabled = mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        STATE.enabled = self._prev  # decorating must not change the mode of the caller
        return super().__call__(fn)

    def _fresh(self):
        return _SetGrad(self._value)


class _SetGrad(_Mode):
    """set_grad_enabled's per-call context (setting the mode on enter, not on construction)."""

    def __init__(self, mode: bool):
        self._value = mode


class inference_mode(_Mode):
    """Like `no_grad` (nothing is recorded inside); `inference_mode(False)` turns inference mode
    off and enables grad, as PyTorch's does. `@inference_mode` or `@inference_mode(mode)`."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):
            self._mode = True
            return self(mode)
        return self

    def __init__(self, mode: bool = True):
        if callable(mode) and not isinstance(mode, bool):
            return
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode(): mode must be a bool, got {type(mode).__name__}")
        self._mode = mode

    def __enter__(self):
        self._prev = STATE.enabled
        self._prev_inf = STATE.inference
        STATE.enabled = not self._mode
        STATE.inference = self._mode
        return self

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        STATE.inference = self._prev_inf
        return False

    def _fresh(self):
        return inference_mode(self._mode)
