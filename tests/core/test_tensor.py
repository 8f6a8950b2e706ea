"""The Tensor object: attributes, conversion to Python and NumPy, moving and casting, repr."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

_DEVICES = ["cpu", "array_api_strict", "array_api_strict:device1", "dask"]


# ---- attributes ----------------------------------------------------------------------------------
def test_shape_size_numel_dim(device):
    t = ag.zeros(2, 3, 4, device=device)
    assert t.shape == (2, 3, 4) and type(t.shape) is ag.Size
    assert t.size() == ag.Size([2, 3, 4]) and t.size(1) == 3 and t.size(-1) == 4
    assert t.numel() == 24 and t.nelement() == 24
    assert t.dim() == 3 and t.ndim == 3 and t.ndimension() == 3
    assert len(t) == 2


def test_size_out_of_range_raises_index_error():
    with pytest.raises(IndexError, match=r"dimension out of range.*\[-2, 1\].*got 2"):
        ag.zeros(2, 3).size(2)


def test_size_repr_and_numel():
    s = ag.zeros(2, 3).size()
    assert repr(s) == "arraygrad.Size([2, 3])" and s.numel() == 6
    assert repr(ag.zeros(()).shape) == "arraygrad.Size([])"


@pytest.mark.parity
def test_size_repr_matches_torch(torch):
    assert repr(ag.zeros(4, 1).size()).replace("arraygrad", "torch") == repr(
        torch.zeros(4, 1).size())


def test_len_of_0d_raises():
    with pytest.raises(TypeError, match="0-d"):
        len(ag.tensor(1.0))


def test_dtype_and_element_size(device):
    t = ag.ones(2, dtype=ag.float64, device=device)
    assert t.dtype is ag.float64 and t.element_size() == 8
    assert t.is_floating_point() and not t.is_complex()


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ag.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([True]).requires_grad = True


def test_requires_grad_setter_and_leaf():
    t = ag.ones(2)
    t.requires_grad = True
    assert t.requires_grad and t.is_leaf
    y = t * 2
    assert not y.is_leaf and y.requires_grad
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)


def test_complex_tensor_can_require_grad():
    assert ag.tensor([1j]).requires_grad_().requires_grad


# ---- values on the host --------------------------------------------------------------------------
def test_numpy_returns_host_values(device):
    t = ag.tensor([[1.5, 2.0]], device=device)
    a = t.numpy()
    assert type(a) is np.ndarray and a.dtype == np.float32
    np.testing.assert_array_equal(a, [[1.5, 2.0]])


def test_numpy_of_0d_is_an_array(device):
    a = ag.tensor(3.0, device=device).numpy()
    assert type(a) is np.ndarray and a.shape == ()


def test_numpy_on_requires_grad_raises():
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        ag.ones(2, requires_grad=True).numpy()
    assert ag.ones(2, requires_grad=True).numpy(force=True).tolist() == [1.0, 1.0]


def test_numpy_shares_memory_on_cpu():
    t = ag.zeros(3)
    t.numpy()[1] = 5.0
    assert t.tolist() == [0.0, 5.0, 0.0]


def test_np_asarray_of_a_tensor(device):
    np.testing.assert_array_equal(np.asarray(ag.arange(3, device=device)), [0, 1, 2])


def test_item_returns_python_scalars(device):
    assert type(ag.tensor(2.5, device=device).item()) is float
    assert ag.tensor([[7]], device=device).item() == 7
    assert type(ag.tensor([7], device=device).item()) is int
    assert ag.tensor(True, device=device).item() is True


def test_item_of_many_elements_raises():
    with pytest.raises(RuntimeError, match="2 elements cannot be converted to Scalar"):
        ag.ones(2).item()


def test_tolist(device):
    assert ag.tensor([[1, 2], [3, 4]], device=device).tolist() == [[1, 2], [3, 4]]
    assert ag.tensor(1.5, device=device).tolist() == 1.5


def test_python_conversions_of_one_element(device):
    t = ag.tensor([2.75], device=device)
    assert float(t) == 2.75 and int(t) == 2 and bool(t) is True and complex(t) == 2.75
    assert not bool(ag.tensor(0.0, device=device))


@pytest.mark.parametrize("conv", [float, int, complex])
def test_scalar_conversion_of_many_elements_raises_value_error(conv):
    with pytest.raises(ValueError, match="only one element tensors"):
        conv(ag.ones(2, 2))


def test_bool_of_many_elements_raises():
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        bool(ag.ones(2))
    with pytest.raises(RuntimeError, match="no values is ambiguous"):
        bool(ag.ones(0))


def test_index_conversion():
    assert [10, 20, 30][ag.tensor(1)] == 20
    with pytest.raises(TypeError, match="integer tensors"):
        [1, 2][ag.tensor(1.0)]


def test_format_of_0d_uses_the_value():
    assert f"{ag.tensor(2.5):.2f}" == "2.50"


# ---- moving and casting --------------------------------------------------------------------------
@pytest.mark.parametrize("src", _DEVICES)
@pytest.mark.parametrize("dst", _DEVICES)
def test_to_device_keeps_values_and_carries_gradients_back(src, dst):
    x = ag.tensor([1.0, -2.0, 3.0], dtype=ag.float64, device=src, requires_grad=True)
    y = x.to(dst)
    assert y.device == dst and y.dtype is ag.float64
    np.testing.assert_array_equal(y.detach().numpy(), [1.0, -2.0, 3.0])
    (y * y).sum().backward()
    assert x.grad.device == src
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0, 6.0])


def test_to_same_device_returns_self(device):
    t = ag.ones(2, device=device)
    assert t.to(device) is t and t.to(t.dtype) is t


def test_to_records_a_copy_node():
    y = ag.ones(2, requires_grad=True).to("dask")
    assert y.grad_fn.name() == "ToCopyBackward0" and not y.is_leaf


def test_to_dtype(device):
    t = ag.tensor([1.7, -2.2], device=device)
    assert t.to(ag.float64).dtype is ag.float64
    assert t.to(ag.int32).tolist() == [1, -2]
    assert t.to(dtype=ag.int64).dtype is ag.int64


def test_to_dtype_is_differentiable():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.to(ag.float64).sum().backward()
    assert x.grad.dtype is ag.float32 and x.grad.tolist() == [1.0, 1.0]


def test_to_device_and_dtype_together():
    t = ag.ones(2).to("array_api_strict:device1", ag.float64)
    assert t.device == "array_api_strict:device1" and t.dtype is ag.float64
    t = ag.ones(2).to(device="dask", dtype=ag.int32)
    assert t.device == "dask" and t.dtype is ag.int32


def test_to_other_tensor_takes_its_device_and_dtype():
    other = ag.zeros(1, dtype=ag.int16, device="array_api_strict:device1")
    t = ag.tensor([1.0, 2.0]).to(other)
    assert t.device == other.device and t.dtype is ag.int16


def test_to_copy_flag_makes_a_new_tensor():
    t = ag.ones(2)
    c = t.to("cpu", copy=True)
    assert c is not t
    c.numpy()[0] = 9.0
    assert t.tolist() == [1.0, 1.0]


def test_to_unknown_argument_raises():
    with pytest.raises(TypeError, match="unexpected arguments"):
        ag.ones(2).to(bogus=1)


def test_cpu_brings_any_device_to_numpy(device):
    t = ag.arange(4, device=device).cpu()
    assert t.device == "cpu" and type(t._data) is np.ndarray and t.tolist() == [0, 1, 2, 3]


def test_to_device_method_of_the_array_api(device):
    assert ag.ones(2).to_device(device).device == device


def test_type_conversion_methods():
    t = ag.tensor([1.5, 2.5])
    assert t.double().dtype is ag.float64 and t.float().dtype is ag.float32
    assert t.half().dtype is ag.float16 and t.long().dtype is ag.int64
    assert t.int().dtype is ag.int32 and t.short().dtype is ag.int16
    assert t.bool().dtype is ag.bool and t.byte().dtype is ag.uint8 and t.char().dtype is ag.int8
    assert t.type() == "arraygrad.FloatTensor"
    assert t.type("arraygrad.LongTensor").dtype is ag.int64
    assert t.type(ag.float64).dtype is ag.float64


def test_unsupported_dtype_on_device_raises_naming_it():
    with pytest.raises(TypeError, match=r"float64 is not supported on device.*no_float64"):
        ag.ones(2, device="array_api_strict:no_float64").to(ag.float64)


def test_dlpack_roundtrip_with_numpy():
    t = ag.arange(3.0)
    np.testing.assert_array_equal(np.from_dlpack(t), [0.0, 1.0, 2.0])


# ---- repr ----------------------------------------------------------------------------------------
_REPR_CASES = [
    lambda m: m.tensor([[1.5, -2.25, 3.0], [100.125, 0.5, 6.0]]),
    lambda m: m.tensor([1.0, 2.0, 3.0]),
    lambda m: m.tensor([1, -20, 300]),
    lambda m: m.tensor([True, False]),
    lambda m: m.tensor(3.5),
    lambda m: m.tensor(-0.0),
    lambda m: m.tensor([1.5, 2.5], dtype=m.float64),
    lambda m: m.tensor([1, 2], dtype=m.int32),
    lambda m: m.tensor([1e-5, 1.0]),
    lambda m: m.tensor([123456.0, 0.2]),
    lambda m: m.tensor([float("nan"), float("inf"), 1.5]),
    lambda m: m.tensor([-0.1, 0.2, 0.3]),
    lambda m: m.tensor([1 + 2j, 3 - 4.25j]),
    lambda m: m.tensor(2.5, dtype=m.float16),
    lambda m: m.zeros(0),
    lambda m: m.zeros(2, 0),
    lambda m: m.zeros(0, dtype=m.int64),
    lambda m: m.tensor([1.5, 2.0], requires_grad=True),
    lambda m: m.tensor([1.5, 2.0], requires_grad=True) * 2,
    lambda m: m.tensor([1.5, 2.0], dtype=m.float64, requires_grad=True) * 2,
    lambda m: m.arange(1200.0),
    lambda m: m.arange(30.0) * 1e3 + 0.5,
    lambda m: m.ones(40, 30, 2, dtype=m.float64) * 3.5,
    lambda m: m.tensor([True, False] * 600),
    lambda m: m.arange(10.0) / 3,
]


@pytest.mark.parity
@pytest.mark.parametrize("case", range(len(_REPR_CASES)))
def test_repr_matches_torch(torch, case):
    f = _REPR_CASES[case]
    assert repr(f(ag)).replace("arraygrad.", "torch.") == repr(f(torch))


@pytest.mark.parity
def test_repr_with_default_float64_matches_torch(torch):
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    ag.set_default_dtype(ag.float64)
    try:
        for f in (lambda m: m.tensor([1.5, 2.0]), lambda m: m.tensor([1.5], dtype=m.float32),
                  lambda m: m.tensor([1j])):
            assert repr(f(ag)).replace("arraygrad.", "torch.") == repr(f(torch))
    finally:
        torch.set_default_dtype(old)


def test_repr_names_a_non_default_device():
    assert repr(ag.ones(2, device="dask")) == "tensor([1., 1.], device='dask')"
    assert repr(ag.tensor([1, 2], dtype=ag.int32, device="array_api_strict:device1")) == (
        "tensor([1, 2], device='array_api_strict:device1', dtype=arraygrad.int32)")


def test_repr_omits_the_default_device():
    ag.set_default_device("dask")
    assert repr(ag.ones(2)) == "tensor([1., 1.])"
    assert repr(ag.ones(2, device="cpu")) == "tensor([1., 1.], device='cpu')"


def test_repr_same_on_every_backend(device):
    t = ag.tensor([[0.5, -1.25]], device=device, requires_grad=True)
    body = repr(t).split(", device=")[0].split(", requires_grad")[0]
    assert body == "tensor([[ 0.5000, -1.2500]]"


def test_str_is_repr():
    t = ag.tensor([1.0])
    assert str(t) == repr(t)
