"""Creation functions: shapes, dtypes (PyTorch's inference), values against NumPy, sharing."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag


def _int_default(device):
    return ag.device(device).default_int


@pytest.mark.parametrize("fn", [ag.zeros, ag.ones, ag.empty, ag.randn, ag.rand])
def test_size_forms_give_the_same_shape(device, fn):
    for args in [(2, 3), ((2, 3),), ([2, 3],), (ag.Size([2, 3]),)]:
        t = fn(*args, device=device)
        assert t.shape == (2, 3) and t.device == device and t.dtype is ag.float32


def test_zero_dim_and_empty_shapes(device):
    assert ag.zeros((), device=device).shape == ()
    assert ag.zeros(0, 3, device=device).shape == (0, 3)


def test_negative_size_raises():
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        ag.zeros(2, -1)


def test_float_size_raises_type_error():
    with pytest.raises(TypeError, match="size must be a sequence of ints"):
        ag.ones(2.5)


def test_zeros_and_ones_values(device):
    np.testing.assert_array_equal(ag.zeros(2, 2, device=device).numpy(), np.zeros((2, 2)))
    np.testing.assert_array_equal(ag.ones(3, dtype=ag.int32, device=device).numpy(),
                                  np.ones(3, np.int32))


def test_tensor_infers_float_int_bool_dtypes(device):
    assert ag.tensor([1.5, 2], device=device).dtype is ag.float32
    assert ag.tensor([[1, 2], [3, 4]], device=device).dtype is _int_default(device)
    assert ag.tensor([True, False], device=device).dtype is ag.bool
    assert ag.tensor(3.0, device=device).dtype is ag.float32


def test_integer_default_is_int64_or_the_devices_own():
    assert ag.tensor([1]).dtype is ag.int64
    assert ag.arange(3, device="array_api_strict").dtype is ag.int64
    assert ag.tensor([1], device="array_api_strict:no_x64").dtype is ag.int32
    assert ag.arange(3, device="array_api_strict:no_x64").dtype is ag.int32
    assert ag.randint(0, 3, (2,), device="array_api_strict:no_x64").dtype is ag.int32


def test_tensor_explicit_dtype(device):
    t = ag.tensor([1, 2], dtype=ag.float64, device=device)
    assert t.dtype is ag.float64 and t.tolist() == [1.0, 2.0]


def test_default_dtype_float64_applies_to_creation(device):
    ag.set_default_dtype(ag.float64)
    for t in (ag.tensor([1.5], device=device), ag.zeros(2, device=device),
              ag.randn(2, device=device), ag.arange(0.0, 1.0, 0.5, device=device),
              ag.linspace(0, 1, 3, device=device), ag.full((2,), 1.5, device=device)):
        assert t.dtype is ag.float64


def test_full_infers_dtype_from_fill_value(device):
    assert ag.full((2,), 3, device=device).dtype is _int_default(device)
    assert ag.full((2,), 3.0, device=device).dtype is ag.float32
    assert ag.full((2,), True, device=device).dtype is ag.bool
    assert ag.full((2, 2), 7, device=device).tolist() == [[7, 7], [7, 7]]


def test_full_with_tensor_fill_value():
    assert ag.full((2,), ag.tensor(2.5)).tolist() == [2.5, 2.5]


def test_like_functions_keep_dtype_and_device(device):
    x = ag.tensor([[1, 2, 3]], dtype=ag.int32, device=device)
    for t in (ag.zeros_like(x), ag.ones_like(x), ag.empty_like(x), ag.full_like(x, 4)):
        assert t.shape == (1, 3) and t.dtype is ag.int32 and t.device == device
    assert ag.full_like(x, 4).tolist() == [[4, 4, 4]]
    assert ag.zeros_like(x, dtype=ag.float64).dtype is ag.float64


def test_full_like_int_tensor_truncates_float_fill():
    assert ag.full_like(ag.tensor([1, 2]), 2.7).tolist() == [2, 2]


def test_random_like_functions(device):
    x = ag.zeros(2, 3, dtype=ag.float64, device=device)
    for t in (ag.rand_like(x), ag.randn_like(x)):
        assert t.shape == (2, 3) and t.dtype is ag.float64 and t.device == device
    r = ag.randint_like(ag.zeros(4, dtype=ag.int32, device=device), 0, 5)
    assert r.dtype is ag.int32 and 0 <= r.numpy().min() and r.numpy().max() < 5


def test_eye(device):
    np.testing.assert_array_equal(ag.eye(3, device=device).numpy(), np.eye(3, dtype=np.float32))
    np.testing.assert_array_equal(ag.eye(2, 4, dtype=ag.int64, device=device).numpy(),
                                  np.eye(2, 4, dtype=np.int64))


@pytest.mark.parametrize("args", [(5,), (1, 10, 3), (10, 1, -3), (-4, 4, 2), (0, 0)])
def test_integer_arange_matches_numpy(device, args):
    t = ag.arange(*args, device=device)
    assert t.dtype is _int_default(device)
    np.testing.assert_array_equal(t.numpy(), np.arange(*args))


@pytest.mark.parametrize("args", [(0, 1, 0.1), (-1.5, 2.3, 0.7), (5.0,), (0, 2, 0.25),
                                  (3, -1, -0.4)])
def test_float_arange_matches_numpy_float64_rounded_once(device, args):
    t = ag.arange(*args, device=device)
    assert t.dtype is ag.float32
    start, end, step = (0, args[0], 1) if len(args) == 1 else args
    n = int(np.ceil((end - start) / step))
    ref = (start + np.arange(n, dtype=np.float64) * step).astype(np.float32)
    np.testing.assert_array_equal(t.numpy(), ref)


def test_float64_arange_values(device):
    t = ag.arange(0, 1, 0.1, dtype=ag.float64, device=device)
    np.testing.assert_allclose(t.numpy(), np.arange(0, 1, 0.1), rtol=0, atol=1e-15)


def test_arange_zero_step_raises():
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        ag.arange(0, 3, 0)


@pytest.mark.parity
def test_arange_matches_torch(torch):
    for args in [(0, 1, 0.1), (-1.5, 2.3, 0.7), (1, 10, 3), (2.5,), (0, 3, 1.5)]:
        a, t = ag.arange(*args), torch.arange(*args)
        assert a.dtype.name == str(t.dtype).split(".")[1]
        np.testing.assert_array_equal(a.numpy(), t.numpy())


@pytest.mark.parametrize("args", [(0, 1, 5), (-3.3, 17.1, 11), (2, 2, 1), (1, 0, 4), (0, 1, 0)])
def test_linspace_matches_numpy(device, args):
    t = ag.linspace(*args, device=device)
    assert t.dtype is ag.float32 and t.shape == (args[2],)
    np.testing.assert_array_equal(t.numpy(), np.linspace(*args).astype(np.float32))


def test_linspace_float64_and_integer_dtypes(device):
    np.testing.assert_allclose(ag.linspace(-1, 1, 7, dtype=ag.float64, device=device).numpy(),
                               np.linspace(-1, 1, 7), rtol=0, atol=1e-15)
    assert ag.linspace(0, 10, 5, dtype=ag.int64, device=device).tolist() == [0, 2, 5, 7, 10]


def test_linspace_on_a_device_without_float64():
    t = ag.linspace(0, 1, 5, device="array_api_strict:no_float64")
    np.testing.assert_allclose(t.numpy(), np.linspace(0, 1, 5), rtol=1e-6)


@pytest.mark.parity
def test_linspace_and_logspace_match_torch(torch):
    for args in [(0, 1, 5), (-3.3, 17.1, 11), (0, 1e-3, 4)]:
        np.testing.assert_allclose(ag.linspace(*args).numpy(), torch.linspace(*args).numpy(),
                                   rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ag.logspace(0, 2, 5).numpy(), torch.logspace(0, 2, 5).numpy(),
                               rtol=1e-6)
    assert ag.linspace(0, 10, 5, dtype=ag.int64).tolist() == torch.linspace(
        0, 10, 5, dtype=torch.int64).tolist()


def test_logspace_values(device):
    t = ag.logspace(0, 3, 4, device=device)
    assert t.dtype is ag.float32
    np.testing.assert_allclose(t.numpy(), [1, 10, 100, 1000], rtol=1e-6)
    np.testing.assert_allclose(ag.logspace(0, 2, 3, base=2.0, device=device).numpy(), [1, 2, 4])


def test_tril_and_triu_indices_match_numpy():
    np.testing.assert_array_equal(ag.tril_indices(3, 4).numpy(), np.stack(np.tril_indices(3, 0, 4)))
    np.testing.assert_array_equal(ag.triu_indices(3, 4, 1).numpy(),
                                  np.stack(np.triu_indices(3, 1, 4)))


def test_scalar_tensor_is_default_float():
    t = ag.scalar_tensor(3)
    assert t.shape == () and t.dtype is ag.float32 and t.item() == 3.0


def test_from_numpy_shares_memory():
    a = np.arange(4.0)
    t = ag.from_numpy(a)
    assert t.dtype is ag.float64 and t.device == "cpu"
    a[0] = 42.0
    assert t.tolist()[0] == 42.0
    assert np.shares_memory(t.numpy(), a)


def test_from_numpy_rejects_other_objects():
    with pytest.raises(TypeError, match="expected a numpy.ndarray"):
        ag.from_numpy([1, 2])


def test_tensor_from_numpy_copies_and_keeps_dtype(device):
    a = np.array([[1, 2], [3, 4]], dtype=np.int32)
    t = ag.tensor(a, device=device)
    a[0, 0] = 99
    assert t.dtype is ag.int32 and t.tolist() == [[1, 2], [3, 4]]
    assert ag.tensor(np.array([1.5]), device=device).dtype is ag.float64
    assert ag.tensor(np.float32(2.5), device=device).dtype is ag.float32


def test_tensor_from_numpy_with_dtype(device):
    t = ag.tensor(np.array([1.7, 2.2]), dtype=ag.float32, device=device)
    assert t.dtype is ag.float32
    np.testing.assert_allclose(t.numpy(), [1.7, 2.2], rtol=1e-6)


def test_tensor_from_tensor_copies_and_detaches(device):
    x = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = ag.tensor(x)
    assert y is not x and not y.requires_grad and y.grad_fn is None and y.device == device
    assert ag.tensor(x, dtype=ag.float64).dtype is ag.float64


def test_tensor_from_tensor_to_another_device():
    x = ag.tensor([1.0, 2.0])
    assert ag.tensor(x, device="array_api_strict:device1").device == "array_api_strict:device1"


def test_tensor_from_nested_lists_and_tuples(device):
    t = ag.tensor([(1, 2), [3, 4.5]], device=device)
    assert t.dtype is ag.float32 and t.tolist() == [[1.0, 2.0], [3.0, 4.5]]


def test_tensor_from_list_of_0d_tensors():
    assert ag.tensor([ag.tensor(1.0), ag.tensor(2.0)]).tolist() == [1.0, 2.0]


def test_tensor_ragged_list_raises_value_error():
    with pytest.raises(ValueError, match="expected sequence of length 2 at dim 1 \\(got 1\\)"):
        ag.tensor([[1, 2], [3]])


def test_tensor_requires_grad_flag(device):
    t = ag.tensor([1.0], device=device, requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_tensor_requires_grad_on_integers_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2], requires_grad=True)


def test_as_tensor_shares_numpy_memory_and_keeps_tensors():
    a = np.ones(3)
    t = ag.as_tensor(a)
    a[1] = 5
    assert t.tolist() == [1.0, 5.0, 1.0]
    x = ag.ones(2)
    assert ag.as_tensor(x) is x
    assert ag.as_tensor(x, dtype=ag.float64).dtype is ag.float64


def test_asarray_copy_flag():
    a = np.ones(2)
    shared, copied = ag.asarray(a), ag.asarray(a, copy=True)
    a[0] = 3
    assert shared.tolist() == [3.0, 1.0] and copied.tolist() == [1.0, 1.0]


def test_legacy_tensor_constructor_with_sizes():
    t = ag.Tensor(2, 3)
    assert type(t) is ag.Tensor and t.shape == (2, 3) and t.dtype is ag.float32


def test_legacy_tensor_constructor_with_data_is_float():
    t = ag.Tensor([1, 2])
    assert t.dtype is ag.float32 and t.tolist() == [1.0, 2.0]
    assert ag.Tensor().shape == (0,)


@pytest.mark.parametrize("fn", [ag.randn, ag.rand])
def test_random_creation_dtype_and_shape(device, fn):
    t = fn(2, 3, dtype=ag.float64, device=device)
    assert t.shape == (2, 3) and t.dtype is ag.float64 and t.device == device


def test_random_float_functions_reject_integer_dtype():
    with pytest.raises(TypeError, match="floating point"):
        ag.randn(2, dtype=ag.int64)


def test_randint_range_and_dtype(device):
    t = ag.randint(3, 7, (200,), device=device)
    v = t.numpy()
    assert t.dtype is _int_default(device) and v.min() >= 3 and v.max() <= 6
    assert set(np.unique(v)) == {3, 4, 5, 6}
    assert ag.randint(5, (2,)).numpy().max() < 5


def test_randint_bad_range_raises():
    with pytest.raises(RuntimeError, match="low < high"):
        ag.randint(5, 5, (2,))


def test_randperm_is_a_permutation(device):
    p = ag.randperm(10, device=device)
    assert sorted(p.tolist()) == list(range(10)) and p.dtype is _int_default(device)


def test_normal_with_scalars_and_tensors(device):
    t = ag.normal(2.0, 0.5, (4000,), device=device)
    assert t.device == device
    assert abs(t.numpy().mean() - 2.0) < 0.05 and abs(t.numpy().std() - 0.5) < 0.05
    mean = ag.full((3,), 10.0, device=device)
    assert ag.normal(mean, 1e-6).numpy().round(3).tolist() == [10.0, 10.0, 10.0]


def test_bernoulli_values(device):
    p = ag.tensor([0.0, 1.0, 0.0, 1.0], device=device)
    out = ag.bernoulli(p)
    assert out.tolist() == [0.0, 1.0, 0.0, 1.0] and out.dtype is ag.float32


@pytest.mark.parity
def test_numpy_scalars_keep_their_dtype_as_in_pytorch(torch):
    for v in (np.float64(1.5), np.float32(2), np.int64(3), np.int32(4), np.bool_(True),
              np.complex128(1j)):
        t = ag.tensor(v)
        assert t.dtype.name == str(torch.tensor(v).dtype).split(".")[1]
        assert t.item() == v
