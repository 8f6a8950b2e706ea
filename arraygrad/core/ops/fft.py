"""Discrete Fourier transforms (torch.fft's functions), differentiable with PyTorch's formulas.

Three primitives run the backend's `fft` extension: `_c2c` (complex to complex over axes),
`_r2c` (real to one-sided complex along one axis) and `_c2r` (one-sided complex to real). Their
gradients are PyTorch's (`fft_c2c_backward`, `fft_r2c_backward`, `fft_c2r_backward`): the
transform in the other direction with the same scale factor (norm "backward" <-> "forward"),
and for the one-sided ones the entries that stand for two frequencies weighted by 2 or 1/2.
Everything else (lengths `n`/`s` by truncating or zero-padding, rfftn, irfftn, hfft, ihfft,
shifts) is composed from them and from differentiable ops, so second derivatives come free.
"""

from __future__ import annotations

from .. import dtypes as _dt
from ..graph import record
from ..tensor import Tensor, _dim, _wrap

_NORMS = ("backward", "ortho", "forward")
_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _xfft(dev, op: str):
    """The backend's fft extension (a clear error where the library has none)."""
    f = getattr(dev.xp, "fft", None)
    if f is None:
        raise RuntimeError(f"{op}(): backend {dev.backend.name!r} ({dev.xp.__name__}) has no fft "
                           "extension")
    return f


def _whole(d, axes):
    """d with each transformed axis in one block: Dask's fft refuses a chunked axis (duck-typed,
    so core stays free of library imports; other arrays have no `rechunk`)."""
    rechunk = getattr(d, "rechunk", None)
    return d if rechunk is None else rechunk({a: -1 for a in axes})


def _norm(norm, op: str) -> str:
    norm = "backward" if norm is None else norm
    if norm not in _NORMS:
        raise ValueError(f"{op}(): invalid normalization mode {norm!r}; expected one of "
                         f"{', '.join(_NORMS)}")
    return norm


def _complex(x: Tensor) -> Tensor:
    """x as complex (a real tensor's gradient is the real part, as for Tensor.to)."""
    if x.dtype.kind == _dt._COMPLEX:
        return x
    if x.dtype.kind != _dt._FLOAT:
        x = x.to(_dt.get_default_dtype())
    return x.to(_dt._complex_of(x.dtype))


def _real_float(x: Tensor, op: str) -> Tensor:
    if x.dtype.kind == _dt._COMPLEX:
        raise RuntimeError(f"{op}(): expects a real input tensor, but got {x.dtype}")
    return x if x.dtype.kind == _dt._FLOAT else x.to(_dt.get_default_dtype())


# ---- the primitives ------------------------------------------------------------------------------
def _c2c_bw(K, n, s, g):
    axes, norm, forward = n.ctx
    return (_c2c(g, axes, _DUAL[norm], not forward) if isinstance(g, Tensor)
            else _raw_c2c(n.dev, g, axes, _DUAL[norm], not forward),)


def _raw_c2c(dev, d, axes, norm, forward):
    f = _xfft(dev, "fft")
    return (f.fftn if forward else f.ifftn)(_whole(d, axes), axes=axes, norm=norm)


def _c2c(x: Tensor, axes: tuple, norm: str, forward: bool) -> Tensor:
    """fftn (forward) or ifftn of complex x over axes, without resizing."""
    dev = x._dev
    out = _raw_c2c(dev, x._data, axes, norm, forward)
    return record(dev, out, "FftC2CBackward0", _c2c_bw, (x,), (), (axes, norm, forward))


def _weights(dev, m: int, n: int, double: bool, dtype):
    """Length-m weights of a one-sided spectrum of a length-n signal: the entries 1..n-m stand for
    two frequencies (2 for c2r's gradient, 1/2 for r2c's), the others for one."""
    xp = dev.xp
    k = xp.arange(m, device=dev.native)
    inner = (k >= 1) & (k <= n - m)
    nat = dev.native_dtype(dtype)
    two = xp.asarray(2.0 if double else 0.5, dtype=nat, device=dev.native)
    return xp.where(inner, two, xp.asarray(1.0, dtype=nat, device=dev.native))


def _along(w, axis: int, ndim: int, xp):
    return xp.reshape(w, (-1,) + (1,) * (ndim - 1 - axis))


def _r2c_bw(K, n, s, g):
    axis, size, norm, w = n.ctx
    if isinstance(g, Tensor):
        wt = _wrap(_along(w, axis, g.ndim, g._dev.xp), g._dev)
        return (_c2r(g * wt, axis, size, _DUAL[norm]),)
    return (_raw_c2r(n.dev, g * _along(w, axis, g.ndim, n.dev.xp), axis, size, _DUAL[norm]),)


