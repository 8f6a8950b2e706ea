"""Convolution: values and gradients against PyTorch across the option grid (stride, padding
incl. 'same', dilation, groups, bias; 1-D/2-D/3-D) on every backend, the generic array-API
kernels against NumPy's fast ones, finite differences, double backward, errors and the modules."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F
from arraygrad.autograd import gradcheck, gradgradcheck
from arraygrad.nn.functional import _conv
from tests._gradients import random_array, to_numpy

TOL = dict(rtol=1e-9, atol=1e-10)

# (dims, input shape, out_channels, kernel, stride, padding, dilation, groups, bias)
CASES = [
    (1, (2, 3, 10), 4, (3,), 1, 0, 1, 1, True),
    (1, (2, 2, 9), 4, (4,), 1, "same", 2, 2, False),
    (2, (2, 3, 7, 6), 4, (3, 2), 1, 0, 1, 1, True),
    (2, (2, 4, 7, 8), 6, (3, 3), 2, 1, 1, 2, True),
    (2, (2, 4, 9, 8), 4, (3, 2), (2, 3), (1, 2), (2, 1), 4, False),
    (2, (1, 2, 6, 6), 2, (2, 2), 2, 0, 1, 1, True),
    (2, (2, 2, 5, 6), 3, (2, 3), 1, "same", 1, 1, True),
    (2, (3, 5, 5), 2, (3, 3), 1, "valid", 1, 1, True),  # unbatched
    (3, (1, 2, 5, 4, 6), 2, (2, 3, 2), (1, 2, 2), 1, 1, 1, True),
]


def _run_case(device, case, seed=0):
    nd, shape, out_ch, ks, stride, padding, dilation, groups, bias = case
    cin = shape[-nd - 1]
    x = random_array(*shape, seed=seed)
    w = random_array(out_ch, cin // groups, *ks, seed=seed + 1)
    b = random_array(out_ch, seed=seed + 2)
    ts = [ag.tensor(a, device=device, requires_grad=True) for a in (x, w, b)]
    fn = getattr(F, f"conv{nd}d")
    y = fn(ts[0], ts[1], ts[2] if bias else None, stride, padding, dilation, groups)
    gy = random_array(*y.shape, seed=seed + 3)
    y.backward(ag.tensor(gy, device=device))
    grads = [to_numpy(t.grad) for t in (ts if bias else ts[:2])]
    return (x, w, b, gy), to_numpy(y), grads


@pytest.mark.parity
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}d-{c[1]}-{c[4]}-{c[5]}-{c[7]}")
def test_conv_matches_torch(eager_device, torch, case):
    nd, shape, out_ch, ks, stride, padding, dilation, groups, bias = case
    (x, w, b, gy), y, grads = _run_case(eager_device, case)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    fn = getattr(torch.nn.functional, f"conv{nd}d")
    ty = fn(tx, tw, tb if bias else None, stride, padding, dilation, groups)
    ty.backward(torch.tensor(gy))
    np.testing.assert_allclose(y, ty.detach().numpy(), **TOL)
    for got, want in zip(grads, (tx, tw, tb), strict=False):
        np.testing.assert_allclose(got, want.grad.numpy(), **TOL)


def test_conv_on_dask_matches_numpy():
    """Dask (lazy, chunked) gives NumPy's values and gradients (one strided, grouped case keeps
    the lazy graph cheap)."""
    case = (2, (1, 4, 5, 6), 2, (3, 3), 2, 1, 1, 2, True)
    _, y, grads = _run_case("dask", case)
    _, y_np, grads_np = _run_case("cpu", case)
    np.testing.assert_allclose(y, y_np, **TOL)
    for a, b in zip(grads, grads_np, strict=True):
        np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.parametrize("case", CASES[:6], ids=lambda c: f"{c[0]}d-{c[1]}")
def test_generic_kernels_match_numpy_fast_kernels(monkeypatch, case):
    _, y_fast, g_fast = _run_case("cpu", case)
    monkeypatch.setattr(_conv, "_FAST_KERNELS", False)
    _, y_gen, g_gen = _run_case("cpu", case)
    np.testing.assert_allclose(y_gen, y_fast, **TOL)
    for a, b in zip(g_gen, g_fast, strict=True):
        np.testing.assert_allclose(a, b, **TOL)


def test_conv_float32_matches_float64():
    x, w = random_array(2, 3, 8, 8), random_array(4, 3, 3, 3, seed=1)
    y32 = F.conv2d(ag.tensor(x, dtype=ag.float32), ag.tensor(w, dtype=ag.float32), padding=1)
    y64 = F.conv2d(ag.tensor(x), ag.tensor(w), padding=1)
    assert y32.dtype == ag.float32
    np.testing.assert_allclose(to_numpy(y32), to_numpy(y64), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fast", [True, False])
def test_conv_gradcheck(monkeypatch, fast):
    monkeypatch.setattr(_conv, "_FAST_KERNELS", fast)
    x = ag.tensor(random_array(1, 2, 5, 4), requires_grad=True)
    w = ag.tensor(random_array(4, 1, 2, 3, seed=1), requires_grad=True)
    b = ag.tensor(random_array(4, seed=2), requires_grad=True)

    def fn(x, w, b):
        return F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)

    assert gradcheck(fn, (x, w, b))


def test_conv_double_backward():
    """create_graph runs the backward through the generic kernels, rebuilding the columns."""
    x = ag.tensor(random_array(1, 2, 4, 3), requires_grad=True)
    w = ag.tensor(random_array(2, 2, 2, 2, seed=1), requires_grad=True)
    assert gradgradcheck(lambda x, w: F.conv2d(x, w, stride=(2, 1), padding=1), (x, w))


def test_conv_wrong_channels_names_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"conv2d\(\): expected input with 3 channels, got 4 "
                                           r"\(input shape \(2, 4, 5, 5\)"):
        F.conv2d(ag.zeros(2, 4, 5, 5), ag.zeros(8, 3, 3, 3))


def test_conv_wrong_rank_and_bad_options_raise():
    with pytest.raises(RuntimeError, match=r"conv2d\(\): expected 3-D \(unbatched\) or 4-D"):
        F.conv2d(ag.zeros(5, 5), ag.zeros(8, 3, 3, 3))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv1d(ag.zeros(1, 1, 5), ag.zeros(1, 1, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="kernel size can't be greater"):
        F.conv1d(ag.zeros(1, 1, 2), ag.zeros(1, 1, 3))
    with pytest.raises(RuntimeError, match="divisible by groups"):
        F.conv1d(ag.zeros(1, 2, 5), ag.zeros(3, 1, 3), groups=2)
    with pytest.raises(RuntimeError, match="dtype"):
        F.conv1d(ag.zeros(1, 1, 5), ag.zeros(1, 1, 3, dtype=ag.float64))


# ---- the modules ------------------------------------------------------------------------------
MODULES = [("Conv1d", (3, 4, 3), {}), ("Conv2d", (4, 6, (3, 2)), dict(stride=2, padding=1,
                                                                     groups=2, bias=False)),
           ("Conv2d", (2, 3, 3), dict(padding="same", dilation=2, padding_mode="reflect")),
           ("Conv2d", (2, 3, 3), dict(padding=(1, 2), padding_mode="circular")),
           ("Conv2d", (2, 3, 3), dict(padding=1, padding_mode="replicate")),
           ("Conv3d", (2, 2, 2), dict(stride=(1, 2, 1)))]


@pytest.mark.parity
@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=lambda v: str(v))
def test_conv_module_matches_torch_with_its_weights(torch, name, args, kwargs):
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    am = getattr(ag.nn, name)(*args, **kwargs).double()
    assert repr(am) == repr(tm)
    assert list(am.state_dict()) == list(tm.state_dict())
    am.load_state_dict({k: ag.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    nd = int(name[-2])
    x = random_array(2, args[0], *([7, 6, 5][:nd]))
    tx, ax = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    ty, ay = tm(tx), am(ax)
    np.testing.assert_allclose(to_numpy(ay), ty.detach().numpy(), **TOL)
    gy = random_array(*ty.shape, seed=5)
    ty.backward(torch.tensor(gy))
    ay.backward(ag.tensor(gy))
    np.testing.assert_allclose(to_numpy(ax.grad), tx.grad.numpy(), **TOL)
    np.testing.assert_allclose(to_numpy(am.weight.grad), tm.weight.grad.numpy(), **TOL)


def test_conv_module_init_follows_pytorch_bounds():
    m = ag.nn.Conv2d(4, 8, 3, groups=2)  # fan_in = 2 * 3 * 3
    bound = 1 / np.sqrt(18)
    w, b = to_numpy(m.weight), to_numpy(m.bias)
    assert w.shape == (8, 2, 3, 3) and np.abs(w).max() <= bound and np.abs(w).max() > bound / 2
    assert np.abs(b).max() <= bound
    ag.manual_seed(0)
    again = ag.nn.Conv2d(4, 8, 3, groups=2)
    np.testing.assert_array_equal(to_numpy(again.weight), w)


def test_conv_module_runs_on_every_backend(device):
    ag.manual_seed(0)
    m = ag.nn.Conv2d(2, 3, 3, padding=1).to(device)
    x = ag.tensor(random_array(1, 2, 4, 4), dtype=ag.float32, device=device)
    ag.manual_seed(0)
    ref = ag.nn.Conv2d(2, 3, 3, padding=1)(ag.tensor(random_array(1, 2, 4, 4),
                                                     dtype=ag.float32))
    np.testing.assert_allclose(to_numpy(m(x)), to_numpy(ref), rtol=1e-5, atol=1e-6)


def test_conv_module_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        ag.nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        ag.nn.Conv2d(2, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        ag.nn.Conv2d(2, 4, 3, padding_mode="mirror")
    with pytest.raises(RuntimeError, match=r"conv2d\(\): expected input with 2 channels, got 3"):
        ag.nn.Conv2d(2, 4, 3)(ag.zeros(1, 3, 5, 5))


# ---- transposed convolution --------------------------------------------------------------------
# (dims, input shape, out_channels, kernel, stride, padding, output_padding, groups, dilation)
T_CASES = [(1, (2, 3, 6), 2, (4,), 3, 2, 0, 1, 1),
           (2, (2, 3, 5, 4), 4, (3, 2), 1, 0, 0, 1, 1),
           (2, (2, 4, 4, 5), 6, (3, 3), 2, 1, 1, 2, 1),
           (2, (1, 4, 4, 3), 4, (2, 3), (2, 3), (1, 0), (1, 2), 2, (2, 1)),
           (3, (1, 2, 3, 2, 3), 2, (2, 2, 2), 2, 0, 1, 1, 1)]


def _run_t(device, case):
    nd, shape, cout, ks, stride, padding, opad, groups, dilation = case
    x, w = random_array(*shape), random_array(shape[1], cout // groups, *ks, seed=1)
    b = random_array(cout, seed=2)
    ts = [ag.tensor(a, device=device, requires_grad=True) for a in (x, w, b)]
    y = getattr(F, f"conv_transpose{nd}d")(ts[0], ts[1], ts[2], stride, padding, opad, groups,
                                           dilation)
    gy = random_array(*y.shape, seed=3)
    y.backward(ag.tensor(gy, device=device))
    return (x, w, b, gy), to_numpy(y), [to_numpy(t.grad) for t in ts]


@pytest.mark.parity
@pytest.mark.parametrize("case", T_CASES, ids=lambda c: f"{c[0]}d-{c[1]}-{c[4]}-{c[6]}")
def test_conv_transpose_matches_torch(eager_device, torch, case):
    (x, w, b, gy), y, grads = _run_t(eager_device, case)
    nd, _, _, _, stride, padding, opad, groups, dilation = case
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = getattr(torch.nn.functional, f"conv_transpose{nd}d")(tx, tw, tb, stride, padding, opad,
                                                              groups, dilation)
    ty.backward(torch.tensor(gy))
    np.testing.assert_allclose(y, ty.detach().numpy(), **TOL)
    for got, want in zip(grads, (tx, tw, tb), strict=True):
        np.testing.assert_allclose(got, want.grad.numpy(), **TOL)


def test_conv_transpose_dask_generic_and_double_backward(monkeypatch):
    """Dask and the generic kernels give NumPy's fast-kernel results; second derivatives hold."""
    def arrays(run):
        return [run[1]] + run[2]

    want = arrays(_run_t("cpu", T_CASES[2]))
    for a, b in zip(arrays(_run_t("dask", T_CASES[2])), want, strict=True):
        np.testing.assert_allclose(a, b, **TOL)
    monkeypatch.setattr(_conv, "_FAST_KERNELS", False)
    for a, b in zip(arrays(_run_t("cpu", T_CASES[2])), want, strict=True):
        np.testing.assert_allclose(a, b, **TOL)
    x = ag.tensor(random_array(1, 2, 3, 2), requires_grad=True)
    w = ag.tensor(random_array(2, 1, 2, 2, seed=1), requires_grad=True)
    assert gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1), (x, w))


