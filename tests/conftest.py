"""The backend fixture: every test that takes `device` runs once per available backend device.

`pytest --backend NAME` (repeatable) selects backends: numpy, array_api_strict, dask, cupy.
"""

from __future__ import annotations

import pytest

import arraygrad as ag

# each backend and the devices it is tested on (device1 catches arrays made without device=)
_DEVICES = {
    "numpy": ["cpu"],
    "array_api_strict": ["array_api_strict", "array_api_strict:device1"],
    "dask": ["dask"],
    "cupy": ["cuda"],
}


def pytest_addoption(parser):
    parser.addoption("--backend", action="append", default=None,
                     help="run the backend-parametrized tests on these backends only")


def _selected(config) -> list[str]:
    wanted = config.getoption("--backend") or list(_DEVICES)
    avail = set(ag.backends.available())
    out = []
    for b in wanted:
        if b in avail:
            out += _DEVICES.get(b, [b])
    return out


def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", _selected(metafunc.config))
    if "eager_device" in metafunc.fixturenames:  # backends where per-element loops stay cheap
        metafunc.parametrize("eager_device",
                             [d for d in _selected(metafunc.config) if d != "dask"])


@pytest.fixture(autouse=True)
def _seed():
    ag.manual_seed(0)
    yield
    ag.set_default_dtype(ag.float32)
    ag.set_default_device("cpu")


@pytest.fixture
def torch():
    return pytest.importorskip("torch")