def _r2c(x: Tensor, axis: int, norm: str) -> Tensor:
    """rfft of real x along axis (one-sided: size//2 + 1 entries)."""
    dev = x._dev
    out = _xfft(dev, "rfft").rfft(_whole(x._data, (axis,)), axis=axis, norm=norm)
    size = x.shape[axis]
    w = _weights(dev, size // 2 + 1, size, False, x.dtype)
    return record(dev, out, "FftR2CBackward0", _r2c_bw, (x,), (), (axis, size, norm, w))


def _raw_c2r(dev, d, axis, size, norm):
    return _xfft(dev, "irfft").irfft(_whole(d, (axis,)), n=size, axis=axis, norm=norm)


def _c2r_bw(K, n, s, g):
    axis, size, norm, w = n.ctx
    if isinstance(g, Tensor):
        wt = _wrap(_along(w, axis, g.ndim, g._dev.xp), g._dev)
        return (_r2c(g, axis, _DUAL[norm]) * wt,)
    d = _xfft(n.dev, "rfft").rfft(_whole(g, (axis,)), axis=axis, norm=_DUAL[norm])
    return (d * _along(w, axis, g.ndim, n.dev.xp),)


def _c2r(x: Tensor, axis: int, size: int, norm: str) -> Tensor:
    """irfft of the one-sided complex x (size//2 + 1 entries along axis) to `size` reals."""
    dev = x._dev
    out = _raw_c2r(dev, x._data, axis, size, norm)
    real = _dt.float32 if x.dtype is _dt.complex64 else _dt.float64
    w = _weights(dev, x.shape[axis], size, True, real)
    return record(dev, out, "FftC2RBackward0", _c2r_bw, (x,), (), (axis, size, norm, w))


# ---- torch.fft's functions -----------------------------------------------------------------------
def _resize(x: Tensor, axis: int, n: int | None, op: str) -> Tensor:
    """x truncated or zero-padded to n along axis (torch.fft's `n`/`s`)."""
    size = x.shape[axis]
    if n is None or n == size:
        return x
    if n < 1:
        raise RuntimeError(f"{op}(): invalid number of data points ({n}) specified")
    if n < size:
        return narrow(x, axis, 0, n)
    shape = list(x.shape)
    shape[axis] = n - size
    return cat([x, zeros(tuple(shape), dtype=x.dtype, device=x._dev)], axis)


def _tensor(x, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    return x


def _axes(x: Tensor, s, dim, op: str) -> tuple[tuple, tuple]:
    """(axes, sizes) of an n-dimensional transform: all axes (or the last len(s)) by default."""
    if dim is None:
        dim = tuple(range(x.ndim)) if s is None else tuple(range(x.ndim - len(s), x.ndim))
    elif isinstance(dim, int):
        dim = (dim,)
    axes = tuple(_dim(d, x.ndim, op) for d in dim)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}(): dims must be unique, got {tuple(dim)}")
    if s is not None and len(s) != len(axes):
        raise RuntimeError(f"{op}(): when given, dim and shape arguments must have the same "
                           f"length, got s={tuple(s)} and dim={tuple(dim)}")
    sizes = tuple(s) if s is not None else (None,) * len(axes)
    return axes, tuple(None if n == -1 else n for n in sizes)


def _cfft(x, n, dim, norm, forward: bool, op: str) -> Tensor:
    x = _complex(_tensor(x, op))
    ax = _dim(dim, x.ndim, op)
    return _c2c(_resize(x, ax, n, op), (ax,), _norm(norm, op), forward)


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """torch.fft.fft: the one-dimensional discrete Fourier transform along dim."""
    return _cfft(input, n, dim, norm, True, "fft")


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """torch.fft.ifft: the inverse of fft."""
    return _cfft(input, n, dim, norm, False, "ifft")


def _cfftn(x, s, dim, norm, forward: bool, op: str) -> Tensor:
    x = _complex(_tensor(x, op))
    axes, sizes = _axes(x, s, dim, op)
    for a, n in zip(axes, sizes, strict=True):
        x = _resize(x, a, n, op)
    return _c2c(x, axes, _norm(norm, op), forward) if axes else x


def fftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """torch.fft.fftn: the n-dimensional transform over dim (all dimensions by default)."""
    return _cfftn(input, s, dim, norm, True, "fftn")


def ifftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """torch.fft.ifftn: the inverse of fftn."""
    return _cfftn(input, s, dim, norm, False, "ifftn")


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """torch.fft.rfft: the transform of a real signal, its n//2 + 1 non-negative frequencies."""
    x = _real_float(_tensor(input, "rfft"), "rfft")
    ax = _dim(dim, x.ndim, "rfft")
    return _r2c(_resize(x, ax, n, "rfft"), ax, _norm(norm, "rfft"))


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """torch.fft.irfft: the inverse of rfft, n real outputs (default 2 * (size - 1))."""
    x = _complex(_tensor(input, "irfft"))
    ax = _dim(dim, x.ndim, "irfft")
    n = 2 * (x.shape[ax] - 1) if n is None else n
    if n < 1:
        raise RuntimeError(f"irfft(): invalid number of data points ({n}) specified")
    return _c2r(_resize(x, ax, n // 2 + 1, "irfft"), ax, n, _norm(norm, "irfft"))


def rfftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """torch.fft.rfftn: rfft along the last of dim, then fft along the others."""
    x = _real_float(_tensor(input, "rfftn"), "rfftn")
    axes, sizes = _axes(x, s, dim, "rfftn")
    if not axes:
        raise RuntimeError("rfftn(): must transform at least one axis")
    norm = _norm(norm, "rfftn")
    for a, n in zip(axes, sizes, strict=True):
        x = _resize(x, a, n, "rfftn")
    out = _r2c(x, axes[-1], norm)
    return _c2c(out, axes[:-1], norm, True) if len(axes) > 1 else out


def irfftn(input: Tensor, s=None, dim=None, norm: str | None = None) -> Tensor:
    """torch.fft.irfftn: the inverse of rfftn (last size 2 * (size - 1) by default)."""
    x = _complex(_tensor(input, "irfftn"))
    axes, sizes = _axes(x, s, dim, "irfftn")
    if not axes:
        raise RuntimeError("irfftn(): must transform at least one axis")
    norm = _norm(norm, "irfftn")
    for a, n in zip(axes[:-1], sizes[:-1], strict=True):
        x = _resize(x, a, n, "irfftn")
    if len(axes) > 1:
        x = _c2c(x, axes[:-1], norm, False)
    last = sizes[-1] if sizes[-1] is not None else 2 * (x.shape[axes[-1]] - 1)
    if last < 1:
        raise RuntimeError(f"irfftn(): invalid number of data points ({last}) specified")
    return _c2r(_resize(x, axes[-1], last // 2 + 1, "irfftn"), axes[-1], last, norm)


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """torch.fft.hfft: the transform of a Hermitian-symmetric signal given by its first half
    (real output of n points, default 2 * (size - 1))."""
    x = _complex(_tensor(input, "hfft"))
    return irfft(conj(x), n, dim, _DUAL[_norm(norm, "hfft")])


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """torch.fft.ihfft: the inverse of hfft (the one-sided spectrum of a real signal)."""
    return conj(rfft(input, n, dim, _DUAL[_norm(norm, "ihfft")]))


def _freq_dtype(dtype):
    d = _dt.get_default_dtype() if dtype is None else dtype
    if d.kind != _dt._FLOAT:
        raise RuntimeError(f"fftfreq(): dtype must be a real floating dtype, got {d}")
    return d


def fftfreq(n: int, d: float = 1.0, *, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """torch.fft.fftfreq: the sample frequencies of fft of n points spaced d apart."""
    k = arange(n, device=device)
    k = where(k <= (n - 1) // 2, k, k - n)
    out = (k.to(_freq_dtype(dtype)) / (n * d))
    return out.requires_grad_() if requires_grad else out


def rfftfreq(n: int, d: float = 1.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """torch.fft.rfftfreq: the sample frequencies of rfft of n points spaced d apart."""
    out = arange(n // 2 + 1, device=device).to(_freq_dtype(dtype)) / (n * d)
    return out.requires_grad_() if requires_grad else out


def _shift(x, dim, sign: int, op: str) -> Tensor:
    x = _tensor(x, op)
    dims = tuple(range(x.ndim)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        return x
    dims = tuple(_dim(a, x.ndim, op) for a in dims)
    return roll(x, tuple(sign * (x.shape[a] // 2) for a in dims), dims)


def fftshift(input: Tensor, dim=None) -> Tensor:
    """torch.fft.fftshift: the zero frequency moved to the centre of dim (all by default)."""
    return _shift(input, dim, 1, "fftshift")


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """torch.fft.ifftshift: the inverse of fftshift."""
    return _shift(input, dim, -1, "ifftshift")


from .comparison import where  # noqa: E402
from .complex import conj  # noqa: E402
from .joining import cat  # noqa: E402
from .shape import narrow  # noqa: E402
from .rearranging import roll  # noqa: E402
from ..creation import arange, zeros  # noqa: E402
