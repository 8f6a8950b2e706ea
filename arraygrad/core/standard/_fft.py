"""The standard's fft extension (2024.12), exposed as `arraygrad.array_api.fft`: the 14
functions with the standard's signatures over arraygrad's differentiable transforms
(`arraygrad.fft`, torch.fft's names). Real inputs are accepted where the standard asks for
complex ones (they are promoted, as PyTorch does)."""

from __future__ import annotations

from ..ops import fft as _f
from ..tensor import Tensor
from ._common import _dev, _dtype

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft",
           "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def fft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Tensor:
    """The one-dimensional discrete Fourier transform along axis (the standard's fft.fft)."""
    return _f.fft(x, n, axis, norm)


def ifft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Tensor:
    """The inverse of fft (the standard's fft.ifft)."""
    return _f.ifft(x, n, axis, norm)


def fftn(x: Tensor, /, *, s=None, axes=None, norm: str = "backward") -> Tensor:
    """The n-dimensional transform over axes (all, or the last len(s)) (fft.fftn)."""
    return _f.fftn(x, s, axes, norm)


def ifftn(x: Tensor, /, *, s=None, axes=None, norm: str = "backward") -> Tensor:
    """The inverse of fftn (the standard's fft.ifftn)."""
    return _f.ifftn(x, s, axes, norm)


def rfft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Tensor:
    """The transform of a real signal, its n//2 + 1 non-negative frequencies (fft.rfft)."""
    return _f.rfft(x, n, axis, norm)


def irfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
          norm: str = "backward") -> Tensor:
    """The inverse of rfft: n real points, 2 * (size - 1) by default (fft.irfft)."""
    return _f.irfft(x, n, axis, norm)


def rfftn(x: Tensor, /, *, s=None, axes=None, norm: str = "backward") -> Tensor:
    """rfft along the last of axes, fft along the others (fft.rfftn)."""
    return _f.rfftn(x, s, axes, norm)


def irfftn(x: Tensor, /, *, s=None, axes=None, norm: str = "backward") -> Tensor:
    """The inverse of rfftn (fft.irfftn)."""
    return _f.irfftn(x, s, axes, norm)


def hfft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Tensor:
    """The transform of a Hermitian-symmetric signal given by its first half (fft.hfft)."""
    return _f.hfft(x, n, axis, norm)


def ihfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
          norm: str = "backward") -> Tensor:
    """The inverse of hfft (fft.ihfft)."""
    return _f.ihfft(x, n, axis, norm)


def fftfreq(n: int, /, *, d: float = 1.0, dtype=None, device=None) -> Tensor:
    """The sample frequencies of fft of n points spaced d apart (fft.fftfreq)."""
    dev = _dev(device)
    return _f.fftfreq(n, d, dtype=_dtype(dtype, dev), device=dev)


def rfftfreq(n: int, /, *, d: float = 1.0, dtype=None, device=None) -> Tensor:
    """The sample frequencies of rfft of n points spaced d apart (fft.rfftfreq)."""
    dev = _dev(device)
    return _f.rfftfreq(n, d, dtype=_dtype(dtype, dev), device=dev)


def fftshift(x: Tensor, /, *, axes=None) -> Tensor:
    """The zero frequency moved to the centre of axes (all by default) (fft.fftshift)."""
    return _f.fftshift(x, axes)


def ifftshift(x: Tensor, /, *, axes=None) -> Tensor:
    """The inverse of fftshift (fft.ifftshift)."""
    return _f.ifftshift(x, axes)
