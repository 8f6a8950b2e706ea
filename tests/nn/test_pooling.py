"""Pooling: max/avg/adaptive (avg and max) pooling values and gradients against PyTorch
across the options (stride, padding, dilation, ceil_mode edge windows, count_include_pad,
divisor_override, return_indices), ties sending the gradient to the first maximum only, the
generic kernels against NumPy's fast ones, Dask against NumPy, finite differences and errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F
from arraygrad.autograd import gradcheck
from arraygrad.nn.functional import _conv
from tests._gradients import random_array, to_numpy

TOL = dict(rtol=1e-12, atol=1e-12)

# (function, input shape, args, kwargs, integer-valued input: ties in every window)
CASES = [
    ("max_pool2d", (2, 3, 8, 8), (2,), {}, False),
    ("max_pool2d", (2, 3, 7, 9), (3, 2, 1), {}, True),
    ("max_pool2d", (2, 3, 7, 9), ((3, 2), (2, 1), (1, 0), 2, True), {}, True),
    ("max_pool2d", (2, 2, 4, 5), (2,), {"return_indices": True, "ceil_mode": True}, True),
    ("max_pool1d", (2, 3, 10), (3, 2, 1), {"ceil_mode": True}, False),
    ("max_pool3d", (1, 2, 5, 4, 5), (2,), {"ceil_mode": True, "return_indices": True}, False),
    ("max_pool2d", (3, 6, 6), (3, 3), {}, True),  # unbatched
    ("avg_pool2d", (2, 3, 7, 9), (3, 2, 1), {"ceil_mode": True}, False),
    ("avg_pool2d", (2, 3, 7, 9), (3, 2, 1), {"ceil_mode": True, "count_include_pad": False},
     False),
    ("avg_pool2d", (2, 3, 8, 8), (2,), {"divisor_override": 3}, False),
    ("avg_pool1d", (2, 3, 10), (4, 3, 2), {"ceil_mode": True}, False),
    ("avg_pool3d", (1, 2, 5, 4, 5), (2, 1), {}, False),
    ("adaptive_avg_pool2d", (2, 3, 7, 9), ((3, 4),), {}, False),
    ("adaptive_avg_pool2d", (3, 7, 9), ((None, 4),), {}, False),
    ("adaptive_avg_pool1d", (2, 3, 10), (4,), {}, False),
    ("adaptive_avg_pool3d", (1, 2, 5, 4, 6), ((2, 3, 4),), {}, False),
    ("adaptive_max_pool2d", (2, 3, 7, 9), ((3, 4),), {"return_indices": True}, True),
    ("adaptive_max_pool2d", (3, 7, 9), ((None, 4),), {}, True),
    ("adaptive_max_pool1d", (2, 3, 10), (4,), {"return_indices": True}, True),
]


def _input(shape, ties, seed=0):
    x = random_array(*shape, seed=seed)
    return np.round(x) if ties else x


def _run(device, case):
    name, shape, args, kwargs, ties = case
    x = _input(shape, ties)
    t = ag.tensor(x, device=device, requires_grad=True)
    out = getattr(F, name)(t, *args, **kwargs)
    ind = None
    if isinstance(out, tuple):
        out, ind = out
    gy = random_array(*out.shape, seed=3)
    out.backward(ag.tensor(gy, device=device))
    return x, gy, to_numpy(out), to_numpy(t.grad), (None if ind is None else to_numpy(ind))


@pytest.mark.parity
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def test_pooling_matches_torch(eager_device, torch, case):
    name, shape, args, kwargs, ties = case
    x, gy, out, grad, ind = _run(eager_device, case)
    tx = torch.tensor(x, requires_grad=True)
    tout = getattr(torch.nn.functional, name)(tx, *args, **kwargs)
    if isinstance(tout, tuple):
        tout, tind = tout
        np.testing.assert_array_equal(ind, tind.numpy())
    tout.backward(torch.tensor(gy))
    np.testing.assert_allclose(out, tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(grad, tx.grad.numpy(), **TOL)


def test_pooling_on_dask_matches_numpy():
    for case in (CASES[2], CASES[8]):
        got, want = _run("dask", case), _run("cpu", case)
        for a, b in zip(got[2:4], want[2:4], strict=True):
            np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.parametrize("case", [CASES[1], CASES[2], CASES[3], CASES[8]],
                         ids=lambda c: f"{c[0]}-{c[2]}")
def test_generic_kernels_match_numpy_fast_kernels(monkeypatch, case):
    fast = _run("cpu", case)
    monkeypatch.setattr(_conv, "_FAST_KERNELS", False)
    generic = _run("cpu", case)
    for a, b in zip(fast[2:], generic[2:], strict=True):
        if a is not None:
            np.testing.assert_allclose(a, b, **TOL)


def test_max_pool_after_conv_fast_kernels_match_generic(monkeypatch):
    """A convolution's output ((N, C) over (C, N) memory, NaN and ties in it) pooled and
    relu'd by NumPy's kernels gives the generic kernels' values and gradients."""
    def run():
        x = ag.tensor(np.round(random_array(3, 2, 9, 8) * 2), requires_grad=True)
        w = ag.tensor(np.round(random_array(4, 2, 2, 2, seed=1)), requires_grad=True)
        y = F.conv2d(x, w)
        y = ag.where(y > 6, ag.tensor(float("nan")), y)
        out = F.relu(F.max_pool2d(y, 2))
        out.backward(ag.tensor(random_array(*out.shape, seed=2)))
        return to_numpy(out), to_numpy(x.grad), to_numpy(w.grad)
    fast = run()
    assert np.isnan(fast[0]).any()
    monkeypatch.setattr(_conv, "_FAST_KERNELS", False)
    for a, b in zip(fast, run(), strict=True):
        np.testing.assert_allclose(a, b, **TOL)


