"""`arraygrad.device`: parsing, equality, repr, the default device, unknown and missing backends."""

from __future__ import annotations

import pytest

import arraygrad as ag


def test_cuda_string_parses_type_and_index():
    d = ag.device("cuda:1")
    assert (d.type, d.index) == ("cuda", 1)


def test_type_and_index_arguments_give_the_same_device():
    assert ag.device("cuda", 1) is ag.device("cuda:1")
    assert ag.device("array_api_strict", "device1") is ag.device("array_api_strict:device1")


def test_index_given_twice_raises():
    with pytest.raises(ValueError, match="index given twice"):
        ag.device("cuda:1", 1)


def test_device_repr_and_str():
    assert repr(ag.device("cuda:1")) == "device(type='cuda', index=1)"
    assert str(ag.device("cuda:1")) == "cuda:1"
    assert repr(ag.device("cpu")) == "device(type='cpu')"
    assert repr(ag.device("dask")) == "device(type='dask')"
    assert str(ag.device("array_api_strict:device1")) == "array_api_strict:device1"


@pytest.mark.parity
def test_device_repr_matches_torch(torch):
    for s in ("cpu", "cuda:1"):
        assert repr(ag.device(s)) == repr(torch.device(s))


def test_device_equals_its_string():
    assert ag.device("cuda:1") == "cuda:1"
    assert ag.device("cpu") == "cpu"
    assert ag.device("cpu") != "dask"
    assert ag.device("cpu") != "no such device"


def test_devices_are_interned_and_hashable():
    assert ag.device("numpy") is ag.device("cpu")
    assert ag.device("array_api_strict:CPU_DEVICE") is ag.device("array_api_strict")
    assert len({ag.device("cpu"), ag.device("cpu"), ag.device("dask")}) == 2


def test_device_of_a_device_is_itself():
    d = ag.device("dask")
    assert ag.device(d) is d


def test_non_string_device_raises_type_error():
    with pytest.raises(TypeError, match="expected a string"):
        ag.device(3.5)


def test_unknown_device_type_raises_listing_known_types():
    with pytest.raises(RuntimeError, match=r"'tpu'.*known:.*'cpu'.*'dask'"):
        ag.device("tpu")


def test_unknown_index_of_a_backend_raises():
    with pytest.raises(RuntimeError, match="no device 'device9'"):
        ag.device("array_api_strict:device9")


def test_cuda_unavailable_raises_saying_what_to_install():
    if ag.cuda.is_available():
        pytest.skip("CUDA works on this machine")
    with pytest.raises(RuntimeError, match=r"cuda.*pip install 'arraygrad\[cupy\]'"):
        ag.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="cupy"):
        ag.ones(2).cuda()


def test_cuda_is_not_available_here():
    try:
        import cupy  # noqa: F401
    except ImportError:
        assert ag.cuda.is_available() is False
        assert ag.cuda.device_count() == 0
        with pytest.raises(RuntimeError, match="install"):
            ag.cuda.current_device()
    else:
        pytest.skip("CuPy is installed here")


def test_default_device_is_cpu():
    assert ag.get_default_device() == "cpu"
    assert ag.zeros(1).device == "cpu"


def test_set_default_device_moves_factories(device):
    ag.set_default_device(device)
    assert ag.zeros(2).device == device
    assert ag.randn(2).device == device
    assert ag.tensor([1.0]).device == device
    assert ag.arange(3).device == device
    ag.set_default_device(None)
    assert ag.zeros(1).device == "cpu"


def test_device_context_manager_sets_and_restores_the_default():
    with ag.device("dask") as d:
        assert d == "dask"
        assert ag.ones(2).device == "dask"
        with ag.device("array_api_strict:device1"):
            assert ag.ones(2).device == "array_api_strict:device1"
        assert ag.ones(2).device == "dask"
    assert ag.ones(2).device == "cpu"


def test_device_context_restores_after_an_exception():
    with pytest.raises(KeyError):
        with ag.device("dask"):
            raise KeyError("x")
    assert ag.get_default_device() == "cpu"


def test_device_pickles_to_the_same_object():
    import pickle

    d = ag.device("array_api_strict:device1")
    assert pickle.loads(pickle.dumps(d)) is d


def test_tensor_device_property_and_get_device(device):
    t = ag.ones(2, device=device)
    assert t.device == device and isinstance(t.device, ag.device)
    assert t.get_device() == -1 and not t.is_cuda
