"""The backend registry: built-in backends, `register`, entry points, unavailable backends."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import backends
from arraygrad.core.device import device as _device_cls


@pytest.fixture
def clean_registry(monkeypatch):
    """Restores the registry and the interned devices after a test that registers backends."""
    for name in ("_loaded", "_registered", "_failed", "_DEVICE_TYPES"):
        monkeypatch.setattr(backends, name, dict(getattr(backends, name)))
    monkeypatch.setattr(backends, "_entry_points_read", backends._entry_points_read)
    monkeypatch.setattr(_device_cls, "_cache", dict(_device_cls._cache))
    yield backends


def test_available_lists_the_cpu_backends():
    assert {"numpy", "array_api_strict", "dask"} <= set(ag.backends.available())


def test_names_include_cupy_even_where_it_cannot_load():
    assert "cupy" in ag.backends.names()


def test_device_strings_resolve_to_their_backends():
    assert ag.device("cpu").backend.name == "numpy"
    assert ag.device("numpy") is ag.device("cpu")
    assert ag.device("dask").backend.name == "dask"
    assert ag.device("array_api_strict:device1").backend.name == "array_api_strict"


def test_unavailable_backend_error_says_what_to_install():
    if "cupy" in ag.backends.available():
        pytest.skip("CuPy works on this machine")
    with pytest.raises(backends.BackendUnavailable, match=r"pip install 'arraygrad\[cupy\]'"):
        backends.get("cupy")
    assert issubclass(backends.BackendUnavailable, RuntimeError)


def test_unknown_backend_error_lists_known_ones():
    with pytest.raises(RuntimeError, match=r"unknown device type.*'nope'.*dask.*register"):
        backends.get("nope")


def _use(dev):
    x = ag.tensor([1.0, 2.0, 3.0], device=dev, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    return y, x


def test_register_bare_namespace_makes_a_device(clean_registry):
    import array_api_strict as xps

    b = ag.backends.register("strict_copy", xps)
    assert type(b) is backends.Backend and "strict_copy" in ag.backends.available()
    y, x = _use("strict_copy")
    assert y.device == "strict_copy" and y.device.type == "strict_copy"
    assert y.item() == 14.0
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])
    assert type(x._data) is type(xps.asarray(0))


def test_registered_backend_moves_to_and_from_cpu(clean_registry):
    import array_api_compat.numpy as xnp

    ag.backends.register("compat_numpy", xnp)
    x = ag.arange(4.0, requires_grad=True)
    y = x.to("compat_numpy")
    assert y.device == "compat_numpy"
    (y * 3).sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [3.0] * 4
    assert y.cpu().tolist() == [0.0, 1.0, 2.0, 3.0]


def test_registered_backend_gets_the_same_random_numbers(clean_registry):
    import array_api_strict as xps

    ag.backends.register("strict_copy", xps)
    ag.manual_seed(11)
    a = ag.randn(6, device="strict_copy").numpy()
    ag.manual_seed(11)
    np.testing.assert_array_equal(a, ag.randn(6).numpy())


def test_register_with_device_type(clean_registry):
    import array_api_strict as xps

    ag.backends.register("my_lib", xps, device_type="mydev")
    assert ag.ones(2, device="mydev").device.type == "mydev"
    assert ag.device("my_lib") is ag.device("mydev")


def test_register_accepts_a_backend_subclass(clean_registry):
    import array_api_strict as xps

    class Custom(backends.Backend):
        pass

    b = ag.backends.register("custom", Custom("custom", xps))
    assert ag.device("custom").backend is b


class _FakeEntryPoint:
    def __init__(self, name, obj=None, error=None):
        self.name, self._obj, self._error = name, obj, error

    def load(self):
        if self._error is not None:
            raise self._error
        return self._obj


def _patch_entry_points(monkeypatch, eps):
    seen = []

    def entry_points(group=None, **kw):
        seen.append(group)
        return [ep for ep in eps if group == "arraygrad.backends"]

    monkeypatch.setattr(backends.metadata, "entry_points", entry_points)
    monkeypatch.setattr(backends, "_entry_points_read", False)
    return seen


def test_entry_points_are_read(clean_registry, monkeypatch):
    import array_api_strict as xps

    seen = _patch_entry_points(monkeypatch, [_FakeEntryPoint("from_plugin", xps)])
    assert "from_plugin" in ag.backends.names()
    assert seen == ["arraygrad.backends"]
    assert "from_plugin" in ag.backends.available()
    assert ag.ones(3, device="from_plugin").sum().item() == 3.0


def test_entry_point_may_be_a_factory(clean_registry, monkeypatch):
    import array_api_strict as xps

    _patch_entry_points(monkeypatch, [_FakeEntryPoint("factory", lambda: xps)])
    assert ag.device("factory").backend.xp is xps


def test_broken_entry_point_is_unavailable_with_its_reason(clean_registry, monkeypatch):
    _patch_entry_points(monkeypatch, [_FakeEntryPoint("broken", error=ImportError("no libfoo"))])
    assert "broken" in ag.backends.names()
    assert "broken" not in ag.backends.available()
    with pytest.raises(backends.BackendUnavailable, match=r"'broken'.*no libfoo.*install"):
        backends.get("broken")