@pytest.mark.parity
def test_conv_transpose_module_matches_torch_with_output_size(torch):
    tm = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2).double()
    am = ag.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2).double()
    assert repr(am) == repr(tm)
    assert am.weight.shape == tm.weight.shape
    am.load_state_dict({k: ag.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = random_array(2, 4, 4, 5)
    for size in (None, (8, 10)):
        np.testing.assert_allclose(to_numpy(am(ag.tensor(x), output_size=size)),
                                   tm(torch.tensor(x), output_size=size).detach().numpy(), **TOL)
    with pytest.raises(ValueError, match="valid sizes range"):
        am(ag.tensor(x), output_size=(12, 10))
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        F.conv_transpose1d(ag.zeros(1, 1, 4), ag.zeros(1, 1, 3), stride=1, output_padding=1)


@pytest.mark.parity
@pytest.mark.parametrize("transposed", [False, True])
def test_complex_conv_gradients_follow_pytorchs_convention(torch, transposed):
    rng = np.random.default_rng(0)
    wshape = (3, 2, 3) if not transposed else (2, 3, 3)  # (out, in, k) and (in, out, k)
    x, w = (rng.standard_normal(s) + 1j * rng.standard_normal(s) for s in ((1, 2, 6), wshape))
    ours = [ag.tensor(v, dtype=ag.complex128, requires_grad=True) for v in (x, w)]
    theirs = [torch.tensor(v, dtype=torch.complex128, requires_grad=True) for v in (x, w)]
    name = "conv_transpose1d" if transposed else "conv1d"
    getattr(ag.nn.functional, name)(*ours).abs().sum().backward()
    getattr(torch.nn.functional, name)(*theirs).abs().sum().backward()
    for a, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-10)
