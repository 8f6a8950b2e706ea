"""arraygrad.fft against torch.fft: values and gradients (PyTorch's backward formulas for the
complex, real-to-complex and complex-to-real transforms) for every function, length and norm,
on every backend; finite differences on NumPy float64; the array API's fft extension."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.array_api as xpa
import arraygrad.fft as F
from tests._gradients import backward_both

_RNG = np.random.default_rng(0)
_R = _RNG.standard_normal((4, 6))
_C = _R + 1j * _RNG.standard_normal((4, 6))
_C5 = _RNG.standard_normal((3, 5)) + 1j * _RNG.standard_normal((3, 5))
_CASES = [("fft", _C, {}), ("fft", _R, {"n": 8}), ("fft", _C, {"n": 3, "dim": 0}),
          ("ifft", _C, {"n": 5}), ("fftn", _C, {}), ("fftn", _C, {"s": (3, 7)}),
          ("ifftn", _C, {"dim": (0,)}), ("rfft", _R, {}), ("rfft", _R, {"n": 5}),
          ("rfft", _R, {"dim": 0, "n": 7}), ("irfft", _C, {}), ("irfft", _C, {"n": 7}),
          ("irfft", _C5, {"n": 4}), ("rfftn", _R, {}), ("rfftn", _R, {"s": (3, 5)}),
          ("irfftn", _C, {}), ("irfftn", _C, {"s": (5, 7)}), ("hfft", _C, {}),
          ("hfft", _C, {"n": 7}), ("ihfft", _R, {}), ("ihfft", _R, {"n": 5}),
          ("fftshift", _R, {}), ("ifftshift", _R, {"dim": 1}), ("fftshift", _C5, {"dim": (0, 1)})]


def _np(t):
    return t.detach().resolve_conj().numpy() if hasattr(t, "resolve_conj") else t.detach().numpy()


@pytest.mark.parity
def test_values_and_gradients_match_torch(device, torch):
    _against_torch(device, torch, None)


@pytest.mark.parity
@pytest.mark.parametrize("norm", ["ortho", "forward"])
def test_other_norms_match_torch(eager_device, torch, norm):
    _against_torch(eager_device, torch, norm)


def _against_torch(device, torch, norm):
    for name, host, kw in _CASES:
        if "shift" not in name:
            kw = dict(kw, norm=norm)
        elif norm is not None:
            continue
        tx = torch.tensor(host, requires_grad=True)
        x = ag.tensor(host, device=device, requires_grad=True)
        want, got = getattr(torch.fft, name)(tx, **kw), getattr(F, name)(x, **kw)
        assert got.dtype.name == str(want.dtype).split(".")[-1], (name, kw)
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-10, atol=1e-10,
                                   err_msg=f"{name} {kw}")
        backward_both(want, got, device, _RNG, torch)
        np.testing.assert_allclose(x.grad.numpy(), _np(tx.grad), rtol=1e-10, atol=1e-10,
                                   err_msg=f"gradient of {name} {kw}")


@pytest.mark.parity
def test_frequencies_match_torch(device, torch):
    for n in (5, 6):
        for f in ("fftfreq", "rfftfreq"):
            got = getattr(F, f)(n, 0.3, dtype=ag.float64, device=device)
            want = getattr(torch.fft, f)(n, 0.3, dtype=torch.float64)
            assert got.device == ag.device(device)
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-15)


@pytest.mark.parametrize("name, shape, kw", [("fft", (3, 4), {"n": 5}), ("rfft", (5,), {}),
                                             ("irfft", (2, 4), {"n": 6}), ("hfft", (4,), {}),
                                             ("rfftn", (2, 4), {"norm": "ortho"})])
def test_finite_differences_first_and_second_order(name, shape, kw):
    rng = np.random.default_rng(1)
    host = rng.standard_normal(shape)
    if name in ("irfft", "hfft"):
        host = host + 1j * rng.standard_normal(shape)
    x = ag.tensor(host, requires_grad=True)
    f = lambda t: getattr(F, name)(t, **kw)  # noqa: E731
    assert ag.autograd.gradcheck(f, (x,))
    assert ag.autograd.gradgradcheck(f, (x,))


def test_array_api_extension_and_errors():
    x = xpa.asarray([1.0, 2.0, 3.0, 4.0], dtype=xpa.complex128)
    np.testing.assert_allclose(xpa.fft.fft(x).numpy(), np.fft.fft(x.numpy()))
    np.testing.assert_allclose(xpa.fft.irfft(xpa.fft.rfft(xpa.real(x)), n=4).numpy(),
                               [1.0, 2.0, 3.0, 4.0])
    assert xpa.fft.fftfreq(4, d=0.5, dtype=xpa.float64).tolist() == [0.0, 0.5, -1.0, -0.5]
    with pytest.raises(ValueError, match="rfft.*normalization"):
        F.rfft(ag.ones(4), norm="bad")
    with pytest.raises(RuntimeError, match="rfft.*real input"):
        F.rfft(ag.ones(4, dtype=ag.complex64))
    with pytest.raises(RuntimeError, match="irfft.*data points"):
        F.irfft(ag.ones(1, dtype=ag.complex64))
