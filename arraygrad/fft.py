"""`arraygrad.fft`: discrete Fourier transforms with torch.fft's names and signatures, all
differentiable (PyTorch's backward formulas; see core/ops/fft.py and docs/array_api.md).

On a backend whose array library has no `fft` extension, each function raises a RuntimeError
naming the function and the backend."""

from __future__ import annotations

from .core.ops.fft import (fft, fftfreq, fftn, fftshift, hfft, ifft, ifftn, ifftshift, ihfft,
                           irfft, irfftn, rfft, rfftfreq, rfftn)

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft",
           "fftfreq", "rfftfreq", "fftshift", "ifftshift"]
