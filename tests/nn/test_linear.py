"""Linear, Bilinear and the fused `linear` primitive (tests for arraygrad/nn/modules/linear.py
and nn/functional/_linear.py): values against NumPy float64, finite-difference gradients on
NumPy, the same values and gradients on every backend, PyTorch's init and errors, and memory:
saved inputs are freed once backward has used them, no_grad saves nothing."""

from __future__ import annotations

import math
import weakref

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F
from arraygrad import nn
from tests._gradients import check_grads, make_tensor, random_array, to_numpy


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
def test_linear_matches_numpy(device, shape):
    x, w, b = random_array(*shape, seed=1), random_array(4, 3, seed=2), random_array(4, seed=3)
    out = F.linear(make_tensor(x, device), make_tensor(w, device), make_tensor(b, device))
    np.testing.assert_allclose(to_numpy(out), x @ w.T + b, rtol=1e-12, atol=1e-12)
    out = F.linear(make_tensor(x, device), make_tensor(w, device))
    np.testing.assert_allclose(to_numpy(out), x @ w.T, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(5, 3), (2, 2, 3), (3,)])
def test_linear_gradients_by_finite_differences(shape):
    xs = [random_array(*shape, seed=1), random_array(4, 3, seed=2), random_array(4, seed=3)]
    check_grads(F.linear, xs, "cpu")
    check_grads(lambda x, w: F.linear(x, w), xs[:2], "cpu")


def test_linear_second_derivatives():
    args = [make_tensor(random_array(*s, seed=i), "cpu", requires_grad=True)
            for i, s in enumerate([(3, 2), (2, 2), (2,)])]
    assert ag.autograd.gradgradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), args)


def _step(device, seed=0):
    ag.manual_seed(seed)
    layer = nn.Linear(3, 2).to(device)
    ag.manual_seed(seed + 1)
    x = ag.randn(2, 4, 3, device=device, requires_grad=True)
    out = layer(x)
    (out * out).sum().backward()
    return [to_numpy(t) for t in (out, x.grad, layer.weight.grad, layer.bias.grad)]


def test_linear_same_values_and_gradients_on_every_backend(device):
    for ours, ref in zip(_step(device), _step("cpu"), strict=True):
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6)


def test_frozen_weight_gets_no_gradient_and_input_still_does():
    layer = nn.Linear(3, 2).requires_grad_(False)
    x = ag.randn(4, 3, requires_grad=True)
    layer(x).sum().backward()
    assert layer.weight.grad is None and x.grad is not None
    np.testing.assert_allclose(to_numpy(x.grad), np.tile(to_numpy(layer.weight).sum(0), (4, 1)),
                               rtol=1e-6)


def test_default_init_is_pytorch_kaiming_uniform(device):
    ag.manual_seed(0)
    layer = nn.Linear(400, 300, device=device)
    bound = 1 / math.sqrt(400)
    w, b = to_numpy(layer.weight), to_numpy(layer.bias)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert layer.weight.dtype is ag.float32 and layer.weight.device == ag.device(device)
    ag.manual_seed(0)
    np.testing.assert_array_equal(to_numpy(nn.Linear(400, 300).weight), w)


def test_linear_dtype_argument_and_repr():
    layer = nn.Linear(2, 3, bias=False, dtype=ag.float64)
    assert layer.weight.dtype is ag.float64 and layer.bias is None
    assert list(layer.state_dict()) == ["weight"]
    assert repr(layer) == "Linear(in_features=2, out_features=3, bias=False)"


def test_wrong_feature_count_names_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"linear\(\): input has 30 features, but the layer "
                                           r"expects 20 \(input shape \(8, 30\)\)"):
        nn.Linear(20, 5)(ag.zeros(8, 30))
    with pytest.raises(RuntimeError, match="weight must be 2-D"):
        F.linear(ag.zeros(2, 3), ag.zeros(3))
    with pytest.raises(RuntimeError, match=r"bias must have shape \(4,\)"):
        F.linear(ag.zeros(2, 3), ag.zeros(4, 3), ag.zeros(3))
    with pytest.raises(RuntimeError, match="same dtype, but got arraygrad.float64"):
        nn.Linear(3, 4)(ag.zeros(2, 3, dtype=ag.float64))


def test_module_on_another_device_than_its_input_raises():
    layer = nn.Linear(3, 2).to("array_api_strict:device1")
    with pytest.raises(RuntimeError, match="input is on cpu and weight on "
                                           "array_api_strict:device1"):
        layer(ag.zeros(1, 3))


def test_bilinear_matches_numpy_and_gradients():
    x1, x2 = random_array(4, 2, seed=1), random_array(4, 3, seed=2)
    w, b = random_array(5, 2, 3, seed=3), random_array(5, seed=4)
    out = F.bilinear(*(make_tensor(a, "cpu") for a in (x1, x2, w, b)))
    np.testing.assert_allclose(to_numpy(out), np.einsum("ni,kij,nj->nk", x1, w, x2) + b,
                               rtol=1e-12)
    check_grads(F.bilinear, [x1, x2, w, b], "cpu")
    layer = nn.Bilinear(2, 3, 5)
    assert tuple(layer(ag.zeros(4, 2), ag.zeros(4, 3)).shape) == (4, 5)
    assert np.abs(to_numpy(layer.weight)).max() <= 1 / math.sqrt(2)
    assert repr(layer) == "Bilinear(in1_features=2, in2_features=3, out_features=5, bias=True)"
    with pytest.raises(RuntimeError, match="bilinear"):
        layer(ag.zeros(4, 3), ag.zeros(4, 3))


def test_saved_input_is_freed_once_backward_used_it():
    l1, l2 = nn.Linear(8, 8), nn.Linear(8, 1)
    h = l1(ag.randn(4, 8))
    ref = weakref.ref(h._data)
    out = l2(h)
    del h
    assert ref() is not None  # l2 keeps its input for the weight gradient
    seen = []
    l1.weight.register_hook(lambda g: seen.append(ref() is None))
    out.sum().backward()
    assert seen == [True]  # gone by the time the earlier layer's gradient is computed


def test_no_grad_inference_saves_nothing():
    l1, l2 = nn.Linear(8, 8), nn.Linear(8, 1)
    with ag.no_grad():
        h = l1(ag.randn(4, 8))
        ref = weakref.ref(h._data)
        out = l2(h)
        del h
    assert out.grad_fn is None and ref() is None


@pytest.mark.parity
def test_complex_linear_gradients_follow_pytorchs_convention(torch):
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s) + 1j * rng.standard_normal(s) for s in ((4, 3), (2, 3), (2,)))
    ours = [ag.tensor(v, dtype=ag.complex128, requires_grad=True) for v in (x, w, b)]
    theirs = [torch.tensor(v, dtype=torch.complex128, requires_grad=True) for v in (x, w, b)]
    F.linear(*ours).abs().sum().backward()
    torch.nn.functional.linear(*theirs).abs().sum().backward()
    for a, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)