def test_max_pool_gradient_goes_to_the_first_maximum_only(device):
    x = ag.ones(1, 1, 2, 4, device=device, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad)[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0]])


@pytest.mark.parity
def test_max_pool_at_nan_points_at_the_last_nan_as_torch(device, torch):
    # PyTorch's kernel takes `val > max || isnan(val)`: the last NaN of a window wins
    nan = np.nan
    a = np.array([[[[1.0, nan, 3.0, 3.0], [nan, 2.0, 1.0, 2.0],
                    [nan, nan, 5.0, nan], [0.0, nan, -1.0, 4.0]]]])
    x = ag.tensor(a, device=device, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    tout, tidx = torch.nn.functional.max_pool2d(t, 2, return_indices=True)
    np.testing.assert_array_equal(to_numpy(idx), tidx.numpy())
    np.testing.assert_array_equal(to_numpy(out), tout.detach().numpy())
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), t.grad.numpy())


def test_ceil_mode_drops_a_window_that_starts_in_the_padding():
    # L=5, k=2, s=2, p=1: ceil gives 4 windows, but the 4th would start at 6 >= L + p
    out = F.max_pool1d(ag.arange(5.0).reshape(1, 1, 5), 2, 2, 1, ceil_mode=True)
    np.testing.assert_array_equal(to_numpy(out)[0, 0], [0.0, 2.0, 4.0])


def test_pooling_gradcheck():
    x = ag.tensor(random_array(1, 2, 5, 6), requires_grad=True)
    assert gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (x,))
    assert gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                            count_include_pad=False), (x,))
    assert gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 4)), (x,))


def test_pooling_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(ag.zeros(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match=r"max_pool2d\(\): expected 3-D \(unbatched\) or 4-D"):
        F.max_pool2d(ag.zeros(4, 4), 2)
    with pytest.raises(RuntimeError, match="too small"):
        F.avg_pool2d(ag.zeros(1, 1, 1, 1), 2)


@pytest.mark.parity
@pytest.mark.parametrize("name,args,kwargs", [
    ("MaxPool1d", (3, 2, 1), {}), ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True, return_indices=True)),
    ("MaxPool3d", (2,), {}), ("AvgPool1d", (3,), {}), ("AvgPool2d", (3, 2, 1), {}),
    ("AvgPool3d", (2,), dict(divisor_override=3)), ("AdaptiveAvgPool1d", (3,), {}),
    ("AdaptiveAvgPool2d", ((3, None),), {}), ("AdaptiveAvgPool3d", (2,), {}),
    ("AdaptiveMaxPool1d", (3,), {}), ("AdaptiveMaxPool2d", ((3, 2),), dict(return_indices=True))],
    ids=lambda v: str(v))
def test_pooling_modules_match_torch(torch, name, args, kwargs):
    tm, am = getattr(torch.nn, name)(*args, **kwargs), getattr(ag.nn, name)(*args, **kwargs)
    assert repr(am) == repr(tm)
    nd = int(name[-2])
    x = random_array(2, 3, *([7, 6, 5][:nd]))
    tout, aout = tm(torch.tensor(x)), am(ag.tensor(x))
    if isinstance(tout, tuple):
        np.testing.assert_array_equal(to_numpy(aout[1]), tout[1].numpy())
        tout, aout = tout[0], aout[0]
    np.testing.assert_allclose(to_numpy(aout), tout.numpy(), **TOL)
