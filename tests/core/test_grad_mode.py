"""no_grad / enable_grad / set_grad_enabled / inference_mode as context managers and decorators."""

from __future__ import annotations

import pytest

import arraygrad as ag


def _x(device):
    return ag.tensor([1.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)


def test_no_grad_context_records_nothing(device):
    x = _x(device)
    with ag.no_grad():
        y = x * 2.0
    assert y.grad_fn is None and not y.requires_grad
    assert ag.is_grad_enabled()


def test_no_grad_decorator_with_and_without_parentheses(device):
    @ag.no_grad()
    def f(t):
        return t * 2.0

    @ag.no_grad
    def g(t):
        return t * 2.0

    x = _x(device)
    assert not f(x).requires_grad and not g(x).requires_grad
    assert f.__name__ == "f" and g.__name__ == "g"


def test_enable_grad_inside_no_grad(device):
    x = _x(device)
    with ag.no_grad():
        with ag.enable_grad():
            y = x * 2.0
        z = x * 2.0
    assert y.requires_grad and not z.requires_grad


def test_enable_grad_decorator_with_and_without_parentheses(device):
    @ag.enable_grad()
    def f(t):
        return t * 2.0

    @ag.enable_grad
    def g(t):
        return t * 2.0

    x = _x(device)
    with ag.no_grad():
        assert f(x).requires_grad and g(x).requires_grad


def test_set_grad_enabled_as_function_context_and_decorator(device):
    x = _x(device)
    ag.set_grad_enabled(False)
    try:
        assert not (x * 2.0).requires_grad
    finally:
        ag.set_grad_enabled(True)
    with ag.set_grad_enabled(False):
        assert not (x * 2.0).requires_grad
    assert ag.is_grad_enabled()

    @ag.set_grad_enabled(False)
    def f(t):
        return t * 2.0

    assert ag.is_grad_enabled()  # decorating does not switch the caller's mode
    assert not f(x).requires_grad
    assert ag.is_grad_enabled()


def test_inference_mode_context_and_decorators(device):
    x = _x(device)
    with ag.inference_mode():
        assert ag.is_inference_mode_enabled() and not ag.is_grad_enabled()
        assert not (x * 2.0).requires_grad
    assert not ag.is_inference_mode_enabled() and ag.is_grad_enabled()

    @ag.inference_mode
    def f(t):
        return t * 2.0

    @ag.inference_mode()
    def g(t):
        return t * 2.0

    @ag.inference_mode(False)
    def h(t):
        return t * 2.0

    assert not f(x).requires_grad and not g(x).requires_grad
    with ag.no_grad():
        assert h(x).requires_grad  # inference_mode(False) enables grad, as in PyTorch


def test_modes_are_restored_after_an_exception():
    with pytest.raises(ValueError):
        with ag.no_grad():
            raise ValueError("boom")
    assert ag.is_grad_enabled()
    with pytest.raises(ValueError):
        with ag.inference_mode():
            raise ValueError("boom")
    assert ag.is_grad_enabled() and not ag.is_inference_mode_enabled()


def test_decorated_generator_runs_each_step_in_the_mode():
    @ag.no_grad()
    def gen():
        for _ in range(2):
            yield ag.is_grad_enabled()

    assert list(gen()) == [False, False]
    assert ag.is_grad_enabled()


def test_autograd_namespace_exports_the_modes():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode"):
        assert getattr(ag.autograd, name) is getattr(ag, name)


@pytest.mark.parity
def test_parity_nested_modes(torch):
    def states(lib):
        out = []
        with lib.no_grad():
            out.append(lib.is_grad_enabled())
            with lib.enable_grad():
                out.append(lib.is_grad_enabled())
            with lib.inference_mode(False):
                out.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
        with lib.inference_mode():
            out.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
        with lib.set_grad_enabled(False):
            out.append(lib.is_grad_enabled())
        out.append(lib.is_grad_enabled())
        return out

    assert states(ag) == states(torch)
